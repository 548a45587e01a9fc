package kernels_test

import (
	"fmt"

	"github.com/cnnpipe/cnnpipe/internal/kernels"
)

// ExampleSgemm multiplies a 2×3 matrix by a 3×2 matrix, then accumulates
// the product of A with the transpose of a 2×3 matrix into the result.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float32, 4)
	// C = A·B (beta = 0: C is not read).
	kernels.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)

	bt := []float32{
		1, 1, 1,
		0, 0, 1,
	}
	// C = 0.5·A·Btᵀ + C.
	kernels.Sgemm(false, true, 2, 2, 3, 0.5, a, 3, bt, 3, 1, c, 2)
	fmt.Println(c)
	// Output:
	// [4 5 10 11]
	// [7 6.5 17.5 14]
}

// ExampleSgemmSerial computes one image's convolution as a GEMM on the
// calling goroutine, as a trainer that already runs one image per
// goroutine would: 2 filters of 1×2×2 over the 2×3 im2col matrix of a
// 1×2×4 image (3 output positions).
func ExampleSgemmSerial() {
	w := []float32{ // [filters, in_ch*kh*kw]
		1, 0, 0, 1,
		1, 1, 1, 1,
	}
	col := []float32{ // [in_ch*kh*kw, positions]
		1, 2, 3,
		2, 3, 4,
		5, 6, 7,
		6, 7, 8,
	}
	out := make([]float32, 2*3)
	kernels.SgemmSerial(false, false, 2, 3, 4, 1, w, 4, col, 3, 0, out, 3)
	fmt.Println(out)
	// Output:
	// [7 9 11 14 18 22]
}
