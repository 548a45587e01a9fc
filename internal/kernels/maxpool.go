package kernels

// MaxPool2x2 max-pools one channel plane x, whose rows start ldx values
// apart, with 2×2 windows and stride 2 into y [oh×ow] (row-major), and
// records in idx the position in x of each window's maximum: the first of
// x[r][c], x[r][c+1], x[r+1][c], x[r+1][c+1] equal to it, or the last one
// if the window holds a NaN (then the output is NaN). x must hold the
// 2·oh rows of 2·ow values. The sign of a zero maximum may differ between
// implementations (max(-0, +0)); every other output is identical.
func MaxPool2x2(x []float32, ldx int, y []float32, idx []int32, oh, ow int) {
	if oh <= 0 || ow <= 0 {
		return
	}
	_ = x[(2*oh-1)*ldx+2*ow-1]
	_ = y[oh*ow-1]
	_ = idx[oh*ow-1]
	for oy := 0; oy < oh; oy++ {
		b0 := 2 * oy * ldx
		maxPoolRow(x[b0:b0+2*ow], x[b0+ldx:b0+ldx+2*ow], y[oy*ow:(oy+1)*ow], idx[oy*ow:(oy+1)*ow], b0, ldx)
	}
}

// maxPoolRow is one output row of MaxPool2x2: r0 and r1 are the two input
// rows (2·len(y) values each), b0 the index of r0[0] in the plane and ldx
// the plane's row stride.
var maxPoolRow = maxPoolRowGo

func maxPoolRowGo(r0, r1, y []float32, idx []int32, b0, ldx int) {
	r0 = r0[:2*len(y)]
	r1 = r1[:2*len(y)]
	idx = idx[:len(y)]
	for ox := range y {
		j := 2 * ox
		a, b, c, d := r0[j], r0[j+1], r1[j], r1[j+1]
		m := max(max(a, b), max(c, d))
		k := b0 + ldx + j + 1
		if c == m {
			k = b0 + ldx + j
		}
		if b == m {
			k = b0 + j + 1
		}
		if a == m {
			k = b0 + j
		}
		y[ox], idx[ox] = m, int32(k)
	}
}
