package cnn

import (
	"sync"
	"sync/atomic"

	"github.com/cnnpipe/cnnpipe/internal/kernels"
)

// Padding says how a convolution treats the border.
type Padding string

// The paddings: Valid uses no padding; Same pads with zeros so that the
// output is ceil(input/stride) (extra padding goes to the bottom and right,
// as in TensorFlow and PyTorch).
const (
	Valid Padding = "valid"
	Same  Padding = "same"
)

// Conv2DConfig configures a Conv2D layer. Zero values mean defaults.
type Conv2DConfig struct {
	// Filters is the number of output channels (required).
	Filters int
	// Kernel is the kernel height; KernelW its width (0 = Kernel).
	Kernel, KernelW int
	// Stride is the vertical stride (0 = 1); StrideW the horizontal one
	// (0 = Stride).
	Stride, StrideW int
	// Padding is Valid (the default) or Same.
	Padding Padding
	// NoBias drops the bias term (e.g. before BatchNorm).
	NoBias bool
	// Init initializes the weights (InitAuto: see Init).
	Init Init
}

// Conv2D is a 2-D convolution (cross-correlation, as in every framework)
// over NCHW batches, computed per sample with im2col and GEMM, parallel over
// the samples of the batch.
type Conv2D struct {
	cfg              Conv2DConfig
	kh, kw, sh, sw   int
	padT, padL       int
	in, out          Shape
	w, b             *Param
	skipDx           bool
	x, dyIn          *Tensor
	y, dx            Tensor
	cols, dcols, dws [][]float32
	zs               [][]float32 // per-worker shifted images for stride-1 patches
	wr               []float32   // weights as [kh, kw, in, out] for the stride-1 input gradient
	dbs              [][]float64
	backward         bool
	// pool, when set by Sequential, is the max pooling that follows the
	// convolution; forwardPooled and backwardPooled then run it per
	// sample while the sample's output is in cache (fused is true during
	// such a call), with ys as the per-worker full-size output or output
	// gradient of one sample.
	pool               *pool2d
	fused              bool
	ys                 [][]float32
	wg                 sync.WaitGroup
	next               atomic.Int32
	cin, h, wd, oh, ow int
}

// NewConv2D returns a Conv2D layer configured by cfg; the configuration is
// checked by Setup.
func NewConv2D(cfg Conv2DConfig) *Conv2D { return &Conv2D{cfg: cfg} }

// Config returns the layer's configuration.
func (l *Conv2D) Config() Conv2DConfig { return l.cfg }

// Kind returns "conv2d".
func (l *Conv2D) Kind() string { return "conv2d" }

// Params returns weight [out, in, kh, kw] and, unless NoBias, bias [out].
func (l *Conv2D) Params() []*Param {
	if l.b == nil {
		return []*Param{l.w}
	}
	return []*Param{l.w, l.b}
}

func (l *Conv2D) skipInputGrad(skip bool) { l.skipDx = skip }

func (l *Conv2D) resolveInit(next string) {
	if l.w != nil {
		l.w.Init = resolveAuto(l.cfg.Init, next)
	}
}

