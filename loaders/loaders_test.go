package loaders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func mustOpen(t testing.TB, path string, cfg *Config) *Dataset {
	t.Helper()
	d, err := Open(path, cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func collect(t testing.TB, d *Dataset, opts *ReadOptions) []Sample {
	t.Helper()
	var out []Sample
	for s, err := range d.Samples(context.Background(), opts) {
		if err != nil {
			t.Fatalf("Samples: %v", err)
		}
		out = append(out, s)
	}
	return out
}

// key identifies a sample independently of the path prefix: class and
// base name without extension.
func key(s Sample) string {
	base := filepath.Base(s.Path)
	return s.Split + "/" + s.Class + "/" + strings.TrimSuffix(base, filepath.Ext(base))
}

func pixels(t testing.TB, s Sample) []byte {
	t.Helper()
	pix, h, w, c, err := s.Pixels(nil, 0)
	if err != nil {
		t.Fatalf("%s: %v", s.Path, err)
	}
	return append([]byte(fmt.Sprintf("%dx%dx%d:", h, w, c)), pix...)
}

// samePixels checks that two datasets hold the same labelled images.
func samePixels(t *testing.T, a, b []Sample) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d samples vs %d", len(a), len(b))
	}
	m := map[string]Sample{}
	for _, s := range a {
		m[key(s)] = s
	}
	for _, s := range b {
		o, ok := m[key(s)]
		if !ok {
			t.Fatalf("sample %s (%s) not in the original", key(s), s.Path)
		}
		if o.Label != s.Label || o.Class != s.Class {
			t.Errorf("%s: label %d %q, want %d %q", key(s), s.Label, s.Class, o.Label, o.Class)
		}
		if !bytes.Equal(pixels(t, o), pixels(t, s)) {
			t.Errorf("%s: pixels differ", key(s))
		}
	}
}

func convert(t *testing.T, d *Dataset, dst string, opts *ConvertOptions) ConvertStats {
	t.Helper()
	st, err := Convert(context.Background(), d, dst, opts)
	if err != nil {
		t.Fatalf("Convert %s: %v", dst, err)
	}
	return st
}

func TestFolderAllFormats(t *testing.T) {
	root := t.TempDir()
	formats := []string{"png", "jpeg", "gif", "bmp", "tiff", "webp"}
	makeFolder(t, root, []string{"zebra", "ant", "mole"}, 6, formats...)
	d := mustOpen(t, root, nil)
	info := d.Info()
	if info.Format != "folder" || info.Count != 18 || !slices.Equal(info.Classes, []string{"ant", "mole", "zebra"}) {
		t.Fatalf("info = %+v", info)
	}
	seen := map[string]int{}
	for _, s := range collect(t, d, &ReadOptions{Verify: true}) {
		seen[s.Format]++
		if want := s.Path[:strings.IndexByte(s.Path, '/')]; s.Class != want || info.Classes[s.Label] != want {
			t.Errorf("%s: class %q label %d", s.Path, s.Class, s.Label)
		}
		img, err := s.Image(0)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != s.Width || b.Dy() != s.Height {
			t.Errorf("%s: decoded %v, header %dx%d", s.Path, b, s.Width, s.Height)
		}
	}
	for _, f := range formats {
		if seen[f] != 3 {
			t.Errorf("format %s: %d samples, want 3 (%v)", f, seen[f], seen)
		}
	}
}

func TestNumericClassesSortNumerically(t *testing.T) {
	root := t.TempDir()
	makeFolder(t, root, []string{"10", "2", "1"}, 1)
	d := mustOpen(t, root, nil)
	if got := d.Info().Classes; !slices.Equal(got, []string{"1", "2", "10"}) {
		t.Fatalf("classes %v", got)
	}
}

// TestRoundTripFolderParquetFolder: folder -> Parquet -> folder gives the
// same pixels and labels, for encoded and for decoded storage.
func TestRoundTripFolderParquetFolder(t *testing.T) {
	for _, decode := range []bool{false, true} {
		t.Run(fmt.Sprintf("decode=%v", decode), func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			makeFolder(t, src, []string{"b", "a", "c"}, 7, "png", "jpeg", "gif", "bmp", "tiff")
			orig := collect(t, mustOpen(t, src, nil), nil)
			pq := filepath.Join(dir, "ds.parquet")
			st := convert(t, mustOpen(t, src, nil), pq, &ConvertOptions{Read: ReadOptions{Decode: decode, BatchSize: 4}, Write: WriteOptions{RowGroupSize: 5, Compression: "zstd"}})
			if st.Written != 21 || st.Format != "parquet" {
				t.Fatalf("stats %+v", st)
			}
			pd := mustOpen(t, pq, nil)
			if pd.Info().Format != "parquet" || pd.Info().Count != 21 || !slices.Equal(pd.Info().Classes, []string{"a", "b", "c"}) {
				t.Fatalf("parquet info %+v", pd.Info())
			}
			samePixels(t, orig, collect(t, pd, nil))
			back := filepath.Join(dir, "back")
			convert(t, pd, back, nil)
			bd := mustOpen(t, back, nil)
			samePixels(t, orig, collect(t, bd, nil))
			if !decode {
				// Encoded bytes are copied verbatim.
				for _, s := range collect(t, bd, nil) {
					o := readFile(t, filepath.Join(src, s.Path))
					if !bytes.Equal(o, s.Data) {
						t.Errorf("%s: bytes differ after the round trip", s.Path)
					}
				}
			}
		})
	}
}

