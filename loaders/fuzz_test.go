package loaders

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzIDX feeds arbitrary images and labels files (plain or gzip) to the
// IDX source: it must never panic or over-allocate, every error must name
// a file, and every sample it yields must be consistent with its header.
// Seeds are in testdata/fuzz/FuzzIDX.
func FuzzIDX(f *testing.F) {
	im, lb := idxBytes(3, 2, 2)
	f.Add(im, lb, false)
	f.Add(im[:20], lb, false)
	f.Fuzz(func(t *testing.T, images, labels []byte, compress bool) {
		dir := t.TempDir()
		ext := ""
		if compress {
			images, labels, ext = gz(t, images), gz(t, labels), ".gz"
		}
		p := filepath.Join(dir, "train-images-idx3-ubyte"+ext)
		writeFile(t, p, images)
		writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte"+ext), labels)
		d, err := Open(p, &Config{MaxPixels: 1 << 16})
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		defer d.Close()
		n := d.Info().Count
		for _, view := range []*Dataset{d, d.Shuffle(1)} {
			got := 0
			for s, err := range view.Samples(context.Background(), &ReadOptions{OnError: Skip}) {
				if err != nil {
					if !strings.Contains(err.Error(), dir) {
						t.Fatalf("error does not name the file: %v", err)
					}
					break
				}
				if len(s.Data) != s.Height*s.Width*s.Channels || s.Index < 0 || s.Index >= n {
					t.Fatalf("inconsistent sample %d: %d bytes for %dx%dx%d", s.Index, len(s.Data), s.Height, s.Width, s.Channels)
				}
				got++
			}
			if got > n {
				t.Fatalf("%d samples from a header of %d", got, n)
			}
		}
	})
}

// FuzzCIFAR feeds arbitrary CIFAR-10 and CIFAR-100 batch files to the
// CIFAR source. Seeds are in testdata/fuzz/FuzzCIFAR.
func FuzzCIFAR(f *testing.F) {
	f.Add(cifarBytes(2, false), false, false)
	f.Add(cifarBytes(2, true), true, true)
	f.Fuzz(func(t *testing.T, data []byte, cifar100, coarse bool) {
		dir := t.TempDir()
		name, rec := "data_batch_1.bin", cifar10Record
		if cifar100 {
			name, rec = "train.bin", cifar100Rec
		}
		p := filepath.Join(dir, name)
		writeFile(t, p, data)
		cfg := &Config{}
		if coarse {
			cfg.CIFAR100Labels = "coarse"
		}
		d, err := Open(p, cfg)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			if len(data) > 0 && len(data)%rec == 0 {
				t.Fatalf("whole records refused: %v", err)
			}
			return
		}
		defer d.Close()
		if len(data)%rec != 0 || d.Info().Count != len(data)/rec {
			t.Fatalf("%d bytes opened as %d records", len(data), d.Info().Count)
		}
		classes := len(d.Info().Classes)
		good, skips := 0, &SkipLog{}
		for s, err := range d.Shuffle(2).Samples(context.Background(), &ReadOptions{OnError: Skip, Skips: skips}) {
			if err != nil {
				t.Fatal(err)
			}
			if int(s.Label) >= classes || len(s.Data) != 32*32*3 {
				t.Fatalf("bad sample %+v", s)
			}
			good++
		}
		if good+skips.Count() != d.Info().Count {
			t.Fatalf("%d good + %d skipped != %d", good, skips.Count(), d.Info().Count)
		}
		for _, e := range skips.Errors() {
			if !errors.Is(e, ErrUnknownClass) || !strings.Contains(e.Error(), p) {
				t.Fatalf("skipped for %v", e)
			}
		}
	})
}

// FuzzManifest feeds arbitrary CSV manifests to the parser and the
// manifest source: no panics, no path that escapes the manifest's
// directory, and errors that name the manifest or the image file.
// Seeds are in testdata/fuzz/FuzzManifest.
func FuzzManifest(f *testing.F) {
	f.Add([]byte("path,label\na.png,0\nb.png,1\n"))
	f.Add([]byte("path,class,split\na.png,cat,train\n../b.png,dog,test\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, rowErrs, err := ParseManifest(bytes.NewReader(data), "m.csv")
		if err != nil {
			if !strings.Contains(err.Error(), "m.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for i, r := range rows {
			if rowErrs[i] != nil {
				continue
			}
			c := path.Clean(r.Path)
			if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") || filepath.IsAbs(r.Path) {
				t.Fatalf("row %d: path %q escapes the manifest directory", i, r.Path)
			}
			if r.Label < 0 && r.Class == "" {
				t.Fatalf("row %d: neither label nor class", i)
			}
		}
		dir := t.TempDir()
		m := filepath.Join(dir, "m.csv")
		if err := os.WriteFile(m, data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Open(m, nil)
		if err != nil {
			t.Fatalf("parsed but did not open: %v", err)
		}
		defer d.Close()
		n := 0
		skips := &SkipLog{}
		for s, err := range d.Samples(context.Background(), &ReadOptions{OnError: Skip, Skips: skips}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			_ = s
		}
		if n+skips.Count() != len(rows) {
			t.Fatalf("%d read + %d skipped != %d rows", n, skips.Count(), len(rows))
		}
		for _, e := range skips.Errors() {
			if !strings.HasPrefix(e.Path, dir) {
				t.Fatalf("error names %q, outside %s", e.Path, dir)
			}
		}
	})
}
