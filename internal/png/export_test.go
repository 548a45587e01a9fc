package png

import (
	"compress/flate"
	"io"
)

// UseStdFlate switches Decoders created from now on to compress/flate (or
// back to klauspost/compress) and returns a function that restores the
// previous choice.
func UseStdFlate(std bool) (restore func()) {
	old := newInflater
	if std {
		newInflater = func(r io.Reader) inflater { return flate.NewReader(r).(inflater) }
	} else {
		newInflater = func(r io.Reader) inflater { return newKlauspost(r) }
	}
	return func() { newInflater = old }
}

// newKlauspost is the default inflater.
var newKlauspost = newInflater