// Setup checks the input shape [C, H, W] and allocates the parameters.
func (l *Conv2D) Setup(in Shape) (Shape, error) {
	c := l.cfg
	if len(in) != 3 {
		return nil, shapeErr("conv2d", in, "want [channels, height, width]")
	}
	if c.Filters <= 0 {
		return nil, shapeErr("conv2d", in, "filters must be positive, got %d", c.Filters)
	}
	l.kh, l.kw = c.Kernel, c.KernelW
	if l.kw == 0 {
		l.kw = l.kh
	}
	l.sh, l.sw = c.Stride, c.StrideW
	if l.sh == 0 {
		l.sh = 1
	}
	if l.sw == 0 {
		l.sw = l.sh
	}
	if l.kh <= 0 || l.kw <= 0 || l.sh <= 0 || l.sw <= 0 {
		return nil, shapeErr("conv2d", in, "kernel %dx%d and stride %dx%d must be positive", l.kh, l.kw, l.sh, l.sw)
	}
	h, w := in[1], in[2]
	var oh, ow int
	switch c.Padding {
	case Valid, "":
		if h < l.kh || w < l.kw {
			return nil, shapeErr("conv2d", in, "kernel %dx%d is larger than the input", l.kh, l.kw)
		}
		oh, ow = (h-l.kh)/l.sh+1, (w-l.kw)/l.sw+1
		l.padT, l.padL = 0, 0
	case Same:
		oh, ow = (h+l.sh-1)/l.sh, (w+l.sw-1)/l.sw
		l.padT = max((oh-1)*l.sh+l.kh-h, 0) / 2
		l.padL = max((ow-1)*l.sw+l.kw-w, 0) / 2
	default:
		return nil, shapeErr("conv2d", in, "padding %q (want valid or same)", c.Padding)
	}
	l.in, l.out = in.clone(), Shape{c.Filters, oh, ow}
	l.cin, l.h, l.wd, l.oh, l.ow = in[0], h, w, oh, ow
	k := l.cin * l.kh * l.kw
	if float64(k)*float64(c.Filters) > maxLayerParams || float64(k)*float64(oh*ow) > maxLayerParams {
		return nil, shapeErr("conv2d", in, "%d filters of %dx%dx%d over %dx%d positions exceed the size limit of a layer", c.Filters, l.cin, l.kh, l.kw, oh, ow)
	}
	init := c.Init
	if init == InitAuto {
		init = InitGlorotUniform
	}
	l.w = newParam("weight", init, k, c.Filters*l.kh*l.kw, true, c.Filters, l.cin, l.kh, l.kw)
	l.b = nil
	if !c.NoBias {
		l.b = newParam("bias", InitZeros, 0, 0, true, c.Filters)
	}
	return l.out, nil
}

func (s Shape) clone() Shape { return append(Shape(nil), s...) }

// The backward pass recomputes the im2col matrices from the input rather
// than keeping them from the forward pass: for the seed model they would
// be 40 MB and more per batch, and reading them back from memory costs
// more (3-6% CPU per step, measured) than rebuilding them from the small,
// cache-resident input. (Grouping several samples into one wider GEMM was
// measured too and was slower: the extra copies cost more than the wider
// GEMM saves.)

// convGroups is the number of sample groups of a batch: the weight
// gradient is summed per group, then over the groups in order, so it does
// not depend on the number of cores.
const convGroups = 16

// scratch sizes the per-worker buffers.
func (l *Conv2D) scratch() {
	p := workers()
	k := l.cin * l.kh * l.kw
	hw := l.oh * l.ow
	if len(l.cols) != p {
		l.cols = make([][]float32, p)
		l.dcols = make([][]float32, p)
	}
	if len(l.dws) != convGroups {
		l.dws = make([][]float32, convGroups)
		l.dbs = make([][]float64, convGroups)
	}
	if len(l.zs) != p {
		l.zs = make([][]float32, p)
	}
	for i := range l.cols {
		l.cols[i] = grow(l.cols[i], k*hw)
		l.zs[i] = grow(l.zs[i], (l.oh+l.kh-1)*l.ow)
	}
}

// grow returns s with at least n elements, reallocating only if needed.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:cap(s)]
}

// Forward convolves the batch x [N, C, H, W].
func (l *Conv2D) Forward(x *Tensor, train bool) *Tensor {
	l.fused = false
	l.y.resizeBatch(x.Shape[0], l.out)
	return l.forwardPass(x)
}

// forwardPooled convolves x and max-pools the result with l.pool sample by
// sample: the same values as Forward followed by the pool's Forward (the
// bias is added after pooling, max(y)+b = max(y+b)), without the full-size
// output ever leaving the cache. It returns the pool's output.
func (l *Conv2D) forwardPooled(x *Tensor, train bool) *Tensor {
	l.fused = true
	l.pool.x = nil
	l.pool.prepare(x.Shape[0])
	if len(l.ys) != workers() {
		l.ys = make([][]float32, workers())
	}
	for i := range l.ys {
		l.ys[i] = grow(l.ys[i], l.out.Size())
	}
	l.forwardPass(x)
	return &l.pool.y
}

func (l *Conv2D) forwardPass(x *Tensor) *Tensor {
	n := x.Shape[0]
	l.x = x
	l.scratch()
	l.backward = false
	parallelGroups(n, convGroups, l, &l.next, &l.wg)
	return &l.y
}

// Backward computes the weight, bias and input gradients.
func (l *Conv2D) Backward(dy *Tensor) *Tensor {
	l.fused = false
	return l.backwardPass(dy)
}

// backwardPooled is the backward pass of forwardPooled: dy is the gradient
// of the pool's output, routed to the maxima per sample.
func (l *Conv2D) backwardPooled(dy *Tensor) *Tensor {
	l.fused = true
	return l.backwardPass(dy)
}

