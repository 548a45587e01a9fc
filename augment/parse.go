package augment

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ErrPolicy is wrapped by every error about a policy's text or YAML: an
// unknown transform, an unknown or malformed parameter, bad nesting.
var ErrPolicy = errors.New("augment: invalid policy")

// Policy is a compiled augmentation policy: image transforms applied in
// order, then optionally a conversion to a float32 tensor.
type Policy struct {
	// Ops is the image stage.
	Ops Compose
	// Tensor, when not nil, converts the result to a CHW tensor
	// ("totensor" or "normalize" at the end of the policy).
	Tensor *ToTensor
}

// Apply runs the image stage of p on img (taking ownership of it, as
// [Op.Apply] does) and returns the augmented image.
func (p *Policy) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	return p.Ops.Apply(img, s)
}

// ApplyTensor runs the image stage and the tensor stage (plain to-tensor
// scaling when the policy has none) into dst. The intermediate image goes
// back to s for reuse.
func (p *Policy) ApplyTensor(img *image.NRGBA, s *State, dst *Tensor) {
	out := p.Ops.Apply(img, s)
	t := ToTensor{}
	if p.Tensor != nil {
		t = *p.Tensor
	}
	t.Apply(out, dst)
	s.Release(out)
}

// String returns the policy in canonical text form; [Parse] reads it back
// into an equivalent policy.
func (p *Policy) String() string {
	str := joinOps(p.Ops)
	if p.Tensor != nil {
		if str != "" {
			str += "; "
		}
		str += p.Tensor.String()
	}
	return str
}

// spec is one parsed policy item before compilation.
type spec struct {
	name     string
	args     []kv
	children []spec
	nested   bool // a [...] block (or YAML list) was given
}

type kv struct{ key, val string }

const (
	maxDepth = 16
	maxItems = 1000
)

func policyErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrPolicy, fmt.Sprintf(format, a...))
}

// Parse compiles a policy written in the text form: items separated by
// ";" or newlines, each a transform name followed by key=value
// parameters, composites taking a bracketed list, "#" starting a comment:
//
//	hflip p=0.5; rotate deg=15; rcrop size=224 scale=0.8-1
//	oneof [vflip; rot90 k=1-3]; apply p=0.3 [gray; blur k=5]
//	jitter b=0.4 c=0.4 s=0.4 h=0.1; normalize
//
// Run [Help] for the transforms and their parameters. Errors wrap
// [ErrPolicy] and name the transform, the parameter and what is allowed.
func Parse(text string) (*Policy, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	specs, err := p.list(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, policyErr("unexpected %q", p.toks[p.i])
	}
	return compile(specs)
}

func lex(text string) ([]string, error) {
	var toks []string
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '\n' || c == ';':
			toks = append(toks, ";")
			i++
		case c == '[' || c == ']':
			toks = append(toks, string(c))
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r\n;[]#", rune(text[j])) {
				j++
			}
			toks = append(toks, text[i:j])
			i = j
		}
		if len(toks) > 20*maxItems {
			return nil, policyErr("policy too long")
		}
	}
	return toks, nil
}

type parser struct {
	toks  []string
	i     int
	items int
}

func (p *parser) list(depth int) ([]spec, error) {
	if depth > maxDepth {
		return nil, policyErr("nesting deeper than %d", maxDepth)
	}
	var out []spec
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		switch t {
		case ";":
			p.i++
			continue
		case "]":
			return out, nil
		case "[":
			return nil, policyErr("\"[\" must follow a composite name (compose, apply, oneof, order)")
		}
		if strings.Contains(t, "=") {
			return nil, policyErr("%q: expected a transform name before parameters", t)
		}
		sp := spec{name: t}
		p.i++
		for p.i < len(p.toks) && strings.Contains(p.toks[p.i], "=") {
			k, v, _ := strings.Cut(p.toks[p.i], "=")
			if k == "" {
				return nil, policyErr("%s: %q: missing parameter name", sp.name, p.toks[p.i])
			}
			sp.args = append(sp.args, kv{k, v})
			p.i++
		}
		if p.i < len(p.toks) && p.toks[p.i] == "[" {
			p.i++
			kids, err := p.list(depth + 1)
			if err != nil {
				return nil, err
			}
			if p.i >= len(p.toks) || p.toks[p.i] != "]" {
				return nil, policyErr("%s: missing \"]\"", sp.name)
			}
			p.i++
			sp.children, sp.nested = kids, true
		}
		if p.i < len(p.toks) && p.toks[p.i] != ";" && p.toks[p.i] != "]" {
			return nil, policyErr("%s: unexpected %q (parameters are key=value; separate transforms with \";\")", sp.name, p.toks[p.i])
		}
		p.items++
		if p.items > maxItems {
			return nil, policyErr("more than %d transforms", maxItems)
		}
		out = append(out, sp)
	}
	return out, nil
}

