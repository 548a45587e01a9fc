package pipeline

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/internal/cputime"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/models"
	"github.com/cnnpipe/cnnpipe/pipeline/jpegturbo"
)

// benchPolicy is the composition of ../shared/bench/README.md:
// RandomResizedCrop 224 + horizontal flip + rotation 15 (bilinear) +
// ColorJitter(0.4, 0.4, 0.4, 0.1); to-tensor and normalize happen in
// Collate.
var benchPolicy = augment.Compose{
	augment.RandomResizedCrop{Size: augment.Size{H: 224, W: 224}},
	augment.RandomApply{P: 0.5, Op: augment.HFlip{}},
	augment.Rotate{Degrees: augment.Range{Lo: -15, Hi: 15}},
	augment.Jitter{
		Brightness: augment.Range{Lo: 0.6, Hi: 1.4},
		Contrast:   augment.Range{Lo: 0.6, Hi: 1.4},
		Saturation: augment.Range{Lo: 0.6, Hi: 1.4},
		Hue:        augment.Range{Lo: -0.1, Hi: 0.1},
	},
}

// jpegFolder returns a class-per-directory folder of 256x256 JPEGs: copies
// of $IMG_DIR/jpg/*.jpg (written by ../shared/bench/gen_imgs.py) with label
// i%10 as in torch_augment.py, or, without IMG_DIR, n smooth images
// generated here (quality 90, like gen_imgs.py).
func jpegFolder(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	for c := range 10 {
		if err := os.Mkdir(filepath.Join(dir, fmt.Sprintf("c%d", c)), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	if src := os.Getenv("IMG_DIR"); src != "" {
		files, _ := filepath.Glob(filepath.Join(src, "jpg", "*.jpg"))
		sort.Strings(files)
		if len(files) == 0 {
			tb.Fatalf("IMG_DIR=%s has no jpg/*.jpg", src)
		}
		for i, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			writeFile(tb, filepath.Join(dir, fmt.Sprintf("c%d", i%10), filepath.Base(f)), data)
		}
		return dir
	}
	r := rand.New(rand.NewPCG(1234, 0))
	for i := range n {
		img := smoothImage(r, 256)
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("c%d", i%10), fmt.Sprintf("%03d.jpg", i)))
		if err != nil {
			tb.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
			tb.Fatal(err)
		}
		f.Close()
	}
	return dir
}

func writeFile(tb testing.TB, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// smoothImage draws low-frequency content (a few random sinusoids and a
// gradient), similar in spectrum to gen_imgs.py's images.
func smoothImage(r *rand.Rand, s int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, s, s))
	var fx, fy, ph [3][3]float64
	for c := range 3 {
		for k := range 3 {
			fx[c][k], fy[c][k], ph[c][k] = r.Float64()*float64(k+1)*4, r.Float64()*float64(k+1)*4, r.Float64()*6.3
		}
	}
	for y := range s {
		for x := range s {
			var v [3]uint8
			for c := range 3 {
				a := 128.0
				for k := range 3 {
					a += 40 / float64(k+1) * math.Sin((fx[c][k]*float64(x)+fy[c][k]*float64(y))/float64(s)*6.3+ph[c][k])
				}
				v[c] = uint8(max(0, min(255, a+float64(x-y)/8)))
			}
			img.SetNRGBA(x, y, color.NRGBA{v[0], v[1], v[2], 255})
		}
	}
	return img
}

// BenchmarkJPEGFolder measures the pipeline alone on the reference
// end-to-end task: a folder of 256x256 JPEGs → read → decode → RandomResizedCrop
// 224 + flip + rotation 15 + ColorJitter → to-tensor + normalize → batches of
// 64, one epoch per iteration, reported as images/second. Run it with the
// reference images beside torch_augment.py e2e:
//
//	IMG_DIR=/tmp/imgs go test -run '^$' -bench JPEGFolder -benchtime 4x ./pipeline
//
// With -tags jpegturbo (cgo and libjpeg-turbo's headers needed) it also
// runs with the libjpeg-turbo decoder of package jpegturbo.
func BenchmarkJPEGFolder(b *testing.B) {
	dir := jpegFolder(b, 500)
	for _, dec := range jpegDecoders() {
		for _, workers := range []int{1, 2, 3, 4} {
			b.Run(fmt.Sprintf("decoder=%s/workers=%d", dec.name, workers), func(b *testing.B) {
				defer dec.use()()
				ds, err := loaders.Open(dir, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer ds.Close()
				l, err := NewLoader(ds, LoaderConfig{
					BatchSize: 64, Workers: workers, Shuffle: true, Seed: 1,
					Augment: benchPolicy, Height: 224, Width: 224,
					Normalization: ImageNet,
				})
				if err != nil {
					b.Fatal(err)
				}
				run := func(epoch int) int {
					n := 0
					for bt, err := range l.Epoch(epoch) {
						if err != nil {
							b.Fatal(err)
						}
						n += bt.X.Batch()
					}
					return n
				}
				run(0) // warm-up epoch, as torch_augment.py does
				b.ResetTimer()
				cpu0 := cpuTime()
				imgs := 0
				for i := range b.N {
					imgs += run(i + 1)
				}
				b.StopTimer()
				b.ReportMetric(float64(imgs)/b.Elapsed().Seconds(), "img/s")
				// CPU time per image is less sensitive than img/s to other
				// processes competing for the cores.
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(imgs), "cpu-µs/img")
				b.ReportMetric(0, "ns/op")
				if testing.Verbose() {
					b.Logf("last epoch:\n%s", l.Stats())
				}
			})
		}
	}
}