func TestRoundTripArrowIPC(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	makeFolder(t, src, []string{"x", "y"}, 9, "png", "jpeg")
	orig := collect(t, mustOpen(t, src, nil), nil)
	for _, tc := range []struct{ name, compression string }{
		{"ds.arrow", ""}, {"ds.feather", "zstd"}, {"ds.arrows", "lz4"},
	} {
		p := filepath.Join(dir, tc.name)
		convert(t, mustOpen(t, src, nil), p, &ConvertOptions{Read: ReadOptions{BatchSize: 5}, Write: WriteOptions{Compression: tc.compression}})
		d := mustOpen(t, p, nil)
		if !slices.Equal(d.Info().Classes, []string{"x", "y"}) {
			t.Errorf("%s: classes %v", tc.name, d.Info().Classes)
		}
		got := collect(t, d, nil)
		samePixels(t, orig, got)
		back := filepath.Join(dir, "back-"+tc.name)
		convert(t, d, back, &ConvertOptions{Write: WriteOptions{Format: "folder"}})
		samePixels(t, orig, collect(t, mustOpen(t, back, nil), nil))
	}
}

func TestIDX(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", compress), func(t *testing.T) {
			dir := t.TempDir()
			p := writeIDX(t, dir, "train", 23, 5, 4, compress)
			d := mustOpen(t, p, nil)
			info := d.Info()
			if info.Format != "idx" || info.Count != 23 || len(info.Classes) != 10 {
				t.Fatalf("info %+v", info)
			}
			want, _ := idxBytes(23, 5, 4)
			check := func(ss []Sample) {
				t.Helper()
				if len(ss) != 23 {
					t.Fatalf("%d samples", len(ss))
				}
				for _, s := range ss {
					i := s.Index
					if s.Label != int32(i%10) || s.Height != 5 || s.Width != 4 || s.Channels != 1 || s.Format != FormatRaw {
						t.Fatalf("sample %d: %+v", i, s)
					}
					if !bytes.Equal(s.Data, want[16+i*20:16+(i+1)*20]) {
						t.Fatalf("sample %d: pixels differ", i)
					}
				}
			}
			check(collect(t, d, nil))
			check(collect(t, d.Shuffle(3), nil)) // random access (spools a gzip file)
			// IDX -> Parquet -> samples.
			pq := filepath.Join(dir, "m.parquet")
			convert(t, d, pq, nil)
			got := collect(t, mustOpen(t, pq, nil), nil)
			check(got)
		})
	}
}

func TestIDXDirectorySplits(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, dir, "train", 30, 3, 3, true)
	writeIDX(t, dir, "t10k", 12, 3, 3, false)
	d := mustOpen(t, dir, nil)
	info := d.Info()
	if info.Format != "idx" || info.Count != 42 || len(info.Splits) != 2 || info.Splits[0] != (SplitInfo{"train", 30}) || info.Splits[1] != (SplitInfo{"test", 12}) {
		t.Fatalf("info %+v", info)
	}
	test, err := d.Split("test")
	if err != nil {
		t.Fatal(err)
	}
	ts := collect(t, test, nil)
	if len(ts) != 12 || ts[0].Split != "test" {
		t.Fatalf("test split: %d samples, first %+v", len(ts), ts[0])
	}
	if _, err := d.Split("nope"); !errors.Is(err, ErrNoSplit) {
		t.Errorf("Split(nope) = %v", err)
	}
	if _, err := mustOpen(t, filepath.Join(dir, "t10k-images-idx3-ubyte"), nil).Split("test"); !errors.Is(err, ErrNoSplit) {
		t.Errorf("Split of a dataset without splits = %v", err)
	}
	// Streams filter on the split column.
	pqs := filepath.Join(t.TempDir(), "splits.parquet")
	convert(t, d, pqs, nil)
	if pt := must(mustOpen(t, pqs, nil).Split("test")); len(collect(t, pt, nil)) != 12 {
		t.Errorf("parquet test split")
	}
	// To a folder with split directories and back.
	all := collect(t, d, nil)
	out := filepath.Join(t.TempDir(), "mnist")
	convert(t, d, out, nil)
	back := mustOpen(t, out, nil)
	if bi := back.Info(); bi.Format != "folder" || len(bi.Splits) != 2 || bi.Splits[0] != (SplitInfo{"train", 30}) {
		t.Fatalf("folder info %+v", bi)
	}
	samePixelsByIndex(t, all, collect(t, back, nil))
}

