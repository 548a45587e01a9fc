package loaders

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestShapesDeterministicAndBalanced(t *testing.T) {
	a, la := ShapesImage(1, 17)
	b, lb := ShapesImage(1, 17)
	if la != lb || !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("same seed and index gave different images")
	}
	if c, _ := ShapesImage(2, 17); bytes.Equal(a.Pix, c.Pix) {
		t.Fatal("different seeds gave the same image")
	}
	if r := a.Bounds(); r.Dx() != ShapesWidth || r.Dy() != ShapesHeight {
		t.Fatalf("bounds %v", r)
	}
	pix, labels := GenerateShapes(1, 40)
	counts := make([]int, len(ShapesClasses))
	for i, l := range labels {
		counts[l]++
		img, want := ShapesImage(1, i)
		if l != want || !bytes.Equal(img.Pix, pix[i*ShapesHeight*ShapesWidth:(i+1)*ShapesHeight*ShapesWidth]) {
			t.Fatalf("GenerateShapes image %d differs from ShapesImage", i)
		}
	}
	for c, n := range counts {
		if n != 10 {
			t.Fatalf("class %s: %d of 40 images, want 10", ShapesClasses[c], n)
		}
	}
}

// bbox returns the bounding box of the foreground of a noise-free image,
// and the widths of its top and bottom rows.
func shapesBBox(pix []uint8) (y0, y1, x0, x1, top, bottom int) {
	y0, x0 = ShapesHeight, ShapesWidth
	y1, x1 = -1, -1
	thr := uint8(115)
	for y := 0; y < ShapesHeight; y++ {
		for x := 0; x < ShapesWidth; x++ {
			if pix[y*ShapesWidth+x] > thr {
				y0, y1, x0, x1 = min(y0, y), max(y1, y), min(x0, x), max(x1, x)
			}
		}
	}
	for x := 0; x < ShapesWidth; x++ {
		if pix[y0*ShapesWidth+x] > thr {
			top++
		}
		if pix[y1*ShapesWidth+x] > thr {
			bottom++
		}
	}
	return
}

// TestShapesGeometry draws noise-free shapes and checks that each class has
// its shape: squares are square, bars wide and flat, triangles wider at the
// bottom, circles as wide as high with narrow top and bottom rows.
func TestShapesGeometry(t *testing.T) {
	pix := make([]uint8, ShapesHeight*ShapesWidth)
	for i := 0; i < 50; i++ {
		for cls := range ShapesClasses {
			drawShape(rand.New(rand.NewPCG(9, uint64(i))), cls, 0, pix)
			y0, y1, x0, x1, top, bottom := shapesBBox(pix)
			h, w := y1-y0+1, x1-x0+1
			ok := true
			switch cls {
			case 0:
				ok = shapesAbs(h-w) <= 1 && top < w*2/3 && bottom < w*2/3
			case 1:
				ok = shapesAbs(h-w) <= 1 && top == w && bottom == w
			case 2:
				ok = top < bottom && bottom >= 13
			case 3:
				ok = w >= 29 && h <= 11 && w > 2*h
			}
			if !ok {
				t.Fatalf("%s %d: bbox %dx%d, top row %d, bottom row %d", ShapesClasses[cls], i, h, w, top, bottom)
			}
		}
	}
}

func shapesAbs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
