package augment

import (
	"strconv"
	"strings"
)

// Param is one parameter drawn (or used) by an applied transform.
type Param struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Step records one applied transform and the parameters it drew.
type Step struct {
	Op     string  `json:"op"`
	Params []Param `json:"params,omitempty"`
}

// Trace is the chain of transforms applied to one sample, in order.
// Transforms skipped by a probability do not appear.
type Trace []Step

// String formats a step as "name k=v k=v".
func (s Step) String() string {
	var b strings.Builder
	b.WriteString(s.Op)
	for _, p := range s.Params {
		b.WriteByte(' ')
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(formatFloat(p.Value))
	}
	return b.String()
}

// String formats the chain as "step; step; ...", the same shape as the
// policy text form. An empty trace prints as "".
func (t Trace) String() string {
	parts := make([]string, len(t))
	for i, s := range t {
		parts[i] = s.String()
	}
	return strings.Join(parts, "; ")
}

func formatFloat(v float64) string {
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}