// samePixelsByIndex matches IDX/CIFAR samples with folder samples named imgN.
func samePixelsByIndex(t *testing.T, a, b []Sample) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d samples vs %d", len(a), len(b))
	}
	m := map[string]Sample{}
	for _, s := range a {
		n := s.Path[strings.IndexByte(s.Path, '#')+1:]
		m[s.Split+"/img"+n] = s
	}
	for _, s := range b {
		k := s.Split + "/" + strings.TrimSuffix(filepath.Base(s.Path), ".png")
		o, ok := m[k]
		if !ok {
			t.Fatalf("%s: no original", k)
		}
		if o.Label != s.Label || !bytes.Equal(pixels(t, o), pixels(t, s)) {
			t.Fatalf("%s: differs", k)
		}
	}
}

func TestCIFAR(t *testing.T) {
	t.Run("cifar10", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "cifar-10-batches-bin")
		writeFile(t, filepath.Join(dir, "data_batch_1.bin"), cifarBytes(7, false))
		writeFile(t, filepath.Join(dir, "data_batch_2.bin"), cifarBytes(5, false))
		writeFile(t, filepath.Join(dir, "test_batch.bin"), cifarBytes(4, false))
		d := mustOpen(t, dir, nil)
		info := d.Info()
		if info.Format != "cifar10" || info.Count != 16 || !slices.Equal(info.Classes, CIFAR10Classes) ||
			len(info.Splits) != 2 || info.Splits[0].Count != 12 || info.Splits[1].Count != 4 {
			t.Fatalf("info %+v", info)
		}
		ss := collect(t, d, nil)
		raw := cifarBytes(7, false)
		s := ss[3] // data_batch_1 record 3
		if s.Label != 3 || s.Class != "cat" || s.Split != "train" || s.Path != "data_batch_1.bin#3" {
			t.Fatalf("sample %+v", s)
		}
		rec := raw[3*cifar10Record:]
		for p := 0; p < 1024; p++ {
			if s.Data[3*p] != rec[1+p] || s.Data[3*p+1] != rec[1+1024+p] || s.Data[3*p+2] != rec[1+2048+p] {
				t.Fatalf("pixel %d differs", p)
			}
		}
		// The directory a download unpacks to, holding only the batches directory.
		parent := filepath.Dir(dir)
		if d2 := mustOpen(t, parent, nil); d2.Info().Format != "cifar10" || d2.Info().Path != dir || d2.Info().Count != 16 {
			t.Errorf("parent directory: %+v", d2.Info())
		}
		if ss[12].Split != "test" || ss[12].Index != 12 {
			t.Fatalf("first test sample %+v", ss[12])
		}
		// Random access agrees with streaming.
		for _, s := range collect(t, d.Shuffle(9), nil) {
			if !bytes.Equal(s.Data, ss[s.Index].Data) || s.Label != ss[s.Index].Label || s.Split != ss[s.Index].Split {
				t.Fatalf("shuffled sample %d differs", s.Index)
			}
		}
		pq := filepath.Join(t.TempDir(), "c.parquet")
		convert(t, d, pq, nil)
		got := collect(t, mustOpen(t, pq, nil), nil)
		for i := range got {
			if !bytes.Equal(got[i].Data, ss[i].Data) || got[i].Label != ss[i].Label || got[i].Split != ss[i].Split {
				t.Fatalf("parquet sample %d differs", i)
			}
		}
		out := filepath.Join(t.TempDir(), "folder")
		convert(t, d, out, nil)
		samePixelsByIndex(t, collect(t, must(d.Split("test")), nil),
			collect(t, must(mustOpen(t, out, nil).Split("test")), nil))
	})
	t.Run("cifar100", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "train.bin"), cifarBytes(120, true))
		writeFile(t, filepath.Join(dir, "test.bin"), cifarBytes(10, true))
		writeFile(t, filepath.Join(dir, "coarse_label_names.txt"), []byte(strings.Repeat("c\n", 0)+"aquatic\nfish\n"+strings.Repeat("other\n", 18)))
		for _, tc := range []struct {
			labels  string
			classes int
			want    func(i int) int32
		}{{"", 100, func(i int) int32 { return int32(i % 100) }}, {"coarse", 20, func(i int) int32 { return int32(i % 100 / 5) }}} {
			d := mustOpen(t, dir, &Config{CIFAR100Labels: tc.labels})
			if d.Info().Format != "cifar100" || len(d.Info().Classes) != tc.classes || d.Info().Count != 130 {
				t.Fatalf("%s: info %+v", tc.labels, d.Info())
			}
			for _, s := range collect(t, d, nil)[:120] {
				if s.Label != tc.want(s.Index) {
					t.Fatalf("%s: sample %d label %d want %d", tc.labels, s.Index, s.Label, tc.want(s.Index))
				}
			}
			counts, err := d.ClassCounts(context.Background())
			if err != nil || len(counts) != tc.classes {
				t.Fatalf("ClassCounts %v %v", counts, err)
			}
		}
		if c := mustOpen(t, dir, &Config{CIFAR100Labels: "coarse"}).Info().Classes; c[1] != "fish" {
			t.Errorf("coarse names %v", c[:2])
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	makeFolder(t, filepath.Join(dir, "imgs"), []string{"cat", "dog"}, 3, "png")
	writeFile(t, filepath.Join(dir, "by-class.csv"), []byte("path,class\nimgs/dog/dog_000.png,dog\nimgs/cat/cat_001.png,cat\nimgs/dog/dog_002.png,dog\n"))
	writeFile(t, filepath.Join(dir, "by-label.csv"), []byte("path,label,split\nimgs/dog/dog_000.png,1,train\nimgs/cat/cat_001.png,0,val\n\"imgs/cat/cat_002.png\",0,train\n"))
	d := mustOpen(t, filepath.Join(dir, "by-class.csv"), nil)
	if i := d.Info(); i.Format != "manifest" || i.Count != 3 || !slices.Equal(i.Classes, []string{"cat", "dog"}) {
		t.Fatalf("info %+v", i)
	}
	ss := collect(t, d, nil)
	if ss[0].Label != 1 || ss[1].Label != 0 || ss[0].Path != "imgs/dog/dog_000.png" {
		t.Fatalf("samples %+v %+v", ss[0], ss[1])
	}
	d2 := mustOpen(t, filepath.Join(dir, "by-label.csv"), nil)
	if i := d2.Info(); !slices.Equal(i.Classes, []string{"0", "1"}) || len(i.Splits) != 2 || i.Splits[0] != (SplitInfo{"train", 2}) {
		t.Fatalf("info %+v", i)
	}
	val, err := d2.Split("val")
	if err != nil {
		t.Fatal(err)
	}
	if vs := collect(t, val, nil); len(vs) != 1 || vs[0].Path != "imgs/cat/cat_001.png" || vs[0].Split != "val" {
		t.Fatalf("val %+v", vs)
	}
	// A flat folder with manifest.csv is a manifest dataset.
	flat := filepath.Join(dir, "flat")
	makeFolder(t, flat, []string{"."}, 2, "png")
	writeFile(t, filepath.Join(flat, "manifest.csv"), []byte("path,class\n._000.png,a\n._001.png,b\n"))
	if f, _ := Detect(flat); f != "manifest" {
		t.Fatalf("Detect(flat) = %s", f)
	}
	if n := len(collect(t, mustOpen(t, flat, nil), nil)); n != 2 {
		t.Fatalf("flat: %d samples", n)
	}
}

