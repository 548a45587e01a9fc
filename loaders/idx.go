package loaders

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// idxImagesRE matches IDX images file names such as
// train-images-idx3-ubyte.gz or t10k-images.idx3-ubyte.
var idxImagesRE = regexp.MustCompile(`^(.*)-images[-.]idx[34]-ubyte(\.gz)?$`)

// IDXHeader is the parsed header of an IDX file.
type IDXHeader struct {
	Type byte  // element type code; 0x08 is unsigned byte
	Dims []int // dimension sizes, the first is the item count
}

// headerSize returns the header length in bytes.
func (h IDXHeader) headerSize() int64 { return 4 + 4*int64(len(h.Dims)) }

// itemSize returns the number of elements of one item.
func (h IDXHeader) itemSize() int64 {
	n := int64(1)
	for _, d := range h.Dims[1:] {
		n *= int64(d)
	}
	return n
}

// ReadIDXHeader parses an IDX header: two zero bytes, the type code, the
// number of dimensions, then one big-endian uint32 per dimension.
func ReadIDXHeader(r io.Reader) (IDXHeader, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return IDXHeader{}, fmt.Errorf("%w: header: %v", ErrTruncated, err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return IDXHeader{}, fmt.Errorf("%w: %#08x is not an IDX magic number", ErrBadMagic, binary.BigEndian.Uint32(magic[:]))
	}
	h := IDXHeader{Type: magic[2]}
	nd := int(magic[3])
	if nd < 1 || nd > 4 {
		return IDXHeader{}, fmt.Errorf("%w: IDX with %d dimensions", ErrBadMagic, nd)
	}
	dims := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, dims); err != nil {
		return IDXHeader{}, fmt.Errorf("%w: header: %v", ErrTruncated, err)
	}
	for i := 0; i < nd; i++ {
		d := binary.BigEndian.Uint32(dims[4*i:])
		if d > 1<<30 {
			return IDXHeader{}, fmt.Errorf("%w: dimension %d is %d", ErrCorrupt, i, d)
		}
		h.Dims = append(h.Dims, int(d))
	}
	return h, nil
}

