package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestRunTiny trains for one epoch on a tiny dataset, as CI does, and
// checks that the number of workers does not change the result: every
// random choice is keyed by (seed, epoch, sample index).
func TestRunTiny(t *testing.T) {
	losses := map[string]string{}
	for _, workers := range []string{"1", "3"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"-n", "40", "-epochs", "1", "-batch", "16", "-workers", workers}, &out)
		if err != nil {
			t.Fatalf("workers=%s: %v\n%s", workers, err, out.String())
		}
		s := out.String()
		for _, want := range []string{"Total params", "epoch 1: train loss", "stage", "augment", "prefetch", "train"} {
			if !strings.Contains(s, want) {
				t.Errorf("workers=%s: output lacks %q:\n%s", workers, want, s)
			}
		}
		m := regexp.MustCompile(`train loss \S+ acc \S+, val loss \S+ acc \S+`).FindString(s)
		if m == "" {
			t.Fatalf("no epoch line in:\n%s", s)
		}
		losses[workers] = m
	}
	if losses["1"] != losses["3"] {
		t.Errorf("results depend on the number of workers:\n 1: %s\n 3: %s", losses["1"], losses["3"])
	}
}

func TestRunBadFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-epochs", "x"}, &out); err == nil {
		t.Error("a bad flag value was accepted")
	}
}
