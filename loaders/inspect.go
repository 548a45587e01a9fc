package loaders

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// InspectOptions configures Inspect. The zero value (or nil) means defaults.
type InspectOptions struct {
	// Quick reads only image headers; corrupt image data past a valid
	// header then goes unnoticed.
	Quick bool
	// MaxPixels bounds the pixels of one image (default DefaultMaxPixels).
	MaxPixels int
	// Workers is the number of goroutines reading and decoding (default 1).
	Workers int
	// Progress, if not nil, is called periodically with the samples read
	// and the total (-1 when unknown).
	Progress func(done, total int)
}

// SizeCount is the number of images of one shape.
type SizeCount struct {
	Height, Width, Channels int
	Count                   int
}

// Report is the result of Inspect.
type Report struct {
	Info        Info
	Count       int            // readable samples
	Splits      []SplitInfo    // readable samples per split, in order of appearance
	ClassCounts []int          // readable samples per label
	Formats     map[string]int // readable samples per format
	Sizes       []SizeCount    // by decreasing count (at most 4096 distinct sizes are tracked)
	OtherSizes  int            // images whose size was not tracked (beyond 4096 distinct sizes)
	// MinHeight etc. are the extremes of the image sizes.
	MinHeight, MaxHeight, MinWidth, MaxWidth int
	Unreadable                               int            // samples that could not be read
	Errors                                   []*SampleError // the first unreadable samples' errors
}

// Inspect reads the whole view and reports its size, class and image-size
// distributions and unreadable samples. Bad samples are counted, not fatal;
// errors in a whole file are returned.
func Inspect(ctx context.Context, d *Dataset, opts *InspectOptions) (*Report, error) {
	var o InspectOptions
	if opts != nil {
		o = *opts
	}
	info := d.Info()
	r := &Report{Info: info, Formats: map[string]int{}, ClassCounts: make([]int, len(info.Classes))}
	skips := &SkipLog{}
	sizes := map[[3]int]int{}
	splitIdx := map[string]int{}
	ro := &ReadOptions{OnError: Skip, Skips: skips, Verify: !o.Quick, MaxPixels: o.MaxPixels, Workers: o.Workers}
	n := 0
	for s, err := range d.Samples(ctx, ro) {
		if err != nil {
			return nil, err
		}
		n++
		r.Count++
		if s.Label >= 0 && (int(s.Label) < len(r.ClassCounts) || s.Label < MaxClasses) {
			for int(s.Label) >= len(r.ClassCounts) {
				r.ClassCounts = append(r.ClassCounts, 0)
			}
			r.ClassCounts[s.Label]++
		}
		r.Formats[s.Format]++
		if k := [3]int{s.Height, s.Width, s.Channels}; sizes[k] > 0 || len(sizes) < maxSizes {
			sizes[k]++
		} else {
			r.OtherSizes++
		}
		if r.Count == 1 {
			r.MinHeight, r.MaxHeight, r.MinWidth, r.MaxWidth = s.Height, s.Height, s.Width, s.Width
		}
		r.MinHeight, r.MaxHeight = min(r.MinHeight, s.Height), max(r.MaxHeight, s.Height)
		r.MinWidth, r.MaxWidth = min(r.MinWidth, s.Width), max(r.MaxWidth, s.Width)
		if s.Split != "" || len(r.Splits) > 0 {
			k, ok := splitIdx[s.Split]
			if !ok {
				k = len(r.Splits)
				splitIdx[s.Split] = k
				r.Splits = append(r.Splits, SplitInfo{Name: s.Split})
			}
			r.Splits[k].Count++
		}
		if o.Progress != nil && n%256 == 0 {
			o.Progress(n+skips.Count(), info.Count)
		}
	}
	if o.Progress != nil {
		o.Progress(n+skips.Count(), info.Count)
	}
	for k, c := range sizes {
		r.Sizes = append(r.Sizes, SizeCount{Height: k[0], Width: k[1], Channels: k[2], Count: c})
	}
	sort.Slice(r.Sizes, func(a, b int) bool {
		x, y := r.Sizes[a], r.Sizes[b]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Height*x.Width < y.Height*y.Width || (x.Height*x.Width == y.Height*y.Width && x.Height < y.Height)
	})
	r.Unreadable, r.Errors = skips.Count(), skips.Errors()
	return r, nil
}

// maxSizes bounds the distinct image sizes Inspect tracks.
const maxSizes = 4096

// maxListed bounds the sizes and errors WriteText prints.
const maxListed = 20

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "path:     %s\n", r.Info.Path)
	fmt.Fprintf(&b, "format:   %s\n", r.Info.Format)
	fmt.Fprintf(&b, "images:   %d readable", r.Count)
	if r.Unreadable > 0 {
		fmt.Fprintf(&b, ", %d unreadable", r.Unreadable)
	}
	b.WriteString("\n")
	if len(r.Splits) > 0 {
		b.WriteString("splits:\n")
		for _, s := range r.Splits {
			name := s.Name
			if name == "" {
				name = "(none)"
			}
			fmt.Fprintf(&b, "  %-12s %8d\n", name, s.Count)
		}
	}
	fmt.Fprintf(&b, "classes:  %d\n", len(r.ClassCounts))
	width := 5
	for i := range r.ClassCounts {
		width = max(width, len(ClassName(r.Info.Classes, int32(i))))
	}
	for i, c := range r.ClassCounts {
		pct := 0.0
		if r.Count > 0 {
			pct = 100 * float64(c) / float64(r.Count)
		}
		fmt.Fprintf(&b, "  %3d %-*s %8d  %5.1f%%\n", i, width, ClassName(r.Info.Classes, int32(i)), c, pct)
	}
	if len(r.Formats) > 0 {
		var fs []string
		for f, c := range r.Formats {
			fs = append(fs, fmt.Sprintf("%s %d", f, c))
		}
		sort.Strings(fs)
		fmt.Fprintf(&b, "formats:  %s\n", strings.Join(fs, ", "))
	}
	if r.Count > 0 {
		fmt.Fprintf(&b, "sizes:    %d distinct (height x width x channels); height %d..%d, width %d..%d\n",
			len(r.Sizes), r.MinHeight, r.MaxHeight, r.MinWidth, r.MaxWidth)
		if r.OtherSizes > 0 {
			fmt.Fprintf(&b, "  (%d images of further sizes not tallied)\n", r.OtherSizes)
		}
		for i, s := range r.Sizes {
			if i == maxListed {
				fmt.Fprintf(&b, "  ... %d more\n", len(r.Sizes)-maxListed)
				break
			}
			fmt.Fprintf(&b, "  %5d x %-5d x %d %8d\n", s.Height, s.Width, s.Channels, s.Count)
		}
	}
	if r.Info.Ignored > 0 {
		fmt.Fprintf(&b, "ignored:  %d files (no image extension, or outside the class directories):", r.Info.Ignored)
		for _, f := range r.Info.IgnoredFiles {
			fmt.Fprintf(&b, " %s", f)
		}
		if r.Info.Ignored > len(r.Info.IgnoredFiles) {
			b.WriteString(" ...")
		}
		b.WriteString("\n")
	}
	if r.Unreadable > 0 {
		fmt.Fprintf(&b, "unreadable: %d\n", r.Unreadable)
		for i, e := range r.Errors {
			if i == maxListed {
				fmt.Fprintf(&b, "  ... %d more\n", r.Unreadable-maxListed)
				break
			}
			fmt.Fprintf(&b, "  %v\n", e)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
