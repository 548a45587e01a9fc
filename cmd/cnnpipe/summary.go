package main

import (
	"context"
	"encoding/json"
	"flag"

	"github.com/cnnpipe/cnnpipe/eval"
	"github.com/cnnpipe/cnnpipe/models"
)

func init() {
	register(&command{
		name:    "summary",
		summary: "print a model's layers, output shapes and parameter counts (a spec, a checkpoint or a built-in name)",
		usage:   "cnnpipe summary [flags] SPEC|CKPT|NAME",
		example: "cnnpipe summary lenet                          # built-in: " + joinNames() + "\n" +
			"cnnpipe summary my-model.yaml\n" +
			"cnnpipe summary --json runs/mnist/best.safetensors",
		setup: setupSummary,
	})
}

func joinNames() string {
	s := ""
	for i, n := range models.Names() {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

func setupSummary(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	return func(ctx context.Context, args []string, e *env) error {
		if len(args) != 1 {
			return usagef("want one SPEC, CKPT or NAME, got %d arguments", len(args))
		}
		m, err := eval.OpenModel(args[0])
		if err != nil {
			return err
		}
		s := eval.Summarize(m)
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(s)
		}
		return s.WriteText(e.stdout)
	}
}