// compile turns the top-level specs into a Policy.
func compile(specs []spec) (*Policy, error) {
	pol := &Policy{}
	for i, sp := range specs {
		if sp.name == "totensor" || sp.name == "normalize" {
			t, err := buildTensor(sp, pol.Tensor)
			if err != nil {
				return nil, err
			}
			pol.Tensor = t
			continue
		}
		if pol.Tensor != nil {
			return nil, policyErr("%s (item %d): image transforms must come before totensor/normalize", sp.name, i+1)
		}
		op, err := build(sp)
		if err != nil {
			return nil, err
		}
		pol.Ops = append(pol.Ops, op)
	}
	return pol, nil
}

func buildTensor(sp spec, prev *ToTensor) (*ToTensor, error) {
	a := newArgs(sp)
	t := &ToTensor{}
	if prev != nil {
		if prev.Normalize || sp.name == "totensor" {
			return nil, policyErr("%s: the policy already converts to a tensor", sp.name)
		}
	}
	if sp.name == "normalize" {
		t.Normalize = true
		t.Mean = a.triple("mean", ImageNetMean, false)
		t.Std = a.triple("std", ImageNetStd, true)
	}
	if err := a.done(); err != nil {
		return nil, err
	}
	if sp.nested {
		return nil, policyErr("%s takes no [...] block", sp.name)
	}
	return t, nil
}

// opDef describes one transform name: its parameters (for errors and
// Help), its default probability and how to build it.
type opDef struct {
	params    string // "key: meaning" lines
	defaultP  float64
	composite bool
	build     func(a *args, kids []Op) (Op, error)
}

var defs map[string]*opDef

