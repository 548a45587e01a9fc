package cnn

import (
	"math"
	"sync"

	"github.com/cnnpipe/cnnpipe/internal/kernels"
)

// PoolConfig configures MaxPool2D and AvgPool2D. Pooling uses valid
// padding (windows that do not fit are dropped, as in Keras and PyTorch).
type PoolConfig struct {
	// Size is the window height (required); SizeW its width (0 = Size).
	Size, SizeW int
	// Stride is the vertical stride (0 = the window height); StrideW the
	// horizontal one (0 = Stride, or the window width if Stride is 0).
	Stride, StrideW int
}

// pool2d is the shared part of MaxPool2D and AvgPool2D.
type pool2d struct {
	cfg             PoolConfig
	kind            string
	kh, kw, sh, sw  int
	c, h, w, oh, ow int
	in, out         Shape
	x, dyIn         *Tensor
	y, dx           Tensor
	idx             []int32
	isMax, backward bool
	wg              sync.WaitGroup
}

func (l *pool2d) setup(in Shape) (Shape, error) {
	if len(in) != 3 {
		return nil, shapeErr(l.kind, in, "want [channels, height, width]")
	}
	c := l.cfg
	l.kh, l.kw = c.Size, c.SizeW
	if l.kw == 0 {
		l.kw = l.kh
	}
	l.sh, l.sw = c.Stride, c.StrideW
	if l.sh == 0 {
		l.sh = l.kh
	}
	if l.sw == 0 {
		if c.Stride != 0 {
			l.sw = c.Stride
		} else {
			l.sw = l.kw
		}
	}
	if l.kh <= 0 || l.kw <= 0 || l.sh <= 0 || l.sw <= 0 {
		return nil, shapeErr(l.kind, in, "size %dx%d and stride %dx%d must be positive", l.kh, l.kw, l.sh, l.sw)
	}
	if in[1] < l.kh || in[2] < l.kw {
		return nil, shapeErr(l.kind, in, "window %dx%d is larger than the input", l.kh, l.kw)
	}
	l.c, l.h, l.w = in[0], in[1], in[2]
	l.oh, l.ow = (l.h-l.kh)/l.sh+1, (l.w-l.kw)/l.sw+1
	l.in, l.out = in.clone(), Shape{l.c, l.oh, l.ow}
	return l.out, nil
}

func (l *pool2d) forward(x *Tensor) *Tensor {
	l.x = x
	l.prepare(x.Shape[0])
	l.backward = false
	parallelFor(x.Shape[0], l, &l.wg)
	return &l.y
}

// prepare sizes the output and, for max pooling, the argmax indices for a
// batch of n samples.
func (l *pool2d) prepare(n int) {
	l.y.resizeBatch(n, l.out)
	if l.isMax {
		if m := n * l.out.Size(); cap(l.idx) < m {
			l.idx = make([]int32, m)
		} else {
			l.idx = l.idx[:m]
		}
	}
}

// maxSample max-pools one sample x [C, H, W] into y [C, OH, OW] and records
// in idx the position of each maximum within its channel plane.
func (l *pool2d) maxSample(x, y []float32, idx []int32) {
	if l.kh == 2 && l.kw == 2 && l.sh == 2 && l.sw == 2 {
		l.max2x2(x, y, idx)
		return
	}
	hw, ohw := l.h*l.w, l.oh*l.ow
	for c := 0; c < l.c; c++ {
		xc := x[c*hw : (c+1)*hw]
		for oy := 0; oy < l.oh; oy++ {
			for ox := 0; ox < l.ow; ox++ {
				o := c*ohw + oy*l.ow + ox
				base := oy*l.sh*l.w + ox*l.sw
				best, bi := float32(math.Inf(-1)), base
				for i := 0; i < l.kh; i++ {
					r := base + i*l.w
					for j, v := range xc[r : r+l.kw] {
						if v > best || v != v {
							best, bi = v, r+j
						}
					}
				}
				y[o] = best
				idx[o] = int32(bi)
			}
		}
	}
}

