package expand

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"path"
	"strings"
	"time"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// Config configures the job and the per-output function. The zero value
// (or nil) means defaults: one copy, seed 0, no augmentation, PNG at zlib
// BestSpeed. It holds only plain values so that it can travel to
// remote workers (as JSON) and be compiled there with [NewRenderer].
type Config struct {
	// Ops is the augmentation policy in its text form (see augment.Parse).
	// It must not end in a tensor stage (totensor, normalize).
	Ops string `json:"ops"`
	// Copies is the number of variants written per image (default 1).
	Copies int `json:"copies"`
	// Seed seeds the per-sample randomness.
	Seed uint64 `json:"seed"`
	// Format is the output format, "png" (default) or "jpeg".
	Format string `json:"format"`
	// Quality is the JPEG quality, 1-100 (default 90).
	Quality int `json:"quality"`
	// PNGLevel is the PNG compression. Encoding dominates the job's time.
	// Measured on a 224x224 photo-like RGB image: "fast" (the default:
	// Paeth filter, klauspost zlib BestSpeed) 65 KB in ~3.5 ms; "default"
	// (image/png's default level) 63 KB, ~10x slower; "best" (Paeth,
	// zlib level 9) 60 KB, ~30x slower; "none" (stored) 151 KB, ~4x
	// faster.
	PNGLevel string `json:"png_level"`
	// KeepOriginals also writes each input, unchanged, beside its copies.
	KeepOriginals bool `json:"keep_originals"`
	// MaxPixels bounds the pixels of one input (default
	// loaders.DefaultMaxPixels).
	MaxPixels int `json:"max_pixels"`
}

// OriginalCopy is the copy index of an unchanged original written with
// KeepOriginals.
const OriginalCopy = -1

// ErrConfig is wrapped by errors about a Config's values.
var ErrConfig = errors.New("expand: invalid configuration")

// withDefaults returns a checked copy of c with defaults filled in.
func (c *Config) withDefaults() (Config, error) {
	var o Config
	if c != nil {
		o = *c
	}
	if o.Copies == 0 {
		o.Copies = 1
	}
	if o.Copies < 0 || o.Copies > 1_000_000 {
		return o, fmt.Errorf("%w: copies %d: want 1..1000000", ErrConfig, o.Copies)
	}
	switch o.Format {
	case "", "png":
		o.Format = "png"
	case "jpeg", "jpg":
		o.Format = "jpeg"
	default:
		return o, fmt.Errorf("%w: format %q: want png or jpeg", ErrConfig, o.Format)
	}
	if o.Quality == 0 {
		o.Quality = 90
	}
	if o.Quality < 1 || o.Quality > 100 {
		return o, fmt.Errorf("%w: quality %d: want 1..100", ErrConfig, o.Quality)
	}
	switch o.PNGLevel {
	case "":
		o.PNGLevel = "fast"
	case "fast", "default", "best", "none":
	default:
		return o, fmt.Errorf("%w: png level %q: want fast, default, best or none", ErrConfig, o.PNGLevel)
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = loaders.DefaultMaxPixels
	}
	return o, nil
}

func (c *Config) ext() string {
	if c.Format == "jpeg" {
		return ".jpg"
	}
	return ".png"
}

// Row is one manifest row: one output file and where it came from.
type Row struct {
	// Output is the file's path relative to DST, slash-separated.
	Output string `json:"output"`
	// Source is the input's path relative to the dataset root.
	Source string `json:"source"`
	// Index is the input's index in its source (loaders.Sample.Index).
	Index int64 `json:"index"`
	// Label and Class are the input's label, unchanged by augmentation.
	Label int32  `json:"label"`
	Class string `json:"class"`
	// Split is the input's split, or "".
	Split string `json:"split"`
	// Copy is the copy index, or OriginalCopy.
	Copy int32 `json:"copy"`
	// Seed is augment.SampleSeed(Config.Seed, Copy, Index), the key of the
	// output's random stream (0 for originals).
	Seed uint64 `json:"seed"`
	// Params is the chain of transforms applied with the parameters they
	// drew, in the policy text form ("original" for originals).
	Params string `json:"params"`
}

// Output is one rendered file.
type Output struct {
	// Path is the file's path relative to DST, slash-separated.
	Path string
	// Data is the encoded file.
	Data []byte
	// Row is the output's manifest row.
	Row Row
}

// Timings accumulates the time spent in each phase of rendering.
type Timings struct {
	Decode, Transform, Encode, Write time.Duration
}

func (t *Timings) add(o Timings) {
	t.Decode += o.Decode
	t.Transform += o.Transform
	t.Encode += o.Encode
	t.Write += o.Write
}

