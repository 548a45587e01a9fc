package augment

import (
	"regexp"
	"strconv"
	"testing"
)

var bigNumber = regexp.MustCompile(`[0-9]+`)

// FuzzParse: Parse never panics; what it accepts prints to a canonical
// form that parses back to itself; and, when the policy's sizes are
// small, applying it to a tiny image does not panic and yields an image.
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"hflip p=0.5; rotate deg=15; rcrop size=224 scale=0.8-1; jitter b=0.4 c=0.4 s=0.4 h=0.1",
		"oneof [vflip; rot90 k=1-3]; apply p=0.3 [gray; blur k=5]; normalize",
		"pad px=3 mode=reflect; crop size=8 pad=2; ccrop size=4x6; resize size=5 interp=lanczos",
		"affine deg=10 translate=0.1,0.2 scale=0.5-2 shear=30 sheary=-5-5 mode=edge fill=1,2,3,4",
		"erase p=1 value=random; noise std=0.1; gamma g=0.2-3; invert; equalize; order [gray; invert]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse(text)
		if err != nil {
			return
		}
		canon := p.String()
		p2, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, text, err)
		}
		if p2.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, p2.String())
		}
		for _, m := range bigNumber.FindAllString(canon, -1) {
			if n, err := strconv.Atoi(m); err != nil || n > 64 {
				return // keep allocations small
			}
		}
		s := NewState(1, 2, 3)
		img := testImage(-1, 2, 6, 5, 1, true)
		var dst Tensor
		p.ApplyTensor(img, s, &dst)
		if len(dst.Data) != dst.C*dst.H*dst.W {
			t.Fatalf("tensor %dx%dx%d with %d values", dst.C, dst.H, dst.W, len(dst.Data))
		}
	})
}
