package augment

import (
	"image"
	"unsafe"
)

// State is the per-worker, per-sample context an [Op] runs in: the sample's
// random generator, the trace of applied transforms, and reusable buffers.
// A State must not be used by two goroutines at once; give each worker its
// own and call [State.Reset] before each sample.
type State struct {
	// Rand is the sample's random stream.
	Rand Rand
	// Trace collects the transforms applied since the last Reset.
	Trace Trace

	owned []ownedBuf // pixel buffers allocated by NewImage
	i32   []int32    // scratch accumulators
	u8    []uint8    // scratch bytes
	f32   []float32  // scratch floats
	rc    resizeCache
}

// NewState returns a State positioned on the stream of sample index in the
// given epoch of a run seeded with seed.
func NewState(seed, epoch, index uint64) *State {
	s := &State{}
	s.Reset(seed, epoch, index)
	return s
}

// Reset repositions s on the stream of a new sample and clears its trace,
// keeping its buffers.
func (s *State) Reset(seed, epoch, index uint64) {
	s.Rand.Seed(SampleSeed(seed, epoch, index))
	s.Trace = s.Trace[:0]
}

// record appends a step to the trace.
func (s *State) record(op string, params ...Param) {
	s.Trace = append(s.Trace, Step{Op: op, Params: params})
}

const maxOwned = 8

// ownedBuf is a pixel buffer allocated by a State.
type ownedBuf struct {
	buf   []uint8 // full capacity
	inUse bool
}

// NewImage returns a w×h image with its Rect at the origin, reusing a
// released buffer of s when one is large enough. Its pixels are undefined.
func (s *State) NewImage(w, h int) *image.NRGBA {
	n := 4 * w * h
	best := -1
	for i := range s.owned {
		b := &s.owned[i]
		if !b.inUse && cap(b.buf) >= n && (best < 0 || cap(b.buf) < cap(s.owned[best].buf)) {
			best = i
		}
	}
	if best < 0 {
		buf := make([]uint8, n)
		if len(s.owned) < maxOwned {
			s.owned = append(s.owned, ownedBuf{buf: buf, inUse: true})
		} else {
			// Replace the smallest free buffer, if any.
			for i := range s.owned {
				if !s.owned[i].inUse && (best < 0 || cap(s.owned[i].buf) < cap(s.owned[best].buf)) {
					best = i
				}
			}
			if best >= 0 {
				s.owned[best] = ownedBuf{buf: buf, inUse: true}
			}
		}
		return &image.NRGBA{Pix: buf, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	}
	s.owned[best].inUse = true
	return &image.NRGBA{Pix: s.owned[best].buf[:n], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// Release gives the buffer under img back to s for reuse, if s allocated
// it (img may be a sub-image of such a buffer); images s did not allocate
// are left alone, so releasing a caller's image never lets s overwrite it.
// The caller must not use img, or any image sharing its buffer, afterwards.
func (s *State) Release(img *image.NRGBA) {
	if img == nil || cap(img.Pix) == 0 {
		return
	}
	if i := s.ownerOf(img); i >= 0 {
		s.owned[i].inUse = false
	}
}

// ownerOf returns the index of the owned buffer holding img's pixels, or -1.
func (s *State) ownerOf(img *image.NRGBA) int {
	if cap(img.Pix) == 0 {
		return -1
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(img.Pix)))
	for i := range s.owned {
		b := s.owned[i].buf
		base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		if p >= base && p < base+uintptr(cap(b)) {
			return i
		}
	}
	return -1
}

// Clone returns a copy of img in a buffer owned by s, with the same Rect.
func (s *State) Clone(img *image.NRGBA) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := s.NewImage(w, h)
	out.Rect = img.Rect
	for y := 0; y < h; y++ {
		copy(out.Pix[y*out.Stride:y*out.Stride+4*w], img.Pix[y*img.Stride:])
	}
	return out
}

func (s *State) int32s(n int) []int32 {
	if cap(s.i32) < n {
		s.i32 = make([]int32, n)
	}
	s.i32 = s.i32[:n]
	return s.i32
}

func (s *State) bytes(n int) []uint8 {
	if cap(s.u8) < n {
		s.u8 = make([]uint8, n)
	}
	s.u8 = s.u8[:n]
	return s.u8
}

// owns reports whether img's pixels lie in a buffer allocated by s.
func (s *State) owns(img *image.NRGBA) bool { return s.ownerOf(img) >= 0 }

// target returns where a same-size result computed from img goes: img
// itself when s owns it (the op works in place), otherwise a new image
// from s, so that images s does not own are never written to.
func (s *State) target(img *image.NRGBA) *image.NRGBA {
	if s.owns(img) {
		return img
	}
	return s.NewImage(img.Rect.Dx(), img.Rect.Dy())
}