func (l *Conv2D) backwardPass(dy *Tensor) *Tensor {
	n := dy.Shape[0]
	l.dyIn = dy
	l.dx.resizeBatch(n, l.in)
	p := workers()
	f, kk := l.cfg.Filters, l.kh*l.kw
	if !l.skipDx && l.unitStride() {
		// wr[ki, kj] is the [in, out] matrix of one kernel tap.
		if len(l.wr) != len(l.w.Value) {
			l.wr = make([]float32, len(l.w.Value))
		}
		for o := 0; o < f; o++ {
			for c := 0; c < l.cin; c++ {
				for t, v := range l.w.Value[(o*l.cin+c)*kk : (o*l.cin+c+1)*kk] {
					l.wr[(t*l.cin+c)*f+o] = v
				}
			}
		}
	}
	for i := range l.dws {
		if len(l.dws[i]) < len(l.w.Value) {
			l.dws[i] = make([]float32, len(l.w.Value))
			l.dbs[i] = make([]float64, f)
		}
	}
	for i := 0; i < p; i++ {
		if l.skipDx {
			continue
		}
		if l.unitStride() {
			wp := l.wd + l.kw - 1
			l.dcols[i] = grow(l.dcols[i], f*(l.h+l.kh)*wp+l.cin*l.h*wp)
		} else {
			l.dcols[i] = grow(l.dcols[i], l.cin*kk*l.oh*l.ow)
		}
	}
	l.backward = true
	parallelGroups(n, convGroups, l, &l.next, &l.wg)
	// Reduce the per-group gradients in group order (deterministic).
	nw := min(n, convGroups)
	copy(l.w.Grad, l.dws[0])
	for i := 1; i < nw; i++ {
		for j, v := range l.dws[i][:len(l.w.Grad)] {
			l.w.Grad[j] += v
		}
	}
	if l.b != nil {
		for c := range l.b.Grad {
			var s float64
			for i := 0; i < nw; i++ {
				s += l.dbs[i][c]
			}
			l.b.Grad[c] = float32(s)
		}
	}
	if l.skipDx {
		return nil
	}
	return &l.dx
}

// runGroup processes the samples [lo, hi) of group g on worker w.
func (l *Conv2D) runGroup(w, g, lo, hi int) {
	if l.backward {
		clear(l.dws[g][:len(l.w.Value)])
		clear(l.dbs[g][:l.cfg.Filters])
	}
	for n := lo; n < hi; n++ {
		if l.backward {
			l.backwardSample(w, g, n)
		} else {
			l.forwardSample(w, n)
		}
	}
}

func (l *Conv2D) forwardSample(w, n int) {
	k := l.cin * l.kh * l.kw
	hw := l.oh * l.ow
	in := l.in.Size()
	f := l.cfg.Filters
	col := l.cols[w][:k*hw]
	l.im2col(l.x.Data[n*in:(n+1)*in], col, hw, l.zs[w])
	if l.fused {
		y := l.ys[w][:f*hw]
		kernels.SgemmSerial(false, false, f, hw, k, 1, l.w.Value, k, col, hw, 0, y, hw)
		p := l.pool
		out := p.out.Size()
		py := p.y.Data[n*out : (n+1)*out]
		p.maxSample(y, py, p.idx[n*out:(n+1)*out])
		if l.b != nil {
			ohw := out / f
			for c := 0; c < f; c++ {
				bv := l.b.Value[c]
				yc := py[c*ohw : (c+1)*ohw]
				for i := range yc {
					yc[i] += bv
				}
			}
		}
		return
	}
	y := l.y.Data[n*f*hw : (n+1)*f*hw]
	kernels.SgemmSerial(false, false, f, hw, k, 1, l.w.Value, k, col, hw, 0, y, hw)
	if l.b != nil {
		for c := 0; c < f; c++ {
			bv := l.b.Value[c]
			yc := y[c*hw : (c+1)*hw]
			for i := range yc {
				yc[i] += bv
			}
		}
	}
}

