package augment

import (
	"image"
	"math"
	"testing"
)

func equalImages(a, b *image.NRGBA) bool {
	d, _ := maxDiff(a, b)
	return d == 0
}

// TestInvolutions: flips twice, four quarter turns and two half turns are
// the identity, on owned and foreign images.
func TestInvolutions(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  Compose
	}{
		{"hflip twice", Compose{HFlip{}, HFlip{}}},
		{"vflip twice", Compose{VFlip{}, VFlip{}}},
		{"rot90 four times", Compose{Rot90{K: 1}, Rot90{K: 1}, Rot90{K: 1}, Rot90{K: 1}}},
		{"rot180 twice", Compose{Rot90{K: 2}, Rot90{K: 2}}},
		{"rot90 then rot270", Compose{Rot90{K: 1}, Rot90{K: 3}}},
		{"invert twice", Compose{Invert{}, Invert{}}},
		{"hflip vflip = rot180", Compose{HFlip{}, VFlip{}, Rot90{K: 2}}},
	} {
		for _, size := range [][2]int{{1, 1}, {2, 3}, {7, 4}, {16, 16}} {
			src := testImage(4, -9, size[0], size[1], 3, true)
			s := NewState(0, 0, 0)
			if got := tc.ops.Apply(src, s); !equalImages(got, src) {
				t.Errorf("%s on %v: not the identity", tc.name, size)
			}
			if got := tc.ops.Apply(s.Clone(src), s); !equalImages(got, src) {
				t.Errorf("%s on an owned %v: not the identity", tc.name, size)
			}
		}
	}
}

// TestIdentities: rotate by 0, affine with no change, jitter with zero
// strength (factors 1, hue 0), gamma 1 and a same-size resize leave the
// image as it is.
func TestIdentities(t *testing.T) {
	one := Range{1, 1}
	for _, tc := range []struct {
		name string
		op   Op
	}{
		{"rotate 0", Rotate{}},
		{"rotate 0 reflect", Rotate{Border: BorderReflect}},
		{"affine identity", Affine{Scale: one}},
		{"jitter zero strength", Jitter{Brightness: one, Contrast: one, Saturation: one, Hue: Range{0, 0}}},
		{"gamma 1", Gamma{Gamma: one}},
		{"resize same size", Resize{Size: Size{H: 9, W: 13}}},
		{"resize same size lanczos", Resize{Size: Size{H: 9, W: 13}, Filter: Lanczos}},
		{"pad 0", Pad{}},
		{"blur k=1", GaussianBlur{Kernel: 1, Sigma: one}},
		{"noise 0", Noise{}},
		{"ccrop full", CenterCrop{Size: Size{H: 9, W: 13}}},
	} {
		src := testImage(-3, 2, 13, 9, 5, false)
		for _, owned := range []bool{false, true} {
			s := NewState(0, 0, 0)
			in := src
			if owned {
				in = s.Clone(src)
			}
			if got := tc.op.Apply(in, s); !equalImages(got, src) {
				d, where := maxDiff(got, src)
				t.Errorf("%s (owned %v): differs by %d at %s", tc.name, owned, d, where)
			}
		}
	}
	// Parsed zero strengths compile to no-ops.
	p, err := Parse("jitter b=0 c=0 s=0 h=0; rotate deg=0")
	if err != nil {
		t.Fatal(err)
	}
	src := testImage(0, 0, 8, 8, 1, false)
	if got := p.Apply(src, NewState(1, 1, 1)); !equalImages(got, src) {
		t.Error("jitter b=0 c=0 s=0 h=0; rotate deg=0: not the identity")
	}
}

