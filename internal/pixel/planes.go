package pixel

// Planes converts the len(src)/4 RGBA pixels of src to three float32
// channel planes: r[x] = float32(R)·scale[0] + bias[0], and likewise g
// with index 1 and b with index 2; alpha is ignored. The product is
// rounded to float32 before the bias is added (no fused multiply-add).
// r, g and b must each hold at least len(src)/4 values.
func Planes(r, g, b []float32, src []uint8, scale, bias *[3]float32) {
	n := len(src) / 4
	if len(r) < n || len(g) < n || len(b) < n {
		panic("pixel: plane shorter than source row")
	}
	i := planesAsm(r, g, b, src, n, scale, bias)
	planesGo(r[i:n], g[i:n], b[i:n], src[4*i:4*n], scale, bias)
}

// planesGo is the reference body of [Planes].
func planesGo(r, g, b []float32, src []uint8, scale, bias *[3]float32) {
	sr, sg, sb := scale[0], scale[1], scale[2]
	br, bg, bb := bias[0], bias[1], bias[2]
	r = r[:len(src)/4]
	g = g[:len(r)]
	b = b[:len(r)]
	for x := range r {
		p := src[4*x : 4*x+3 : 4*x+3]
		// The explicit conversions round each product to float32, which
		// keeps the compiler from fusing it with the addition.
		r[x] = float32(float32(p[0])*sr) + br
		g[x] = float32(float32(p[1])*sg) + bg
		b[x] = float32(float32(p[2])*sb) + bb
	}
}

// PlanesDiv converts the len(src)/4 RGBA pixels of src to three float32
// channel planes by division: r[x] = float32(R)/div[0], and likewise g and
// b (correctly rounded quotients, so with div 255 exactly the v/255 that
// ToTensor without normalization means). r, g and b must each hold at
// least len(src)/4 values.
func PlanesDiv(r, g, b []float32, src []uint8, div *[3]float32) {
	n := len(src) / 4
	if len(r) < n || len(g) < n || len(b) < n {
		panic("pixel: plane shorter than source row")
	}
	i := planesDivAsm(r, g, b, src, n, div)
	planesDivGo(r[i:n], g[i:n], b[i:n], src[4*i:4*n], div)
}

// planesDivGo is the reference body of [PlanesDiv].
func planesDivGo(r, g, b []float32, src []uint8, div *[3]float32) {
	dr, dg, db := div[0], div[1], div[2]
	r = r[:len(src)/4]
	g = g[:len(r)]
	b = b[:len(r)]
	for x := range r {
		p := src[4*x : 4*x+3 : 4*x+3]
		r[x] = float32(p[0]) / dr
		g[x] = float32(p[1]) / dg
		b[x] = float32(p[2]) / db
	}
}
