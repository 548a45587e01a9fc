package augment

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	benchOnce sync.Once
	benchImgs []*image.NRGBA
)

// benchImages returns 256x256 RGB images: the PNGs of
// /work/shared/bench/gen_imgs.py from $IMG_DIR/png when IMG_DIR is set,
// otherwise smooth synthetic images generated here.
func benchImages(b *testing.B) []*image.NRGBA {
	benchOnce.Do(func() {
		if dir := os.Getenv("IMG_DIR"); dir != "" {
			s := NewState(0, 0, 0)
			for i := 0; i < 500; i++ {
				f, err := os.Open(filepath.Join(dir, "png", fmt.Sprintf("%03d.png", i)))
				if err != nil {
					break
				}
				img, err := png.Decode(f)
				f.Close()
				if err != nil {
					break
				}
				benchImgs = append(benchImgs, ToNRGBA(img, s))
			}
		}
		if len(benchImgs) == 0 {
			for i := 0; i < 32; i++ {
				benchImgs = append(benchImgs, smoothImage(256, 256, uint64(i)))
			}
		}
	})
	return benchImgs
}

// smoothImage is a deterministic photo-like image: a few random sinusoids
// per channel plus a gradient.
func smoothImage(w, h int, seed uint64) *image.NRGBA {
	r := NewRand(seed, 0, 0)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	var fx, fy, ph [3][3]float64
	for c := range 3 {
		for k := range 3 {
			fx[c][k], fy[c][k], ph[c][k] = r.Uniform(0, 0.1), r.Uniform(0, 0.1), r.Uniform(0, 6.28)
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := range 3 {
				v := 128.0
				for k := range 3 {
					v += 40 * math.Sin(fx[c][k]*float64(x)+fy[c][k]*float64(y)+ph[c][k])
				}
				img.Pix[y*img.Stride+4*x+c] = clampRound(v + float64(x-y)*0.2)
			}
			img.Pix[y*img.Stride+4*x+3] = 255
		}
	}
	return img
}

// benchCases mirror /work/shared/bench/torch_augment.py's transforms.
var benchCases = []struct{ name, policy string }{
	{"hflip", "hflip p=1"},
	{"vflip", "vflip p=1"},
	{"rotate30_bilinear", "rotate deg=30"},
	{"random_resized_crop224", "rcrop size=224"},
	{"center_crop224", "ccrop size=224"},
	{"color_jitter", "jitter b=0.4 c=0.4 s=0.4 h=0.1"},
	{"resize128", "resize size=128"},
	{"resize128_lanczos", "resize size=128 interp=lanczos"},
	{"affine", "affine deg=15 translate=0.1 scale=0.9-1.1 shear=10"},
	{"pad16_reflect", "pad px=16 mode=reflect"},
	{"rot90", "rot90"},
	{"gray", "gray"},
	{"gamma", "gamma g=0.7-1.5"},
	{"invert", "invert"},
	{"equalize", "equalize"},
	{"blur5", "blur k=5"},
	{"noise", "noise std=0.05"},
	{"erase", "erase p=1"},
	{"crop224", "crop size=224"},
	{"totensor_normalize", "normalize"},
	{"full", "rcrop size=224; hflip; rotate deg=15; jitter b=0.4 c=0.4 s=0.4 h=0.1; normalize"},
}

// BenchmarkTransforms measures images/second per transform on preloaded
// 256x256 images; "1g" runs on one goroutine, "par" on GOMAXPROCS
// goroutines, each with its own State. Transforms read the preloaded
// image and write a new one (from the State's reused buffers), as
// torchvision does on PIL images; policies ending in normalize produce a
// float32 CHW tensor.
func BenchmarkTransforms(b *testing.B) {
	imgs := benchImages(b)
	for _, bc := range benchCases {
		pol, err := Parse(bc.policy)
		if err != nil {
			b.Fatal(err)
		}
		run := func(s *State, t *Tensor, i int) {
			s.Reset(1, 0, uint64(i))
			img := imgs[i%len(imgs)] // not owned by s: never written to
			if pol.Tensor != nil {
				pol.ApplyTensor(img, s, t)
				return
			}
			s.Release(pol.Apply(img, s))
		}
		b.Run(bc.name+"/1g", func(b *testing.B) {
			s, t := NewState(0, 0, 0), &Tensor{}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				run(s, t, i)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
		})
		b.Run(bc.name+"/par", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				s, t := NewState(0, 0, 0), &Tensor{}
				for i := 0; pb.Next(); i++ {
					run(s, t, i)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
		})
	}
}