func (l *Conv2D) backwardSample(w, g, n int) {
	k := l.cin * l.kh * l.kw
	hw := l.oh * l.ow
	in := l.in.Size()
	f := l.cfg.Filters
	col := l.cols[w][:k*hw]
	l.im2col(l.x.Data[n*in:(n+1)*in], col, hw, l.zs[w])
	var dy []float32
	db := l.dbs[g]
	if l.fused {
		// Route the pooled gradient to the maxima; the bias gradient is
		// its per-channel sum (every pooled value lands on one input).
		p := l.pool
		out := p.out.Size()
		dyp := l.dyIn.Data[n*out : (n+1)*out]
		dy = l.ys[w][:f*hw]
		clear(dy)
		p.maxBackwardSample(dyp, dy, p.idx[n*out:(n+1)*out])
		ohw := out / f
		for c := 0; c < f; c++ {
			db[c] += float64(sum4(dyp[c*ohw : (c+1)*ohw]))
		}
	} else {
		dy = l.dyIn.Data[n*f*hw : (n+1)*f*hw]
		for c := 0; c < f; c++ {
			db[c] += float64(sum4(dy[c*hw : (c+1)*hw]))
		}
	}
	kernels.SgemmSerial(false, true, f, k, hw, 1, dy, hw, col, hw, 1, l.dws[g], k)
	if l.skipDx {
		return
	}
	dx := l.dx.Data[n*in : (n+1)*in]
	if l.unitStride() {
		l.inputGradShifted(dy, dx, l.dcols[w])
		return
	}
	dcol := l.dcols[w][:k*hw]
	kernels.SgemmSerial(true, false, k, hw, f, 1, l.w.Value, k, dy, hw, 0, dcol, hw)
	l.col2im(dcol, dx)
}

// sum4 returns the sum of s, accumulated in four interleaved partial sums
// (four times fewer dependent additions than one running sum).
func sum4(s []float32) float32 {
	var a, b, c, d float32
	i := 0
	for ; i+4 <= len(s); i += 4 {
		q := s[i : i+4 : i+4]
		a += q[0]
		b += q[1]
		c += q[2]
		d += q[3]
	}
	for ; i < len(s); i++ {
		a += s[i]
	}
	return (a + b) + (c + d)
}

// owRange returns the output columns [ow0, ow1) whose input column
// ow*sw+kj-padL lies inside [0, W).
func (l *Conv2D) owRange(kj int) (int, int) {
	off := kj - l.padL
	ow0 := 0
	if off < 0 {
		ow0 = (-off + l.sw - 1) / l.sw
	}
	ow1 := l.ow
	// largest ow with ow*sw+off <= W-1
	if last := (l.wd - 1 - off); last < 0 {
		ow1 = 0
	} else if m := last/l.sw + 1; m < ow1 {
		ow1 = m
	}
	if ow1 < ow0 {
		ow1 = ow0
	}
	return ow0, ow1
}

// im2col writes the patches of one sample x [C, H, W] into col
// [C*kh*kw, OH*OW], whose rows start ld values apart.
//
// For stride 1 the kh rows of one (c, kj) are windows of the same shifted
// image, so that image is built once in z (OH+kh-1 rows of OW) and each row
// is one long copy instead of OH short ones.
func (l *Conv2D) im2col(x, col []float32, ld int, z []float32) {
	H, W, OH, OW := l.h, l.wd, l.oh, l.ow
	if l.unitStride() {
		hz := OH + l.kh - 1
		z = z[:hz*OW]
		for c := 0; c < l.cin; c++ {
			xc := x[c*H*W : (c+1)*H*W]
			for kj := 0; kj < l.kw; kj++ {
				ow0, ow1 := l.owRange(kj)
				off := kj - l.padL
				for r := 0; r < hz; r++ {
					dst := z[r*OW : (r+1)*OW]
					iy := r - l.padT
					if iy < 0 || iy >= H {
						clear(dst)
						continue
					}
					clear(dst[:ow0])
					clear(dst[ow1:])
					copy(dst[ow0:ow1], xc[iy*W+ow0+off:iy*W+ow1+off])
				}
				for ki := 0; ki < l.kh; ki++ {
					r := (c*l.kh+ki)*l.kw + kj
					copy(col[r*ld:r*ld+OH*OW], z[ki*OW:ki*OW+OH*OW])
				}
			}
		}
		return
	}
	sh, sw := l.sh, l.sw
	r := 0
	for c := 0; c < l.cin; c++ {
		xc := x[c*H*W : (c+1)*H*W]
		for ki := 0; ki < l.kh; ki++ {
			for kj := 0; kj < l.kw; kj++ {
				row := col[r*ld : r*ld+OH*OW]
				r++
				ow0, ow1 := l.owRange(kj)
				off := kj - l.padL
				for oh := 0; oh < OH; oh++ {
					dst := row[oh*OW : (oh+1)*OW]
					iy := oh*sh + ki - l.padT
					if iy < 0 || iy >= H {
						clear(dst)
						continue
					}
					clear(dst[:ow0])
					clear(dst[ow1:])
					xr := xc[iy*W : (iy+1)*W]
					if sw == 1 {
						copy(dst[ow0:ow1], xr[ow0+off:ow1+off])
					} else {
						for ow := ow0; ow < ow1; ow++ {
							dst[ow] = xr[ow*sw+off]
						}
					}
				}
			}
		}
	}
}

