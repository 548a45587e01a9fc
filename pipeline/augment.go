package pipeline

import (
	"context"
	"fmt"
	"image"
	"sync"
	"unsafe"

	"github.com/cnnpipe/cnnpipe/augment"
)

// AugmentConfig configures an Augment stage.
type AugmentConfig struct {
	// Workers is the number of goroutines applying the policy; 0 means 1.
	Workers int
	// Seed is the run's seed. A sample's randomness is derived from (Seed,
	// Sample.Epoch, Sample.Index), so it does not depend on Workers or on
	// scheduling.
	Seed uint64
}

// Augment returns a channel of the samples of in with policy applied to
// their Image, in order. Each worker keeps its own augment.State (and its
// reusable buffers) and resets it for every sample. A nil policy passes
// samples through unchanged.
func Augment(p *Pipeline, name string, in <-chan *Sample, policy augment.Op, cfg AugmentConfig) <-chan *Sample {
	workers := max(cfg.Workers, 1)
	states := make(chan *augment.State, workers)
	for range workers {
		states <- &augment.State{}
	}
	return Map(p, name, in, MapConfig{Workers: workers}, func(_ context.Context, s *Sample) (*Sample, error) {
		if policy == nil {
			return s, nil
		}
		if s.Image == nil {
			return nil, fmt.Errorf("augment: sample not decoded")
		}
		st := <-states // never blocks: one per worker
		defer func() { states <- st }()
		st.Reset(cfg.Seed, uint64(s.Epoch), uint64(s.Index))
		in := s.Image
		out := policy.Apply(in, st)
		if sharesPixels(out, in) {
			s.Image = out // the policy kept (a view of) the input
			return s, nil
		}
		// The result usually lives in a buffer of the worker's State. Copy
		// it out and give the buffer back, so that the State keeps reusing
		// its buffers instead of allocating new ones for every sample; the
		// decoded input is no longer needed and goes back to the pool.
		s.Image = copyImage(out, images.get(out.Rect.Dx(), out.Rect.Dy()))
		st.Release(out)
		if s.pooled {
			images.put(in)
		}
		s.pooled = true
		return s, nil
	})
}

// sharesPixels reports whether a and b have pixels in the same buffer.
func sharesPixels(a, b *image.NRGBA) bool {
	if cap(a.Pix) == 0 || cap(b.Pix) == 0 {
		return false
	}
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(a.Pix)))
	pb := uintptr(unsafe.Pointer(unsafe.SliceData(b.Pix)))
	return pa < pb+uintptr(cap(b.Pix)) && pb < pa+uintptr(cap(a.Pix))
}

// copyImage copies src into dst (of the same size) and returns dst.
func copyImage(src, dst *image.NRGBA) *image.NRGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for y := 0; y < h; y++ {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):])
	}
	return dst
}

// imagePool recycles the pixel buffers of decoded and augmented images
// between the stages that create them (Decode, Augment) and those that
// consume them (Augment, Collate). Buffers are pooled by exact size: a
// pipeline has only a few image sizes (decoded, augmented).
type imagePool struct{ bySize sync.Map } // int -> *sync.Pool of *[]uint8

var images imagePool

func (ip *imagePool) pool(n int) *sync.Pool {
	if p, ok := ip.bySize.Load(n); ok {
		return p.(*sync.Pool)
	}
	p, _ := ip.bySize.LoadOrStore(n, &sync.Pool{})
	return p.(*sync.Pool)
}

// get returns a w×h image at the origin, with undefined pixels.
func (ip *imagePool) get(w, h int) *image.NRGBA {
	n := 4 * w * h
	if b, ok := ip.pool(n).Get().(*[]uint8); ok {
		return &image.NRGBA{Pix: (*b)[:n], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	}
	return &image.NRGBA{Pix: make([]uint8, n), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// put gives img's buffer back. The caller must not use img afterwards.
func (ip *imagePool) put(img *image.NRGBA) {
	if img == nil {
		return
	}
	n := len(img.Pix)
	if n == 0 || n != 4*img.Rect.Dx()*img.Rect.Dy() || img.Stride != 4*img.Rect.Dx() {
		return // views into larger buffers are left to the garbage collector
	}
	b := img.Pix[:n:n]
	ip.pool(n).Put(&b)
}