func TestShuffleDeterministicPermutation(t *testing.T) {
	dir := t.TempDir()
	p := writeIDX(t, dir, "train", 3000, 2, 2, false)
	d := mustOpen(t, p, nil)
	pq := filepath.Join(dir, "s.parquet")
	convert(t, d, pq, nil)
	for _, ds := range []*Dataset{d, mustOpen(t, pq, nil)} {
		order := func(seed uint64) []int {
			var o []int
			for _, s := range collect(t, ds.Shuffle(seed), &ReadOptions{ShuffleBuffer: 500}) {
				o = append(o, s.Index)
			}
			return o
		}
		a, b, c := order(1), order(1), order(2)
		if !slices.Equal(a, b) {
			t.Errorf("%s: same seed, different orders", ds.Info().Format)
		}
		if slices.Equal(a, c) {
			t.Errorf("%s: different seeds, same order", ds.Info().Format)
		}
		sorted := slices.Clone(a)
		slices.Sort(sorted)
		for i, v := range sorted {
			if v != i {
				t.Fatalf("%s: not a permutation", ds.Info().Format)
			}
		}
		// A shuffle moves most samples.
		moved := 0
		for i, v := range a {
			if i != v {
				moved++
			}
		}
		if moved < len(a)*9/10 {
			t.Errorf("%s: only %d of %d samples moved", ds.Info().Format, moved, len(a))
		}
	}
}

func TestSplitFractionStratified(t *testing.T) {
	dir := t.TempDir()
	p := writeIDX(t, dir, "train", 1000, 2, 2, false) // labels i%10: 100 per class
	pq := filepath.Join(dir, "s.parquet")
	convert(t, mustOpen(t, p, nil), pq, nil)
	ctx := context.Background()
	var first []int
	for _, d := range []*Dataset{mustOpen(t, p, nil), mustOpen(t, pq, nil)} {
		train, val, err := d.SplitFraction(ctx, 0.25, 7)
		if err != nil {
			t.Fatal(err)
		}
		vc, err := val.ClassCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tc, _ := train.ClassCounts(ctx)
		for c := range vc {
			if vc[c] != 25 || tc[c] != 75 {
				t.Fatalf("%s: class %d: val %d train %d", d.Info().Format, c, vc[c], tc[c])
			}
		}
		seen := map[int]bool{}
		var vidx []int
		for _, s := range collect(t, val, nil) {
			seen[s.Index] = true
			vidx = append(vidx, s.Index)
		}
		for _, s := range collect(t, train, nil) {
			if seen[s.Index] {
				t.Fatalf("sample %d in both parts", s.Index)
			}
			seen[s.Index] = true
		}
		if len(seen) != 1000 {
			t.Fatalf("%d samples in the union", len(seen))
		}
		// The same for indexed and stream sources, and a shuffled view.
		if first == nil {
			first = vidx
		} else if !slices.Equal(first, vidx) {
			t.Errorf("%s: validation set differs from the IDX one", d.Info().Format)
		}
		if train.Info().Count != 750 || val.Info().Count != 250 || d.Shuffle(1).Info().Count != 1000 {
			t.Errorf("%s: counts train %d val %d shuffled %d", d.Info().Format, train.Info().Count, val.Info().Count, d.Shuffle(1).Info().Count)
		}
		if sh, _ := val.Shard(1, 3); sh.Info().Count != 83 {
			t.Errorf("%s: shard 1 of 3 of 250: count %d", d.Info().Format, sh.Info().Count)
		}
		_, val2, _ := d.Shuffle(5).SplitFraction(ctx, 0.25, 7)
		var v2 []int
		for _, s := range collect(t, val2, nil) {
			v2 = append(v2, s.Index)
		}
		slices.Sort(v2)
		if !slices.Equal(v2, first) {
			t.Errorf("%s: split of a shuffled view differs", d.Info().Format)
		}
	}
}

