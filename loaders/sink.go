package loaders

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// A Sink receives record batches of the package schema and writes them to
// an output. Nothing is visible at the output path until Close succeeds:
// sinks write to a temporary name in the same directory and rename it.
// Write does not retain rec.
type Sink interface {
	Write(rec arrow.RecordBatch) error
	// Close finishes the output and moves it into place.
	Close() error
	// Abort discards the output; it is a no-op after Close.
	Abort() error
}

// WriteOptions configures Create. The zero value (or nil) means defaults.
type WriteOptions struct {
	// Format is "parquet", "arrow" (IPC file), "arrows" (IPC stream) or
	// "folder"; "" chooses by the output's extension (.parquet, .arrow,
	// .feather, .arrows; anything else is a folder).
	Format string
	// RowGroupSize is the number of rows per Parquet row group (default
	// 1024). A row group is buffered in memory before it is written.
	RowGroupSize int
	// RowGroupBytes starts a new Parquet row group when the images of the
	// current one reach this size (default 128 MiB), bounding the memory
	// the buffered row group takes.
	RowGroupBytes int
	// Compression is the codec: for Parquet "snappy" (default), "zstd",
	// "gzip", "brotli", "lz4" or "none"; for Arrow IPC "none" (default),
	// "zstd" or "lz4" (pyarrow reads compressed IPC; Arrow JS needs a codec
	// registered for it, so keep the default for files meant for browsers).
	// Ignored for folders.
	Compression string
	// Overwrite allows replacing an existing output file (never a folder).
	Overwrite bool
}

// OutputFormats lists the formats Create can write.
var OutputFormats = []string{"parquet", "arrow", "arrows", "folder"}

const (
	defaultRowGroupSize  = 1024
	defaultRowGroupBytes = 128 << 20
)

// rowGroups writes buffered Parquet row groups, starting a new one when
// the image bytes of the current one would pass maxBytes.
type rowGroups struct {
	w           *pqarrow.FileWriter
	maxBytes    int64
	rows, bytes int64 // in the current row group
}

func (g *rowGroups) write(rec arrow.RecordBatch) error {
	rb := imageBytes(rec)
	if g.rows > 0 && g.bytes+rb > g.maxBytes {
		if err := g.w.NewBufferedRowGroupChecked(); err != nil {
			return err
		}
		g.rows, g.bytes = 0, 0
	}
	if err := g.w.WriteBuffered(rec); err != nil {
		return err
	}
	n, err := g.w.RowGroupNumRows()
	if err != nil {
		return err
	}
	if int64(n) < g.rows+rec.NumRows() && rec.NumRows() > 0 {
		// WriteBuffered started a new group by row count inside rec.
		g.rows, g.bytes = int64(n), rb*int64(n)/rec.NumRows()
	} else {
		g.rows, g.bytes = g.rows+rec.NumRows(), g.bytes+rb
	}
	return nil
}

// imageBytes returns the size of the image column's values.
func imageBytes(rec arrow.RecordBatch) int64 {
	if idx := rec.Schema().FieldIndices(ColImage); len(idx) > 0 {
		if b, ok := rec.Column(idx[0]).(*array.Binary); ok && b.Len() > 0 {
			offs := b.ValueOffsets() // Len()+1 offsets
			return int64(offs[len(offs)-1] - offs[0])
		}
	}
	return 0
}

// OutputFormat returns the output format for dst: format if not empty,
// else the one its extension names.
func OutputFormat(dst, format string) (string, error) {
	if format != "" {
		for _, f := range OutputFormats {
			if f == format {
				return f, nil
			}
		}
		return "", fmt.Errorf("loaders: output format %q: want one of %s", format, strings.Join(OutputFormats, ", "))
	}
	switch strings.ToLower(filepath.Ext(dst)) {
	case ".parquet", ".pq":
		return "parquet", nil
	case ".arrow", ".feather", ".ipc":
		return "arrow", nil
	case ".arrows":
		return "arrows", nil
	case "":
		return "folder", nil
	}
	return "", fmt.Errorf("loaders: %s: cannot tell the output format from the extension %q; use .parquet, .arrow, .arrows, a name without extension for a folder, or set the format", dst, filepath.Ext(dst))
}

