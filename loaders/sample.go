package loaders

import (
	"fmt"
	"image"
)

// A Sample is one image of a dataset with its label: the row-level view of
// the schema.
type Sample struct {
	// Index is the sample's position in its source, stable under shuffling,
	// sharding and splitting; use it to derive per-sample randomness.
	Index int
	// Path is the image's path relative to the dataset root (for packed
	// formats, the file name and item number, e.g. "data_batch_1.bin#7").
	Path string
	// Split is the named split the sample belongs to, or "".
	Split string
	// Label is the class index.
	Label int32
	// Class is the class name (the label as a number when the dataset has
	// no names).
	Class string
	// Format is the encoded format ("png", "jpeg", ...) or FormatRaw.
	Format string
	// Data holds the encoded bytes, or HWC uint8 pixels when Format is FormatRaw.
	Data []byte
	// Height, Width and Channels describe the decoded image.
	Height, Width, Channels int

	// file names the file in errors (an absolute or given path); "" = Path.
	file string
}

// File returns the name of the file the sample came from, as used in errors.
func (s *Sample) File() string {
	if s.file != "" {
		return s.file
	}
	return s.Path
}

// Image decodes the sample, refusing images of more than maxPixels pixels
// (maxPixels <= 0 means DefaultMaxPixels). For raw samples of one channel
// the returned *image.Gray shares Data.
func (s *Sample) Image(maxPixels int) (image.Image, error) {
	if s.Format == FormatRaw {
		img, err := FromPixels(s.Data, s.Height, s.Width, s.Channels)
		if err != nil {
			return nil, &SampleError{Path: s.File(), Index: s.Index, Err: err}
		}
		return img, nil
	}
	img, _, err := Decode(s.Data, maxPixels)
	if err != nil {
		return nil, &SampleError{Path: s.File(), Index: s.Index, Err: err}
	}
	return img, nil
}

// Pixels returns the sample's pixels as uint8 HWC (see ToPixels), decoding
// it if it is encoded. For raw samples it returns Data itself. dst is
// reused when large enough.
func (s *Sample) Pixels(dst []byte, maxPixels int) (pix []byte, h, w, c int, err error) {
	if s.Format == FormatRaw {
		if s.Height <= 0 || s.Width <= 0 || s.Channels <= 0 || len(s.Data) != s.Height*s.Width*s.Channels {
			return nil, 0, 0, 0, &SampleError{Path: s.File(), Index: s.Index,
				Err: fmt.Errorf("%w: %d bytes of pixels for %dx%dx%d", ErrCorrupt, len(s.Data), s.Height, s.Width, s.Channels)}
		}
		return s.Data, s.Height, s.Width, s.Channels, nil
	}
	img, err := s.Image(maxPixels)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	pix, h, w, c = ToPixels(dst, img)
	return pix, h, w, c, nil
}

// decodeRaw replaces s's encoded data by its decoded pixels.
func (s *Sample) decodeRaw(maxPixels int) error {
	if s.Format == FormatRaw {
		return nil
	}
	pix, h, w, c, err := s.Pixels(nil, maxPixels)
	if err != nil {
		return err
	}
	s.Data, s.Height, s.Width, s.Channels, s.Format = pix, h, w, c, FormatRaw
	return nil
}