func (l *Conv2D) unitStride() bool { return l.sh == 1 && l.sw == 1 }

// inputGradShifted computes, for a stride-1 convolution, the input
// gradient dx [C, H, W] of one sample from its output gradient dy
// [F, OH, OW] without a patch matrix: dy is copied, zero-padded, into
// planes of width W' = W+kw-1 (dyp[f][r][s] = dy[f, r-(kh-1-padT),
// s-(kw-1-padL)]), where every kernel tap (ki, kj) becomes a constant
// shift of the flattened plane, so that
//
//	dx'[c, iy*W'+ix] = sum over taps of wr[ki,kj] [C, F] x dyp[:, iy*W'+ix + (kh-1-ki)*W' + (kw-1-kj)]
//
// is kh*kw GEMMs with k = F that read dyp in place and accumulate into
// dx' [C, H, W'], whose first W columns of every row are dx. (The columns
// ix >= W are computed and dropped; W' > W costs (kw-1)/W more
// arithmetic, far less than building the [F*kh*kw, H*W] patch matrix.)
// buf holds F*(H+kh)*W' + C*H*W' values.
func (l *Conv2D) inputGradShifted(dy, dx, buf []float32) {
	H, W, OH, OW := l.h, l.wd, l.oh, l.ow
	f, c := l.cfg.Filters, l.cin
	wp := W + l.kw - 1
	plane := (H + l.kh) * wp
	dyp := buf[:f*plane]
	dxp := buf[f*plane : f*plane+c*H*wp]
	clear(dyp)
	pt, pl := l.kh-1-l.padT, l.kw-1-l.padL
	for fi := 0; fi < f; fi++ {
		for oy := 0; oy < OH; oy++ {
			d := fi*plane + (oy+pt)*wp + pl
			copy(dyp[d:d+OW], dy[(fi*OH+oy)*OW:(fi*OH+oy+1)*OW])
		}
	}
	n := H * wp
	for t := 0; t < l.kh*l.kw; t++ {
		ki, kj := t/l.kw, t%l.kw
		off := (l.kh-1-ki)*wp + (l.kw - 1 - kj)
		var beta float32
		if t > 0 {
			beta = 1
		}
		kernels.SgemmSerial(false, false, c, n, f, 1, l.wr[t*c*f:(t+1)*c*f], f, dyp[off:], plane, beta, dxp, n)
	}
	for ci := 0; ci < c; ci++ {
		for iy := 0; iy < H; iy++ {
			copy(dx[(ci*H+iy)*W:(ci*H+iy+1)*W], dxp[ci*n+iy*wp:ci*n+iy*wp+W])
		}
	}
}

// col2im sets dx [C, H, W] to the sum of the patch gradients in col.
func (l *Conv2D) col2im(col, dx []float32) {
	clear(dx)
	H, W, OH, OW := l.h, l.wd, l.oh, l.ow
	sh, sw := l.sh, l.sw
	r := 0
	for c := 0; c < l.cin; c++ {
		xc := dx[c*H*W : (c+1)*H*W]
		for ki := 0; ki < l.kh; ki++ {
			for kj := 0; kj < l.kw; kj++ {
				row := col[r*OH*OW : (r+1)*OH*OW]
				r++
				ow0, ow1 := l.owRange(kj)
				off := kj - l.padL
				for oh := 0; oh < OH; oh++ {
					iy := oh*sh + ki - l.padT
					if iy < 0 || iy >= H {
						continue
					}
					src := row[oh*OW : (oh+1)*OW]
					xr := xc[iy*W : (iy+1)*W]
					if sw == 1 {
						d := xr[ow0+off : ow1+off]
						for i, v := range src[ow0:ow1] {
							d[i] += v
						}
					} else {
						for ow := ow0; ow < ow1; ow++ {
							xr[ow*sw+off] += src[ow]
						}
					}
				}
			}
		}
	}
}