// checkImages validates an images header.
func (h IDXHeader) checkImages(maxPixels int) (height, width, channels int, err error) {
	if h.Type != 0x08 {
		return 0, 0, 0, fmt.Errorf("%w: element type %#02x, want 0x08 (unsigned byte)", ErrBadMagic, h.Type)
	}
	switch len(h.Dims) {
	case 3:
		height, width, channels = h.Dims[1], h.Dims[2], 1
	case 4:
		height, width, channels = h.Dims[1], h.Dims[2], h.Dims[3]
	default:
		return 0, 0, 0, fmt.Errorf("%w: images file with %d dimensions, want 3 or 4", ErrBadMagic, len(h.Dims))
	}
	if height <= 0 || width <= 0 || (channels != 1 && channels != 3) {
		return 0, 0, 0, fmt.Errorf("%w: image shape %dx%dx%d", ErrCorrupt, height, width, channels)
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if int64(height)*int64(width) > int64(maxPixels) {
		return 0, 0, 0, fmt.Errorf("%w: header claims %d x %d pixels, limit is %d pixels", ErrTooLarge, height, width, maxPixels)
	}
	return height, width, channels, nil
}

// readIDXLabels reads a labels file (magic 0x00000801) and returns its labels.
func readIDXLabels(r io.Reader) ([]int32, error) {
	br := bufio.NewReader(r)
	h, err := ReadIDXHeader(br)
	if err != nil {
		return nil, err
	}
	if h.Type != 0x08 || len(h.Dims) != 1 {
		return nil, fmt.Errorf("%w: labels file wants magic 0x00000801, got type %#02x with %d dimensions", ErrBadMagic, h.Type, len(h.Dims))
	}
	n := h.Dims[0]
	labels := make([]int32, 0, min(n, 1<<20))
	buf := make([]byte, 64<<10)
	for len(labels) < n {
		k, err := io.ReadFull(br, buf[:min(len(buf), n-len(labels))])
		for _, b := range buf[:k] {
			labels = append(labels, int32(b))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: header promises %d labels, file holds %d", ErrTruncated, n, len(labels))
		}
	}
	return labels, nil
}

// idxSource is one IDX images/labels pair.
type idxSource struct {
	info                    Info
	images                  string // the images file
	name                    string // its base name, used in sample paths
	split                   string
	gz                      bool
	hdr                     IDXHeader
	height, width, channels int
	labels                  []int32

	mu    sync.Mutex
	ra    io.ReaderAt // plain file or spooled temp file
	f     *os.File
	spool string
}

var (
	_ IndexedSource = (*idxSource)(nil)
	_ Labeler       = (*idxSource)(nil)
)

// idxLabelsName returns the candidate labels file names for an images file.
func idxLabelsName(images string) []string {
	dir, base := filepath.Split(images)
	m := idxImagesRE.FindStringSubmatchIndex(strings.ToLower(base))
	if m == nil {
		return nil
	}
	lb := base[:m[3]] + strings.NewReplacer("-images", "-labels", "idx3", "idx1", "idx4", "idx1").Replace(base[m[3]:])
	plain := strings.TrimSuffix(lb, ".gz")
	return []string{filepath.Join(dir, lb), filepath.Join(dir, plain), filepath.Join(dir, plain+".gz")}
}

func openIDXFile(images string, cfg *Config) (*idxSource, error) {
	candidates := idxLabelsName(images)
	if candidates == nil {
		return nil, fileErr(images, ErrUnknownFormat, "IDX images file names must look like train-images-idx3-ubyte[.gz] so the labels file can be found")
	}
	labelsFile := ""
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			labelsFile = c
			break
		}
	}
	if labelsFile == "" {
		return nil, fileErr(images, ErrNotFound, "labels file %s not found beside it", filepath.Base(candidates[0]))
	}
	s := &idxSource{images: images, name: filepath.Base(images), gz: strings.HasSuffix(strings.ToLower(images), ".gz")}
	// Labels.
	lf, err := openMaybeGzip(labelsFile)
	if err != nil {
		return nil, err
	}
	s.labels, err = readIDXLabels(lf)
	lf.Close()
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", labelsFile, err)
	}
	// Images header.
	r, err := openMaybeGzip(images)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s.hdr, err = ReadIDXHeader(r)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", images, err)
	}
	s.height, s.width, s.channels, err = s.hdr.checkImages(cfg.MaxPixels)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", images, err)
	}
	if n := s.hdr.Dims[0]; n != len(s.labels) {
		return nil, fmt.Errorf("loaders: %s: %w: %d images but %s has %d labels", images, ErrLabelMismatch, n, labelsFile, len(s.labels))
	}
	if !s.gz {
		fi, err := os.Stat(images)
		if err != nil {
			return nil, fmt.Errorf("loaders: %s: %w", images, err)
		}
		want := s.hdr.headerSize() + int64(s.hdr.Dims[0])*s.hdr.itemSize()
		if fi.Size() < want {
			return nil, fmt.Errorf("loaders: %s: %w: header promises %d images of %d bytes (%d bytes), file has %d bytes", images, ErrTruncated, s.hdr.Dims[0], s.hdr.itemSize(), want, fi.Size())
		}
	}
	maxLabel := int32(-1)
	for _, l := range s.labels {
		maxLabel = max(maxLabel, l)
	}
	s.info = Info{Format: "idx", Path: images, Classes: numericClasses(int(maxLabel) + 1), Count: len(s.labels)}
	return s, nil
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error { g.Reader.Close(); return g.f.Close() }

func openMaybeGzip(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", path, err)
	}
	if !strings.HasSuffix(strings.ToLower(path), ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("loaders: %s: %w: gzip: %v", path, ErrCorrupt, err)
	}
	return gzipFile{zr, f}, nil
}

func (s *idxSource) Info() Info { return s.info }
func (s *idxSource) Len() int   { return len(s.labels) }

func (s *idxSource) Labels(context.Context) ([]int32, error) { return s.labels, nil }

func (s *idxSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.f != nil {
		err = s.f.Close()
		s.f, s.ra = nil, nil
	}
	if s.spool != "" {
		os.Remove(s.spool)
		s.spool = ""
	}
	return err
}

