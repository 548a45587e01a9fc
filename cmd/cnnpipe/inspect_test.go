package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInspectFolder(t *testing.T) {
	code, out, errs := runCmd(t, "inspect", "../../testdata/images")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"format:   folder", "images:   30 readable", "classes:  3", "circle", "10   33.3%", "formats:  jpeg 15, png 15", "32 x 32    x 3       30"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestInspectReportsUnreadable(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../testdata/images", dir)
	os.WriteFile(filepath.Join(dir, "triangle", "bad.png"), []byte("\x89PNG\r\n\x1a\ngarbage"), 0o644)
	code, out, errs := runCmd(t, "inspect", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Count      int
		Unreadable int
		Errors     []struct{ Path, Error string }
		Sizes      []struct{ Height, Width, Channels, Count int }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Count != 30 || rep.Unreadable != 1 || !strings.HasSuffix(rep.Errors[0].Path, "bad.png") || rep.Sizes[0].Count != 30 {
		t.Fatalf("report %+v", rep)
	}
}

func TestInspectSplitsAndUsage(t *testing.T) {
	code, out, errs := runCmd(t, "inspect", "shapes?n=20&seed=1")
	if code != 0 || !strings.Contains(out, "format:   shapes") || !strings.Contains(out, "120 x 60    x 1       20") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runCmd(t, "inspect"); code != 2 {
		t.Errorf("no argument: exit %d, want 2", code)
	}
	if code, _, errs := runCmd(t, "inspect", "/nonexistent/data"); code != 1 || !strings.Contains(errs, "/nonexistent/data") {
		t.Errorf("missing path: exit %d, %s", code, errs)
	}
}

// TestInspectAugmentOutput: the output of cnnpipe augment is a dataset the
// other commands read as class folders (its manifest.csv describes the
// variants; it is not a dataset manifest).
func TestInspectAugmentOutput(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "aug")
	if code, _, errs := runCmd(t, "augment", "../../testdata/images", dst, "--copies", "2", "--seed", "1"); code != 0 {
		t.Fatalf("augment: exit %d: %s", code, errs)
	}
	code, out, errs := runCmd(t, "inspect", dst)
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errs)
	}
	for _, want := range []string{"format:   folder", "images:   60 readable", "classes:  3"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
