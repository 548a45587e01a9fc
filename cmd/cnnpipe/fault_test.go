//go:build linux

package main

// Fault tests for the long-running commands: a real cnnpipe process is
// interrupted (SIGINT) or killed (SIGKILL) mid-run, and augment and convert
// write into a read-only directory and onto a full (tiny tmpfs) disk. Every
// case checks that no partial file sits under a final name, that the
// inputs are untouched, and (after an interruption) that running the same
// command again gives exactly the output of an uninterrupted run.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// faultBinary builds cnnpipe into a temporary directory.
func faultBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the cnnpipe binary (about 20 s)")
	}
	if faultRace {
		t.Skip("the built binary is not race-instrumented: running it again under -race adds nothing")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build cnnpipe")
	}
	bin := filepath.Join(t.TempDir(), "cnnpipe")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// faultShapes writes n built-in shapes images as a class folder of PNGs.
func faultShapes(t *testing.T, n int) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	if code, _, errs := runCLI(context.Background(), "convert", fmt.Sprintf("shapes?n=%d&seed=3", n), src); code != 0 {
		t.Fatalf("making the source folder: exit %d: %s", code, errs)
	}
	return src
}

// hashTree returns a digest of every path, mode and content under root.
func hashTree(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s %v %d\n", rel, info.Mode(), info.Size())
		if e.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// isTempName reports whether a file name is one of the temporary names
// the writers use (expand's ".cnnpipe-tmp-*", loaders' ".NAME.tmp-*").
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".cnnpipe-tmp-") || (strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-"))
}

// checkOutputs fails the test for any file under root, other than a
// temporary one, that does not decode completely: PNGs must decode,
// Parquet files must open, CSV files must end with a newline. It returns
// the final and temporary file counts.
func checkOutputs(t *testing.T, root string) (final, temps int) {
	t.Helper()
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("walk: %v", err)
			}
			return nil
		}
		if e.IsDir() {
			if p != root && isTempName(e.Name()) {
				temps++
			}
			return nil
		}
		if isTempName(e.Name()) || isTempName(filepath.Base(filepath.Dir(p))) {
			temps++
			return nil
		}
		final++
		data, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		switch filepath.Ext(p) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("partial file under a final name: %s: %v", p, err)
			}
		case ".parquet":
			r, err := file.NewParquetReader(bytes.NewReader(data))
			if err != nil {
				t.Errorf("partial Parquet file under a final name: %s: %v", p, err)
			} else {
				r.Close()
			}
		case ".csv", ".txt":
			if len(data) > 0 && data[len(data)-1] != '\n' {
				t.Errorf("partial text file under a final name: %s", p)
			}
		}
		return nil
	})
	return final, temps
}

// countFinal counts the regular files with extension ext under root that
// are not temporary.
func countFinal(root, ext string) int {
	n := 0
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && filepath.Ext(p) == ext && !isTempName(e.Name()) {
			n++
		}
		return nil
	})
	return n
}

// tempSize returns the size of the largest temporary file in dir.
func tempSize(dir string) int64 {
	entries, _ := os.ReadDir(dir)
	var n int64
	for _, e := range entries {
		if isTempName(e.Name()) {
			if info, err := e.Info(); err == nil {
				n = max(n, info.Size())
			}
		}
	}
	return n
}