// Renderer computes outputs, reusing its buffers between calls. It is
// not safe for concurrent use: give each worker its own.
type Renderer struct {
	cfg    Config
	policy *augment.Policy
	state  *augment.State
	png    *pngWriter
	buf    bytes.Buffer
	// decoded caches the last decoded sample, so that the copies of one
	// sample decode it once.
	decoded     *image.NRGBA
	decodedGray bool
	decodedKey  string
	// Timings accumulates the time spent by this Renderer.
	Timings Timings
}

// NewRenderer checks cfg and compiles its policy.
func NewRenderer(cfg *Config) (*Renderer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	pol, err := augment.Parse(c.Ops)
	if err != nil {
		return nil, fmt.Errorf("expand: ops: %w", err)
	}
	if pol.Tensor != nil {
		return nil, fmt.Errorf("%w: ops: %q produces a tensor, not an image to write (drop totensor/normalize)", ErrConfig, pol.Tensor.String())
	}
	r := &Renderer{cfg: c, policy: pol, state: augment.NewState(0, 0, 0), png: newPNGWriter(c.PNGLevel)}
	return r, nil
}

// Config returns the renderer's configuration with defaults filled in.
func (r *Renderer) Config() Config { return r.cfg }

// Policy returns the compiled augmentation policy.
func (r *Renderer) Policy() *augment.Policy { return r.policy }

// Render computes the copy-th output of sample s (copy in [0, Copies), or
// OriginalCopy with KeepOriginals). It is a pure function of the sample,
// the copy index and cfg: every call with equal arguments returns the same
// path and the same bytes.
func Render(s *loaders.Sample, copy int, cfg *Config) (Output, error) {
	r, err := NewRenderer(cfg)
	if err != nil {
		return Output{}, err
	}
	return r.Render(s, copy)
}

// Render is the buffer-reusing form of the package-level [Render]. The
// returned Data is valid until the next call.
func (r *Renderer) Render(s *loaders.Sample, copy int) (Output, error) {
	row := Row{Output: OutputPath(s, copy, &r.cfg), Source: s.Path, Index: int64(s.Index), Label: s.Label,
		Class: s.Class, Split: s.Split, Copy: int32(copy)}
	if copy == OriginalCopy && s.Format != loaders.FormatRaw {
		row.Params = "original"
		return Output{Path: row.Output, Data: s.Data, Row: row}, nil
	}
	if copy < OriginalCopy || copy >= r.cfg.Copies {
		return Output{}, fmt.Errorf("%w: copy %d of %d", ErrConfig, copy, r.cfg.Copies)
	}
	img, gray, err := r.decode(s)
	if err != nil {
		return Output{}, err
	}
	t0 := time.Now()
	out := img
	if copy == OriginalCopy {
		row.Params = "original"
	} else {
		row.Seed = augment.SampleSeed(r.cfg.Seed, uint64(copy), uint64(s.Index))
		r.state.Rand.Seed(row.Seed)
		r.state.Trace = r.state.Trace[:0]
		out = r.policy.Apply(img, r.state)
		row.Params = r.state.Trace.String()
	}
	t1 := time.Now()
	data, err := r.encode(out, gray)
	if out != img {
		r.state.Release(out)
	}
	if err != nil {
		return Output{}, &loaders.SampleError{Path: s.File(), Index: s.Index, Err: fmt.Errorf("encode %s: %w", row.Output, err)}
	}
	r.Timings.Transform += t1.Sub(t0)
	r.Timings.Encode += time.Since(t1)
	return Output{Path: row.Output, Data: data, Row: row}, nil
}

// Params returns the manifest row of the copy-th output of s without
// encoding it (the transforms still run, since the parameters they draw
// depend on the image). Resumed runs use it for outputs already on disk.
func (r *Renderer) Params(s *loaders.Sample, copy int) (Row, error) {
	row := Row{Output: OutputPath(s, copy, &r.cfg), Source: s.Path, Index: int64(s.Index), Label: s.Label,
		Class: s.Class, Split: s.Split, Copy: int32(copy)}
	if copy == OriginalCopy {
		row.Params = "original"
		return row, nil
	}
	img, _, err := r.decode(s)
	if err != nil {
		return Row{}, err
	}
	t0 := time.Now()
	row.Seed = augment.SampleSeed(r.cfg.Seed, uint64(copy), uint64(s.Index))
	r.state.Rand.Seed(row.Seed)
	r.state.Trace = r.state.Trace[:0]
	out := r.policy.Apply(img, r.state)
	if out != img {
		r.state.Release(out)
	}
	row.Params = r.state.Trace.String()
	r.Timings.Transform += time.Since(t0)
	return row, nil
}

