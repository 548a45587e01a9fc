package augment_test

import (
	"fmt"
	"image"

	"github.com/cnnpipe/cnnpipe/augment"
)

func ExampleParse() {
	policy, err := augment.Parse("hflip p=0.5; rotate deg=15; rcrop size=224 scale=0.8-1; jitter b=0.4 c=0.4 s=0.4 h=0.1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(policy)

	// One State per worker; Reset positions it on a sample's stream.
	s := augment.NewState(0, 0, 0)
	s.Reset(42, 0, 7) // seed 42, epoch 0, sample 7
	img := image.NewNRGBA(image.Rect(0, 0, 256, 256))
	out := policy.Apply(img, s)
	fmt.Println(out.Rect.Dx(), out.Rect.Dy(), len(s.Trace) >= 2)

	_, err = augment.Parse("rotate degrees=15")
	fmt.Println(err)
	// Output:
	// hflip p=0.5; rotate deg=-15-15; rcrop size=224 scale=0.8-1; jitter b=0.6-1.4 c=0.6-1.4 s=0.6-1.4 h=-0.1-0.1
	// 224 224 true
	// augment: invalid policy: rotate: unknown parameter "degrees" (allowed: deg, fill, interp, mode, p)
}

func ExampleCompose() {
	ops := augment.Compose{
		augment.RandomApply{P: 1, Op: augment.HFlip{}},
		augment.OneOf{augment.Rot90{K: 1}, augment.Rot90{K: 3}},
		augment.CenterCrop{Size: augment.Size{H: 2, W: 2}},
	}
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	s := augment.NewState(1, 0, 0)
	out := ops.Apply(img, s)
	fmt.Println(out.Rect.Size())
	fmt.Println(s.Trace)
	// Output:
	// (2,2)
	// hflip; rot90 k=1; ccrop x=0 y=1
}
