// Command cnnpipe prepares image-classification datasets and trains small
// convolutional networks on a CPU.
//
// Usage:
//
//	cnnpipe <command> [flags] [arguments]
//
// Run "cnnpipe help" for the list of commands and "cnnpipe <command> -h"
// for the flags of one. Exit codes: 0 success, 1 failure, 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes a script can rely on.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// A command is one subcommand of the CLI. Each lives in its own file and
// registers itself from an init function, so commands are added without
// touching this file.
type command struct {
	name    string
	summary string // one line for "cnnpipe help"
	usage   string // synopsis, e.g. "cnnpipe train [flags]"
	example string // shown by -h
	// setup declares the command's flags on fs and returns the function that
	// runs it with the remaining positional arguments.
	setup func(fs *flag.FlagSet) func(ctx context.Context, args []string, env *env) error
}

// env is what a command may touch of the process.
type env struct {
	stdout io.Writer
	stderr io.Writer
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cnnpipe: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// usageError marks an error caused by how the command was called; it exits
// with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fs := newFlagSet(c, e)
				c.setup(fs)
				fs.SetOutput(e.stdout)
				fs.Usage()
				return exitOK
			}
		}
		printHelp(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "cnnpipe: unknown command %q\n\n", args[0])
		printHelp(e.stderr)
		return exitUsage
	}
	fs := newFlagSet(c, e)
	runFn := c.setup(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	err := runFn(ctx, fs.Args(), e)
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "cnnpipe %s: %v\n", c.name, err)
		fmt.Fprintf(e.stderr, "usage: %s\nrun 'cnnpipe %s -h' for help\n", c.usage, c.name)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "cnnpipe %s: %v\n", c.name, err)
	return exitFailure
}

func newFlagSet(c *command, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("cnnpipe "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s\n\n%s\n", c.usage, c.summary)
		if c.example != "" {
			fmt.Fprintf(w, "\nexample:\n%s\n", indent(c.example))
		}
		fmt.Fprintf(w, "\nflags:\n")
		fs.PrintDefaults()
	}
	return fs
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "cnnpipe prepares image datasets and trains small CNNs on a CPU.\n\nusage: cnnpipe <command> [flags] [arguments]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nrun 'cnnpipe <command> -h' for the flags of a command.\nexit codes: 0 ok, 1 failure, 2 usage error.\n")
}

// interleavedArgs lets flags follow the positional arguments
// ("cnnpipe augment SRC DST --copies 5"): it parses flags wherever they
// appear and returns the positional arguments.
func interleavedArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		a := args[0]
		switch {
		case a == "--":
			return append(pos, args[1:]...), nil
		case strings.HasPrefix(a, "-") && a != "-":
			if err := fs.Parse(args); err != nil {
				return nil, usagef("%v", err)
			}
			args = fs.Args()
		default:
			pos = append(pos, a)
			args = args[1:]
		}
	}
	return pos, nil
}