// maxBackwardSample adds each output gradient of dy [C, OH, OW] to the
// input of dx [C, H, W] that was its window's maximum.
func (l *pool2d) maxBackwardSample(dy, dx []float32, idx []int32) {
	hw, ohw := l.h*l.w, l.oh*l.ow
	for c := 0; c < l.c; c++ {
		dxc := dx[c*hw : (c+1)*hw]
		ic := idx[c*ohw : (c+1)*ohw]
		for o, g := range dy[c*ohw : (c+1)*ohw] {
			dxc[ic[o]] += g
		}
	}
}

func (l *pool2d) backwardPass(dy *Tensor) *Tensor {
	l.dyIn = dy
	l.dx.resizeBatch(dy.Shape[0], l.in)
	l.backward = true
	parallelFor(dy.Shape[0], l, &l.wg)
	return &l.dx
}

func (l *pool2d) run(_, lo, hi int) {
	in, out := l.in.Size(), l.out.Size()
	hw, ohw := l.h*l.w, l.oh*l.ow
	inv := 1 / float32(l.kh*l.kw)
	for n := lo; n < hi; n++ {
		if l.backward {
			dx := l.dx.Data[n*in : (n+1)*in]
			dy := l.dyIn.Data[n*out : (n+1)*out]
			clear(dx)
			if l.isMax {
				l.maxBackwardSample(dy, dx, l.idx[n*out:(n+1)*out])
				continue
			}
			for c := 0; c < l.c; c++ {
				dxc := dx[c*hw : (c+1)*hw]
				for oy := 0; oy < l.oh; oy++ {
					for ox := 0; ox < l.ow; ox++ {
						g := dy[c*ohw+oy*l.ow+ox] * inv
						for i := 0; i < l.kh; i++ {
							r := dxc[(oy*l.sh+i)*l.w+ox*l.sw:]
							for j := 0; j < l.kw; j++ {
								r[j] += g
							}
						}
					}
				}
			}
			continue
		}
		x := l.x.Data[n*in : (n+1)*in]
		y := l.y.Data[n*out : (n+1)*out]
		if l.isMax {
			l.maxSample(x, y, l.idx[n*out:(n+1)*out])
			continue
		}
		for c := 0; c < l.c; c++ {
			xc := x[c*hw : (c+1)*hw]
			for oy := 0; oy < l.oh; oy++ {
				for ox := 0; ox < l.ow; ox++ {
					o := c*ohw + oy*l.ow + ox
					base := oy*l.sh*l.w + ox*l.sw
					var s float32
					for i := 0; i < l.kh; i++ {
						r := base + i*l.w
						for _, v := range xc[r : r+l.kw] {
							s += v
						}
					}
					y[o] = s * inv
				}
			}
		}
	}
}

// max2x2 is the forward pass of 2x2 max pooling with stride 2 for one
// sample (see kernels.MaxPool2x2: vectorized on AVX-512).
func (l *pool2d) max2x2(x, y []float32, idx []int32) {
	hw, ohw := l.h*l.w, l.oh*l.ow
	for c := 0; c < l.c; c++ {
		kernels.MaxPool2x2(x[c*hw:(c+1)*hw], l.w, y[c*ohw:(c+1)*ohw], idx[c*ohw:(c+1)*ohw], l.oh, l.ow)
	}
}

// MaxPool2D takes the maximum over each window of every channel.
type MaxPool2D struct{ pool2d }

// NewMaxPool2D returns a max-pooling layer.
func NewMaxPool2D(cfg PoolConfig) *MaxPool2D {
	return &MaxPool2D{pool2d{cfg: cfg, kind: "maxpool2d", isMax: true}}
}

// Kind returns "maxpool2d".
func (l *MaxPool2D) Kind() string { return "maxpool2d" }

// Config returns the layer's configuration.
func (l *MaxPool2D) Config() PoolConfig { return l.cfg }

// Setup checks the input shape [C, H, W].
func (l *MaxPool2D) Setup(in Shape) (Shape, error) { return l.setup(in) }

// Forward pools the batch x.
func (l *MaxPool2D) Forward(x *Tensor, train bool) *Tensor { return l.forward(x) }

// Backward routes each output gradient to the input that was the maximum.
func (l *MaxPool2D) Backward(dy *Tensor) *Tensor { return l.backwardPass(dy) }

// Params returns nil: pooling has no parameters.
func (l *MaxPool2D) Params() []*Param { return nil }

