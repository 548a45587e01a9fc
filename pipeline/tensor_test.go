package pipeline

import (
	"context"
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// img2x1 is a 2x1 image: (255, 0, 51) and (10, 20, 30), placed at a non-zero
// origin to catch bounds mistakes.
func img2x1() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(-1, 5, 1, 6))
	copy(img.Pix, []byte{255, 0, 51, 255, 10, 20, 30, 255})
	return img
}

func TestTensorizer(t *testing.T) {
	lum := func(r, g, b float64) float64 { return math.Floor((19595*r+38470*g+7471*b+1<<15)/65536) / 255 }
	for _, tc := range []struct {
		name     string
		channels int
		norm     Normalization
		want     []float64
		wantErr  string
	}{
		{"rgb [0,1]", 3, Normalization{}, []float64{1, 10. / 255, 0, 20. / 255, 51. / 255, 30. / 255}, ""},
		{"rgb normalized", 3, Normalization{Mean: []float32{0.5, 0, 0}, Std: []float32{0.5, 1, 2}},
			[]float64{1, (10./255 - 0.5) / 0.5, 0, 20. / 255, 51. / 255 / 2, 30. / 255 / 2}, ""},
		{"one value for all", 3, Normalization{Mean: []float32{0.5}, Std: []float32{0.5}},
			[]float64{1, (10./255 - .5) / .5, -1, (20./255 - .5) / .5, (51./255 - .5) / .5, (30./255 - .5) / .5}, ""},
		{"gray luminance", 1, Normalization{}, []float64{lum(255, 0, 51), lum(10, 20, 30)}, ""},
		{"bad channels", 2, Normalization{}, nil, "2 channels"},
		{"bad mean count", 3, Normalization{Mean: []float32{1, 2}}, nil, "2 normalization values"},
		{"zero std", 1, Normalization{Std: []float32{0}}, nil, "deviation 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tz, err := NewTensorizer(tc.channels, tc.norm)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, len(tc.want))
			if err := tz.Fill(dst, img2x1()); err != nil {
				t.Fatal(err)
			}
			for i := range dst {
				if math.Abs(float64(dst[i])-tc.want[i]) > 1e-6 {
					t.Fatalf("got %v, want %v", dst, tc.want)
				}
			}
			if err := tz.Fill(make([]float32, 5), img2x1()); err == nil {
				t.Error("Fill accepted a destination of the wrong size")
			}
		})
	}
}

func TestGrayStaysExact(t *testing.T) {
	tz, _ := NewTensorizer(1, Normalization{})
	img := image.NewNRGBA(image.Rect(0, 0, 256, 1))
	for v := range 256 {
		img.Pix[4*v], img.Pix[4*v+1], img.Pix[4*v+2], img.Pix[4*v+3] = byte(v), byte(v), byte(v), 255
	}
	dst := make([]float32, 256)
	tz.Fill(dst, img)
	for v := range 256 {
		if dst[v] != float32(v)/255 {
			t.Fatalf("gray %d became %v", v, dst[v]*255)
		}
	}
}