func TestShard(t *testing.T) {
	dir := t.TempDir()
	p := writeIDX(t, dir, "train", 101, 2, 2, true)
	pq := filepath.Join(dir, "s.parquet")
	convert(t, mustOpen(t, p, nil), pq, nil)
	for _, d := range []*Dataset{mustOpen(t, p, nil), mustOpen(t, pq, nil)} {
		seen := map[int]int{}
		for i := 0; i < 3; i++ {
			sh, err := d.Shuffle(11).Shard(i, 3)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range collect(t, sh, nil) {
				seen[s.Index]++
				n++
			}
			if n < 33 || n > 34 {
				t.Errorf("%s: shard %d has %d samples", d.Info().Format, i, n)
			}
		}
		for i := 0; i < 101; i++ {
			if seen[i] != 1 {
				t.Fatalf("%s: sample %d in %d shards", d.Info().Format, i, seen[i])
			}
		}
		if _, err := d.Shard(3, 3); err == nil {
			t.Error("Shard(3,3) succeeded")
		}
	}
}

func TestRecordReaderBatchesAndLeaks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := mustOpen(t, "../testdata/images", nil)
	rr := d.Records(context.Background(), &ReadOptions{BatchSize: 7, Allocator: mem})
	var sizes []int64
	var kept []*RowView
	for rr.Next() {
		rec := rr.RecordBatch()
		sizes = append(sizes, rec.NumRows())
		if !rec.Schema().Equal(Schema(nil)) {
			t.Fatalf("schema %v", rec.Schema())
		}
		if c, _ := ClassesFromSchema(rec.Schema()); !slices.Equal(c, []string{"circle", "square", "triangle"}) {
			t.Fatalf("classes %v", c)
		}
		rec.Retain() // keep one record past Next
		defer rec.Release()
		v, err := NewRowView(rec)
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, v)
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	rr.Release()
	if !slices.Equal(sizes, []int64{7, 7, 7, 7, 2}) {
		t.Fatalf("batch sizes %v", sizes)
	}
	s := kept[4].Sample(1)
	if s.Index != 29 || s.Class != "triangle" || s.Format == "" || len(s.Data) == 0 {
		t.Fatalf("last sample %+v", s)
	}
}

func TestOutputSafety(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	makeFolder(t, src, []string{"a"}, 2)
	d := mustOpen(t, src, nil)
	ctx := context.Background()
	if _, err := Convert(ctx, d, filepath.Join(src, "inside.parquet"), nil); err == nil {
		t.Error("wrote inside the input folder")
	}
	pq := filepath.Join(dir, "x.parquet")
	convert(t, d, pq, nil)
	if _, err := Convert(ctx, d, pq, nil); !errors.Is(err, ErrOutputExists) {
		t.Errorf("second convert: %v, want ErrOutputExists", err)
	}
	pd := mustOpen(t, pq, nil)
	if _, err := Convert(ctx, pd, pq, &ConvertOptions{Write: WriteOptions{Overwrite: true}}); !errors.Is(err, ErrOutputExists) {
		t.Errorf("convert onto its input: %v", err)
	}
	// A cancelled conversion leaves nothing behind.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	out := filepath.Join(dir, "y.arrow")
	if _, err := Convert(cctx, d, out, nil); err == nil {
		t.Error("cancelled convert succeeded")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), "tmp") || e.Name() == "y.arrow" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestShapesSource(t *testing.T) {
	for _, name := range []string{"shapes?n=40&seed=3", "builtin:shapes?n=40&seed=3"} {
		if f, err := Detect(name); err != nil || f != "shapes" {
			t.Fatalf("Detect(%s) = %s, %v", name, f, err)
		}
		d := mustOpen(t, name, nil)
		if i := d.Info(); i.Count != 40 || !slices.Equal(i.Classes, ShapesClasses) {
			t.Fatalf("info %+v", i)
		}
		counts, err := d.ClassCounts(context.Background())
		if err != nil || !slices.Equal(counts, []int{10, 10, 10, 10}) {
			t.Fatalf("class counts %v %v", counts, err)
		}
		for _, s := range collect(t, d.Shuffle(1), nil) {
			img, label := ShapesImage(3, s.Index)
			if s.Label != int32(label) || !bytes.Equal(s.Data, img.Pix) || s.Height != ShapesHeight || s.Width != ShapesWidth || s.Channels != 1 {
				t.Fatalf("sample %d differs from ShapesImage", s.Index)
			}
		}
	}
	if _, err := Open("shapes?n=-1", nil); err == nil {
		t.Error("n=-1 accepted")
	}
	if d := mustOpen(t, "shapes", nil); d.Info().Count != DefaultShapesCount {
		t.Errorf("default count %d", d.Info().Count)
	}
}

