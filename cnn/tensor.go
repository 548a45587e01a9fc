package cnn

import (
	"fmt"
	"strconv"
	"strings"
)

// Shape is the shape of one sample, without the batch dimension:
// [channels, height, width] for images and feature maps, [features] after
// Flatten or Dense.
type Shape []int

// Size returns the number of elements of one sample of the shape.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Equal reports whether s and o have the same dimensions.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// String formats the shape with a leading batch dimension, as Keras does:
// "(None, 12, 116, 56)".
func (s Shape) String() string {
	var b strings.Builder
	b.WriteString("(None")
	for _, d := range s {
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteString(")")
	return b.String()
}

// Tensor is a dense float32 tensor in row-major order. Batches of images are
// NCHW: Shape is [batch, channels, height, width] and Data holds
// batch*channels*height*width values.
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor returns a zero tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	t := &Tensor{}
	t.Resize(shape...)
	clear(t.Data)
	return t
}

// Len returns the number of elements of t.
func (t *Tensor) Len() int { return len(t.Data) }

// Batch returns the size of t's first dimension.
func (t *Tensor) Batch() int {
	if len(t.Shape) == 0 {
		return 0
	}
	return t.Shape[0]
}

// Sample returns the data of sample i (a slice of Data, not a copy).
func (t *Tensor) Sample(i int) []float32 {
	n := len(t.Data) / t.Shape[0]
	return t.Data[i*n : (i+1)*n]
}

// Resize sets t's shape, reusing Data's capacity when it suffices. The
// contents after a resize are unspecified. Resize allocates only when the
// tensor grows beyond every size it had before.
func (t *Tensor) Resize(shape ...int) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	t.Shape = append(t.Shape[:0], shape...)
	if cap(t.Data) < n {
		t.Data = make([]float32, n)
	}
	t.Data = t.Data[:n]
}

// resizeBatch sets t to [n, s...].
func (t *Tensor) resizeBatch(n int, s Shape) {
	size := n * s.Size()
	t.Shape = append(append(t.Shape[:0], n), s...)
	if cap(t.Data) < size {
		t.Data = make([]float32, size)
	}
	t.Data = t.Data[:size]
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// String describes the tensor's shape (not its values).
func (t *Tensor) String() string { return fmt.Sprintf("Tensor%v", t.Shape) }
