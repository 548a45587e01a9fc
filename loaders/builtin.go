package loaders

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
)

// Defaults of the built-in shapes dataset as opened by name.
const (
	DefaultShapesCount = 2000
	DefaultShapesSeed  = 1
)

// isShapesName reports whether path names the built-in shapes dataset:
// "shapes" or "builtin:shapes", optionally followed by "?n=COUNT&seed=SEED".
func isShapesName(path string) bool {
	p, _, _ := strings.Cut(strings.ToLower(path), "?")
	return p == "shapes" || p == "builtin:shapes"
}

// shapesSource serves the built-in shapes dataset (see ShapesImage) as raw
// 120x60 grayscale samples, generated on demand.
type shapesSource struct {
	info Info
	seed int64
}

var (
	_ IndexedSource = (*shapesSource)(nil)
	_ Labeler       = (*shapesSource)(nil)
)

// openShapes opens the built-in shapes dataset named by path.
func openShapes(path string, cfg *Config) (Source, error) {
	n, seed := DefaultShapesCount, int64(DefaultShapesSeed)
	if _, q, ok := strings.Cut(path, "?"); ok {
		vals, err := url.ParseQuery(q)
		if err != nil {
			return nil, fmt.Errorf("loaders: %s: %v", path, err)
		}
		for k, v := range vals {
			x, err := strconv.ParseInt(v[len(v)-1], 10, 64)
			switch {
			case err != nil:
				return nil, fmt.Errorf("loaders: %s: %s=%q is not an integer", path, k, v[len(v)-1])
			case k == "n" && x > 0 && x <= 1<<31-1:
				n = int(x)
			case k == "seed":
				seed = x
			default:
				return nil, fmt.Errorf("loaders: %s: unknown or out-of-range parameter %s=%d (want n>0, seed)", path, k, x)
			}
		}
	}
	return NewShapesSource(n, seed), nil
}

// NewShapesSource returns the built-in shapes dataset of n images generated
// from seed, as a Source for NewDataset. Open("shapes?n=N&seed=S") gives
// the same samples.
func NewShapesSource(n int, seed int64) IndexedSource {
	return &shapesSource{seed: seed, info: Info{Format: "shapes", Path: "builtin:shapes?n=" + strconv.Itoa(n) + "&seed=" + strconv.FormatInt(seed, 10),
		Classes: ShapesClasses, Count: n}}
}

func (s *shapesSource) Info() Info   { return s.info }
func (s *shapesSource) Close() error { return nil }
func (s *shapesSource) Len() int     { return s.info.Count }

func (s *shapesSource) Sample(i int) (Sample, error) {
	if i < 0 || i >= s.info.Count {
		return Sample{}, fmt.Errorf("loaders: %s: sample %d out of range [0,%d)", s.info.Path, i, s.info.Count)
	}
	img, label := ShapesImage(s.seed, i)
	return Sample{
		Index: i, Path: "shapes#" + strconv.Itoa(i), Label: int32(label), Class: ShapesClasses[label],
		Format: FormatRaw, Data: img.Pix, Height: ShapesHeight, Width: ShapesWidth, Channels: 1,
		file: s.info.Path,
	}, nil
}

func (s *shapesSource) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return indexedSamples(ctx, s)
}

func (s *shapesSource) Labels(context.Context) ([]int32, error) {
	l := make([]int32, s.info.Count)
	for i := range l {
		l[i] = int32(ShapesLabel(s.seed, i))
	}
	return l, nil
}