// AvgPool2D averages each window of every channel.
type AvgPool2D struct{ pool2d }

// NewAvgPool2D returns an average-pooling layer.
func NewAvgPool2D(cfg PoolConfig) *AvgPool2D {
	return &AvgPool2D{pool2d{cfg: cfg, kind: "avgpool2d"}}
}

// Kind returns "avgpool2d".
func (l *AvgPool2D) Kind() string { return "avgpool2d" }

// Config returns the layer's configuration.
func (l *AvgPool2D) Config() PoolConfig { return l.cfg }

// Setup checks the input shape [C, H, W].
func (l *AvgPool2D) Setup(in Shape) (Shape, error) { return l.setup(in) }

// Forward pools the batch x.
func (l *AvgPool2D) Forward(x *Tensor, train bool) *Tensor { return l.forward(x) }

// Backward spreads each output gradient evenly over its window.
func (l *AvgPool2D) Backward(dy *Tensor) *Tensor { return l.backwardPass(dy) }

// Params returns nil: pooling has no parameters.
func (l *AvgPool2D) Params() []*Param { return nil }

// GlobalAvgPool2D averages every channel over height and width:
// [C, H, W] -> [C].
type GlobalAvgPool2D struct {
	in    Shape
	y, dx Tensor
}

// NewGlobalAvgPool2D returns a global average-pooling layer.
func NewGlobalAvgPool2D() *GlobalAvgPool2D { return &GlobalAvgPool2D{} }

// Kind returns "globalavgpool2d".
func (l *GlobalAvgPool2D) Kind() string { return "globalavgpool2d" }

// Setup checks the input shape [C, H, W].
func (l *GlobalAvgPool2D) Setup(in Shape) (Shape, error) {
	if len(in) != 3 {
		return nil, shapeErr("globalavgpool2d", in, "want [channels, height, width]")
	}
	l.in = in.clone()
	return Shape{in[0]}, nil
}

// Forward averages x over its spatial dimensions.
func (l *GlobalAvgPool2D) Forward(x *Tensor, train bool) *Tensor {
	n, c, hw := x.Shape[0], l.in[0], l.in[1]*l.in[2]
	l.y.Resize(n, c)
	for i := 0; i < n*c; i++ {
		var s float32
		for _, v := range x.Data[i*hw : (i+1)*hw] {
			s += v
		}
		l.y.Data[i] = s / float32(hw)
	}
	return &l.y
}

// Backward spreads each gradient evenly over its channel.
func (l *GlobalAvgPool2D) Backward(dy *Tensor) *Tensor {
	n, c, hw := dy.Shape[0], l.in[0], l.in[1]*l.in[2]
	l.dx.resizeBatch(n, l.in)
	for i := 0; i < n*c; i++ {
		g := dy.Data[i] / float32(hw)
		d := l.dx.Data[i*hw : (i+1)*hw]
		for j := range d {
			d[j] = g
		}
	}
	return &l.dx
}

// Params returns nil.
func (l *GlobalAvgPool2D) Params() []*Param { return nil }

// Flatten reshapes [C, H, W] to [C*H*W] in NCHW order (channel-major, as
// torch.nn.Flatten), without copying.
type Flatten struct {
	in    Shape
	y, dx Tensor
}

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// Kind returns "flatten".
func (l *Flatten) Kind() string { return "flatten" }

// Setup accepts any input shape.
func (l *Flatten) Setup(in Shape) (Shape, error) {
	l.in = in.clone()
	return Shape{in.Size()}, nil
}

// Forward returns a view of x with shape [N, C*H*W].
func (l *Flatten) Forward(x *Tensor, train bool) *Tensor {
	l.y.Shape = append(l.y.Shape[:0], x.Shape[0], l.in.Size())
	l.y.Data = x.Data
	return &l.y
}

// Backward returns a view of dy with the input's shape.
func (l *Flatten) Backward(dy *Tensor) *Tensor {
	l.dx.Shape = append(append(l.dx.Shape[:0], dy.Shape[0]), l.in...)
	l.dx.Data = dy.Data
	return &l.dx
}

// Params returns nil.
func (l *Flatten) Params() []*Param { return nil }