func init() {
	defs = map[string]*opDef{
		"hflip": {params: "", defaultP: 0.5, build: func(a *args, _ []Op) (Op, error) { return HFlip{}, nil }},
		"vflip": {params: "", defaultP: 0.5, build: func(a *args, _ []Op) (Op, error) { return VFlip{}, nil }},
		"rot90": {params: "k=1 (quarter turns counter-clockwise, or a range like 0-3)", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				r := a.rng("k", Range{1, 1}, rangePlain)
				if r.Lo != math.Trunc(r.Lo) || r.Hi != math.Trunc(r.Hi) || r.Lo < -3 || r.Hi > 3 {
					a.fail("k", "want whole numbers in -3..3")
				}
				return Rot90{K: int(r.Lo), KMax: int(r.Hi)}, nil
			}},
		"rot180": {defaultP: 1, build: func(a *args, _ []Op) (Op, error) { return Rot90{K: 2}, nil }},
		"rot270": {defaultP: 1, build: func(a *args, _ []Op) (Op, error) { return Rot90{K: 3}, nil }},
		"rotate": {params: "deg=D (angle drawn from -D..D, or a range A-B; required), interp=bilinear|nearest, mode=constant|edge|reflect, fill=R,G,B", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				return Rotate{Degrees: a.rng("deg", Range{}, rangeSym|rangeRequired), Nearest: a.interp2(), Border: a.border(), Fill: a.fill()}, nil
			}},
		"affine": {params: "deg=D, translate=FX[,FY] (fractions of width/height), scale=A-B, shear=D (x shear), sheary=D, interp=bilinear|nearest, mode=constant|edge|reflect, fill=R,G,B", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				o := Affine{Degrees: a.rng("deg", Range{}, rangeSym)}
				tr := a.floats("translate", 1, 2, nil)
				if len(tr) > 0 {
					o.Translate = [2]float64{tr[0], tr[len(tr)-1]}
					if tr[0] < 0 || tr[0] > 1 || o.Translate[1] < 0 || o.Translate[1] > 1 {
						a.fail("translate", "want fractions in 0..1")
					}
				}
				o.Scale = a.rng("scale", Range{}, rangePlain|rangePositive)
				o.ShearX = a.rng("shear", Range{}, rangeSym)
				o.ShearY = a.rng("sheary", Range{}, rangeSym)
				if math.Max(math.Abs(o.ShearX.Lo), math.Abs(o.ShearX.Hi)) >= 89 || math.Max(math.Abs(o.ShearY.Lo), math.Abs(o.ShearY.Hi)) >= 89 {
					a.fail("shear", "want angles below 89 degrees")
				}
				o.Nearest, o.Border, o.Fill = a.interp2(), a.border(), a.fill()
				return o, nil
			}},
		"crop": {params: "size=N|HxW (required), pad=N, mode=constant|edge|reflect, fill=R,G,B", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				return RandomCrop{Size: a.size("size", true), Padding: a.intv("pad", 0, 0, maxPad), Border: a.border(), Fill: a.fill()}, nil
			}},
		"rcrop": {params: "size=N|HxW (required), scale=0.08-1 (area fraction), ratio=0.75-1.333 (width/height), interp=bilinear|nearest|catmullrom|lanczos", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				o := RandomResizedCrop{Size: a.size("size", true)}
				o.Scale = a.rng("scale", Range{}, rangePlain|rangePositive)
				if o.Scale.Hi > 1 {
					a.fail("scale", "want area fractions in (0, 1]")
				}
				o.Ratio = a.rng("ratio", Range{}, rangePlain|rangePositive)
				o.Filter = a.filter()
				return o, nil
			}},
		"ccrop": {params: "size=N|HxW (required), fill=R,G,B", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				return CenterCrop{Size: a.size("size", true), Fill: a.fill()}, nil
			}},
		"resize": {params: "size=N (shorter side) or HxW (exact; required), interp=bilinear|nearest|catmullrom|lanczos", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				raw, _ := a.get("size")
				z := a.size("size", true)
				o := Resize{Filter: a.filter()}
				if strings.ContainsAny(raw, "xX") {
					o.Size = z
				} else {
					o.Short = z.H
				}
				return o, nil
			}},
		"pad": {params: "px=N (all sides), l=, t=, r=, b= (per side), mode=constant|edge|reflect, fill=R,G,B", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				n := a.intv("px", 0, 0, maxPad)
				o := Pad{Left: a.intv("l", n, 0, maxPad), Top: a.intv("t", n, 0, maxPad), Right: a.intv("r", n, 0, maxPad), Bottom: a.intv("b", n, 0, maxPad)}
				o.Border, o.Fill = a.border(), a.fill()
				return o, nil
			}},
		"jitter": {params: "b=, c=, s= (factor drawn from max(0,1-x)..1+x, or a range A-B), h= (hue shift drawn from -x..x turns, x <= 0.5)", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				o := Jitter{Brightness: a.rng("b", Range{}, rangeFactor), Contrast: a.rng("c", Range{}, rangeFactor),
					Saturation: a.rng("s", Range{}, rangeFactor), Hue: a.rng("h", Range{}, rangeSym)}
				if o.Hue.Lo < -0.5 || o.Hue.Hi > 0.5 {
					a.fail("h", "want a hue shift within -0.5..0.5")
				}
				return o, nil
			}},
		"gray":     {defaultP: 1, build: func(a *args, _ []Op) (Op, error) { return Grayscale{}, nil }},
		"invert":   {defaultP: 1, build: func(a *args, _ []Op) (Op, error) { return Invert{}, nil }},
		"equalize": {defaultP: 1, build: func(a *args, _ []Op) (Op, error) { return Equalize{}, nil }},
		"gamma": {params: "g=G or A-B (exponent, required)", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				return Gamma{Gamma: a.rng("g", Range{}, rangePlain|rangePositive|rangeRequired)}, nil
			}},
		"blur": {params: "k=N (odd kernel size, required), sigma=0.1-2", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				k := a.intv("k", -1, 1, 99)
				if k == -1 {
					a.fail("k", "required (an odd kernel size such as 3, 5 or 9)")
				} else if k%2 == 0 {
					a.fail("k", "want an odd kernel size")
				}
				return GaussianBlur{Kernel: k, Sigma: a.rng("sigma", Range{0.1, 2}, rangePlain|rangePositive)}, nil
			}},
		"noise": {params: "std=0.1 or A-B (standard deviation as a fraction of the range)", defaultP: 1,
			build: func(a *args, _ []Op) (Op, error) {
				return Noise{Std: a.rng("std", Range{0.1, 0.1}, rangePlain|rangeNonNeg)}, nil
			}},
		"erase": {params: "scale=0.02-0.33, ratio=0.3-3.3, value=R,G,B|random", defaultP: 0.5,
			build: func(a *args, _ []Op) (Op, error) {
				o := Erase{Scale: a.rng("scale", Range{}, rangePlain|rangePositive), Ratio: a.rng("ratio", Range{}, rangePlain|rangePositive)}
				if o.Scale.Hi > 1 {
					a.fail("scale", "want area fractions in (0, 1]")
				}
				if v, ok := a.get("value"); ok && v == "random" {
					o.Random = true
				} else {
					o.Fill = a.color("value")
				}
				return o, nil
			}},
		"compose": {composite: true, defaultP: 1, build: func(a *args, kids []Op) (Op, error) { return Compose(kids), nil }},
		"apply":   {composite: true, defaultP: 0.5, build: func(a *args, kids []Op) (Op, error) { return Compose(kids), nil }},
		"oneof":   {composite: true, defaultP: 1, build: func(a *args, kids []Op) (Op, error) { return OneOf(kids), nil }},
		"order":   {composite: true, defaultP: 1, build: func(a *args, kids []Op) (Op, error) { return RandomOrder(kids), nil }},
	}
}

