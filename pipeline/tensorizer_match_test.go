package pipeline_test

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// TestTensorizerMatchesToTensor: the pipeline's collate and augment's
// ToTensor convert with the same kernel, so a normalized tensor is the same
// bit for bit whichever produced it.
func TestTensorizerMatchesToTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, n := range []struct{ mean, std [3]float32 }{
		{augment.ImageNetMean, augment.ImageNetStd},
		{[3]float32{0.5, 0.5, 0.5}, [3]float32{0.5, 0.5, 0.5}},
		{[3]float32{0.1, 0.7, 0.3}, [3]float32{0.5, 0.01, 2}},
	} {
		tz, err := pipeline.NewTensorizer(3, pipeline.Normalization{Mean: n.mean[:], Std: n.std[:]})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []image.Rectangle{image.Rect(0, 0, 37, 5), image.Rect(-3, 2, 61, 9)} {
			img := image.NewNRGBA(r)
			for i := range img.Pix {
				img.Pix[i] = uint8(rng.IntN(256))
			}
			got := make([]float32, 3*r.Dx()*r.Dy())
			if err := tz.Fill(got, img); err != nil {
				t.Fatal(err)
			}
			var want augment.Tensor
			augment.ToTensor{Normalize: true, Mean: n.mean, Std: n.std}.Apply(img, &want)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want.Data[i]) {
					t.Fatalf("%v %v: value %d: Tensorizer %v, ToTensor %v", n, r, i, got[i], want.Data[i])
				}
			}
		}
	}
}

// TestTensorizerIdentityExact: without a normalization the Tensorizer gives
// exactly v/255 for every value of every channel.
func TestTensorizerIdentityExact(t *testing.T) {
	tz, err := pipeline.NewTensorizer(3, pipeline.Normalization{})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(1, 1, 257, 2))
	for v := range 256 {
		img.Pix[4*v], img.Pix[4*v+1], img.Pix[4*v+2], img.Pix[4*v+3] = uint8(v), uint8(255-v), uint8(v*7), 9
	}
	dst := make([]float32, 3*256)
	if err := tz.Fill(dst, img); err != nil {
		t.Fatal(err)
	}
	for v := range 256 {
		if dst[v] != float32(v)/255 || dst[256+v] != float32(255-v)/255 || dst[512+v] != float32(uint8(v*7))/255 {
			t.Fatalf("pixel %d: got %v %v %v", v, dst[v], dst[256+v], dst[512+v])
		}
	}
}