func TestOutputPermissions(t *testing.T) {
	dir := t.TempDir()
	d := mustOpen(t, "../testdata/images", nil)
	for _, name := range []string{"a.parquet", "a.arrow", "folder"} {
		p := filepath.Join(dir, name)
		convert(t, d, p, nil)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o644)
		if fi.IsDir() {
			want = 0o755 | os.ModeDir
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
	}
}

// TestWorkersSameOrder: reading with several workers yields the same
// samples in the same order as one, including skips and errors.
func TestWorkersSameOrder(t *testing.T) {
	root := t.TempDir()
	makeFolder(t, root, []string{"a", "b", "c"}, 20, "png", "jpeg", "gif")
	writeFile(t, filepath.Join(root, "b", "b_bad.png"), []byte("\x89PNG\r\n\x1a\nbroken"))
	pq := filepath.Join(t.TempDir(), "x.parquet")
	convert(t, mustOpen(t, root, nil), pq, &ConvertOptions{Read: ReadOptions{OnError: Skip}})
	for _, d := range []*Dataset{mustOpen(t, root, nil), mustOpen(t, pq, nil)} {
		for _, view := range []*Dataset{d, d.Shuffle(4)} {
			want := collect(t, view, &ReadOptions{Decode: true, OnError: Skip})
			for _, w := range []int{2, 3, 8} {
				skips := &SkipLog{}
				got := collect(t, view, &ReadOptions{Decode: true, OnError: Skip, Skips: skips, Workers: w})
				if len(got) != len(want) {
					t.Fatalf("%s workers=%d: %d samples, want %d", d.Info().Format, w, len(got), len(want))
				}
				for i := range got {
					if got[i].Index != want[i].Index || !bytes.Equal(got[i].Data, want[i].Data) {
						t.Fatalf("%s workers=%d: sample %d differs", d.Info().Format, w, i)
					}
				}
				if wantSkips := 60 + 1 - len(want); d.Info().Format == "folder" && skips.Count() != wantSkips {
					t.Errorf("workers=%d: %d skipped, want %d", w, skips.Count(), wantSkips)
				}
			}
			// Fail policy: the same first error.
			_, err1 := readAll(view, &ReadOptions{Verify: true})
			_, err2 := readAll(view, &ReadOptions{Verify: true, Workers: 4})
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Errorf("first error %v with 1 worker, %v with 4", err1, err2)
			}
		}
	}
	// Stopping early and cancelling leave no goroutines behind (checked by
	// -race and the leak of a blocked producer would hang here).
	d := mustOpen(t, root, nil)
	n := 0
	for _, err := range d.Samples(context.Background(), &ReadOptions{Workers: 4, OnError: Skip}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n = 0
	var lastErr error
	for _, err := range d.Samples(ctx, &ReadOptions{Workers: 4, OnError: Skip}) {
		if err != nil {
			lastErr = err
			break
		}
		if n++; n == 3 {
			cancel()
		}
	}
	if !errors.Is(lastErr, context.Canceled) {
		t.Errorf("after cancel: %v", lastErr)
	}
}

