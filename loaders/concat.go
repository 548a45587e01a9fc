package loaders

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
)

// part is one named split of a multi-split source.
type part struct {
	name string
	src  IndexedSource
}

// concatSource joins indexed sources, one per split, into one indexed
// source whose samples carry their split name.
type concatSource struct {
	info  Info
	parts []part
	offs  []int // offs[k] is the index of part k's first sample
}

var (
	_ IndexedSource = (*concatSource)(nil)
	_ Labeler       = (*concatSource)(nil)
	_ Splitter      = (*concatSource)(nil)
)

// newConcat joins parts; with a single part it returns that part.
// The class list is the longest of the parts' (they agree on a prefix).
func newConcat(format, path string, parts []part) (IndexedSource, error) {
	if len(parts) == 1 && parts[0].name == "" {
		return parts[0].src, nil
	}
	c := &concatSource{parts: parts, info: Info{Format: format, Path: path}}
	n := 0
	for _, p := range parts {
		pi := p.src.Info()
		if len(pi.Classes) > len(c.info.Classes) {
			c.info.Classes = pi.Classes
		}
		c.info.Encoded = pi.Encoded
		c.offs = append(c.offs, n)
		n += p.src.Len()
		c.info.Splits = append(c.info.Splits, SplitInfo{Name: p.name, Count: p.src.Len()})
	}
	c.info.Count = n
	for _, p := range parts {
		if s, ok := p.src.(interface{ setClasses([]string) }); ok {
			s.setClasses(c.info.Classes)
		}
	}
	return c, nil
}

func (c *concatSource) Info() Info { return c.info }
func (c *concatSource) Len() int   { return c.info.Count }

func (c *concatSource) Close() error {
	var errs []error
	for _, p := range c.parts {
		errs = append(errs, p.src.Close())
	}
	return errors.Join(errs...)
}

func (c *concatSource) locate(i int) (int, int) {
	k := sort.Search(len(c.offs), func(k int) bool { return c.offs[k] > i }) - 1
	return k, i - c.offs[k]
}

func (c *concatSource) fix(k int, s Sample, err error) (Sample, error) {
	if err != nil {
		var se *SampleError
		if errors.As(err, &se) && se.Index >= 0 {
			e := *se
			e.Index += c.offs[k]
			return s, &e
		}
		return s, err
	}
	s.Index += c.offs[k]
	s.Split = c.parts[k].name
	s.Class = ClassName(c.info.Classes, s.Label)
	return s, nil
}

func (c *concatSource) Sample(i int) (Sample, error) {
	if i < 0 || i >= c.info.Count {
		return Sample{}, fmt.Errorf("loaders: %s: sample %d out of range [0,%d)", c.info.Path, i, c.info.Count)
	}
	k, j := c.locate(i)
	s, err := c.parts[k].src.Sample(j)
	return c.fix(k, s, err)
}

func (c *concatSource) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		for k, p := range c.parts {
			for s, err := range p.src.Samples(ctx) {
				s, err = c.fix(k, s, err)
				if !yield(s, err) {
					return
				}
				if err != nil && !isSampleErr(err) {
					return
				}
			}
		}
	}
}

func (c *concatSource) Labels(ctx context.Context) ([]int32, error) {
	all := make([]int32, 0, c.info.Count)
	for _, p := range c.parts {
		if lb, ok := p.src.(Labeler); ok {
			l, err := lb.Labels(ctx)
			if err != nil {
				return nil, err
			}
			all = append(all, l...)
			continue
		}
		for s, err := range p.src.Samples(ctx) {
			if err != nil {
				return nil, err
			}
			all = append(all, s.Label)
		}
	}
	return all, nil
}

func (c *concatSource) SplitSource(name string) (Source, error) {
	for _, p := range c.parts {
		if p.name == name {
			return p.src, nil
		}
	}
	return nil, fmt.Errorf("loaders: %s: %w %q (have %v)", c.info.Path, ErrNoSplit, name, splitNames(c.info.Splits))
}