// TestSizesAndBounds: every size-changing op gives the requested size on
// many random draws, and the regions it records stay inside the (padded)
// input.
func TestSizesAndBounds(t *testing.T) {
	type tc struct {
		op     Op
		w, h   int // expected output size for a 40x30 input
		region string
	}
	cases := []tc{
		{RandomResizedCrop{Size: Size{H: 24, W: 32}}, 32, 24, "rcrop"},
		{RandomResizedCrop{Size: Size{H: 8, W: 8}, Scale: Range{0.9, 1}, Ratio: Range{3, 4}}, 8, 8, "rcrop"},
		{RandomCrop{Size: Size{H: 20, W: 25}}, 25, 20, "crop"},
		{RandomCrop{Size: Size{H: 50, W: 60}}, 60, 50, ""},
		{CenterCrop{Size: Size{H: 11, W: 17}}, 17, 11, ""},
		{Resize{Short: 15}, 20, 15, ""},
		{Resize{Size: Size{H: 7, W: 70}, Filter: Lanczos}, 70, 7, ""},
		{Pad{Left: 1, Top: 2, Right: 3, Bottom: 4}, 44, 36, ""},
		{Rot90{K: 1}, 30, 40, ""},
		{Rotate{Degrees: Range{-45, 45}}, 40, 30, ""},
		{Erase{}, 40, 30, "erase"},
	}
	for _, c := range cases {
		for i := range 200 {
			s := NewState(9, 0, uint64(i))
			out := c.op.Apply(testImage(0, 0, 40, 30, 1, false), s)
			if out.Rect.Dx() != c.w || out.Rect.Dy() != c.h {
				t.Fatalf("%v: output %dx%d, want %dx%d", c.op, out.Rect.Dx(), out.Rect.Dy(), c.w, c.h)
			}
			if c.region == "" || len(s.Trace) == 0 {
				continue
			}
			var p [4]float64
			for _, q := range s.Trace[0].Params {
				switch q.Name {
				case "x":
					p[0] = q.Value
				case "y":
					p[1] = q.Value
				case "w":
					p[2] = q.Value
				case "h":
					p[3] = q.Value
				}
			}
			if c.region == "crop" {
				p[2], p[3] = 25, 20
			}
			if p[0] < 0 || p[1] < 0 || p[2] <= 0 || p[3] <= 0 || p[0]+p[2] > 40 || p[1]+p[3] > 30 {
				t.Fatalf("%v: region %v outside 40x30", c.op, p)
			}
		}
	}
}

// binomialOK reports whether k successes in n trials are within 5
// standard deviations of n·p.
func binomialOK(k, n int, p float64) bool {
	sd := math.Sqrt(float64(n) * p * (1 - p))
	return math.Abs(float64(k)-float64(n)*p) <= 5*sd+1e-9
}

// TestProbabilities: p=0 never fires, p=1 always, and other p fire at the
// right rate; OneOf picks uniformly; flips default to p=0.5.
func TestProbabilities(t *testing.T) {
	const n = 4000
	img := testImage(0, 0, 2, 2, 1, false)
	count := func(op Op, name string) int {
		k := 0
		s := NewState(0, 0, 0)
		for i := range n {
			s.Reset(42, 0, uint64(i))
			op.Apply(img, s)
			for _, st := range s.Trace {
				if st.Op == name {
					k++
				}
			}
		}
		return k
	}
	for _, p := range []float64{0, 1, 0.5, 0.1, 0.9, 0.03} {
		k := count(RandomApply{P: p, Op: Invert{}}, "invert")
		switch {
		case p == 0 && k != 0, p == 1 && k != n:
			t.Errorf("p=%v fired %d/%d times", p, k, n)
		case !binomialOK(k, n, p):
			t.Errorf("p=%v fired %d/%d times, outside the binomial tolerance", p, k, n)
		}
	}
	for _, text := range []string{"hflip", "vflip"} {
		pol, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		if k := count(pol.Ops, text); !binomialOK(k, n, 0.5) {
			t.Errorf("%s fired %d/%d times, want about half", text, k, n)
		}
	}
	one := OneOf{Invert{}, Grayscale{}, Equalize{}}
	for _, name := range []string{"invert", "gray", "equalize"} {
		if k := count(one, name); !binomialOK(k, n, 1.0/3) {
			t.Errorf("oneof picked %s %d/%d times, want about a third", name, k, n)
		}
	}
	// RandomOrder: each of two ops comes first about half of the time.
	s := NewState(0, 0, 0)
	first := 0
	for i := range n {
		s.Reset(5, 0, uint64(i))
		RandomOrder{Invert{}, Grayscale{}}.Apply(img, s)
		if s.Trace[0].Op == "invert" {
			first++
		}
	}
	if !binomialOK(first, n, 0.5) {
		t.Errorf("order put invert first %d/%d times", first, n)
	}
}

