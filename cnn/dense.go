package cnn

import (
	"sync"
	"sync/atomic"

	"github.com/cnnpipe/cnnpipe/internal/kernels"
)

// DenseConfig configures a Dense layer.
type DenseConfig struct {
	// Units is the number of outputs (required).
	Units int
	// NoBias drops the bias term.
	NoBias bool
	// Init initializes the weights (InitAuto: see Init).
	Init Init
}

// Dense is a fully connected layer y = x W^T + b on [N, in] batches, with W
// stored as [out, in] like torch.nn.Linear.
type Dense struct {
	cfg     DenseConfig
	in, out int
	w, b    *Param
	skipDx  bool
	x, dyIn *Tensor
	y, dx   Tensor
	phase   int
	wg      sync.WaitGroup
	next    atomic.Int32
}

// NewDense returns a Dense layer configured by cfg.
func NewDense(cfg DenseConfig) *Dense { return &Dense{cfg: cfg} }

// Config returns the layer's configuration.
func (l *Dense) Config() DenseConfig { return l.cfg }

// Kind returns "dense".
func (l *Dense) Kind() string { return "dense" }

func (l *Dense) skipInputGrad(skip bool) { l.skipDx = skip }

func (l *Dense) resolveInit(next string) {
	if l.w != nil {
		l.w.Init = resolveAuto(l.cfg.Init, next)
	}
}

// Setup checks that the input is a vector [in] and allocates the weights.
func (l *Dense) Setup(in Shape) (Shape, error) {
	if len(in) != 1 {
		return nil, shapeErr("dense", in, "want a vector [features]; add a flatten layer before it")
	}
	if l.cfg.Units <= 0 {
		return nil, shapeErr("dense", in, "units must be positive, got %d", l.cfg.Units)
	}
	if float64(in[0])*float64(l.cfg.Units) > maxLayerParams {
		return nil, shapeErr("dense", in, "%d x %d weights exceed the size limit of a layer", l.cfg.Units, in[0])
	}
	l.in, l.out = in[0], l.cfg.Units
	init := l.cfg.Init
	if init == InitAuto {
		init = InitGlorotUniform
	}
	l.w = newParam("weight", init, l.in, l.out, true, l.out, l.in)
	l.b = nil
	if !l.cfg.NoBias {
		l.b = newParam("bias", InitZeros, 0, 0, true, l.out)
	}
	return Shape{l.out}, nil
}

// Params returns weight [out, in] and, unless NoBias, bias [out].
func (l *Dense) Params() []*Param {
	if l.b == nil {
		return []*Param{l.w}
	}
	return []*Param{l.w, l.b}
}

// Forward computes x W^T + b.
func (l *Dense) Forward(x *Tensor, train bool) *Tensor {
	l.x = x
	l.y.Resize(x.Shape[0], l.out)
	l.phase = 0
	parallelGroups(x.Shape[0], rowGroups(x.Shape[0]), l, &l.next, &l.wg)
	return &l.y
}

// Backward computes dW = dy^T x, db = sum(dy) and dx = dy W.
func (l *Dense) Backward(dy *Tensor) *Tensor {
	n := dy.Shape[0]
	l.dyIn = dy
	l.phase = 1
	parallelGroups(l.out, rowGroups(l.out), l, &l.next, &l.wg)
	if l.b != nil {
		for o := range l.b.Grad {
			var s float32
			for i := 0; i < n; i++ {
				s += dy.Data[i*l.out+o]
			}
			l.b.Grad[o] = s
		}
	}
	if l.skipDx {
		return nil
	}
	l.dx.Resize(n, l.in)
	l.phase = 2
	parallelGroups(n, rowGroups(n), l, &l.next, &l.wg)
	return &l.dx
}

// rowGroups splits n rows into groups of about 16: the GEMM shapes, and so
// the rounding of the results, do not depend on the number of cores.
func rowGroups(n int) int { return (n + 15) / 16 }

func (l *Dense) runGroup(_, _, lo, hi int) {
	switch l.phase {
	case 0: // rows lo..hi of y
		y := l.y.Data[lo*l.out : hi*l.out]
		kernels.SgemmSerial(false, true, hi-lo, l.out, l.in, 1, l.x.Data[lo*l.in:], l.in, l.w.Value, l.in, 0, y, l.out)
		if l.b != nil {
			for i := 0; i < hi-lo; i++ {
				r := y[i*l.out : (i+1)*l.out]
				for j, b := range l.b.Value {
					r[j] += b
				}
			}
		}
	case 1: // rows lo..hi of dW
		n := l.dyIn.Shape[0]
		kernels.SgemmSerial(true, false, hi-lo, l.in, n, 1, l.dyIn.Data[lo:], l.out, l.x.Data, l.in, 0, l.w.Grad[lo*l.in:], l.in)
	case 2: // rows lo..hi of dx
		kernels.SgemmSerial(false, false, hi-lo, l.in, l.out, 1, l.dyIn.Data[lo*l.out:], l.out, l.w.Value, l.in, 0, l.dx.Data[lo*l.in:], l.in)
	}
}