const maxPad = 4096
const maxSide = 1 << 14

func knownNames() string {
	names := make([]string, 0, len(defs)+2)
	for n := range defs {
		names = append(names, n)
	}
	names = append(names, "totensor", "normalize")
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Help describes every transform name and its parameters, one per line.
func Help() string {
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		d := defs[n]
		fmt.Fprintf(&b, "%-9s ", n)
		if d.composite {
			b.WriteString("[ops...] ")
		}
		if d.params != "" {
			b.WriteString(d.params + ", ")
		}
		fmt.Fprintf(&b, "p=%s\n", formatFloat(d.defaultP))
	}
	b.WriteString("totensor  (ends the policy: float32 CHW in [0,1])\n")
	b.WriteString("normalize mean=0.485,0.456,0.406 std=0.229,0.224,0.225 (ends the policy: to-tensor then (x-mean)/std)\n")
	return b.String()
}

func build(sp spec) (Op, error) {
	d, ok := defs[sp.name]
	if !ok {
		if sp.name == "totensor" || sp.name == "normalize" {
			return nil, policyErr("%s must come last, outside any composite", sp.name)
		}
		return nil, policyErr("unknown transform %q (known: %s)", sp.name, knownNames())
	}
	if sp.nested && !d.composite {
		return nil, policyErr("%s takes no [...] block (only compose, apply, oneof and order do)", sp.name)
	}
	if d.composite && !sp.nested {
		return nil, policyErr("%s needs a [...] block of transforms", sp.name)
	}
	var kids []Op
	for _, c := range sp.children {
		k, err := build(c)
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	a := newArgs(sp)
	p := a.float("p", d.defaultP)
	if p < 0 || p > 1 || math.IsNaN(p) {
		a.fail("p", "want a probability in 0..1")
	}
	op, err := d.build(a, kids)
	if err == nil {
		err = a.done()
	}
	if err != nil {
		return nil, err
	}
	if p != 1 || d.defaultP != 1 {
		op = RandomApply{P: p, Op: op}
	}
	return op, nil
}

// args reads key=value parameters, remembering the first problem.
type args struct {
	op   string
	kvs  []kv
	used map[string]bool
	err  error
}

func newArgs(sp spec) *args { return &args{op: sp.name, kvs: sp.args, used: map[string]bool{}} }

func (a *args) get(key string) (string, bool) {
	a.used[key] = true
	v, ok := "", false
	for _, p := range a.kvs {
		if p.key == key {
			v, ok = p.val, true
		}
	}
	return v, ok
}

func (a *args) fail(key, msg string) {
	if a.err == nil {
		v, _ := a.get(key)
		a.err = policyErr("%s: parameter %s=%q: %s", a.op, key, v, msg)
	}
}

// done reports the first problem, or an unknown or repeated parameter.
func (a *args) done() error {
	seen := map[string]bool{}
	for _, p := range a.kvs {
		if !a.used[p.key] {
			allowed := make([]string, 0, len(a.used))
			for k := range a.used {
				allowed = append(allowed, k)
			}
			sort.Strings(allowed)
			return policyErr("%s: unknown parameter %q (allowed: %s)", a.op, p.key, strings.Join(allowed, ", "))
		}
		if seen[p.key] {
			return policyErr("%s: parameter %q given twice", a.op, p.key)
		}
		seen[p.key] = true
	}
	return a.err
}

func parseNum(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

func (a *args) float(key string, def float64) float64 {
	v, ok := a.get(key)
	if !ok {
		return def
	}
	f, ok := parseNum(v)
	if !ok {
		a.fail(key, "want a number")
		return def
	}
	return f
}

func (a *args) intv(key string, def, lo, hi int) int {
	v, ok := a.get(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		a.fail(key, fmt.Sprintf("want a whole number in %d..%d", lo, hi))
		return def
	}
	return n
}

// Range flags.
const (
	rangePlain    = 0
	rangeSym      = 1 << iota // a single x means -x..x
	rangeFactor               // a single x means max(0,1-x)..1+x; 0 means off
	rangePositive             // values must be > 0
	rangeNonNeg               // values must be >= 0
	rangeRequired
)

// splitRange splits "a-b", "a..b" or "a,b" into two numbers, or reads a
// single number.
func splitRange(s string) (lo, hi float64, single, ok bool) {
	if v, ok := parseNum(s); ok {
		return v, v, true, true
	}
	for _, sep := range []string{"..", ","} {
		if l, r, found := strings.Cut(s, sep); found {
			a, ok1 := parseNum(l)
			b, ok2 := parseNum(r)
			return a, b, false, ok1 && ok2
		}
	}
	for i := 1; i < len(s); i++ {
		if s[i] == '-' && s[i-1] != 'e' && s[i-1] != 'E' {
			a, ok1 := parseNum(s[:i])
			b, ok2 := parseNum(s[i+1:])
			if ok1 && ok2 {
				return a, b, false, true
			}
		}
	}
	return 0, 0, false, false
}

func (a *args) rng(key string, def Range, flags int) Range {
	v, ok := a.get(key)
	if !ok {
		if flags&rangeRequired != 0 {
			a.fail(key, "required")
		}
		return def
	}
	lo, hi, single, ok := splitRange(v)
	if !ok {
		a.fail(key, "want a number or a range like 0.5-1.5")
		return def
	}
	if single {
		switch {
		case flags&rangeSym != 0:
			if lo < 0 {
				a.fail(key, "want a non-negative number (the range is -x..x) or an explicit range A-B")
				return def
			}
			lo, hi = -lo, lo
		case flags&rangeFactor != 0:
			if lo < 0 {
				a.fail(key, "want a non-negative strength (the factor range is max(0,1-x)..1+x) or an explicit range A-B")
				return def
			}
			if lo == 0 {
				return Range{}
			}
			lo, hi = math.Max(0, 1-lo), 1+lo
		}
	}
	if lo > hi {
		a.fail(key, "want a range with low <= high")
		return def
	}
	if flags&rangePositive != 0 && lo <= 0 {
		a.fail(key, "want values > 0")
		return def
	}
	if (flags&rangeNonNeg != 0 || flags&rangeFactor != 0) && lo < 0 {
		a.fail(key, "want values >= 0")
		return def
	}
	if math.Abs(lo) > 1e6 || math.Abs(hi) > 1e6 {
		a.fail(key, "value out of range")
		return def
	}
	return Range{lo, hi}
}

func (a *args) floats(key string, minN, maxN int, def []float64) []float64 {
	v, ok := a.get(key)
	if !ok {
		return def
	}
	parts := strings.Split(v, ",")
	if len(parts) < minN || len(parts) > maxN {
		a.fail(key, fmt.Sprintf("want %d to %d comma-separated numbers", minN, maxN))
		return def
	}
	out := make([]float64, len(parts))
	for i, p := range parts {
		f, ok := parseNum(p)
		if !ok {
			a.fail(key, "want comma-separated numbers")
			return def
		}
		out[i] = f
	}
	return out
}

func (a *args) triple(key string, def [3]float32, positive bool) [3]float32 {
	f := a.floats(key, 1, 3, nil)
	if f == nil {
		return def
	}
	if len(f) == 2 {
		a.fail(key, "want 1 or 3 numbers")
		return def
	}
	var out [3]float32
	for i := range out {
		out[i] = float32(f[min(i, len(f)-1)])
		if positive && out[i] <= 0 {
			a.fail(key, "want values > 0")
			return def
		}
	}
	return out
}

func (a *args) size(key string, required bool) Size {
	v, ok := a.get(key)
	if !ok {
		if required {
			a.fail(key, "required (N or HxW)")
		}
		return Size{}
	}
	hs, ws, two := strings.Cut(strings.ToLower(v), "x")
	h, err1 := strconv.Atoi(hs)
	w, err2 := h, error(nil)
	if two {
		w, err2 = strconv.Atoi(ws)
	}
	if err1 != nil || err2 != nil || h <= 0 || w <= 0 || h > maxSide || w > maxSide {
		a.fail(key, fmt.Sprintf("want N or HxW with sides in 1..%d", maxSide))
		return Size{1, 1}
	}
	return Size{H: h, W: w}
}

func (a *args) border() Border {
	v, ok := a.get("mode")
	if !ok {
		return BorderConstant
	}
	for i, n := range borderNames {
		if v == n {
			return Border(i)
		}
	}
	a.fail("mode", "want constant, edge or reflect")
	return BorderConstant
}

func (a *args) filter() Filter {
	v, ok := a.get("interp")
	if !ok {
		return Bilinear
	}
	if v == "bicubic" {
		return CatmullRom
	}
	for i, n := range filterNames {
		if v == n {
			return Filter(i)
		}
	}
	a.fail("interp", "want bilinear, nearest, catmullrom (bicubic) or lanczos")
	return Bilinear
}

func (a *args) interp2() bool {
	v, ok := a.get("interp")
	if !ok || v == "bilinear" {
		return false
	}
	if v == "nearest" {
		return true
	}
	a.fail("interp", "want bilinear or nearest")
	return false
}

func (a *args) fill() color.NRGBA { return a.color("fill") }

func (a *args) color(key string) color.NRGBA {
	v, ok := a.get(key)
	if !ok {
		return color.NRGBA{A: 255}
	}
	parts := strings.Split(v, ",")
	if len(parts) != 1 && len(parts) != 3 && len(parts) != 4 {
		a.fail(key, "want V, R,G,B or R,G,B,A with values in 0..255")
		return color.NRGBA{A: 255}
	}
	var c [4]uint8
	c[3] = 255
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			a.fail(key, "want V, R,G,B or R,G,B,A with values in 0..255")
			return color.NRGBA{A: 255}
		}
		c[i] = uint8(n)
	}
	if len(parts) == 1 {
		c[1], c[2] = c[0], c[0]
	}
	return color.NRGBA{c[0], c[1], c[2], c[3]}
}
