package pipeline

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator is the memory.Allocator of the records a Loader reads. It
// recycles the buffers that Free gives back, by power-of-two size class,
// so that building each record batch (whose image column doubles its
// buffer while it grows) does not allocate, zero and later garbage-collect
// fresh memory. Buffers are 64-byte aligned and zeroed up to their
// capacity, as memory.GoAllocator's are. A buffer never freed is simply
// collected. It is safe for concurrent use.
type poolAllocator struct {
	classes [poolClasses]sync.Pool // of *[]byte with cap 1<<class
}

const (
	poolClasses = 31 // up to 1 GiB; larger buffers are not pooled
	poolAlign   = 64
)

var _ memory.Allocator = (*poolAllocator)(nil)

var recordAlloc = &poolAllocator{}

// Allocate returns a zeroed buffer of length size.
func (a *poolAllocator) Allocate(size int) []byte {
	if size <= 0 {
		return make([]byte, 0)
	}
	c := bits.Len(uint(size - 1)) // 1<<c >= size
	if c >= poolClasses {
		return alignedBytes(size, size)
	}
	if p, ok := a.classes[c].Get().(*[]byte); ok {
		b := (*p)[:cap(*p)]
		clear(b)
		return b[:size]
	}
	return alignedBytes(size, 1<<c)
}

// alignedBytes returns a zeroed, 64-byte aligned slice of length n and
// capacity c.
func alignedBytes(n, c int) []byte {
	buf := make([]byte, c+poolAlign)
	shift := (poolAlign - int(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))%poolAlign)) % poolAlign
	return buf[shift : shift+n : shift+c]
}

// Reallocate returns b resized to size, keeping its contents.
func (a *poolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free gives b back for reuse. Buffers whose capacity is not a power of
// two (not made by Allocate) are left to the garbage collector.
func (a *poolAllocator) Free(b []byte) {
	n := cap(b)
	if n == 0 || n&(n-1) != 0 {
		return
	}
	c := bits.TrailingZeros(uint(n))
	if c >= poolClasses {
		return
	}
	b = b[:0]
	a.classes[c].Put(&b)
}
