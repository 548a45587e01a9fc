package loaders

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readAll reads a dataset and returns the samples and the first error.
func readAll(d *Dataset, opts *ReadOptions) ([]Sample, error) {
	var out []Sample
	for s, err := range d.Samples(context.Background(), opts) {
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}

// wantErr checks that err wraps sentinel and mentions every fragment.
func wantErr(t *testing.T, err error, sentinel error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("error %q does not wrap %q", err, sentinel)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

func TestCorruptIDX(t *testing.T) {
	images, labels := idxBytes(20, 4, 4)
	cases := []struct {
		name           string
		images, labels []byte
		gzip           bool
		sentinel       error
		mention        string // file the error must name
		atOpen         bool
	}{
		{"truncated images", images[:len(images)-7], labels, false, ErrTruncated, "images-idx3", true},
		{"truncated gzip images", images[:len(images)-7], labels, true, ErrTruncated, "images-idx3", false},
		{"truncated header", images[:10], labels, false, ErrTruncated, "images-idx3", true},
		{"truncated labels", images, labels[:15], false, ErrTruncated, "labels-idx1", true},
		{"wrong images magic", append([]byte{0x1f, 0x8c, 8, 3}, images[4:]...), labels, false, ErrBadMagic, "images-idx3", true},
		{"labels file given images magic", images, append([]byte{0, 0, 8, 3}, labels[4:]...), false, ErrBadMagic, "labels-idx1", true},
		{"float images", append([]byte{0, 0, 0x0d, 3}, images[4:]...), labels, false, ErrBadMagic, "images-idx3", true},
		{"label-count mismatch", images, append(append([]byte{0, 0, 8, 1, 0, 0, 0, 21}, labels[8:]...), 3), false, ErrLabelMismatch, "images-idx3", true},
		{"huge images", append(append([]byte{0, 0, 8, 3, 0, 0, 0, 1}, 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0), 1), labels, false, ErrTooLarge, "100000 x 100000", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			im, lb, ext := tc.images, tc.labels, ""
			if tc.gzip {
				im, lb, ext = gz(t, im), gz(t, lb), ".gz"
			}
			p := filepath.Join(dir, "train-images-idx3-ubyte"+ext)
			writeFile(t, p, im)
			writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte"+ext), lb)
			d, err := Open(p, nil)
			if tc.atOpen {
				wantErr(t, err, tc.sentinel, tc.mention)
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer d.Close()
			_, err = readAll(d, &ReadOptions{OnError: Skip}) // whole-file errors are never skipped
			wantErr(t, err, tc.sentinel, tc.mention)
			_, err = readAll(d.Shuffle(1), nil)
			wantErr(t, err, tc.sentinel, tc.mention)
		})
	}
	t.Run("missing labels file", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "train-images-idx3-ubyte")
		writeFile(t, p, images)
		_, err := Open(p, nil)
		wantErr(t, err, ErrNotFound, "train-labels-idx1-ubyte")
	})
}

func TestCorruptCIFAR(t *testing.T) {
	dir := t.TempDir()
	good := cifarBytes(3, false)
	writeFile(t, filepath.Join(dir, "data_batch_1.bin"), good)
	writeFile(t, filepath.Join(dir, "data_batch_2.bin"), good[:len(good)-100])
	_, err := Open(dir, nil)
	wantErr(t, err, ErrTruncated, "data_batch_2.bin", "2 records and 2973 bytes over")
	_, err = Open(filepath.Join(dir, "data_batch_2.bin"), nil)
	wantErr(t, err, ErrTruncated, "data_batch_2.bin")

	// A label out of range is a per-record error that Skip leaves out.
	bad := cifarBytes(4, false)
	bad[2*cifar10Record] = 42
	p := filepath.Join(t.TempDir(), "data_batch_1.bin")
	writeFile(t, p, bad)
	d := mustOpen(t, p, nil)
	_, err = readAll(d, nil)
	wantErr(t, err, ErrUnknownClass, "data_batch_1.bin record 2", "label 42")
	skips := &SkipLog{}
	ss, err := readAll(d, &ReadOptions{OnError: Skip, Skips: skips})
	if err != nil || len(ss) != 3 || skips.Count() != 1 {
		t.Fatalf("skip: %d samples, %d skipped, %v", len(ss), skips.Count(), err)
	}
}