// benchDecoder is a JPEG decoder to benchmark with.
type benchDecoder struct {
	name string
	dec  loaders.Decoder
}

// use registers d for JPEG and returns the function that restores the
// previous decoder.
func (d benchDecoder) use() func() {
	old, _ := loaders.LookupDecoder("jpeg")
	loaders.RegisterDecoder(d.dec)
	return func() { loaders.RegisterDecoder(old) }
}

// jpegDecoders lists the standard library's image/jpeg ("stdlib", the
// default before internal/jpeg), the default pure-Go decoder (internal/jpeg)
// and, when built with -tags jpegturbo, libjpeg-turbo.
func jpegDecoders() []benchDecoder {
	def, _ := loaders.LookupDecoder("jpeg")
	std := def
	std.DecodeConfig, std.Decode, std.DecodeNRGBA = jpeg.DecodeConfig, jpeg.Decode, nil
	out := []benchDecoder{{"stdlib", std}, {"go", def}}
	if d, err := jpegturbo.Decoder(); err == nil {
		out = append(out, benchDecoder{"turbo", d})
	}
	return out
}

// reportCPU starts measuring CPU time; the function it returns reports
// cpu-µs/op.
func reportCPU(b *testing.B) func() {
	c0 := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// cpuTime returns the process's user+system CPU time.
var cpuTime = cputime.Process

// BenchmarkStages measures each step of the reference composition on one
// goroutine, to show where a core's time goes per image. Besides ns/op
// (wall time) it reports cpu-µs/op, the process's CPU time per operation,
// which other processes competing for the cores inflate much less.
//
//	IMG_DIR=/tmp/imgs go test -run '^$' -bench Stages -benchtime 300x -cpu 1 ./pipeline
func BenchmarkStages(b *testing.B) {
	dir := jpegFolder(b, 64)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if strings.HasSuffix(p, ".jpg") {
			files = append(files, p)
		}
		return nil
	})
	var samples []loaders.Sample
	for _, f := range files[:min(64, len(files))] {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		samples = append(samples, loaders.Sample{Path: f, Format: "jpeg", Data: data})
	}
	decoded := make([]*image.NRGBA, len(samples))
	for _, dec := range jpegDecoders() {
		b.Run("decode="+dec.name, func(b *testing.B) {
			defer dec.use()()
			defer reportCPU(b)()
			for i := range b.N {
				img, err := DecodeImage(&samples[i%len(samples)], 0)
				if err != nil {
					b.Fatal(err)
				}
				decoded[i%len(samples)] = img
			}
		})
	}
	for i := range samples {
		decoded[i], _ = DecodeImage(&samples[i], 0)
	}
	for _, op := range benchPolicy {
		b.Run(fmt.Sprintf("%T", op), func(b *testing.B) {
			defer reportCPU(b)()
			st := &augment.State{}
			for i := range b.N {
				src := decoded[i%len(decoded)]
				if _, ok := op.(augment.RandomResizedCrop); !ok {
					src = augment.CenterCrop{Size: augment.Size{H: 224, W: 224}}.Apply(st.Clone(src), st)
				} else {
					src = st.Clone(src)
				}
				st.Reset(1, 0, uint64(i))
				st.Release(op.Apply(src, st))
			}
		})
	}
	tz, _ := NewTensorizer(3, ImageNet)
	b.Run("tensorize", func(b *testing.B) {
		defer reportCPU(b)()
		dst := make([]float32, 3*224*224)
		img := image.NewNRGBA(image.Rect(0, 0, 224, 224))
		for range b.N {
			tz.Fill(dst, img)
		}
	})
}

