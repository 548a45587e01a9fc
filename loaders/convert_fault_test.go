package loaders_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// faultTree returns every file under root (relative slash paths) with its
// content; a single file is returned under the name ".".
func faultTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFaultConvertCanceled cancels Convert after its first batches, for
// every output format: the destination must not exist (the output appears
// only when complete), no temporary file or folder may remain beside it,
// and converting again gives exactly the output of an uninterrupted run.
func TestFaultConvertCanceled(t *testing.T) {
	const src = "shapes?n=96&seed=5"
	for _, name := range []string{"out.parquet", "out.arrow", "out.arrows", "out"} {
		t.Run(name, func(t *testing.T) {
			convert := func(ctx context.Context, dst string, progress func(done, total int)) error {
				ds, err := loaders.Open(src, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer ds.Close()
				_, err = loaders.Convert(ctx, ds, dst, &loaders.ConvertOptions{
					Read:     loaders.ReadOptions{BatchSize: 8},
					Write:    loaders.WriteOptions{RowGroupSize: 8},
					Progress: progress,
				})
				return err
			}
			ref := filepath.Join(t.TempDir(), name)
			if err := convert(context.Background(), ref, nil); err != nil {
				t.Fatal(err)
			}
			want := faultTree(t, ref)

			dir := t.TempDir()
			dst := filepath.Join(dir, name)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			err := convert(ctx, dst, func(done, total int) {
				if calls++; calls == 3 {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("canceled conversion: %v, want context.Canceled", err)
			}
			if calls >= 96/8 {
				t.Fatalf("the conversion ran to the end (%d batches) before it saw the cancellation", calls)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				t.Errorf("left behind by a canceled conversion: %s", e.Name())
			}
			if err := convert(context.Background(), dst, nil); err != nil {
				t.Fatalf("converting again: %v", err)
			}
			got := faultTree(t, dst)
			if len(got) != len(want) {
				t.Errorf("re-run wrote %d files, the uninterrupted run %d", len(got), len(want))
			}
			for k, v := range want {
				if !bytes.Equal(got[k], v) {
					t.Errorf("%s differs from the uninterrupted run's", k)
				}
			}
		})
	}
}
