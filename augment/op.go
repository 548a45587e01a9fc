package augment

import (
	"fmt"
	"image"
	"strings"
)

// Op is one image transform. Apply returns the transformed image, which
// may be img itself, a view of it, or a new image from s's buffers. Apply
// writes into img only when s owns img's buffer (it came from
// [State.NewImage] or [State.Clone], or an earlier op); a caller's own
// image, such as a decoded source reused for several copies, is never
// modified. After Apply the caller uses only the returned image. Random
// draws come from s.Rand and an applied transform appends what it drew to
// s.Trace. Ops hold no mutable state and are safe for concurrent use with
// distinct States.
//
// Ops accept any Rect (including sub-images whose Rect does not start at
// the origin and whose Stride exceeds 4×width). Ops working in place keep
// the input Rect; new images have their Rect at the origin.
type Op interface {
	Apply(img *image.NRGBA, s *State) *image.NRGBA
}

// Compose applies its ops in order. A random resized crop followed by
// flips and a rotation or affine map is applied as one warp (see
// fuse.go): same draws and trace, one resampling instead of three.
type Compose []Op

// Apply implements [Op].
func (c Compose) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	for i := 0; i < len(c); i++ {
		if n := fusedChain(c[i:]); n > 0 {
			img = applyFused(c[i:i+n], img, s)
			i += n - 1
			continue
		}
		img = c[i].Apply(img, s)
	}
	return img
}

// String returns the op in the policy text form.
func (c Compose) String() string { return "compose [" + joinOps(c) + "]" }

// RandomApply applies Op with probability P: P <= 0 never, P >= 1 always.
// It draws one number per call whatever P is.
type RandomApply struct {
	P  float64
	Op Op
}

// Apply implements [Op].
func (a RandomApply) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	if s.Rand.Bernoulli(a.P) {
		return a.Op.Apply(img, s)
	}
	return img
}

// String returns the op in the policy text form.
func (a RandomApply) String() string {
	if c, ok := a.Op.(Compose); ok {
		return "apply p=" + formatFloat(a.P) + " [" + joinOps(c) + "]"
	}
	inner := opString(a.Op)
	if !strings.ContainsAny(inner, "[;") {
		name, rest, _ := strings.Cut(inner, " ")
		if rest != "" {
			rest = " " + rest
		}
		return name + " p=" + formatFloat(a.P) + rest
	}
	return "apply p=" + formatFloat(a.P) + " [" + inner + "]"
}

// OneOf applies exactly one of Ops, chosen uniformly.
type OneOf []Op

// Apply implements [Op].
func (o OneOf) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	if len(o) == 0 {
		return img
	}
	return o[s.Rand.Intn(len(o))].Apply(img, s)
}

// String returns the op in the policy text form.
func (o OneOf) String() string { return "oneof [" + joinOps(o) + "]" }

// RandomOrder applies all of its ops in a random order.
type RandomOrder []Op

// Apply implements [Op].
func (o RandomOrder) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	n := len(o)
	var buf [16]int
	var perm []int
	if n <= len(buf) {
		perm = buf[:n]
	} else {
		perm = make([]int, n)
	}
	for i := range perm {
		perm[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := s.Rand.Intn(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	for _, i := range perm {
		img = o[i].Apply(img, s)
	}
	return img
}

// String returns the op in the policy text form.
func (o RandomOrder) String() string { return "order [" + joinOps(o) + "]" }

func opString(op Op) string {
	if st, ok := op.(fmt.Stringer); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", op)
}

func joinOps(ops []Op) string {
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = opString(op)
	}
	return strings.Join(parts, "; ")
}
