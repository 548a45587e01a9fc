package augment

import "image"

// A chain like "rcrop; hflip; rotate" is applied by Compose as one warp
// from the source image: the crop's scaling, the flips and the rotation
// (or affine map) compose into one mapping, so the pixels are resampled
// once instead of three times. The random draws, their order and the trace
// are exactly those of the separate ops; pixels differ from the separate
// ops only by interpolation rounding (the crop window is the image the
// rotation sees: what falls outside it gets the rotation's border and
// fill). The chain is fused only when the crop is upscaled or kept at its
// size (a bilinear warp does not antialias) and uses bilinear filters.

// fusedChain reports how many ops starting at c[0] form a fusable chain:
// a bilinear RandomResizedCrop, optional flips, then one bilinear Rotate
// or Affine. It returns 0 when there is none.
func fusedChain(c []Op) int {
	rc, ok := c[0].(RandomResizedCrop)
	if !ok || rc.Filter != Bilinear {
		return 0
	}
	for i := 1; i < len(c); i++ {
		op := c[i]
		if ra, ok := op.(RandomApply); ok {
			op = ra.Op
		}
		switch o := op.(type) {
		case HFlip, VFlip:
			continue
		case Rotate:
			if o.Nearest {
				return 0
			}
			if _, ok := c[i].(RandomApply); ok {
				return 0
			}
			return i + 1
		case Affine:
			if o.Nearest {
				return 0
			}
			if _, ok := c[i].(RandomApply); ok {
				return 0
			}
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// applyFused runs a chain found by fusedChain.
func applyFused(chain []Op, img *image.NRGBA, s *State) *image.NRGBA {
	rc := chain[0].(RandomResizedCrop)
	scale, ratio := rc.Scale, rc.Ratio
	if scale == (Range{}) {
		scale = Range{0.08, 1}
	}
	if ratio == (Range{}) {
		ratio = Range{3.0 / 4, 4.0 / 3}
	}
	x, y, cw, ch := rrcParams(img.Rect.Dx(), img.Rect.Dy(), scale, ratio, &s.Rand)
	s.record("rcrop", Param{"x", float64(x)}, Param{"y", float64(y)}, Param{"w", float64(cw)}, Param{"h", float64(ch)})
	W, H := rc.Size.W, rc.Size.H
	// Output of the crop -> crop window coordinates.
	m := affine2{A: float64(cw) / float64(W), E: float64(ch) / float64(H)}
	upscale := cw <= W && ch <= H
	var warpOp Op
	for _, op := range chain[1:] {
		inner := op
		if ra, ok := op.(RandomApply); ok {
			if !s.Rand.Bernoulli(ra.P) {
				continue
			}
			inner = ra.Op
		}
		switch o := inner.(type) {
		case HFlip:
			s.record("hflip")
			m = m.then(affine2{A: -1, C: float64(W), E: 1})
		case VFlip:
			s.record("vflip")
			m = m.then(affine2{A: 1, E: -1, F: float64(H)})
		case Rotate:
			m = m.then(o.draw(W, H, s))
			warpOp = o
		case Affine:
			m = m.then(o.draw(W, H, s))
			warpOp = o
		}
	}
	window := img.SubImage(image.Rect(x, y, x+cw, y+ch).Add(img.Rect.Min)).(*image.NRGBA)
	out := s.NewImage(W, H)
	if !upscale {
		// Downscaled crop: resample with antialiasing, then warp the rest.
		resample(out, img, image.Rect(x, y, x+cw, y+ch), rc.Filter, s)
		rest := affine2{A: float64(W) / float64(cw), E: float64(H) / float64(ch)}.then(m)
		window = out
		m = rest
		out = s.NewImage(W, H)
	}
	switch o := warpOp.(type) {
	case Rotate:
		warp(out, window, m, false, o.Border, opaque(o.Fill))
	case Affine:
		warp(out, window, m, false, o.Border, opaque(o.Fill))
	}
	if !upscale {
		s.Release(window)
	}
	s.Release(img)
	return out
}