// TestParquetShuffleMixesRowGroups: in a Parquet file sorted by class,
// shuffling with a small buffer still spreads every class over the order,
// because row groups are read in a seeded order.
func TestParquetShuffleMixesRowGroups(t *testing.T) {
	dir := t.TempDir()
	images, labels := idxBytes(1000, 2, 2)
	for i := range 1000 {
		labels[8+i] = byte(i / 100) // sorted: 100 of class 0, then class 1, ...
	}
	writeFile(t, filepath.Join(dir, "s-images-idx3-ubyte"), images)
	writeFile(t, filepath.Join(dir, "s-labels-idx1-ubyte"), labels)
	pq := filepath.Join(dir, "sorted.parquet")
	convert(t, mustOpen(t, filepath.Join(dir, "s-images-idx3-ubyte"), nil), pq, &ConvertOptions{Write: WriteOptions{RowGroupSize: 100}})
	d := mustOpen(t, pq, nil)
	var firstSeen []int32
	seen := map[int32]bool{}
	var idx []int
	for _, s := range collect(t, d.Shuffle(3), &ReadOptions{ShuffleBuffer: 50}) {
		if !seen[s.Label] {
			seen[s.Label] = true
			firstSeen = append(firstSeen, s.Label)
		}
		idx = append(idx, s.Index)
	}
	if slices.IsSorted(firstSeen) {
		t.Errorf("classes appear in file order %v: row groups were not shuffled", firstSeen)
	}
	slices.Sort(idx)
	for i, v := range idx {
		if v != i {
			t.Fatalf("not a permutation of the rows")
		}
	}
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, dir, "train", 30, 3, 4, false)
	writeIDX(t, dir, "t10k", 10, 3, 4, true)
	rep, err := Inspect(context.Background(), mustOpen(t, dir, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count != 40 || len(rep.Splits) != 2 || rep.Splits[0] != (SplitInfo{"train", 30}) || rep.Splits[1] != (SplitInfo{"test", 10}) {
		t.Fatalf("report %+v", rep)
	}
	if !slices.Equal(rep.ClassCounts, []int{4, 4, 4, 4, 4, 4, 4, 4, 4, 4}) || rep.Formats["raw"] != 40 ||
		len(rep.Sizes) != 1 || rep.Sizes[0] != (SizeCount{3, 4, 1, 40}) {
		t.Fatalf("report %+v", rep)
	}
	root := t.TempDir()
	makeFolder(t, root, []string{"a", "b"}, 10, "png", "bmp")
	writeFile(t, filepath.Join(root, "b", "zz.png"), pngHeader(100000, 100000))
	rep, err = Inspect(context.Background(), mustOpen(t, root, nil), &InspectOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Widths 8..12 (i%5) and heights 6 (a) or 7 (b); gray every third image.
	if rep.Count != 20 || rep.Unreadable != 1 || rep.MinWidth != 8 || rep.MaxWidth != 12 || rep.MinHeight != 6 || rep.MaxHeight != 7 {
		t.Fatalf("report %+v", rep)
	}
	total := 0
	for _, s := range rep.Sizes {
		total += s.Count
	}
	if total != 20 || rep.Formats["png"] != 10 || rep.Formats["bmp"] != 10 {
		t.Fatalf("sizes %+v formats %v", rep.Sizes, rep.Formats)
	}
	var out bytes.Buffer
	rep.WriteText(&out)
	for _, want := range []string{"images:   20 readable, 1 unreadable", "unreadable: 1", "zz.png", "too large"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFolderSymlinksAndIgnoredFiles(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	makeFolder(t, store, []string{"cat", "dog"}, 3, "png")
	root := filepath.Join(dir, "ds")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(store, "cat"), filepath.Join(root, "cat")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Rename(filepath.Join(store, "dog"), filepath.Join(root, "dog")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "dog", "notes.txt"), []byte("x"))
	// Images nested deeper inside a class directory belong to that class.
	writeFile(t, filepath.Join(root, "dog", "more", "deeper", "dog_009.png"), readFile(t, filepath.Join(root, "dog", "dog_000.png")))
	writeFile(t, filepath.Join(root, "stray.png"), readFile(t, filepath.Join(root, "dog", "dog_000.png")))
	d := mustOpen(t, root, nil)
	info := d.Info()
	if info.Count != 7 || !slices.Equal(info.Classes, []string{"cat", "dog"}) {
		t.Fatalf("info %+v", info)
	}
	if info.Ignored != 2 || !slices.Contains(info.IgnoredFiles, "dog/notes.txt") || !slices.Contains(info.IgnoredFiles, "stray.png") {
		t.Errorf("ignored %d %v", info.Ignored, info.IgnoredFiles)
	}
	ss := collect(t, d, nil)
	if ss[0].Path != "cat/cat_000.png" || ss[0].Class != "cat" {
		t.Errorf("first sample %+v", ss[0])
	}
	if i := slices.IndexFunc(ss, func(s Sample) bool { return s.Path == "dog/more/deeper/dog_009.png" }); i < 0 || ss[i].Class != "dog" {
		t.Errorf("nested image not found as a dog")
	}
	rep, err := Inspect(context.Background(), d, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.WriteText(&out)
	if !strings.Contains(out.String(), "ignored:  2 files") {
		t.Errorf("report does not mention ignored files:\n%s", out.String())
	}
}

// TestByteLimits: record batches and Parquet row groups are cut by bytes
// as well as by rows.
func TestByteLimits(t *testing.T) {
	dir := t.TempDir()
	p := writeIDX(t, dir, "train", 50, 10, 10, false) // 100 bytes per image
	d := mustOpen(t, p, nil)
	rr := d.Records(context.Background(), &ReadOptions{BatchSize: 20, MaxBatchBytes: 750})
	var sizes []int64
	for rr.Next() {
		sizes = append(sizes, rr.RecordBatch().NumRows())
	}
	rr.Release()
	if rr.Err() != nil || !slices.Equal(sizes, []int64{7, 7, 7, 7, 7, 7, 7, 1}) {
		t.Fatalf("batch sizes %v, %v", sizes, rr.Err())
	}
	pq := filepath.Join(dir, "x.parquet")
	convert(t, d, pq, &ConvertOptions{Read: ReadOptions{BatchSize: 5}, Write: WriteOptions{RowGroupSize: 12, RowGroupBytes: 1000}})
	src, _ := mustOpen(t, pq, nil).Source().(*tableSource)
	// Batches of 5 rows (500 bytes): two per group by bytes (1000), except
	// where 12 rows would come first.
	if src == nil || len(src.groups) != 5 || src.groups[0] != 10 {
		t.Fatalf("row groups %v", src.groups)
	}
	convert(t, d, filepath.Join(dir, "y.parquet"), &ConvertOptions{Read: ReadOptions{BatchSize: 50}, Write: WriteOptions{RowGroupSize: 12}})
	if g := mustOpen(t, filepath.Join(dir, "y.parquet"), nil).Source().(*tableSource).groups; !slices.Equal(g, []int{12, 12, 12, 12, 2}) {
		t.Fatalf("row groups by rows %v", g)
	}
	samePixels(t, collect(t, d, nil), collect(t, mustOpen(t, pq, nil), nil))
}

// TestConcurrentReaders reads one dataset from several goroutines at once,
// each with several workers (run with -race).
func TestConcurrentReaders(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, dir, "train", 200, 4, 4, true)
	writeFile(t, filepath.Join(dir, "c", "data_batch_1.bin"), cifarBytes(50, false))
	arrowFile := filepath.Join(t.TempDir(), "a.arrow")
	convert(t, mustOpen(t, dir, nil), arrowFile, &ConvertOptions{Read: ReadOptions{BatchSize: 16}})
	for _, p := range []string{dir, filepath.Join(dir, "c", "data_batch_1.bin"), "../testdata/images", arrowFile} {
		d := mustOpen(t, p, nil)
		want := collect(t, d.Shuffle(1), nil)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := readAll(d.Shuffle(1), &ReadOptions{Workers: 3, Decode: true})
				if err == nil && len(got) != len(want) {
					err = fmt.Errorf("%d samples, want %d", len(got), len(want))
				}
				for i := range got {
					if err == nil && got[i].Index != want[i].Index {
						err = fmt.Errorf("sample %d: index %d, want %d", i, got[i].Index, want[i].Index)
					}
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%s: %v", p, err)
			}
		}
	}
}

// TestFolderOddClassNames: class names that are not valid directory names,
// or that do not sort in label order, survive a round trip through a folder.
func TestFolderOddClassNames(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m.csv")
	makeFolder(t, dir, []string{"x"}, 3, "png")
	writeFile(t, filepath.Join(dir, "classes.txt"), []byte("zebra\nAC/DC\n..\n"))
	writeFile(t, m, []byte("path,label\nx/x_000.png,0\nx/x_001.png,1\nx/x_002.png,2\n"))
	d := mustOpen(t, m, nil)
	want := collect(t, d, nil)
	out := filepath.Join(dir, "out")
	convert(t, d, out, nil)
	back := mustOpen(t, out, nil)
	if !slices.Equal(back.Info().Classes, []string{"zebra", "AC/DC", ".."}) {
		t.Fatalf("classes %q", back.Info().Classes)
	}
	got := collect(t, back, nil)
	if len(got) != 3 {
		t.Fatalf("%d samples", len(got))
	}
	for _, g := range got {
		w := want[slices.IndexFunc(want, func(s Sample) bool { return path.Base(s.Path) == path.Base(g.Path) })]
		if g.Label != w.Label || g.Class != w.Class {
			t.Errorf("%s: %d %q, want %d %q", g.Path, g.Label, g.Class, w.Label, w.Class)
		}
	}
}

// TestArrowFileRandomAccess: an uncompressed Arrow IPC file is mapped and
// read by row (full shuffle, same samples as streaming); a compressed one
// is streamed.
func TestArrowFileRandomAccess(t *testing.T) {
	dir := t.TempDir()
	src := mustOpen(t, writeIDX(t, dir, "train", 300, 3, 3, false), nil)
	plain, zstd := filepath.Join(dir, "p.arrow"), filepath.Join(dir, "z.arrow")
	convert(t, src, plain, &ConvertOptions{Read: ReadOptions{BatchSize: 32}})
	convert(t, src, zstd, &ConvertOptions{Read: ReadOptions{BatchSize: 32}, Write: WriteOptions{Compression: "zstd"}})
	p := mustOpen(t, plain, nil)
	if _, ok := p.Source().(IndexedSource); !ok || p.Info().Count != 300 {
		t.Fatalf("plain file: %T, count %d", p.Source(), p.Info().Count)
	}
	if _, ok := mustOpen(t, zstd, nil).Source().(IndexedSource); ok {
		t.Fatalf("compressed file was mapped")
	}
	stream := collect(t, p, nil)
	shuffled := collect(t, p.Shuffle(8), &ReadOptions{Workers: 3})
	want := collect(t, src.Shuffle(8), nil) // the same permutation as the IDX source
	for i := range shuffled {
		if shuffled[i].Index != want[i].Index || !bytes.Equal(shuffled[i].Data, stream[shuffled[i].Index].Data) {
			t.Fatalf("sample %d: index %d, want %d", i, shuffled[i].Index, want[i].Index)
		}
	}
	counts, err := p.ClassCounts(context.Background())
	if err != nil || counts[0] != 30 {
		t.Fatalf("class counts %v %v", counts, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