// readerAt opens the images file for random access; a gzip file is
// decompressed once to a temporary file, removed by Close.
func (s *idxSource) readerAt() (io.ReaderAt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ra != nil {
		return s.ra, nil
	}
	if !s.gz {
		f, err := os.Open(s.images)
		if err != nil {
			return nil, fmt.Errorf("loaders: %s: %w", s.images, err)
		}
		s.f, s.ra = f, f
		return f, nil
	}
	r, err := openMaybeGzip(s.images)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	tmp, err := os.CreateTemp("", "cnnpipe-idx-*")
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: spooling: %w", s.images, err)
	}
	want := s.hdr.headerSize() + int64(s.hdr.Dims[0])*s.hdr.itemSize()
	n, err := io.Copy(tmp, io.LimitReader(r, want))
	if err == nil && n < want {
		err = fmt.Errorf("%w: header promises %d bytes, file holds %d", ErrTruncated, want, n)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("loaders: %s: %w", s.images, err)
	}
	s.f, s.ra, s.spool = tmp, tmp, tmp.Name()
	return tmp, nil
}

func (s *idxSource) sample(i int, data []byte) Sample {
	return Sample{
		Index: i, Path: s.name + "#" + strconv.Itoa(i), Split: s.split, Label: s.labels[i],
		Class: ClassName(s.info.Classes, s.labels[i]), Format: FormatRaw, Data: data,
		Height: s.height, Width: s.width, Channels: s.channels, file: s.images,
	}
}

func (s *idxSource) Sample(i int) (Sample, error) {
	if i < 0 || i >= len(s.labels) {
		return Sample{}, fmt.Errorf("loaders: %s: sample %d out of range [0,%d)", s.images, i, len(s.labels))
	}
	ra, err := s.readerAt()
	if err != nil {
		return Sample{}, err
	}
	size := s.hdr.itemSize()
	data := make([]byte, size)
	if _, err := ra.ReadAt(data, s.hdr.headerSize()+int64(i)*size); err != nil {
		return Sample{}, fmt.Errorf("loaders: %s: image %d: %w: %v", s.images, i, ErrTruncated, err)
	}
	return s.sample(i, data), nil
}

// Samples streams the images file sequentially (decompressing on the fly).
func (s *idxSource) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		r, err := openMaybeGzip(s.images)
		if err != nil {
			yield(Sample{}, err)
			return
		}
		defer r.Close()
		br := bufio.NewReaderSize(r, 256<<10)
		if _, err := io.CopyN(io.Discard, br, s.hdr.headerSize()); err != nil {
			yield(Sample{}, fmt.Errorf("loaders: %s: %w: header: %v", s.images, ErrTruncated, err))
			return
		}
		size := s.hdr.itemSize()
		for i := range s.labels {
			if err := ctx.Err(); err != nil {
				yield(Sample{}, err)
				return
			}
			data := make([]byte, size)
			if _, err := io.ReadFull(br, data); err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
					err = fmt.Errorf("%w: header promises %d images, file ends in image %d", ErrTruncated, len(s.labels), i)
				}
				yield(Sample{}, fmt.Errorf("loaders: %s: %w", s.images, err))
				return
			}
			if !yield(s.sample(i, data), nil) {
				return
			}
		}
	}
}

// openIDX opens an IDX images file, or a directory of IDX pairs where
// each prefix (train, t10k -> test, ...) is a split.
func openIDX(path string, cfg *Config) (Source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", path, err)
	}
	if !fi.IsDir() {
		return openIDXFile(path, cfg)
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", path, err)
	}
	seen := map[string]bool{}
	var parts []part
	for _, e := range ents {
		m := idxImagesRE.FindStringSubmatch(strings.ToLower(e.Name()))
		if m == nil || e.IsDir() {
			continue
		}
		split := m[1]
		if split == "t10k" {
			split = "test"
		}
		if seen[split] {
			continue // both .gz and plain: take the first in name order
		}
		seen[split] = true
		s, err := openIDXFile(filepath.Join(path, e.Name()), cfg)
		if err != nil {
			for _, p := range parts {
				p.src.Close()
			}
			return nil, err
		}
		s.split = split
		parts = append(parts, part{split, s})
	}
	if len(parts) == 0 {
		return nil, fileErr(path, ErrUnknownFormat, "no IDX images files")
	}
	sort.SliceStable(parts, func(a, b int) bool {
		n := []string{parts[a].name, parts[b].name}
		sortSplits(n)
		return n[0] == parts[a].name && parts[a].name != parts[b].name
	})
	return newConcat("idx", path, parts)
}

func (s *idxSource) setClasses(c []string) { s.info.Classes = c }