// TestDrawRanges: drawn parameters stay in their ranges and cover them.
func TestDrawRanges(t *testing.T) {
	pol, err := Parse("rotate deg=10-20; jitter b=0.4 h=0.1; gamma g=0.5-2")
	if err != nil {
		t.Fatal(err)
	}
	lo := map[string]float64{"angle": 10, "b": 0.6, "h": -0.1, "g": 0.5}
	hi := map[string]float64{"angle": 20, "b": 1.4, "h": 0.1, "g": 2}
	seen := map[string][2]float64{}
	img := testImage(0, 0, 3, 3, 1, false)
	s := NewState(0, 0, 0)
	for i := range 2000 {
		s.Reset(3, 1, uint64(i))
		pol.Apply(img, s)
		for _, st := range s.Trace {
			for _, p := range st.Params {
				if _, ok := lo[p.Name]; !ok {
					continue
				}
				if p.Value < lo[p.Name] || p.Value > hi[p.Name] {
					t.Fatalf("%s=%v outside %v..%v", p.Name, p.Value, lo[p.Name], hi[p.Name])
				}
				m, ok := seen[p.Name]
				if !ok {
					m = [2]float64{p.Value, p.Value}
				}
				seen[p.Name] = [2]float64{math.Min(m[0], p.Value), math.Max(m[1], p.Value)}
			}
		}
	}
	for name, m := range seen {
		span := hi[name] - lo[name]
		if m[0] > lo[name]+0.02*span || m[1] < hi[name]-0.02*span {
			t.Errorf("%s drawn only in %v..%v", name, m[0], m[1])
		}
	}
}

// TestDeterminism: the same (seed, epoch, index) gives the same pixels and
// trace whatever State is used and whatever ran on it before; another
// index gives another result.
func TestDeterminism(t *testing.T) {
	pol, err := Parse("rcrop size=24; hflip; rotate deg=15; jitter b=0.4 c=0.4 s=0.4 h=0.1; erase; noise std=0.02")
	if err != nil {
		t.Fatal(err)
	}
	src := testImage(0, 0, 40, 30, 2, false)
	run := func(s *State, idx uint64) (*image.NRGBA, string) {
		s.Reset(7, 3, idx)
		out := pol.Apply(src, s)
		return refWindow(out, 0, 0, out.Rect.Dx(), out.Rect.Dy(), BorderConstant, fillC), s.Trace.String()
	}
	a, ta := run(NewState(0, 0, 0), 11)
	busy := NewState(0, 0, 0)
	for i := range 5 {
		run(busy, uint64(i))
	}
	b, tb := run(busy, 11)
	if !equalImages(a, b) || ta != tb {
		t.Errorf("same sample differs between States:\n%s\n%s", ta, tb)
	}
	c, tc := run(busy, 12)
	if equalImages(a, c) || ta == tc {
		t.Errorf("samples 11 and 12 gave the same result: %s", tc)
	}
	if !equalImages(src, testImage(0, 0, 40, 30, 2, false)) {
		t.Error("the source image was modified")
	}
}