func TestCollate(t *testing.T) {
	checkNoLeaks(t)
	pool := NewBatchPool(4)
	mk := func(i, w int) *Sample {
		img := image.NewNRGBA(image.Rect(0, 0, w, 2))
		for k := range img.Pix {
			img.Pix[k] = byte(i)
		}
		return &Sample{Sample: loaders.Sample{Index: 100 + i, Path: "s" + string(rune('a'+i)), Label: int32(i % 2)}, Image: img}
	}
	var samples []*Sample
	for i := range 5 {
		samples = append(samples, mk(i, 3))
	}
	p := New(context.Background())
	groups := Batch(p, "batch", FromSlice(p, "src", samples), BatchConfig{Size: 2})
	var firstX *float32
	var shapes [][]int
	for b := range Collate(p, "collate", groups, CollateConfig{Workers: 2, Channels: 1, Pool: pool}) {
		shapes = append(shapes, append([]int(nil), b.X.Shape...))
		for k, idx := range b.Index {
			s := b.X.Sample(k)
			want := float32(idx-100) / 255
			if s[0] != want || s[len(s)-1] != want || b.Labels[k] != (idx-100)%2 {
				t.Errorf("sample %d of batch: %v label %d", idx, s, b.Labels[k])
			}
		}
		if firstX == nil {
			firstX = &b.X.Data[0]
		}
		b.Release()
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	want := [][]int{{2, 1, 2, 3}, {2, 1, 2, 3}, {1, 1, 2, 3}}
	if len(shapes) != 3 || !equalInts(shapes[0], want[0]) || !equalInts(shapes[2], want[2]) {
		t.Errorf("shapes %v, want %v", shapes, want)
	}
	// Released buffers are reused.
	b := pool.Get(2, 1, 2, 3)
	reused := false
	for range 4 {
		if &b.X.Data[0] == firstX {
			reused = true
		}
		b = pool.Get(2, 1, 2, 3)
	}
	if !reused {
		t.Error("the pool did not hand back a released batch")
	}

	// Images of different sizes in one batch: the error names the file.
	p = New(context.Background())
	groups = Batch(p, "batch", FromSlice(p, "src", []*Sample{mk(0, 3), mk(1, 4)}), BatchConfig{Size: 2})
	_, err := Collect(p, Collate(p, "collate", groups, CollateConfig{}))
	if err == nil || !strings.Contains(err.Error(), "sb: image is 2x4") {
		t.Errorf("Wait() = %v, want a size error naming sb", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestUserImagesNotRecycled: images that user code puts in Samples are
// neither modified nor handed out again by the image pool.
func TestUserImagesNotRecycled(t *testing.T) {
	var samples []*Sample
	var mine []*image.NRGBA
	for i := range 8 {
		img := image.NewNRGBA(image.Rect(0, 0, 5, 4))
		for k := range img.Pix {
			img.Pix[k] = byte(i + k)
		}
		mine = append(mine, img)
		samples = append(samples, &Sample{Sample: loaders.Sample{Index: i}, Image: img})
	}
	snapshot := func() [][]byte {
		var out [][]byte
		for _, img := range mine {
			out = append(out, slices.Clone(img.Pix))
		}
		return out
	}
	before := snapshot()
	for range 2 {
		p := New(context.Background())
		aug := Augment(p, "augment", FromSlice(p, "src", samples), augment.HFlip{}, AugmentConfig{Workers: 2})
		for b := range Collate(p, "collate", Batch(p, "batch", aug, BatchConfig{Size: 4}), CollateConfig{}) {
			b.Release()
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		for i, s := range samples { // Augment replaced them; restore for the next pass
			s.Image = mine[i]
		}
		p = New(context.Background())
		for b := range Collate(p, "collate", Batch(p, "batch", FromSlice(p, "src", samples), BatchConfig{Size: 4}), CollateConfig{}) {
			b.Release()
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		for i, s := range samples { // Collate dropped them
			s.Image = mine[i]
		}
	}
	for range 64 {
		got := images.get(5, 4)
		for _, img := range mine {
			if &got.Pix[0] == &img.Pix[0] {
				t.Fatal("the image pool handed out a user's image buffer")
			}
		}
	}
	after := snapshot()
	for i := range before {
		if !slices.Equal(before[i], after[i]) {
			t.Errorf("user image %d was modified", i)
		}
	}
}

// TestTensorizerGrayMatchesFormula checks one-channel tensors against the
// luma formula and the table, per pixel, on random images that are whole
// (one call for all rows), sub-images (row by row) and of widths that are
// not multiples of 8, with and without a normalization.
func TestTensorizerGrayMatchesFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, norm := range []Normalization{{}, {Mean: []float32{0.3}, Std: []float32{0.7}}} {
		tz, err := NewTensorizer(1, norm)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []image.Rectangle{image.Rect(0, 0, 60, 120), image.Rect(0, 0, 13, 3), image.Rect(-2, 3, 9, 4), image.Rect(0, 0, 1, 1)} {
			full := image.NewNRGBA(image.Rect(r.Min.X-1, r.Min.Y, r.Max.X+2, r.Max.Y))
			for i := range full.Pix {
				full.Pix[i] = uint8(rng.IntN(256))
			}
			for _, img := range []*image.NRGBA{full.SubImage(r).(*image.NRGBA), copyNRGBA(full.SubImage(r).(*image.NRGBA))} {
				w, h := r.Dx(), r.Dy()
				dst := make([]float32, w*h)
				if err := tz.Fill(dst, img); err != nil {
					t.Fatal(err)
				}
				for y := range h {
					for x := range w {
						c := img.NRGBAAt(r.Min.X+x, r.Min.Y+y)
						v := (19595*uint32(c.R) + 38470*uint32(c.G) + 7471*uint32(c.B) + 1<<15) >> 16
						want := (float32(v)/255 - pick1(norm.Mean, 0)) / pick1(norm.Std, 1)
						if math.Float32bits(dst[y*w+x]) != math.Float32bits(want) {
							t.Fatalf("%v stride %d pixel (%d,%d) %v: got %v, want %v", r, img.Stride, x, y, c, dst[y*w+x], want)
						}
					}
				}
			}
		}
	}
}

func pick1(s []float32, def float32) float32 {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// copyNRGBA returns a copy of img with Stride 4*width and the same Rect.
func copyNRGBA(img *image.NRGBA) *image.NRGBA {
	out := image.NewNRGBA(img.Rect)
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		copy(out.Pix[out.PixOffset(img.Rect.Min.X, y):], img.Pix[img.PixOffset(img.Rect.Min.X, y):img.PixOffset(img.Rect.Max.X, y)])
	}
	return out
}