// shapesPNGFolder writes n shapes images (1x120x60 gray) as PNGs into a
// folder per class and returns the folder with the pixels and labels.
func shapesPNGFolder(b *testing.B, n int) (dir string, pix []uint8, labels []int) {
	dir = b.TempDir()
	pix, labels = loaders.GenerateShapes(loaders.DefaultShapesSeed, n)
	size := loaders.ShapesHeight * loaders.ShapesWidth
	for c := range loaders.ShapesClasses {
		os.Mkdir(filepath.Join(dir, loaders.ShapesClasses[c]), 0o755)
	}
	for i := range n {
		img := &image.Gray{Pix: pix[i*size : (i+1)*size], Stride: loaders.ShapesWidth,
			Rect: image.Rect(0, 0, loaders.ShapesWidth, loaders.ShapesHeight)}
		f, err := os.Create(filepath.Join(dir, loaders.ShapesClasses[labels[i]], fmt.Sprintf("%04d.png", i)))
		if err != nil {
			b.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	return dir, pix, labels
}

// BenchmarkLoaderPNGGray runs the Loader of BenchmarkTrainFromPNGFolder
// (1,024 shapes PNGs, "hflip p=0.5; rotate deg=10", 1 channel, batches of
// 64) without a trainer, one epoch per op, and reports the process's CPU
// time per image: the pipeline's share of a training step.
//
//	go test -run '^$' -bench LoaderPNGGray -benchtime 5x ./pipeline
func BenchmarkLoaderPNGGray(b *testing.B) {
	const n = 1024
	dir, _, _ := shapesPNGFolder(b, n)
	policy, _ := augment.Parse("hflip p=0.5; rotate deg=10")
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			ds, err := loaders.Open(dir, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer ds.Close()
			l, err := NewLoader(ds, LoaderConfig{BatchSize: 64, Workers: workers, Channels: 1, Shuffle: true, Seed: 1, Augment: policy})
			if err != nil {
				b.Fatal(err)
			}
			epoch := func(e int) {
				for _, err := range l.Epoch(e) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			epoch(0) // warm the pools
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := range b.N {
				epoch(i + 1)
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N*n), "cpu-µs/img")
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "img/s")
		})
	}
}

// BenchmarkTrainFromPNGFolder trains the seed model (models "seed", 1x120x60
// inputs) for one epoch from a folder of shapes PNGs through a Loader with
// augmentation, and from the same images held in memory as tensors
// (cnn.MemoryDataset), and reports both rates and their ratio: the
// pipeline is not the bottleneck when the ratio is close to 1.
//
//	go test -run '^$' -bench TrainFromPNGFolder -benchtime 1x ./pipeline
func BenchmarkTrainFromPNGFolder(b *testing.B) {
	const n = 1024
	dir, pix, labels := shapesPNGFolder(b, n)
	mem := &cnn.MemoryDataset{Shape: cnn.Shape{1, loaders.ShapesHeight, loaders.ShapesWidth}, Pixels: pix, Labels: labels}
	spec, err := models.Open("seed")
	if err != nil {
		b.Fatal(err)
	}
	policy, _ := augment.Parse("hflip p=0.5; rotate deg=10")
	// rate trains for 2 epochs and returns the images/s of the second and
	// the CPU time it took per image.
	rate := func(src cnn.Source) (imgsPerSec, cpuPerImg float64) {
		m, err := spec.Build(1)
		if err != nil {
			b.Fatal(err)
		}
		var cpu0 time.Duration
		tr := cnn.NewTrainer(m, cnn.TrainConfig{Epochs: 2, OnEpoch: func(s cnn.EpochStats) {
			if s.Epoch == 1 {
				cpu0 = cpuTime()
				return
			}
			imgsPerSec = s.ImagesPerSec
			cpuPerImg = float64((cpuTime() - cpu0).Microseconds()) / n
		}})
		if err := tr.Fit(context.Background(), src, nil); err != nil {
			b.Fatal(err)
		}
		return imgsPerSec, cpuPerImg
	}
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			ds, err := loaders.Open(dir, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer ds.Close()
			l, err := NewLoader(ds, LoaderConfig{BatchSize: 64, Workers: workers, Channels: 1, Shuffle: true, Seed: 1, Augment: policy})
			if err != nil {
				b.Fatal(err)
			}
			var fromFolder, fromMemory, cpuFolder, cpuMemory float64
			for range b.N {
				r, c := rate(mem.Batches(cnn.BatchConfig{Size: 64, Shuffle: true, Seed: 1}))
				fromMemory, cpuMemory = fromMemory+r, cpuMemory+c
				r, c = rate(l)
				fromFolder, cpuFolder = fromFolder+r, cpuFolder+c
			}
			b.ReportMetric(fromFolder/float64(b.N), "folder-img/s")
			b.ReportMetric(fromMemory/float64(b.N), "memory-img/s")
			b.ReportMetric(fromFolder/fromMemory, "ratio")
			// The CPU time ratio is what the img/s ratio is on cores that
			// nothing else uses.
			b.ReportMetric(cpuMemory/cpuFolder, "cpu-ratio")
			b.ReportMetric(0, "ns/op")
			if testing.Verbose() {
				b.Logf("last folder epoch:\n%s", l.Stats())
			}
		})
	}
}

// BenchmarkMapOverhead measures the cost of the stage machinery per item
// (channel hand-offs, ordering, statistics) with a function that does
// nothing: what a stage adds to each sample.
func BenchmarkMapOverhead(b *testing.B) {
	for _, tc := range []struct {
		workers   int
		unordered bool
	}{{1, false}, {4, false}, {4, true}} {
		b.Run(fmt.Sprintf("workers=%d/unordered=%v", tc.workers, tc.unordered), func(b *testing.B) {
			p := New(context.Background())
			src := Generate(p, "gen", b.N, func(_ context.Context, i int) (int, error) { return i, nil })
			out := Map(p, "id", src, MapConfig{Workers: tc.workers, Unordered: tc.unordered},
				func(_ context.Context, v int) (int, error) { return v, nil })
			for range out {
			}
			if err := p.Wait(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
