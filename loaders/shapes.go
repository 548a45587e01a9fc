package loaders

import (
	"image"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// The built-in "shapes" dataset: grayscale images ShapesHeight high and
// ShapesWidth wide, each holding one filled shape of ShapesClasses on a
// noisy background, generated deterministically from a seed (after
// ../shared/bench/shapes.py: random size, position, background level in
// [0, 0.3], foreground level in [0.6, 1], additive Gaussian noise with
// sigma 0.2, clipped and quantized to 8 bits).
const (
	ShapesHeight = 120
	ShapesWidth  = 60
	shapesNoise  = 0.2
)

// ShapesClasses are the class names of the shapes dataset, by label:
// 0 filled circle, 1 filled square, 2 filled isosceles triangle (apex up),
// 3 horizontal bar.
var ShapesClasses = []string{"circle", "square", "triangle", "bar"}

// ShapesLabel returns the label of image i of the shapes dataset with the
// given seed. Labels are balanced: every block of four consecutive indices
// holds each class once, in an order drawn from (seed, i/4).
func ShapesLabel(seed int64, i int) int {
	r := rand.New(rand.NewPCG(uint64(seed)^0x5ba9e5, uint64(i/4)))
	p := [4]int{0, 1, 2, 3}
	r.Shuffle(4, func(a, b int) { p[a], p[b] = p[b], p[a] })
	return p[i%4]
}

// ShapesImage returns image i of the shapes dataset with the given seed and
// its label. The same (seed, i) always gives the same image, independently
// of the other images, so the dataset can be generated in any order and in
// parallel.
func ShapesImage(seed int64, i int) (*image.Gray, int) {
	img := image.NewGray(image.Rect(0, 0, ShapesWidth, ShapesHeight))
	label := ShapesLabel(seed, i)
	drawShape(rand.New(rand.NewPCG(uint64(seed), uint64(i))), label, shapesNoise, img.Pix)
	return img, label
}

// GenerateShapes returns n images of the shapes dataset as uint8 pixels,
// image after image (each ShapesHeight*ShapesWidth bytes, row-major), and
// their labels. It uses every core.
func GenerateShapes(seed int64, n int) (pix []uint8, labels []int) {
	const size = ShapesHeight * ShapesWidth
	pix = make([]uint8, n*size)
	labels = make([]int, n)
	w := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				labels[i] = ShapesLabel(seed, i)
				drawShape(rand.New(rand.NewPCG(uint64(seed), uint64(i))), labels[i], shapesNoise, pix[i*size:(i+1)*size])
			}
		}(k*n/w, (k+1)*n/w)
	}
	wg.Wait()
	return pix, labels
}

// drawShape draws one image of class cls into pix (row-major, ShapesWidth
// per row) using rng, with Gaussian noise of the given sigma.
func drawShape(rng *rand.Rand, cls int, noise float64, pix []uint8) {
	const H, W = float64(ShapesHeight), float64(ShapesWidth)
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	bg := u(0, 0.3)
	fg := u(0.6, 1)
	var inside func(y, x float64) bool
	switch cls {
	case 0: // circle
		r := u(6, 22)
		cy, cx := u(r, H-r), u(r, W-r)
		inside = func(y, x float64) bool { return (y-cy)*(y-cy)+(x-cx)*(x-cx) <= r*r }
	case 1: // square
		s := u(12, 40)
		y0, x0 := u(0, H-s), u(0, W-s)
		inside = func(y, x float64) bool { return y >= y0 && y < y0+s && x >= x0 && x < x0+s }
	case 2: // isosceles triangle, apex up
		b, h := u(14, 44), u(12, 40)
		y0 := u(0, H-h)
		cx := u(b/2, W-b/2)
		inside = func(y, x float64) bool {
			t := (y - y0) / h
			return t >= 0 && t <= 1 && math.Abs(x-cx) <= t*b/2
		}
	default: // horizontal bar
		w, h := u(30, 56), u(4, 10)
		y0, x0 := u(0, H-h), u(0, W-w)
		inside = func(y, x float64) bool { return y >= y0 && y < y0+h && x >= x0 && x < x0+w }
	}
	for py := 0; py < ShapesHeight; py++ {
		y := float64(py) + 0.5
		for px := 0; px < ShapesWidth; px++ {
			v := bg
			if inside(y, float64(px)+0.5) {
				v = fg
			}
			if noise > 0 {
				v += rng.NormFloat64() * noise
			}
			pix[py*ShapesWidth+px] = uint8(math.Max(0, math.Min(255, math.RoundToEven(v*255))))
		}
	}
}
