package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// augFolder writes a class folder with n PNGs per class (and, with
// corrupt, a broken one).
func augFolder(t *testing.T, n int, corrupt bool) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "src")
	for ci, class := range []string{"circle", "square"} {
		dir := filepath.Join(root, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
			for y := 0; y < 30; y++ {
				for x := 0; x < 40; x++ {
					img.SetNRGBA(x, y, color.NRGBA{uint8(6*x + 50*ci), uint8(8*y + 3*i), uint8(x ^ y ^ i), 255})
				}
			}
			var buf bytes.Buffer
			png.Encode(&buf, img)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.png", i)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if corrupt {
		os.WriteFile(filepath.Join(root, "square", "broken.png"), []byte("\x89PNG\r\n\x1a\ngarbage"), 0o644)
	}
	return root
}

func runCLI(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, args, &env{stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	return m
}

func equalTrees(t *testing.T, a, b map[string][]byte) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("trees have %d and %d files", len(a), len(b))
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			t.Errorf("%s differs", k)
		}
	}
}

const cliOps = "rcrop size=24 scale=0.5-1; hflip; rotate deg=15; jitter b=0.4 c=0.4 s=0.4 h=0.1"

func TestAugmentWorkersByteIdentical(t *testing.T) {
	src := augFolder(t, 6, false)
	d1, d4 := filepath.Join(t.TempDir(), "d1"), filepath.Join(t.TempDir(), "d4")
	// Flags after the positional arguments, as in the documentation.
	code, out, errs := runCLI(context.Background(), "augment", src, d1, "--copies", "3", "--seed", "5", "--ops", cliOps, "--workers", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if !strings.Contains(out, "12 inputs -> 36 outputs") || !strings.Contains(out, "encode") {
		t.Errorf("summary: %q", out)
	}
	if code, out, errs := runCLI(context.Background(), "augment", "--workers", "4", "--copies", "3", "--seed", "5", "--ops", cliOps, src, d4); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	a, b := readTree(t, d1), readTree(t, d4)
	equalTrees(t, a, b)
	for _, name := range []string{"circle/00_000.png", "square/05_002.png", "manifest.csv", "manifest.parquet"} {
		if _, ok := a[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
}

func TestAugmentInterruptedThenResumed(t *testing.T) {
	src := augFolder(t, 20, false)
	full := filepath.Join(t.TempDir(), "full")
	args := func(dst string) []string {
		return []string{"augment", src, dst, "--copies", "3", "--seed", "9", "--ops", cliOps, "--workers", "2", "--keep-originals"}
	}
	if code, _, errs := runCLI(context.Background(), args(full)...); code != 0 {
		t.Fatal(errs)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel as soon as the first outputs exist.
		for ctx.Err() == nil {
			if m, _ := filepath.Glob(filepath.Join(dst, "*", "*_000.png")); len(m) >= 2 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	code, _, errs := runCLI(ctx, args(dst)...)
	cancel()
	if code != 0 && !strings.Contains(errs, "interrupted") {
		t.Fatalf("interrupted run: exit %d, %s", code, errs)
	}
	t.Logf("first run: exit %d, %s", code, strings.TrimSpace(errs))
	if code, _, errs := runCLI(context.Background(), args(dst)...); code != 0 {
		t.Fatal(errs)
	}
	equalTrees(t, readTree(t, full), readTree(t, dst))
}

func TestAugmentErrors(t *testing.T) {
	src := augFolder(t, 2, true)
	dst := filepath.Join(t.TempDir(), "out")
	code, _, errs := runCLI(context.Background(), "augment", src, dst, "--ops", "hflip")
	if code != 1 || !strings.Contains(errs, "broken.png") || !strings.Contains(errs, "some inputs failed") {
		t.Errorf("corrupt input: exit %d, stderr %q", code, errs)
	}
	code, out, errs := runCLI(context.Background(), "augment", src, dst, "--ops", "hflip", "--on-error", "skip")
	if code != 0 || !strings.Contains(out, "1 failed") {
		t.Errorf("--on-error=skip: exit %d, %q %q", code, out, errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"augment", src, filepath.Join(src, "aug")}, "destination inside the source"},
		{[]string{"augment", src, dst + "2", "--ops", "rotate degrees=3"}, `unknown parameter "degrees"`},
		{[]string{"augment", src, dst + "2", "--ops", "normalize"}, "produces a tensor"},
		{[]string{"augment", src, dst + "2", "--format", "gif"}, "want png or jpeg"},
		{[]string{"augment", src}, "want SRC and DST"},
		{[]string{"augment", src, dst + "2", "--on-error", "maybe"}, "want fail or skip"},
	} {
		code, _, errs := runCLI(context.Background(), tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args[2:], code, errs, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(src, "aug")); err == nil {
		t.Error("refused run created DST inside SRC")
	}
	code, out, _ = runCLI(context.Background(), "augment", "--list-ops")
	if code != 0 || !strings.Contains(out, "rcrop") {
		t.Errorf("--list-ops: %d %q", code, out)
	}
}

func TestAugmentOpsFileYAML(t *testing.T) {
	src := augFolder(t, 1, false)
	dir := t.TempDir()
	yml := filepath.Join(dir, "policy.yaml")
	os.WriteFile(yml, []byte("- hflip: {p: 1}\n- ccrop: {size: 10}\n"), 0o644)
	dst := filepath.Join(dir, "out")
	if code, _, errs := runCLI(context.Background(), "augment", "--ops-file", yml, src, dst); code != 0 {
		t.Fatal(errs)
	}
	m, _ := os.ReadFile(filepath.Join(dst, "manifest.csv"))
	if !strings.Contains(string(m), "hflip; ccrop x=15 y=10") {
		t.Errorf("manifest:\n%s", m)
	}
}

func TestPreview(t *testing.T) {
	src := augFolder(t, 3, false)
	out := filepath.Join(t.TempDir(), "grid.png")
	code, stdout, errs := runCLI(context.Background(), "preview", src, "--ops", cliOps, "-o", out, "--rows", "3", "--cols", "4", "--cell", "32")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 5 columns (original + 4) and 3 rows of 32-pixel cells with 4-pixel
	// gaps and 16-pixel labels.
	if b := img.Bounds(); b.Dx() != 4+5*36 || b.Dy() != 4+3*52 {
		t.Errorf("sheet %v; stdout %q", b, stdout)
	}
	if code, _, errs := runCLI(context.Background(), "preview", src, "-o", "x.jpg"); code != 2 || !strings.Contains(errs, "PNG") {
		t.Errorf("-o x.jpg: %d %q", code, errs)
	}
}
