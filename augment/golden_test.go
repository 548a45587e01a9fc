package augment

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"
)

func transpose(img *image.NRGBA) *image.NRGBA {
	return refImage(img.Rect.Dy(), img.Rect.Dx(), func(x, y int) fpx { return at(img, y, x) })
}

func refHFlip(img *image.NRGBA) *image.NRGBA {
	w := img.Rect.Dx()
	return refImage(w, img.Rect.Dy(), func(x, y int) fpx { return at(img, w-1-x, y) })
}

func refVFlip(img *image.NRGBA) *image.NRGBA {
	h := img.Rect.Dy()
	return refImage(img.Rect.Dx(), h, func(x, y int) fpx { return at(img, x, h-1-y) })
}

func refWindow(img *image.NRGBA, x0, y0, w, h int, b Border, fill color.NRGBA) *image.NRGBA {
	return refImage(w, h, func(x, y int) fpx { return refSample(img, x0+x, y0+y, b, fill) })
}

// param returns the named parameter of the last step of the trace.
func param(t *testing.T, tr Trace, name string) float64 {
	t.Helper()
	if len(tr) == 0 {
		t.Fatalf("empty trace")
	}
	for _, p := range tr[len(tr)-1].Params {
		if p.Name == name {
			return p.Value
		}
	}
	t.Fatalf("trace %v has no parameter %q", tr, name)
	return 0
}

// maxDiff compares two images pixel by pixel (relative to their Rect
// corners) and returns the largest channel difference and where.
func maxDiff(a, b *image.NRGBA) (int, string) {
	if a.Rect.Dx() != b.Rect.Dx() || a.Rect.Dy() != b.Rect.Dy() {
		return 1 << 30, fmt.Sprintf("size %dx%d, want %dx%d", a.Rect.Dx(), a.Rect.Dy(), b.Rect.Dx(), b.Rect.Dy())
	}
	worst, where := 0, ""
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx(); x++ {
			p, q := at(a, x, y), at(b, x, y)
			for c := range p {
				if d := int(math.Abs(p[c] - q[c])); d > worst {
					worst, where = d, fmt.Sprintf("(%d,%d) channel %d: got %v want %v", x, y, c, p, q)
				}
			}
		}
	}
	return worst, where
}

var fillC = color.NRGBA{10, 200, 30, 255}

type goldenCase struct {
	name  string
	op    Op
	alpha bool // use images with varying alpha (geometric ops)
	tol   int
	ref   func(t *testing.T, img *image.NRGBA, tr Trace) *image.NRGBA
}

