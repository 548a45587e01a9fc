package loaders

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
)

// TestRoundTripEverySource converts every source format to every output
// format and reads the output back: same order, labels, classes, splits
// and pixels. Folder outputs are compared by pixels per (split, label).
func TestRoundTripEverySource(t *testing.T) {
	dir := t.TempDir()
	// Sources, written by the test itself.
	makeFolder(t, filepath.Join(dir, "folder"), []string{"b", "a"}, 4, "png", "jpeg", "gif", "bmp", "tiff")
	// A manifest of part of the folder, with splits.
	writeFile(t, filepath.Join(dir, "folder", "list.csv"), []byte("path,class,split\na/a_000.png,a,train\nb/b_001.jpg,b,test\nb/b_002.gif,b,train\n"))
	idxDir := filepath.Join(dir, "idx")
	writeIDX(t, idxDir, "train", 12, 4, 3, true)
	writeIDX(t, idxDir, "t10k", 5, 4, 3, false)
	writeFile(t, filepath.Join(dir, "cifar10", "data_batch_1.bin"), cifarBytes(6, false))
	writeFile(t, filepath.Join(dir, "cifar10", "test_batch.bin"), cifarBytes(3, false))
	writeFile(t, filepath.Join(dir, "cifar100", "train.bin"), cifarBytes(7, true))
	sources := []struct {
		name string
		path string
		cfg  *Config
	}{
		{"folder", filepath.Join(dir, "folder"), &Config{Format: "folder"}},
		{"manifest", filepath.Join(dir, "folder", "list.csv"), nil},
		{"idx", idxDir, nil},
		{"idx-file", filepath.Join(idxDir, "train-images-idx3-ubyte.gz"), nil},
		{"cifar10", filepath.Join(dir, "cifar10"), nil},
		{"cifar100-coarse", filepath.Join(dir, "cifar100", "train.bin"), &Config{CIFAR100Labels: "coarse"}},
		{"shapes", "shapes?n=9&seed=4", nil},
	}
	// Arrow and Parquet sources: the folder converted.
	for _, f := range []string{"arrow", "arrows", "parquet"} {
		p := filepath.Join(dir, "src."+f)
		convert(t, mustOpen(t, filepath.Join(dir, "folder"), &Config{Format: "folder"}), p, nil)
		sources = append(sources, struct {
			name string
			path string
			cfg  *Config
		}{f, p, nil})
	}
	for _, src := range sources {
		for _, out := range []string{"parquet", "arrow", "arrows", "folder"} {
			t.Run(src.name+"->"+out, func(t *testing.T) {
				d := mustOpen(t, src.path, src.cfg)
				want := collect(t, d, nil)
				if len(want) == 0 {
					t.Fatal("empty source")
				}
				dst := filepath.Join(t.TempDir(), "out")
				if out != "folder" {
					dst += "." + out
				}
				for _, decode := range []bool{false, true} {
					if decode {
						dst += "-raw"
						if out != "folder" {
							dst += "." + out
						}
					}
					convert(t, d, dst, &ConvertOptions{Read: ReadOptions{Decode: decode, BatchSize: 4}, Write: WriteOptions{RowGroupSize: 3, Format: out}})
					back := mustOpen(t, dst, nil)
					if !slices.Equal(back.Info().Classes, d.Info().Classes) {
						t.Fatalf("classes %v, want %v", back.Info().Classes, d.Info().Classes)
					}
					got := collect(t, back, nil)
					if out == "folder" {
						sameMultiset(t, want, got)
						continue
					}
					if len(got) != len(want) {
						t.Fatalf("%d samples, want %d", len(got), len(want))
					}
					for i := range got {
						g, w := got[i], want[i]
						if g.Label != w.Label || g.Split != w.Split || g.Path != w.Path || g.Class != w.Class {
							t.Fatalf("row %d: %s %d %q, want %s %d %q", i, g.Path, g.Label, g.Split, w.Path, w.Label, w.Split)
						}
						if !bytes.Equal(pixels(t, g), pixels(t, w)) {
							t.Fatalf("row %d (%s): pixels differ", i, g.Path)
						}
						if !decode && !bytes.Equal(g.Data, w.Data) {
							t.Fatalf("row %d (%s): stored bytes differ", i, g.Path)
						}
					}
				}
			})
		}
	}
}

// sameMultiset compares samples by (split, label, pixels), ignoring order
// and names (a folder renames packed samples).
func sameMultiset(t *testing.T, want, got []Sample) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d samples, want %d", len(got), len(want))
	}
	count := map[string]int{}
	for _, s := range want {
		count[s.Split+"|"+s.Class+"|"+string(pixels(t, s))]++
	}
	for _, s := range got {
		k := s.Split + "|" + s.Class + "|" + string(pixels(t, s))
		if count[k] == 0 {
			t.Fatalf("%s (%s, %s): no such image in the source", s.Path, s.Split, s.Class)
		}
		count[k]--
	}
}