func TestRand(t *testing.T) {
	r := NewRand(1, 2, 3)
	if NewRand(1, 2, 3).Uint64() != r.Uint64() {
		t.Error("NewRand is not deterministic")
	}
	seen := map[uint64]bool{}
	for _, k := range [][3]uint64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {0, 1, 1}} {
		seen[SampleSeed(k[0], k[1], k[2])] = true
	}
	if len(seen) != 6 {
		t.Error("SampleSeed collides on neighbouring keys")
	}
	var counts [5]int
	sum, sum2 := 0.0, 0.0
	const n = 20000
	for range n {
		counts[r.Intn(5)]++
		v := r.NormFloat64()
		sum += v
		sum2 += v * v
		if f := r.Float64(); f < 0 || f >= 1 {
			t.Fatalf("Float64 = %v", f)
		}
		if v := r.IntRange(-2, 2); v < -2 || v > 2 {
			t.Fatalf("IntRange(-2, 2) = %d", v)
		}
	}
	for i, c := range counts {
		if !binomialOK(c, n, 0.2) {
			t.Errorf("Intn(5) gave %d %d times in %d", i, c, n)
		}
	}
	if mean, v := sum/n, sum2/n-(sum/n)*(sum/n); math.Abs(mean) > 0.04 || math.Abs(v-1) > 0.05 {
		t.Errorf("NormFloat64: mean %v variance %v", mean, v)
	}
	if p := r.Perm(6); len(p) != 6 {
		t.Errorf("Perm(6) = %v", p)
	}
}

func TestNoiseStatistics(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range src.Pix {
		src.Pix[i] = 128
	}
	s := NewState(1, 0, 0)
	out := Noise{Std: Range{0.05, 0.05}}.Apply(src, s)
	sum, sum2, n := 0.0, 0.0, 0.0
	for i, v := range out.Pix {
		if i%4 == 3 {
			if v != 128 {
				t.Fatal("noise changed alpha")
			}
			continue
		}
		d := float64(v) - 128
		sum += d
		sum2 += d * d
		n++
	}
	mean, sd := sum/n, math.Sqrt(sum2/n-(sum/n)*(sum/n))
	if math.Abs(mean) > 0.5 || math.Abs(sd-12.75) > 0.6 {
		t.Errorf("noise mean %v sd %v, want 0 and 12.75", mean, sd)
	}
}

// TestStateBuffers: released buffers are reused, and foreign images never
// enter the pool.
func TestStateBuffers(t *testing.T) {
	s := NewState(0, 0, 0)
	a := s.NewImage(10, 10)
	s.Release(a)
	b := s.NewImage(5, 5)
	if &a.Pix[0] != &b.Pix[0] {
		t.Error("released buffer not reused")
	}
	foreign := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	s.Release(foreign)
	c := s.NewImage(10, 10)
	if &c.Pix[0] == &foreign.Pix[0] {
		t.Error("a foreign image was reused")
	}
	// A sub-image releases its whole buffer.
	s.Release(c.SubImage(image.Rect(3, 3, 5, 5)).(*image.NRGBA))
	if d := s.NewImage(10, 10); &d.Pix[0] != &c.Pix[0] {
		t.Error("buffer under a released sub-image not reused")
	}
	if got := testing.AllocsPerRun(50, func() {
		img := s.NewImage(32, 32)
		s.Release(img)
	}); got > 1 {
		t.Errorf("NewImage/Release allocate %v times per run", got)
	}
}

func TestHugeSaturation(t *testing.T) {
	src := testImage(0, 0, 5, 5, 3, false)
	out := Jitter{Saturation: Range{100, 100}}.Apply(src, NewState(0, 0, 0))
	for y := range 5 {
		for x := range 5 {
			p := at(src, x, y)
			l := math.Round(refLuma(p))
			for c := range 3 {
				want := math.Max(0, math.Min(255, l+100*(p[c]-l)))
				if got := at(out, x, y)[c]; math.Abs(got-want) > 1 && !(want == 255 || want == 0) {
					t.Fatalf("(%d,%d,%d) = %v, want %v", x, y, c, got, want)
				}
			}
		}
	}
}
