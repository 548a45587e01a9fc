//go:build amd64 && !purego && !noasm

package kernels

import "golang.org/x/sys/cpu"

func init() {
	if cpu.X86.HasAVX512F {
		maxPoolRow = maxPoolRowChecked
	}
}

// maxPoolRowAVX512 computes n outputs of a 2×2 max-pooling row, 16 per
// step (the last step masked).
//
//go:noescape
func maxPoolRowAVX512(r0, r1, y *float32, idx *int32, n, b0, ldx int)

func maxPoolRowChecked(r0, r1, y []float32, idx []int32, b0, ldx int) {
	n := len(y)
	if n == 0 {
		return
	}
	_ = r0[2*n-1]
	_ = r1[2*n-1]
	_ = idx[n-1]
	maxPoolRowAVX512(&r0[0], &r1[0], &y[0], &idx[0], n, b0, ldx)
}
