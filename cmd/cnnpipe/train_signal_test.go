package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// TestTrainMainProcess is not a test: it runs main() when the signal test
// starts the test binary as a child process.
func TestTrainMainProcess(t *testing.T) {
	if os.Getenv("CNNPIPE_TRAIN_CHILD") != "1" {
		t.Skip("helper process for TestTrainSignal")
	}
	os.Args = append([]string{"cnnpipe"}, strings.Split(os.Getenv("CNNPIPE_TRAIN_ARGS"), "\x1f")...)
	main()
}

// TestTrainSignal sends SIGINT and SIGTERM to a real cnnpipe train process
// once its first epoch is done: it must stop, write a resumable checkpoint
// holding its position in the epoch, print how to resume and exit with
// status 1.
func TestTrainSignal(t *testing.T) {
	if testing.Short() || runtime.GOOS == "windows" {
		t.Skip("starts child processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			args := tinyArgs(t, dir, "--epochs", "1000")
			cmd := exec.Command(os.Args[0], "-test.run=^TestTrainMainProcess$")
			cmd.Env = append(os.Environ(), "CNNPIPE_TRAIN_CHILD=1", "CNNPIPE_TRAIN_ARGS="+strings.Join(append([]string{"train"}, args...), "\x1f"))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { // kill a child that never trains
				select {
				case <-done:
				case <-time.After(time.Minute):
					cmd.Process.Kill()
				}
			}()
			defer close(done)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "epoch ") && strings.Contains(sc.Text(), "/1000  lr ") {
					cmd.Process.Signal(sig)
					break
				}
			}
			for sc.Scan() { // drain
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("child: %v, want exit status 1\n%s", err, stderr.String())
			}
			msg := stderr.String()
			last := filepath.Join(dir, "last.safetensors")
			if !strings.Contains(msg, "interrupted in epoch ") || !strings.Contains(msg, "to continue: cnnpipe train ") || !strings.Contains(msg, "--resume "+last) {
				t.Fatalf("stderr:\n%s", msg)
			}
			tr := newTinyTrainer(t)
			if _, err := tr.ResumeGuarded(last); err != nil {
				t.Fatal(err)
			}
			if tr.State().Epoch < 1 {
				t.Fatalf("checkpoint state %+v", tr.State())
			}
		})
	}
}

// newTinyTrainer returns a trainer for tinySpec (to load checkpoints).
func newTinyTrainer(t *testing.T) *cnn.Trainer {
	t.Helper()
	spec, err := cnn.ParseSpec([]byte(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	opt, lr, sched, _ := spec.NewOptimizer()
	return cnn.NewTrainer(m, cnn.TrainConfig{Optimizer: opt, LR: lr, Schedule: sched})
}
