package loaders

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// CIFAR record layout: label byte(s) then 32x32 pixels as three 1024-byte
// planes (R, G, B).
const (
	cifarSide     = 32
	cifarPixels   = 3 * cifarSide * cifarSide
	cifar10Record = 1 + cifarPixels
	cifar100Rec   = 2 + cifarPixels
)

// CIFAR10Classes are the CIFAR-10 class names, used when batches.meta.txt
// is absent.
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// cifarKind guesses whether a .bin file is CIFAR-10 or CIFAR-100.
func cifarKind(path string, size int64) (string, error) {
	n := strings.ToLower(filepath.Base(path))
	switch {
	case strings.HasPrefix(n, "data_batch") || strings.HasPrefix(n, "test_batch"):
		return "cifar10", nil
	case n == "train.bin" || n == "test.bin":
		return "cifar100", nil
	case size%cifar10Record == 0:
		return "cifar10", nil
	case size%cifar100Rec == 0:
		return "cifar100", nil
	}
	return "", fileErr(path, ErrUnknownFormat, "%d bytes is not a whole number of CIFAR-10 (%d) or CIFAR-100 (%d) records", size, cifar10Record, cifar100Rec)
}

// cifarRecord decodes one CIFAR record into a label and HWC pixels.
// fine selects the CIFAR-100 fine label (the second byte).
func cifarRecord(rec []byte, cifar100, fine bool, dst []byte) (label int32, pix []byte) {
	off := 1
	label = int32(rec[0])
	if cifar100 {
		off = 2
		if fine {
			label = int32(rec[1])
		}
	}
	if cap(dst) < cifarPixels {
		dst = make([]byte, cifarPixels)
	}
	pix = dst[:cifarPixels]
	planes := rec[off:]
	const n = cifarSide * cifarSide
	for i := 0; i < n; i++ {
		pix[3*i] = planes[i]
		pix[3*i+1] = planes[n+i]
		pix[3*i+2] = planes[2*n+i]
	}
	return label, pix
}

// cifarFile is one CIFAR binary file: a split of its own.
type cifarFile struct {
	info     Info
	path     string
	name     string
	split    string
	cifar100 bool
	fine     bool
	recSize  int64
	n        int

	once sync.Once
	f    *os.File
	ferr error
}

var _ IndexedSource = (*cifarFile)(nil)

func openCIFARFile(path, format string, fine bool, classes []string) (*cifarFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", path, err)
	}
	c := &cifarFile{path: path, name: filepath.Base(path), cifar100: format == "cifar100", fine: fine, recSize: cifar10Record}
	if c.cifar100 {
		c.recSize = cifar100Rec
	}
	if fi.Size() == 0 || fi.Size()%c.recSize != 0 {
		return nil, fmt.Errorf("loaders: %s: %w: %d bytes is not a whole number of %d-byte %s records (%d records and %d bytes over)",
			path, ErrTruncated, fi.Size(), c.recSize, format, fi.Size()/c.recSize, fi.Size()%c.recSize)
	}
	c.n = int(fi.Size() / c.recSize)
	c.info = Info{Format: format, Path: path, Classes: classes, Count: c.n}
	return c, nil
}

func (c *cifarFile) Info() Info              { return c.info }
func (c *cifarFile) Len() int                { return c.n }
func (c *cifarFile) setClasses(cl []string)  { c.info.Classes = cl }
func (c *cifarFile) maxLabel() int32         { return int32(len(c.info.Classes)) }
func (c *cifarFile) samplePath(i int) string { return c.name + "#" + strconv.Itoa(i) }
func (c *cifarFile) errPath(i int) string    { return c.path + " record " + strconv.Itoa(i) }
func (c *cifarFile) open() (*os.File, error) {
	c.once.Do(func() { c.f, c.ferr = os.Open(c.path) })
	return c.f, c.ferr
}
func (c *cifarFile) Close() error {
	if c.f != nil {
		return c.f.Close()
	}
	return nil
}

func (c *cifarFile) toSample(i int, rec []byte) (Sample, error) {
	label, pix := cifarRecord(rec, c.cifar100, c.fine, nil)
	if label >= c.maxLabel() {
		return Sample{}, sampleErr(c.errPath(i), i, ErrUnknownClass, "label %d, but there are %d classes", label, c.maxLabel())
	}
	return Sample{
		Index: i, Path: c.samplePath(i), Split: c.split, Label: label, Class: ClassName(c.info.Classes, label),
		Format: FormatRaw, Data: pix, Height: cifarSide, Width: cifarSide, Channels: 3, file: c.path,
	}, nil
}

func (c *cifarFile) Sample(i int) (Sample, error) {
	if i < 0 || i >= c.n {
		return Sample{}, fmt.Errorf("loaders: %s: sample %d out of range [0,%d)", c.path, i, c.n)
	}
	f, err := c.open()
	if err != nil {
		return Sample{}, fmt.Errorf("loaders: %s: %w", c.path, err)
	}
	rec := make([]byte, c.recSize)
	if _, err := f.ReadAt(rec, int64(i)*c.recSize); err != nil {
		return Sample{}, fmt.Errorf("loaders: %s: record %d: %w: %v", c.path, i, ErrTruncated, err)
	}
	return c.toSample(i, rec)
}