// Create opens a sink writing dst. classes are stored in the output (schema
// metadata, or classes.txt for a folder).
func Create(dst string, classes []string, opts *WriteOptions) (Sink, error) {
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	format, err := OutputFormat(dst, o.Format)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dst); err == nil {
		if fi.IsDir() || format == "folder" {
			return nil, fmt.Errorf("loaders: %s: %w (remove it first)", dst, ErrOutputExists)
		}
		if !o.Overwrite {
			return nil, fmt.Errorf("loaders: %s: %w", dst, ErrOutputExists)
		}
	}
	if format == "folder" {
		return newFolderSink(dst, classes)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", dst, err)
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes 0600 files
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("loaders: %s: %w", dst, err)
	}
	out := &fileSink{dst: dst, f: f}
	w := writerOnly{f} // the arrow writers close their io.Writer if they can
	schema := Schema(classes)
	switch format {
	case "parquet":
		codec, err := parquetCodec(o.Compression)
		if err != nil {
			out.Abort()
			return nil, err
		}
		rg := o.RowGroupSize
		if rg <= 0 {
			rg = defaultRowGroupSize
		}
		props := parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithMaxRowGroupLength(int64(rg)),
			parquet.WithCreatedBy("cnnpipe"), parquet.WithStats(false), parquet.WithDictionaryFor(ColImage, false))
		pw, err := pqarrow.NewFileWriter(schema, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			out.Abort()
			return nil, fmt.Errorf("loaders: %s: %w", dst, err)
		}
		maxBytes := int64(o.RowGroupBytes)
		if maxBytes <= 0 {
			maxBytes = defaultRowGroupBytes
		}
		g := &rowGroups{w: pw, maxBytes: maxBytes}
		out.write, out.close = g.write, pw.Close
	case "arrow", "arrows":
		iopts := []ipc.Option{ipc.WithSchema(schema)}
		switch strings.ToLower(o.Compression) {
		case "", "none", "uncompressed":
		case "zstd":
			iopts = append(iopts, ipc.WithZstd())
		case "lz4", "lz4_frame":
			iopts = append(iopts, ipc.WithLZ4())
		default:
			out.Abort()
			return nil, fmt.Errorf("loaders: Arrow IPC compression %q: want none, zstd or lz4", o.Compression)
		}
		if format == "arrow" {
			w, err := ipc.NewFileWriter(w, iopts...)
			if err != nil {
				out.Abort()
				return nil, fmt.Errorf("loaders: %s: %w", dst, err)
			}
			out.write, out.close = w.Write, w.Close
		} else {
			w := ipc.NewWriter(w, iopts...)
			out.write, out.close = w.Write, w.Close
		}
	}
	return out, nil
}

func parquetCodec(name string) (compress.Compression, error) {
	switch strings.ToLower(name) {
	case "", "snappy":
		return compress.Codecs.Snappy, nil
	case "none", "uncompressed":
		return compress.Codecs.Uncompressed, nil
	case "zstd":
		return compress.Codecs.Zstd, nil
	case "gzip":
		return compress.Codecs.Gzip, nil
	case "brotli":
		return compress.Codecs.Brotli, nil
	case "lz4", "lz4_raw":
		return compress.Codecs.Lz4Raw, nil
	}
	return 0, fmt.Errorf("loaders: Parquet compression %q: want snappy, zstd, gzip, brotli, lz4 or none", name)
}

// writerOnly hides the Close method of a file.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// fileSink writes one file through a temporary name.
type fileSink struct {
	dst   string
	f     *os.File
	write func(arrow.RecordBatch) error
	close func() error
	done  bool
}

func (s *fileSink) Write(rec arrow.RecordBatch) error {
	if s.done {
		return fmt.Errorf("loaders: %s: write after close", s.dst)
	}
	if err := s.write(rec); err != nil {
		return fmt.Errorf("loaders: %s: %w", s.dst, err)
	}
	return nil
}

