package augment

import (
	"math"
	"testing"
)

// TestFusedChainMatchesSeparateOps: "rcrop; hflip; rotate" (and with an
// affine map) applied by Compose as one warp draws the same parameters,
// records the same trace, and gives the pixels of the separate ops up to
// interpolation rounding, away from the rotated border.
func TestFusedChainMatchesSeparateOps(t *testing.T) {
	src := smoothImage(96, 80, 4)
	for _, tc := range []struct {
		name  string
		chain Compose
	}{
		{"rcrop-hflip-rotate", Compose{RandomResizedCrop{Size: Size{H: 64, W: 72}}, RandomApply{P: 0.5, Op: HFlip{}}, Rotate{Degrees: Range{-20, 20}}}},
		{"rcrop-vflip-affine", Compose{RandomResizedCrop{Size: Size{H: 50, W: 50}, Scale: Range{0.05, 0.3}}, VFlip{}, Affine{Degrees: Range{-10, 10}, Translate: [2]float64{0.1, 0.1}, Scale: Range{0.9, 1.2}, ShearX: Range{-5, 5}, Border: BorderReflect}}},
		{"downscaled crop", Compose{RandomResizedCrop{Size: Size{H: 24, W: 24}, Scale: Range{0.5, 1}}, Rotate{Degrees: Range{-30, 30}, Border: BorderEdge}}},
	} {
		if fusedChain(tc.chain) != len(tc.chain) {
			t.Fatalf("%s: not fused", tc.name)
		}
		compared, worst := 0, 0
		for i := range 40 {
			fs, ss := NewState(3, 0, uint64(i)), NewState(3, 0, uint64(i))
			fused := tc.chain.Apply(src, fs)
			sep := src
			for _, op := range tc.chain {
				sep = op.Apply(sep, ss)
			}
			if fs.Trace.String() != ss.Trace.String() {
				t.Fatalf("%s: traces differ:\n%s\n%s", tc.name, fs.Trace, ss.Trace)
			}
			if fused.Rect.Size() != sep.Rect.Size() {
				t.Fatalf("%s: sizes %v and %v", tc.name, fused.Rect.Size(), sep.Rect.Size())
			}
			// Compare pixels far from the fill: where the separate result
			// and its neighbours are not touched by the border.
			w, h := sep.Rect.Dx(), sep.Rect.Dy()
			for y := 3; y < h-3; y++ {
				for x := 3; x < w-3; x++ {
					if nearBorder(tc.chain, fs.Trace, x, y, w, h) {
						continue
					}
					a, b := at(fused, x, y), at(sep, x, y)
					for c := range 3 {
						d := int(math.Abs(a[c] - b[c]))
						worst = max(worst, d)
					}
					compared++
				}
			}
		}
		if compared < 1000 || worst > 4 {
			t.Errorf("%s: %d pixels compared, largest difference %d (want <= 4)", tc.name, compared, worst)
		}
	}
}

// nearBorder reports whether output pixel (x, y) maps within 3 output
// pixels of the crop window's edge (where fill or border pixels mix in).
func nearBorder(chain Compose, tr Trace, x, y, w, h int) bool {
	// Invert the recorded ops on the output grid: undo the rotation /
	// affine, then the flips, and check the point against the crop image.
	px, py := float64(x)+0.5, float64(y)+0.5
	for i := len(tr) - 1; i >= 1; i-- {
		st := tr[i]
		switch st.Op {
		case "rotate":
			a := st.Params[0].Value * math.Pi / 180
			cx, cy := float64(w)/2, float64(h)/2
			dx, dy := px-cx, py-cy
			px, py = cx+dx*math.Cos(a)-dy*math.Sin(a), cy+dx*math.Sin(a)+dy*math.Cos(a)
		case "affine":
			p := map[string]float64{}
			for _, q := range st.Params {
				p[q.Name] = q.Value
			}
			m := inverseAffine(float64(w)/2, float64(h)/2, p["angle"], p["tx"], p["ty"], p["scale"], p["shx"], p["shy"])
			px, py = m.A*px+m.B*py+m.C, m.D*px+m.E*py+m.F
		case "hflip":
			px = float64(w) - px
		case "vflip":
			py = float64(h) - py
		}
	}
	const margin = 5
	return px < margin || py < margin || px > float64(w)-margin || py > float64(h)-margin
}

func TestFusedChainForeignInputUntouched(t *testing.T) {
	src := smoothImage(40, 30, 1)
	orig := refWindow(src, 0, 0, 40, 30, BorderConstant, fillC)
	pol, err := Parse("rcrop size=32; hflip; rotate deg=20; jitter b=0.4")
	if err != nil {
		t.Fatal(err)
	}
	s := NewState(1, 0, 0)
	for i := range 20 {
		s.Reset(1, 0, uint64(i))
		out := pol.Apply(src, s)
		if out.Rect.Dx() != 32 || out.Rect.Dy() != 32 {
			t.Fatalf("size %v", out.Rect)
		}
		s.Release(out)
	}
	if d, where := maxDiff(src, orig); d != 0 {
		t.Errorf("source modified at %s", where)
	}
}