func (c *cifarFile) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		f, err := os.Open(c.path)
		if err != nil {
			yield(Sample{}, fmt.Errorf("loaders: %s: %w", c.path, err))
			return
		}
		defer f.Close()
		for s, err := range readCIFAR(ctx, f, c) {
			if !yield(s, err) {
				return
			}
		}
	}
}

// readCIFAR reads CIFAR records sequentially from r.
func readCIFAR(ctx context.Context, r io.Reader, c *cifarFile) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		br := bufio.NewReaderSize(r, 256<<10)
		rec := make([]byte, c.recSize)
		for i := 0; ; i++ {
			if err := ctx.Err(); err != nil {
				yield(Sample{}, err)
				return
			}
			n, err := io.ReadFull(br, rec)
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Sample{}, fmt.Errorf("loaders: %s: %w: record %d has %d of %d bytes", c.path, ErrTruncated, i, n, c.recSize))
				return
			}
			if !yield(c.toSample(i, rec)) {
				return
			}
		}
	}
}

func (c *cifarFile) Labels(context.Context) ([]int32, error) {
	f, err := c.open()
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", c.path, err)
	}
	labels := make([]int32, c.n)
	b := make([]byte, 2)
	for i := range labels {
		if _, err := f.ReadAt(b, int64(i)*c.recSize); err != nil {
			return nil, fmt.Errorf("loaders: %s: record %d: %w: %v", c.path, i, ErrTruncated, err)
		}
		labels[i] = int32(b[0])
		if c.cifar100 && c.fine {
			labels[i] = int32(b[1])
		}
	}
	return labels, nil
}

// readNames reads one class name per line.
func readNames(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var names []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			names = append(names, l)
		}
	}
	return names
}

// openCIFAR opens a CIFAR .bin file or a directory of them (CIFAR-10:
// data_batch_*.bin is "train", test_batch.bin is "test"; CIFAR-100:
// train.bin and test.bin).
func openCIFAR(path, format string, cfg *Config) (Source, error) {
	fine := true
	switch strings.ToLower(cfg.CIFAR100Labels) {
	case "", "fine":
	case "coarse":
		fine = false
	default:
		return nil, fmt.Errorf("loaders: CIFAR-100 labels %q: want fine or coarse", cfg.CIFAR100Labels)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", path, err)
	}
	dir := path
	if !fi.IsDir() {
		dir = filepath.Dir(path)
	}
	var classes []string
	switch {
	case format == "cifar10":
		classes = readNames(filepath.Join(dir, "batches.meta.txt"))
		if classes == nil {
			classes = CIFAR10Classes
		}
	case fine:
		classes = readNames(filepath.Join(dir, "fine_label_names.txt"))
		if classes == nil {
			classes = numericClasses(100)
		}
	default:
		classes = readNames(filepath.Join(dir, "coarse_label_names.txt"))
		if classes == nil {
			classes = numericClasses(20)
		}
	}
	if !fi.IsDir() {
		return openCIFARFile(path, format, fine, classes)
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", path, err)
	}
	var train, test []string
	for _, e := range ents {
		n := strings.ToLower(e.Name())
		switch {
		case e.IsDir():
		case format == "cifar10" && strings.HasPrefix(n, "data_batch_") && strings.HasSuffix(n, ".bin"):
			train = append(train, e.Name())
		case format == "cifar10" && n == "test_batch.bin", format == "cifar100" && n == "test.bin":
			test = append(test, e.Name())
		case format == "cifar100" && n == "train.bin":
			train = append(train, e.Name())
		}
	}
	sort.Strings(train)
	var parts []part
	var closeAll = func() {
		for _, p := range parts {
			p.src.Close()
		}
	}
	for _, group := range []struct {
		split string
		files []string
	}{{"train", train}, {"test", test}} {
		var files []part
		for _, name := range group.files {
			c, err := openCIFARFile(filepath.Join(path, name), format, fine, classes)
			if err != nil {
				closeAll()
				return nil, err
			}
			c.split = group.split
			files = append(files, part{"", c})
		}
		if len(files) == 0 {
			continue
		}
		src := IndexedSource(files[0].src)
		if len(files) > 1 {
			cs := &concatSource{parts: files, info: Info{Format: format, Path: path, Classes: classes}}
			n := 0
			for _, p := range files {
				cs.offs = append(cs.offs, n)
				n += p.src.Len()
			}
			cs.info.Count = n
			src = &splitTagged{cs, group.split}
		}
		parts = append(parts, part{group.split, src})
	}
	if len(parts) == 0 {
		return nil, fileErr(path, ErrUnknownFormat, "no CIFAR batch files")
	}
	return newConcat(format, path, parts)
}

// splitTagged is a concatenation of files that all belong to one split.
type splitTagged struct {
	*concatSource
	split string
}

func (s *splitTagged) Sample(i int) (Sample, error) {
	x, err := s.concatSource.Sample(i)
	x.Split = s.split
	return x, err
}

func (s *splitTagged) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		for x, err := range s.concatSource.Samples(ctx) {
			x.Split = s.split
			if !yield(x, err) {
				return
			}
		}
	}
}

func (s *splitTagged) Info() Info {
	i := s.concatSource.Info()
	i.Splits = nil
	return i
}