func (s *fileSink) Close() error {
	if s.done {
		return nil
	}
	s.done = true
	err := s.close()
	if err == nil {
		err = s.f.Sync()
	}
	if e := s.f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(s.f.Name(), s.dst)
	}
	if err != nil {
		os.Remove(s.f.Name())
		return fmt.Errorf("loaders: %s: %w", s.dst, err)
	}
	return nil
}

func (s *fileSink) Abort() error {
	if s.done {
		return nil
	}
	s.done = true
	if s.close != nil {
		s.close()
	}
	s.f.Close()
	return os.Remove(s.f.Name())
}

// folderSink writes an image folder: [split/]class/name.ext, plus
// classes.txt listing the classes in label order.
type folderSink struct {
	dst, tmp string
	classes  []string
	done     bool
	dirs     map[string]bool
}

// safeName makes a class or split name usable as one path element.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "_" + s
	}
	return s
}

func newFolderSink(dst string, classes []string) (*folderSink, error) {
	parent := filepath.Dir(filepath.Clean(dst))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", dst, err)
	}
	s := &folderSink{dst: dst, tmp: tmp, classes: classes, dirs: map[string]bool{}}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes 0700 directories
		s.Abort()
		return nil, fmt.Errorf("loaders: %s: %w", dst, err)
	}
	var list strings.Builder
	for _, c := range classes {
		list.WriteString(c)
		list.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(tmp, "classes.txt"), []byte(list.String()), 0o644); err != nil {
		s.Abort()
		return nil, fmt.Errorf("loaders: %s: %w", dst, err)
	}
	return s, nil
}

func (s *folderSink) Write(rec arrow.RecordBatch) error {
	if s.done {
		return fmt.Errorf("loaders: %s: write after close", s.dst)
	}
	v, err := NewRowView(rec)
	if err != nil {
		return fmt.Errorf("loaders: %s: %w", s.dst, err)
	}
	for i := 0; i < v.Len(); i++ {
		if err := s.writeSample(v.Sample(i)); err != nil {
			return err
		}
	}
	return nil
}

func (s *folderSink) writeSample(x Sample) error {
	class := safeName(ClassName(s.classes, x.Label))
	dir := class
	if x.Split != "" {
		dir = filepath.Join(safeName(x.Split), class)
	}
	if !s.dirs[dir] {
		if err := os.MkdirAll(filepath.Join(s.tmp, dir), 0o755); err != nil {
			return fmt.Errorf("loaders: %s: %w", s.dst, err)
		}
		s.dirs[dir] = true
	}
	data := x.Data
	ext := extensionFor(x.Format)
	if x.Format == FormatRaw {
		img, err := FromPixels(x.Data, x.Height, x.Width, x.Channels)
		if err != nil {
			return &SampleError{Path: x.Path, Index: x.Index, Err: err}
		}
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			return fmt.Errorf("loaders: %s: encoding %s: %w", s.dst, x.Path, err)
		}
		data, ext = buf.Bytes(), ".png"
	}
	base := path.Base(x.Path)
	if i := strings.IndexByte(base, '#'); i >= 0 { // packed formats: "file#17"
		base = "img" + base[i+1:]
	}
	base = safeName(strings.TrimSuffix(base, path.Ext(base))) + ext
	name := filepath.Join(s.tmp, dir, base)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		name = filepath.Join(s.tmp, dir, strconv.Itoa(x.Index)+"_"+base)
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	}
	if err != nil {
		return fmt.Errorf("loaders: %s: %w", s.dst, err)
	}
	_, err = f.Write(data)
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("loaders: %s: %w", s.dst, err)
	}
	return nil
}

func (s *folderSink) Close() error {
	if s.done {
		return nil
	}
	s.done = true
	if err := os.Rename(s.tmp, s.dst); err != nil {
		os.RemoveAll(s.tmp)
		return fmt.Errorf("loaders: %s: %w", s.dst, err)
	}
	return nil
}

func (s *folderSink) Abort() error {
	if s.done {
		return nil
	}
	s.done = true
	return os.RemoveAll(s.tmp)
}
