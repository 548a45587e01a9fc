package cnn

import (
	"fmt"
	"math"
)

// Loss is a training objective over a batch of outputs and integer labels.
type Loss interface {
	// Name returns the loss's spec name ("cross_entropy", "mse").
	Name() string
	// Eval returns the mean loss over the batch out [N, K] with labels in
	// [0, K), and, when grad is not nil, resizes grad to out's shape and
	// writes d(mean loss)/d(out) into it. Labels must be in range (the
	// Trainer checks them).
	Eval(out *Tensor, labels []int, grad *Tensor) float64
}

// NewLoss returns the loss named name: "cross_entropy" (or "" for the
// default) or "mse".
func NewLoss(name string) (Loss, error) {
	switch name {
	case "", "cross_entropy":
		return CrossEntropy{}, nil
	case "mse":
		return MSE{}, nil
	}
	return nil, fmt.Errorf("unknown loss %q (want cross_entropy or mse)", name)
}

// CrossEntropy is softmax cross-entropy on logits, fused with the softmax
// and computed as logsumexp(z) - z[label] with the maximum subtracted, so it
// is stable for large logits. Its gradient is (softmax(z) - onehot)/N.
type CrossEntropy struct{}

// Name returns "cross_entropy".
func (CrossEntropy) Name() string { return "cross_entropy" }

// Eval returns the mean cross-entropy of the logits out.
func (CrossEntropy) Eval(out *Tensor, labels []int, grad *Tensor) float64 {
	n, k := out.Shape[0], out.Len()/out.Shape[0]
	if grad != nil {
		grad.Resize(out.Shape...)
	}
	var total float64
	for i := 0; i < n; i++ {
		z := out.Data[i*k : (i+1)*k]
		m := z[0]
		for _, v := range z {
			m = max(m, v)
		}
		var s float64
		for _, v := range z {
			s += math.Exp(float64(v - m))
		}
		lse := float64(m) + math.Log(s)
		total += lse - float64(z[labels[i]])
		if grad != nil {
			g := grad.Data[i*k : (i+1)*k]
			for j, v := range z {
				g[j] = float32(math.Exp(float64(v)-lse) / float64(n))
			}
			g[labels[i]] -= float32(1 / float64(n))
		}
	}
	return total / float64(n)
}

// MSE is the mean squared error between out and the one-hot encoding of
// the labels, averaged over every element (as Keras' mean_squared_error
// averaged over the batch).
type MSE struct{}

// Name returns "mse".
func (MSE) Name() string { return "mse" }

// Eval returns the mean squared error of out against one-hot labels.
func (MSE) Eval(out *Tensor, labels []int, grad *Tensor) float64 {
	n, k := out.Shape[0], out.Len()/out.Shape[0]
	if grad != nil {
		grad.Resize(out.Shape...)
	}
	var total float64
	scale := 2 / float64(n*k)
	for i := 0; i < n; i++ {
		for j, v := range out.Data[i*k : (i+1)*k] {
			d := float64(v)
			if j == labels[i] {
				d--
			}
			total += d * d
			if grad != nil {
				grad.Data[i*k+j] = float32(scale * d)
			}
		}
	}
	return total / float64(n*k)
}

// argmaxCorrect counts the rows of out whose largest value is at the label.
func argmaxCorrect(out *Tensor, labels []int) int {
	n, k := out.Shape[0], out.Len()/out.Shape[0]
	correct := 0
	for i := 0; i < n; i++ {
		z := out.Data[i*k : (i+1)*k]
		best := 0
		for j, v := range z {
			if v > z[best] {
				best = j
			}
		}
		if best == labels[i] {
			correct++
		}
	}
	return correct
}