// interrupt starts bin with args, waits until ready reports true, sends sig
// and returns the exit code and stderr. It fails the test if the process
// ended before the signal could be sent.
func interrupt(t *testing.T, bin string, args []string, sig os.Signal, ready func() bool) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for !ready() {
		select {
		case err := <-done:
			t.Fatalf("cnnpipe %s ended (%v) before it could be interrupted; give it more work\n%s", args[0], err, stderr.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("cnnpipe never became ready to interrupt")
		case <-time.After(2 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("cnnpipe %s did not stop within 60 s of %v", args[0], sig)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func runBin(t *testing.T, bin string, args ...string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("cnnpipe %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestFaultInterrupted builds cnnpipe once, interrupts augment and convert
// runs of it, and runs them under a 512-byte file size limit (a full disk
// that needs neither root nor a mount).
func TestFaultInterrupted(t *testing.T) {
	bin := faultBinary(t)
	t.Run("augment", func(t *testing.T) { testAugmentInterrupted(t, bin) })
	t.Run("convert", func(t *testing.T) { testConvertInterrupted(t, bin) })
	t.Run("filesize", func(t *testing.T) {
		unwritable(t, func(t *testing.T) string { return t.TempDir() }, syscall.EFBIG.Error(), fileSizeLimited(t, bin))
	})
}

// testAugmentInterrupted interrupts `cnnpipe augment` with SIGINT and
// kills it with SIGKILL mid-run: no output under a final name may be
// partial, no manifest may describe an unfinished job, the exit code is
// non-zero, and the same command run again finishes the job with output
// byte-identical to an uninterrupted run (and removes the temporary files).
func testAugmentInterrupted(t *testing.T, bin string) {
	const n, copies = 300, 3
	src := faultShapes(t, n)
	before := hashTree(t, src)
	args := func(dst string) []string {
		return []string{"augment", "--workers", "1", "--copies", fmt.Sprint(copies), "--seed", "4", "--ops", cliOps, src, dst}
	}
	ref := filepath.Join(t.TempDir(), "ref")
	runBin(t, bin, args(ref)...)
	want := readTree(t, ref)
	if len(want) != n*copies+2 { // images + manifest.csv + manifest.parquet (+ state)
		t.Logf("reference run wrote %d files", len(want))
	}
	for _, sig := range []os.Signal{os.Interrupt, os.Kill} {
		t.Run(sig.String(), func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			code, stderr := interrupt(t, bin, args(dst), sig, func() bool { return countFinal(dst, ".png") >= 20 })
			if code == 0 {
				t.Errorf("exit code 0 after %v", sig)
			}
			if sig == os.Interrupt && !strings.Contains(stderr, "interrupted") {
				t.Errorf("SIGINT: stderr does not say the run was interrupted: %q", stderr)
			}
			final, temps := checkOutputs(t, dst)
			t.Logf("%v: exit %d, %d files under final names, %d temporary; %s", sig, code, final, temps, strings.TrimSpace(stderr))
			if countFinal(dst, ".png") >= n*copies {
				t.Errorf("the run was not interrupted mid-way: all %d outputs exist", n*copies)
			}
			for _, name := range []string{"manifest.csv", "manifest.parquet"} {
				if _, err := os.Stat(filepath.Join(dst, name)); err == nil {
					t.Errorf("%s written by an interrupted run", name)
				}
			}
			runBin(t, bin, args(dst)...)
			got := readTree(t, dst)
			for name := range got {
				if isTempName(filepath.Base(name)) {
					t.Errorf("temporary file %s left after the job was finished", name)
				}
			}
			equalTrees(t, want, got)
		})
	}
	if hashTree(t, src) != before {
		t.Error("augment changed its input folder")
	}
}

// testConvertInterrupted interrupts `cnnpipe convert SRC DST.parquet`
// with SIGINT and kills it with SIGKILL while it writes: DST.parquet must
// not exist (a temporary file may remain after SIGKILL, under a temporary
// name), the exit code is non-zero, and running the command again writes a
// file identical to an uninterrupted run's.
func testConvertInterrupted(t *testing.T, bin string) {
	const n = 1500
	src := fmt.Sprintf("shapes?n=%d&seed=2", n) // generated on the fly: ~11 MB of Parquet, 1-2 s
	args := func(dst string) []string {
		return []string{"convert", "--workers", "1", "--row-group", "64", src, dst}
	}
	ref := filepath.Join(t.TempDir(), "ref.parquet")
	runBin(t, bin, args(ref)...)
	want, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []os.Signal{os.Interrupt, os.Kill} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.parquet")
			code, stderr := interrupt(t, bin, args(dst), sig, func() bool { return tempSize(dir) > 1<<20 })
			if code == 0 {
				t.Errorf("exit code 0 after %v", sig)
			}
			final, temps := checkOutputs(t, dir)
			t.Logf("%v: exit %d, %d files under final names, %d temporary; %s", sig, code, final, temps, strings.TrimSpace(stderr))
			if _, err := os.Stat(dst); err == nil {
				t.Errorf("%s exists after an interrupted run", dst)
			}
			if sig == os.Interrupt && !strings.Contains(stderr, "interrupted: nothing was written to "+dst) {
				t.Errorf("SIGINT: stderr does not say the run was interrupted: %q", stderr)
			}
			if sig == os.Interrupt && temps != 0 {
				t.Errorf("SIGINT left %d temporary files", temps)
			}
			runBin(t, bin, args(dst)...)
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("re-run wrote %d bytes that differ from the uninterrupted run's %d", len(got), len(want))
			}
			ds, err := loaders.Open(dst, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c := ds.Info().Count; c != n {
				t.Errorf("re-run output has %d rows, want %d", c, n)
			}
			ds.Close()
		})
	}
}

// enforcedReadOnlyDir returns a directory with mode 0555, skipping the test
// when permissions are not enforced (running as root).
func enforcedReadOnlyDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	probe := filepath.Join(dir, "probe")
	if err := os.WriteFile(probe, nil, 0o644); err == nil {
		os.Remove(probe)
		t.Skip("permissions are not enforced (running as root); the tmpfs test covers unwritable output")
	}
	return dir
}

// tinyDisk mounts a 64 KiB tmpfs, skipping the test when that is not
// allowed.
func tinyDisk(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// A runner runs a cnnpipe command line and returns its exit code and
// output.
type runner func(args ...string) (code int, stdout, stderr string)

func inProcess(args ...string) (int, string, string) { return runCLI(context.Background(), args...) }

// fileSizeLimited runs bin under "ulimit -f 1": a write past 512 bytes fails
// with EFBIG, which stands for a full disk without needing root or a
// mount.
func fileSizeLimited(t *testing.T, bin string) runner {
	return func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		cmd := exec.Command("/bin/sh", append([]string{"-c", `ulimit -f 1 && exec "$0" "$@"`, bin}, args...)...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errb.String()
	}
}

// unwritable runs augment and convert into the directory made by mk and
// checks the error names the output and the cause, and that nothing partial
// is left and the inputs are untouched.
func unwritable(t *testing.T, mk func(*testing.T) string, cause string, run runner) {
	src := faultShapes(t, 120)
	before := hashTree(t, src)
	t.Run("augment", func(t *testing.T) {
		dir := mk(t)
		dst := filepath.Join(dir, "aug")
		code, out, errs := run("augment", "--workers", "2", "--copies", "2", "--ops", cliOps, src, dst)
		t.Logf("exit %d\nstdout: %s\nstderr: %s", code, out, clip(errs))
		if code != exitFailure {
			t.Errorf("exit %d, want %d", code, exitFailure)
		}
		if !strings.Contains(errs, dir) || !strings.Contains(errs, cause) {
			t.Errorf("error does not name the output directory %s and %q: %s", dir, cause, errs)
		}
		checkOutputs(t, dir)
	})
	t.Run("convert", func(t *testing.T) {
		dir := mk(t)
		dst := filepath.Join(dir, "out.parquet")
		code, out, errs := run("convert", "--workers", "1", src, dst)
		t.Logf("exit %d\nstdout: %s\nstderr: %s", code, out, clip(errs))
		if code != exitFailure {
			t.Errorf("exit %d, want %d", code, exitFailure)
		}
		if !strings.Contains(errs, dst) || !strings.Contains(errs, cause) {
			t.Errorf("error does not name %s and %q: %s", dst, cause, errs)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Errorf("%s exists after a failed conversion", dst)
		}
		if _, temps := checkOutputs(t, dir); temps != 0 {
			t.Errorf("%d temporary files left in %s", temps, dir)
		}
	})
	if hashTree(t, src) != before {
		t.Error("the input folder changed")
	}
}

// TestFaultReadOnlyOutput writes into a read-only (0555) directory.
func TestFaultReadOnlyOutput(t *testing.T) {
	unwritable(t, enforcedReadOnlyDir, "permission denied", inProcess)
}

// TestFaultFullDisk writes onto a 64 KiB tmpfs, far too small for the
// output: the disk fills up mid-file, which is where a non-atomic writer
// leaves a truncated file under its final name.
func TestFaultFullDisk(t *testing.T) {
	unwritable(t, tinyDisk, syscall.ENOSPC.Error(), inProcess)
}

// clip shortens s to its first and last lines for logging.
func clip(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) <= 4 {
		return s
	}
	return fmt.Sprintf("%s\n%s\n... %d lines ...\n%s", lines[0], lines[1], len(lines)-3, lines[len(lines)-1])
}