// TestCorruptImagesAmongGood puts bad files among good ones: Fail stops
// with an error naming the file and the problem; Skip delivers the good
// ones and lists the bad.
func TestCorruptImagesAmongGood(t *testing.T) {
	root := t.TempDir()
	makeFolder(t, root, []string{"a", "b"}, 4, "png", "jpeg")
	goodPNG := readFile(t, filepath.Join(root, "a", "a_000.png"))
	goodJPEG := readFile(t, filepath.Join(root, "a", "a_001.jpg"))
	corruptPNG := append([]byte{}, goodPNG[:len(goodPNG)/2]...) // valid header, truncated data
	corruptJPEG := append([]byte{}, goodJPEG[:len(goodJPEG)-len(goodJPEG)/3]...)
	writeFile(t, filepath.Join(root, "a", "broken.png"), corruptPNG)
	writeFile(t, filepath.Join(root, "b", "broken.jpg"), corruptJPEG)
	writeFile(t, filepath.Join(root, "b", "bomb.png"), pngHeader(100000, 100000))
	writeFile(t, filepath.Join(root, "b", "text.png"), []byte("this is not an image"))

	d := mustOpen(t, root, nil)
	if d.Info().Count != 12 {
		t.Fatalf("count %d", d.Info().Count)
	}
	// Fail (default): the first bad file in order stops reading.
	_, err := readAll(d, &ReadOptions{Verify: true})
	wantErr(t, err, ErrCorrupt, filepath.Join(root, "a", "broken.png"), "png")

	// Each problem is named.
	for name, want := range map[string]struct {
		sentinel error
		msg      string
	}{
		"a/broken.png": {ErrCorrupt, "png"},
		"b/broken.jpg": {ErrCorrupt, "jpeg"},
		"b/bomb.png":   {ErrTooLarge, "100000 x 100000 pixels"},
		"b/text.png":   {ErrUnknownFormat, "not a registered image format"},
	} {
		i := slices.IndexFunc(d.src.(*fileSource).entries, func(e fileEntry) bool { return e.rel == name })
		s, err := d.src.(IndexedSource).Sample(i)
		if err == nil {
			_, err = s.Image(0)
		}
		wantErr(t, err, want.sentinel, filepath.Join(root, filepath.FromSlash(name)), want.msg)
	}

	// Skip: the 8 good images come through, the 4 bad are counted and listed.
	for _, opts := range []ReadOptions{{Verify: true}, {Decode: true}} {
		skips := &SkipLog{}
		opts.OnError, opts.Skips = Skip, skips
		ss, err := readAll(d, &opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != 8 || skips.Count() != 4 {
			t.Fatalf("%d good, %d skipped", len(ss), skips.Count())
		}
		var listed []string
		for _, e := range skips.Errors() {
			listed = append(listed, filepath.Base(e.Path))
		}
		slices.Sort(listed)
		if !slices.Equal(listed, []string{"bomb.png", "broken.jpg", "broken.png", "text.png"}) {
			t.Fatalf("listed %v", listed)
		}
	}
	// Through Convert, the skipped files are reported and the rest written.
	st, err := Convert(context.Background(), d, filepath.Join(t.TempDir(), "out.parquet"),
		&ConvertOptions{Read: ReadOptions{OnError: Skip, Verify: true}})
	if err != nil || st.Written != 8 || st.Skipped != 4 || len(st.Errors) != 4 {
		t.Fatalf("convert: %+v, %v", st, err)
	}
}

func TestDecompressionBomb(t *testing.T) {
	_, _, err := Decode(pngHeader(100000, 100000), 0)
	wantErr(t, err, ErrTooLarge, "100000 x 100000")
	_, _, err = Decode(pngHeader(100, 100), 100*99)
	wantErr(t, err, ErrTooLarge, "limit is 9900 pixels")
}

func TestManifestErrors(t *testing.T) {
	dir := t.TempDir()
	makeFolder(t, dir, []string{"cat", "dog"}, 2, "png")
	writeFile(t, filepath.Join(dir, "classes.txt"), []byte("cat\ndog\n"))
	m := filepath.Join(dir, "m.csv")
	writeFile(t, m, []byte("path,class\ncat/cat_000.png,cat\ncat/cat_001.png,bird\ndog/dog_000.png,dog\ndog/missing.png,dog\n../outside.png,dog\ndog/dog_001.png,dog\n"))
	d := mustOpen(t, m, nil)
	_, err := readAll(d, nil)
	wantErr(t, err, ErrUnknownClass, m, "line 3", `class "bird"`)
	skips := &SkipLog{}
	ss, err := readAll(d, &ReadOptions{OnError: Skip, Skips: skips})
	if err != nil || len(ss) != 3 || skips.Count() != 3 {
		t.Fatalf("%d samples, %d skipped, %v", len(ss), skips.Count(), err)
	}
	errs := skips.Errors()
	wantErr(t, errs[1], ErrNotFound, filepath.Join(dir, "dog", "missing.png"))
	wantErr(t, errs[2], ErrCorrupt, m, "line 6", "not inside")

	// Labels out of range with a fixed class list.
	m2 := filepath.Join(dir, "m2.csv")
	writeFile(t, m2, []byte("path,label\ncat/cat_000.png,0\ncat/cat_001.png,5\ncat/cat_001.png,x\n"))
	_, err = readAll(mustOpen(t, m2, nil), nil)
	wantErr(t, err, ErrUnknownClass, m2, "line 3", "label 5")

	// A header without the needed columns is a whole-file error.
	m3 := filepath.Join(dir, "m3.csv")
	writeFile(t, m3, []byte("file,kind\na.png,x\n"))
	_, err = Open(m3, nil)
	wantErr(t, err, ErrCorrupt, m3, "header")
}

func TestCorruptTables(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"x.parquet", "x.arrow", "x.arrows"} {
		p := filepath.Join(dir, name)
		writeFile(t, p, []byte("PAR1 this is not really a table file at all"))
		_, err := Open(p, nil)
		wantErr(t, err, ErrCorrupt, p)
	}
	_, err := Open(filepath.Join(dir, "nope"), nil)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing path: %v", err)
	}
}
