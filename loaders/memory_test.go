package loaders

import (
	"context"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/cnnpipe/cnnpipe/internal/cputime"
)

// heapProbe measures the live heap: Probe forces a garbage collection and
// records the heap in use, so that garbage awaiting collection (which
// depends on GC pacing) is not counted. Calling it after every batch gives
// the peak of the memory retained while streaming.
type heapProbe struct {
	base, peak uint64
}

func newHeapProbe() *heapProbe {
	// Objects with finalizers (files, Arrow buffers) need a second cycle.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return &heapProbe{base: ms.HeapAlloc}
}

func (h *heapProbe) Probe() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > h.base && ms.HeapAlloc-h.base > h.peak {
		h.peak = ms.HeapAlloc - h.base
	}
}

// MB returns the peak in megabytes.
func (h *heapProbe) MB() float64 { return float64(h.peak) / 1e6 }

// TestMemoryFlat converts IDX datasets of 500 and 5000 images of 64x64
// (2 MB and 20 MB of pixels) to Parquet and reads them back: the peak
// heap must not grow with the dataset.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	peaks := map[int]float64{}
	for _, n := range []int{500, 5000} {
		dir := t.TempDir()
		p := writeIDX(t, dir, "train", n, 64, 64, false)
		d := mustOpen(t, p, nil)
		pq := filepath.Join(dir, "out.parquet")
		h := newHeapProbe()
		if _, err := Convert(context.Background(), d.Shuffle(1), pq, &ConvertOptions{
			Read: ReadOptions{BatchSize: 128}, Write: WriteOptions{RowGroupSize: 256},
			Progress: func(int, int) { h.Probe() }}); err != nil {
			t.Fatal(err)
		}
		pd := mustOpen(t, pq, nil)
		rr := pd.Shuffle(2).Records(context.Background(), &ReadOptions{BatchSize: 128, ShuffleBuffer: 256})
		rows := 0
		for rr.Next() {
			rows += int(rr.RecordBatch().NumRows())
			h.Probe()
		}
		rr.Release()
		if rows != n || rr.Err() != nil {
			t.Fatalf("read back %d rows: %v", rows, rr.Err())
		}
		peaks[n] = h.MB()
		t.Logf("%5d images (%5.1f MB of pixels): peak live heap %.1f MB", n, float64(n*64*64)/1e6, peaks[n])
	}
	// 10x the data (the 5000-image dataset alone is 20 MB) may not cost
	// more than 1.5x the memory plus 2 MB.
	if limit := peaks[500]*1.5 + 2; peaks[5000] > limit {
		t.Errorf("peak heap grows with the dataset: 500 images %.1f MB, 5000 images %.1f MB", peaks[500], peaks[5000])
	}
}

// makeJPEGFolder writes n 64x64 JPEG images in 10 classes, using two
// goroutines.
func makeJPEGFolder(tb testing.TB, root string, n int) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				dir := filepath.Join(root, fmt.Sprintf("class%d", i%10))
				os.MkdirAll(dir, 0o755)
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%06d.jpg", i)))
				if err != nil {
					errs <- err
					return
				}
				err = jpeg.Encode(f, testImage(i, 64, 64, false), &jpeg.Options{Quality: 85})
				f.Close()
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkPeakHeap converts JPEG folders of 1,000 and 20,000 images to
// Parquet and reports the peak heap of the conversion and of reading the
// Parquet file back with decoding. Run with -benchtime=1x.
func BenchmarkPeakHeap(b *testing.B) {
	for _, n := range []int{1000, 20000} {
		dir := b.TempDir()
		src := filepath.Join(dir, "src")
		makeJPEGFolder(b, src, n)
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			var convPeak, readPeak float64
			for i := 0; i < b.N; i++ {
				pq := filepath.Join(dir, fmt.Sprintf("out%d.parquet", i))
				d := mustOpen(b, src, nil)
				h := newHeapProbe()
				if _, err := Convert(context.Background(), d.Shuffle(1), pq, &ConvertOptions{Read: ReadOptions{Verify: true},
					Progress: func(int, int) { h.Probe() }}); err != nil {
					b.Fatal(err)
				}
				convPeak = max(convPeak, h.MB())
				pd := mustOpen(b, pq, nil)
				h = newHeapProbe()
				k := 0
				for _, err := range pd.Shuffle(2).Samples(context.Background(), &ReadOptions{Decode: true}) {
					if err != nil {
						b.Fatal(err)
					}
					if k++; k%256 == 0 {
						h.Probe()
					}
				}
				if k != n {
					b.Fatalf("%d samples", k)
				}
				readPeak = max(readPeak, h.MB())
				os.Remove(pq)
			}
			b.ReportMetric(convPeak, "convert-peak-MB")
			b.ReportMetric(readPeak, "read-peak-MB")
		})
	}
}

// BenchmarkReadDecode measures images per second read and decoded to
// pixels (64x64 RGB) from a JPEG folder and from the same images in
// Parquet, with one and two workers, and the process CPU time per image
// (which a busy machine does not inflate).
func BenchmarkReadDecode(b *testing.B) {
	const n = 2000
	dir := b.TempDir()
	src := filepath.Join(dir, "src")
	makeJPEGFolder(b, src, n)
	pq := filepath.Join(dir, "images.parquet")
	if _, err := Convert(context.Background(), mustOpen(b, src, nil), pq, nil); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{{"jpeg-folder", src}, {"parquet", pq}} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", tc.name, workers), func(b *testing.B) {
				d := mustOpen(b, tc.path, nil)
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					k := 0
					for _, err := range d.Samples(context.Background(), &ReadOptions{Decode: true, Workers: workers}) {
						if err != nil {
							b.Fatal(err)
						}
						k++
					}
					if k != n {
						b.Fatalf("%d samples", k)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
				// CPU time per image does not depend on how busy the machine is.
				b.ReportMetric((cpuTime()-cpu0)*1e6/float64(n*b.N), "cpu-µs/image")
			})
		}
	}
}

// cpuTime returns the process's user+system CPU time in seconds.
func cpuTime() float64 { return cputime.Process().Seconds() }