func goldenCases() []goldenCase {
	fixed := func(v float64) Range { return Range{v, v} }
	pointRef := func(f func(p fpx) fpx) func(t *testing.T, img *image.NRGBA, tr Trace) *image.NRGBA {
		return func(t *testing.T, img *image.NRGBA, tr Trace) *image.NRGBA {
			return refImage(img.Rect.Dx(), img.Rect.Dy(), func(x, y int) fpx { return f(at(img, x, y)) })
		}
	}
	cases := []goldenCase{
		{name: "hflip", op: HFlip{}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA { return refHFlip(img) }},
		{name: "vflip", op: VFlip{}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA { return refVFlip(img) }},
		// A quarter turn counter-clockwise is a transpose followed by a
		// vertical flip; a half turn is both flips.
		{name: "rot90", op: Rot90{K: 1}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA { return refVFlip(transpose(img)) }},
		{name: "rot180", op: Rot90{K: 2}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA { return refVFlip(refHFlip(img)) }},
		{name: "rot270", op: Rot90{K: 3}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA { return refHFlip(transpose(img)) }},
		{name: "ccrop", op: CenterCrop{Size: Size{H: 4, W: 6}}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			// (13-6)/2 = 3.5 rounds to 4 (half to even), (9-4)/2 = 2.5 to 2.
			return refWindow(img, 4, 2, 6, 4, BorderConstant, fillC)
		}},
		{name: "ccrop-pad", op: CenterCrop{Size: Size{H: 12, W: 15}, Fill: fillC}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			return refWindow(img, -1, -2, 15, 12, BorderConstant, fillC)
		}},
		{name: "crop-reflect", op: RandomCrop{Size: Size{H: 7, W: 8}, Padding: 3, Border: BorderReflect}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, tr Trace) *image.NRGBA {
			x, y := int(param(t, tr, "x")), int(param(t, tr, "y"))
			if x < -3 || y < -3 || x+8 > img.Rect.Dx()+3 || y+7 > img.Rect.Dy()+3 {
				t.Errorf("crop at (%d,%d) outside the padded image", x, y)
			}
			return refWindow(img, x, y, 8, 7, BorderReflect, fillC)
		}},
		{name: "rotate0", op: Rotate{}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			return refWindow(img, 0, 0, img.Rect.Dx(), img.Rect.Dy(), BorderConstant, fillC)
		}},
	}
	for _, mode := range []Border{BorderConstant, BorderEdge, BorderReflect} {
		cases = append(cases, goldenCase{name: "pad-" + mode.String(), op: Pad{Left: 2, Top: 1, Right: 3, Bottom: 14, Border: mode, Fill: fillC}, alpha: true,
			ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
				return refWindow(img, -2, -1, img.Rect.Dx()+5, img.Rect.Dy()+15, mode, fillC)
			}})
		cases = append(cases, goldenCase{name: "rotate-" + mode.String(), op: Rotate{Degrees: fixed(30), Border: mode, Fill: fillC}, alpha: true, tol: 2,
			ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
				// Counter-clockwise on screen (y down): a point at angle φ
				// from the centre moves to φ-30° in y-down coordinates, so
				// the output pixel reads the source rotated back by +30°.
				cx, cy := float64(img.Rect.Dx())/2, float64(img.Rect.Dy())/2
				a := 30 * math.Pi / 180
				return refWarp(img, func(x, y float64) (float64, float64) {
					dx, dy := x-cx, y-cy
					return cx + dx*math.Cos(a) - dy*math.Sin(a), cy + dx*math.Sin(a) + dy*math.Cos(a)
				}, mode, fillC)
			}})
	}
	cases = append(cases, goldenCase{name: "affine", op: Affine{Degrees: fixed(20), Translate: [2]float64{0.2, 0.1}, Scale: fixed(1.2), ShearX: fixed(10), ShearY: fixed(-5), Fill: fillC}, alpha: true, tol: 2,
		ref: func(t *testing.T, img *image.NRGBA, tr Trace) *image.NRGBA {
			tx, ty := param(t, tr, "tx"), param(t, tr, "ty")
			if math.Abs(tx) > 0.2*13 || math.Abs(ty) > 0.1*9 || tx != math.Round(tx) {
				t.Errorf("translation (%v,%v) out of range", tx, ty)
			}
			// Forward map p' = R·S·SHy·SHx·(p-c) + c + t (torchvision's
			// RandomAffine), inverted numerically.
			rad := func(d float64) float64 { return d * math.Pi / 180 }
			mul := func(a, b [4]float64) [4]float64 {
				return [4]float64{a[0]*b[0] + a[1]*b[2], a[0]*b[1] + a[1]*b[3], a[2]*b[0] + a[3]*b[2], a[2]*b[1] + a[3]*b[3]}
			}
			r := [4]float64{math.Cos(rad(20)), -math.Sin(rad(20)), math.Sin(rad(20)), math.Cos(rad(20))}
			m := mul(mul(mul(r, [4]float64{1.2, 0, 0, 1.2}), [4]float64{1, 0, -math.Tan(rad(-5)), 1}), [4]float64{1, -math.Tan(rad(10)), 0, 1})
			det := m[0]*m[3] - m[1]*m[2]
			inv := [4]float64{m[3] / det, -m[1] / det, -m[2] / det, m[0] / det}
			cx, cy := float64(img.Rect.Dx())/2, float64(img.Rect.Dy())/2
			return refWarp(img, func(x, y float64) (float64, float64) {
				dx, dy := x-cx-tx, y-cy-ty
				return cx + inv[0]*dx + inv[1]*dy, cy + inv[2]*dx + inv[3]*dy
			}, BorderConstant, fillC)
		}})
	for _, f := range []Filter{Bilinear, CatmullRom, Lanczos} {
		for _, sz := range []Size{{H: 5, W: 7}, {H: 20, W: 30}, {H: 9, W: 4}} {
			cases = append(cases, goldenCase{name: fmt.Sprintf("resize-%s-%v", f, sz), op: Resize{Size: sz, Filter: f}, alpha: true, tol: 1,
				ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
					return refResize(img, image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()), sz.W, sz.H, f)
				}})
		}
	}
	cases = append(cases,
		goldenCase{name: "resize-short", op: Resize{Short: 6}, alpha: true, tol: 1, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			// 13x9 -> shorter side 6: 8x6 (int(6*13/9)).
			return refResize(img, image.Rect(0, 0, 13, 9), 8, 6, Bilinear)
		}},
		goldenCase{name: "resize-nearest", op: Resize{Size: Size{H: 4, W: 20}, Filter: Nearest}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			return refImage(20, 4, func(x, y int) fpx {
				return at(img, int(math.Floor((float64(x)+0.5)*13/20)), int(math.Floor((float64(y)+0.5)*9/4)))
			})
		}},
		goldenCase{name: "rcrop", op: RandomResizedCrop{Size: Size{H: 6, W: 5}, Scale: Range{0.2, 0.7}}, alpha: true, tol: 1, ref: func(t *testing.T, img *image.NRGBA, tr Trace) *image.NRGBA {
			x, y, w, h := int(param(t, tr, "x")), int(param(t, tr, "y")), int(param(t, tr, "w")), int(param(t, tr, "h"))
			if x < 0 || y < 0 || w <= 0 || h <= 0 || x+w > 13 || y+h > 9 {
				t.Errorf("crop %d,%d %dx%d outside 13x9", x, y, w, h)
			}
			return refResize(img, image.Rect(x, y, x+w, y+h), 5, 6, Bilinear)
		}},
		goldenCase{name: "brightness", op: Jitter{Brightness: fixed(1.3)}, ref: pointRef(func(p fpx) fpx {
			return fpx{p[0] * 1.3, p[1] * 1.3, p[2] * 1.3, p[3]}
		})},
		goldenCase{name: "contrast", op: Jitter{Contrast: fixed(0.6)}, tol: 1, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			sum := 0.0
			for y := 0; y < img.Rect.Dy(); y++ {
				for x := 0; x < img.Rect.Dx(); x++ {
					sum += refLuma(at(img, x, y))
				}
			}
			m := math.Round(sum / float64(img.Rect.Dx()*img.Rect.Dy()))
			return pointRef(func(p fpx) fpx {
				return fpx{m + 0.6*(p[0]-m), m + 0.6*(p[1]-m), m + 0.6*(p[2]-m), p[3]}
			})(t, img, nil)
		}},
		goldenCase{name: "saturation", op: Jitter{Saturation: fixed(1.5)}, tol: 2, ref: pointRef(func(p fpx) fpx {
			l := refLuma(p)
			return fpx{l + 1.5*(p[0]-l), l + 1.5*(p[1]-l), l + 1.5*(p[2]-l), p[3]}
		})},
		goldenCase{name: "hue", op: Jitter{Hue: fixed(0.2)}, tol: 2, ref: pointRef(func(p fpx) fpx {
			h, s, v := refHSV(p)
			r, g, b := refRGB(math.Mod(h+0.2, 1), s, v)
			return fpx{r * 255, g * 255, b * 255, p[3]}
		})},
		goldenCase{name: "hue-negative", op: Jitter{Hue: fixed(-0.45)}, tol: 2, ref: pointRef(func(p fpx) fpx {
			h, s, v := refHSV(p)
			r, g, b := refRGB(math.Mod(h-0.45+1, 1), s, v)
			return fpx{r * 255, g * 255, b * 255, p[3]}
		})},
		goldenCase{name: "gray", op: Grayscale{}, tol: 1, ref: pointRef(func(p fpx) fpx {
			l := refLuma(p)
			return fpx{l, l, l, p[3]}
		})},
		goldenCase{name: "gamma", op: Gamma{Gamma: fixed(0.5)}, ref: pointRef(func(p fpx) fpx {
			g := func(v float64) float64 { return 255 * math.Sqrt(v/255) }
			return fpx{g(p[0]), g(p[1]), g(p[2]), p[3]}
		})},
		goldenCase{name: "invert", op: Invert{}, alpha: true, ref: pointRef(func(p fpx) fpx {
			return fpx{255 - p[0], 255 - p[1], 255 - p[2], p[3]}
		})},
		goldenCase{name: "equalize", op: Equalize{}, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			// PIL's ImageOps.equalize, transcribed.
			var luts [3][256]float64
			for c := range 3 {
				var hist [256]int
				for y := 0; y < img.Rect.Dy(); y++ {
					for x := 0; x < img.Rect.Dx(); x++ {
						hist[int(at(img, x, y)[c])]++
					}
				}
				var nz []int
				for _, n := range hist {
					if n != 0 {
						nz = append(nz, n)
					}
				}
				total := 0
				for _, n := range nz {
					total += n
				}
				step := 0
				if len(nz) > 1 {
					step = (total - nz[len(nz)-1]) / 255
				}
				n := step / 2
				for i := range 256 {
					if step == 0 {
						luts[c][i] = float64(i)
						continue
					}
					luts[c][i] = math.Min(255, float64(n/step))
					n += hist[i]
				}
			}
			return pointRef(func(p fpx) fpx {
				return fpx{luts[0][int(p[0])], luts[1][int(p[1])], luts[2][int(p[2])], p[3]}
			})(t, img, nil)
		}},
		goldenCase{name: "blur", op: GaussianBlur{Kernel: 5, Sigma: fixed(1.5)}, alpha: true, tol: 1, ref: func(t *testing.T, img *image.NRGBA, _ Trace) *image.NRGBA {
			k := make([]float64, 5)
			sum := 0.0
			for i := range k {
				x := float64(i - 2)
				k[i] = math.Exp(-x * x / (2 * 1.5 * 1.5))
				sum += k[i]
			}
			return refImage(img.Rect.Dx(), img.Rect.Dy(), func(x, y int) fpx {
				var out fpx
				for j := range 5 {
					for i := range 5 {
						p := refSample(img, x+i-2, y+j-2, BorderReflect, fillC)
						for c := range out {
							out[c] += k[i] * k[j] / (sum * sum) * p[c]
						}
					}
				}
				return out
			})
		}},
		goldenCase{name: "erase", op: Erase{Scale: Range{0.1, 0.3}, Fill: fillC}, alpha: true, ref: func(t *testing.T, img *image.NRGBA, tr Trace) *image.NRGBA {
			x0, y0, w, h := int(param(t, tr, "x")), int(param(t, tr, "y")), int(param(t, tr, "w")), int(param(t, tr, "h"))
			if x0 < 0 || y0 < 0 || x0+w > 13 || y0+h > 9 {
				t.Errorf("erased rectangle %d,%d %dx%d outside 13x9", x0, y0, w, h)
			}
			return refImage(13, 9, func(x, y int) fpx {
				p := at(img, x, y)
				if x >= x0 && x < x0+w && y >= y0 && y < y0+h {
					return fpx{10, 200, 30, p[3]}
				}
				return p
			})
		}},
	)
	return cases
}