// decode returns the sample's pixels as NRGBA (not owned by the state, so
// the transforms never modify it), decoding only when s differs from the
// previous call's sample.
func (r *Renderer) decode(s *loaders.Sample) (*image.NRGBA, bool, error) {
	key := fmt.Sprintf("%d\x00%s\x00%d\x00%p", s.Index, s.Path, len(s.Data), s.Data)
	if r.decoded != nil && key == r.decodedKey {
		return r.decoded, r.decodedGray, nil
	}
	t0 := time.Now()
	img, err := s.Image(r.cfg.MaxPixels)
	if err != nil {
		return nil, false, err
	}
	_, gray := img.(*image.Gray)
	// A private copy: a State-owned buffer would be recycled by the ops.
	tmp := augment.NewState(0, 0, 0)
	r.decoded = augment.ToNRGBA(img, tmp)
	r.decodedGray = gray
	r.decodedKey = key
	r.Timings.Decode += time.Since(t0)
	return r.decoded, gray, nil
}

func (r *Renderer) encode(img *image.NRGBA, srcGray bool) ([]byte, error) {
	r.buf.Reset()
	var m image.Image = img
	if srcGray && isGray(img) {
		m = toGray(img)
	}
	if r.cfg.Format == "jpeg" {
		if g, ok := m.(*image.Gray); ok {
			m = g
		} else {
			// JPEG has no alpha; the RGBA view lets the encoder take its
			// fast path (R, G and B are read as they are).
			m = &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
		}
		if err := jpeg.Encode(&r.buf, m, &jpeg.Options{Quality: r.cfg.Quality}); err != nil {
			return nil, err
		}
		return r.buf.Bytes(), nil
	}
	if r.cfg.PNGLevel == "default" {
		// image/png's default level (adaptive filters, zlib level 6)
		// compresses this kind of data better than klauspost's level 6.
		if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&r.buf, m); err != nil {
			return nil, err
		}
		return r.buf.Bytes(), nil
	}
	if err := r.png.encode(&r.buf, m); err != nil {
		return nil, err
	}
	return r.buf.Bytes(), nil
}

func isGray(img *image.NRGBA) bool {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for i := 0; i+3 < len(row); i += 4 {
			if row[i] != row[i+1] || row[i] != row[i+2] || row[i+3] != 255 {
				return false
			}
		}
	}
	return true
}

func toGray(img *image.NRGBA) *image.Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		dst := g.Pix[y*g.Stride : y*g.Stride+w]
		for x := range dst {
			dst[x] = row[4*x]
		}
	}
	return g
}

// OutputPath returns the slash-separated path, relative to DST, of the
// copy-th output of s. Inputs of a class folder keep their directories
// ("train/cat/001.png" -> "train/cat/001_000.png", copy 0, PNG); other
// inputs (manifests, IDX, CIFAR, Arrow, Parquet) go to
// "[split/]class/stem-index_copy.ext". Originals keep their name (and,
// when encoded, their extension). Names do not depend on Copies.
func OutputPath(s *loaders.Sample, copy int, cfg *Config) string {
	c, err := cfg.withDefaults()
	if err != nil {
		c = Config{Format: "png"}
	}
	dir, stem, ext := "", "", c.ext()
	p := s.Path
	if mirrorable(s) {
		dir, stem = path.Dir(p), strings.TrimSuffix(path.Base(p), path.Ext(p))
		if dir == "." {
			dir = ""
		}
	} else {
		dir = safeName(s.Class)
		if s.Split != "" {
			dir = safeName(s.Split) + "/" + dir
		}
		base := path.Base(strings.ReplaceAll(p, "\\", "/"))
		if i := strings.IndexByte(base, '#'); i >= 0 {
			base = base[:i]
		}
		stem = fmt.Sprintf("%s-%d", safeName(strings.TrimSuffix(base, path.Ext(base))), s.Index)
	}
	name := ""
	if copy == OriginalCopy {
		name = stem
		if s.Format != loaders.FormatRaw {
			if e := path.Ext(p); e != "" && !strings.ContainsAny(e, "#") {
				ext = e
			}
		}
	} else {
		name = fmt.Sprintf("%s_%03d", stem, copy)
	}
	if dir == "" {
		return name + ext
	}
	return dir + "/" + name + ext
}

// mirrorable reports whether s comes from a class folder: a clean relative
// path whose directories are [split/]class/....
func mirrorable(s *loaders.Sample) bool {
	p := s.Path
	if p == "" || strings.ContainsAny(p, "#\\") || path.IsAbs(p) || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." {
		return false
	}
	parts := strings.Split(p, "/")
	if s.Split != "" {
		if len(parts) < 3 || parts[0] != s.Split {
			return false
		}
		parts = parts[1:]
	}
	return len(parts) >= 2 && parts[0] == s.Class
}

// safeName makes s usable as one path element.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '/' || c == '\\' || c == 0 || c == ':' || c < ' ' {
			b[i] = '_'
		}
	}
	out := string(b)
	if out == "" || out == "." || out == ".." {
		return "_" + out
	}
	return out
}