// TestGolden checks every transform against its reference on a 13x9 image
// whose Rect starts at (-3, 2), on a sub-image (Stride > 4·width), and on
// an owned copy (the in-place paths), and checks that an image the State
// does not own is left untouched.
func TestGolden(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			for variant := range 3 {
				var src *image.NRGBA
				switch variant {
				case 0, 2:
					src = testImage(-3, 2, 13, 9, 7, gc.alpha)
				case 1:
					src = subImage(13, 9, 8)
				}
				orig := refWindow(src, 0, 0, 13, 9, BorderConstant, fillC)
				s := NewState(1, 2, 3)
				in := src
				if variant == 2 {
					in = s.Clone(src)
				}
				out := gc.op.Apply(in, s)
				want := gc.ref(t, src, s.Trace)
				if d, where := maxDiff(out, want); d > gc.tol {
					t.Errorf("variant %d: differs from the reference by %d (tolerance %d) at %s", variant, d, gc.tol, where)
				}
				if d, where := maxDiff(src, orig); variant != 2 && d != 0 {
					t.Errorf("variant %d: the input image was modified at %s", variant, where)
				}
			}
		})
	}
}

func TestToTensorGolden(t *testing.T) {
	img := testImage(-3, 2, 13, 9, 7, false)
	for _, tt := range []ToTensor{{}, {Normalize: true, Mean: ImageNetMean, Std: ImageNetStd}} {
		var dst Tensor
		tt.Apply(img, &dst)
		if dst.C != 3 || dst.H != 9 || dst.W != 13 || len(dst.Data) != 3*9*13 {
			t.Fatalf("tensor %dx%dx%d (%d values)", dst.C, dst.H, dst.W, len(dst.Data))
		}
		for c := range 3 {
			for y := range 9 {
				for x := range 13 {
					want := at(img, x, y)[c] / 255
					if tt.Normalize {
						want = (want - float64(tt.Mean[c])) / float64(tt.Std[c])
					}
					if got := dst.Data[(c*9+y)*13+x]; math.Abs(float64(got)-want) > 1e-5 {
						t.Fatalf("%v: [%d,%d,%d] = %v, want %v", tt, c, y, x, got, want)
					}
				}
			}
		}
		// Normalize on the plain tensor equals the fused path.
		if !tt.Normalize {
			n := Normalize{Mean: ImageNetMean[:], Std: ImageNetStd[:]}
			if err := n.Apply(&dst); err != nil {
				t.Fatal(err)
			}
			var fused Tensor
			ToTensor{Normalize: true, Mean: ImageNetMean, Std: ImageNetStd}.Apply(img, &fused)
			for i := range fused.Data {
				if math.Abs(float64(fused.Data[i]-dst.Data[i])) > 1e-5 {
					t.Fatalf("Normalize[%d] = %v, fused %v", i, dst.Data[i], fused.Data[i])
				}
			}
		}
	}
	if err := (Normalize{Mean: []float32{0}, Std: []float32{1}}).Apply(&Tensor{C: 3, H: 1, W: 1, Data: make([]float32, 3)}); err == nil {
		t.Error("Normalize with one mean for three channels: no error")
	}
}

// TestResizeHalving covers the exact 8-bit-weight path (bilinear halving,
// whose interior weights are 1/8, 3/8, 3/8, 1/8) and its edges.
func TestResizeHalving(t *testing.T) {
	for _, owned := range []bool{false, true} {
		src := testImage(2, -7, 32, 24, 9, true)
		s := NewState(0, 0, 0)
		in := src
		if owned {
			in = s.Clone(src)
		}
		out := Resize{Size: Size{H: 12, W: 16}}.Apply(in, s)
		want := refResize(src, image.Rect(0, 0, 32, 24), 16, 12, Bilinear)
		if d, where := maxDiff(out, want); d > 1 {
			t.Errorf("owned %v: differs by %d at %s", owned, d, where)
		}
	}
}
