package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// testRow is one row of a test dataset: a 2x3 RGB raw image whose pixels
// are all equal to its index.
func testRow(i int) loaders.Sample {
	return loaders.Sample{
		Index: i, Path: fmt.Sprintf("img/%03d.raw", i), Label: int32(i % 3),
		Format: loaders.FormatRaw, Data: bytes.Repeat([]byte{byte(i)}, 2*3*3),
		Height: 2, Width: 3, Channels: 3,
	}
}

// buildRecords builds records of the loaders schema with mem, perRecord
// rows each, from rows.
func buildRecords(t testing.TB, mem memory.Allocator, rows []loaders.Sample, perRecord int) []arrow.RecordBatch {
	t.Helper()
	schema := loaders.Schema([]string{"a", "b", "c"})
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	var recs []arrow.RecordBatch
	for i, s := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(s.Index))
		b.Field(1).(*array.StringBuilder).Append(s.Path)
		b.Field(2).(*array.Int32Builder).Append(s.Label)
		b.Field(3).(*array.StringBuilder).Append(s.Split)
		b.Field(4).(*array.BinaryBuilder).Append(s.Data)
		b.Field(5).(*array.StringBuilder).Append(s.Format)
		b.Field(6).(*array.Int32Builder).Append(int32(s.Height))
		b.Field(7).(*array.Int32Builder).Append(int32(s.Width))
		b.Field(8).(*array.Int32Builder).Append(int32(s.Channels))
		if (i+1)%perRecord == 0 || i == len(rows)-1 {
			recs = append(recs, b.NewRecordBatch())
		}
	}
	return recs
}

// recordReader returns a reader over n test rows built with a checked
// allocator; the reader holds the only references to the records.
func recordReader(t testing.TB, mem memory.Allocator, rows []loaders.Sample, perRecord int) array.RecordReader {
	t.Helper()
	recs := buildRecords(t, mem, rows, perRecord)
	rr, err := array.NewRecordReader(recs[0].Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	return rr
}

func testRows(n int) []loaders.Sample {
	rows := make([]loaders.Sample, n)
	for i := range rows {
		rows[i] = testRow(i)
	}
	return rows
}

func TestRowsOwnTheirData(t *testing.T) {
	checkNoLeaks(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rr := recordReader(t, mem, testRows(10), 4)
	p := New(context.Background())
	got, err := Collect(p, Rows(p, "rows", ReadRecords(p, "read", rr), 3))
	if err != nil {
		t.Fatal(err)
	}
	rr.Release()
	if len(got) != 10 {
		t.Fatalf("got %d rows, want 10", len(got))
	}
	for i, s := range got {
		want := testRow(i)
		if s.Index != i || s.Path != want.Path || s.Label != want.Label || s.Epoch != 3 || !bytes.Equal(s.Data, want.Data) || s.Height != 2 || s.Width != 3 || s.Channels != 3 {
			t.Errorf("row %d = %+v, want %+v in epoch 3", i, s, want)
		}
		if s.Class != []string{"a", "b", "c"}[i%3] {
			t.Errorf("row %d class %q", i, s.Class)
		}
	}
	// The records are freed; the samples must not point into them. The
	// checked allocator above proves the records were released; here the
	// data must still read back intact (it was copied).
	for i, s := range got {
		if s.Data[0] != byte(i) || !strings.HasPrefix(s.Path, "img/") {
			t.Fatalf("row %d data changed after the records were released", i)
		}
	}
	if st := p.Stats(); st[0].Out != 3 || st[1].In != 3 || st[1].Out != 10 {
		t.Errorf("stats: %v", st)
	}
}

// TestRecordsReleasedOnEarlyStop stops the consumer after a few rows: every
// record, queued or in use, must still be released.
func TestRecordsReleasedOnEarlyStop(t *testing.T) {
	for _, stopAfter := range []int{0, 1, 5, 17} {
		t.Run(fmt.Sprint(stopAfter), func(t *testing.T) {
			checkNoLeaks(t)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rr := recordReader(t, mem, testRows(100), 4)
			defer rr.Release()
			p := New(context.Background())
			rows := Rows(p, "rows", ReadRecords(p, "read", rr), 0)
			n := 0
			for range All(p, "sink", rows) {
				if n == stopAfter {
					break
				}
				n++
			}
			if err := p.Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRecordsReleasedOnError fails a stage downstream of Rows.
func TestRecordsReleasedOnError(t *testing.T) {
	checkNoLeaks(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rr := recordReader(t, mem, testRows(100), 8)
	defer rr.Release()
	p := New(context.Background())
	rows := Rows(p, "rows", ReadRecords(p, "read", rr), 0)
	dec := Map(p, "check", rows, MapConfig{Workers: 3}, func(_ context.Context, s *Sample) (*Sample, error) {
		if s.Index == 42 {
			return nil, errBad
		}
		return s, nil
	})
	_, err := Collect(p, dec)
	if !errors.Is(err, errBad) || !strings.Contains(err.Error(), "stage check: img/042.raw") {
		t.Fatalf("Wait() = %v, want the error naming img/042.raw", err)
	}
}

type failingReader struct {
	array.RecordReader
	n   int
	err error
}

func (r *failingReader) Next() bool {
	if r.n == 0 {
		r.err = errors.New("disk on fire")
		return false
	}
	r.n--
	return r.RecordReader.Next()
}

func (r *failingReader) Err() error { return r.err }

func TestReadErrorAndSchemaError(t *testing.T) {
	checkNoLeaks(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	rr := recordReader(t, mem, testRows(20), 4)
	p := New(context.Background())
	_, err := Collect(p, Rows(p, "rows", ReadRecords(p, "read", &failingReader{RecordReader: rr, n: 2}), 0))
	rr.Release()
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "read" || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error = %v", err)
	}

	// A record without the dataset columns.
	b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil))
	b.Field(0).(*array.Int64Builder).Append(1)
	rec := b.NewRecordBatch()
	b.Release()
	bad, _ := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	rec.Release()
	p = New(context.Background())
	_, err = Collect(p, Rows(p, "rows", ReadRecords(p, "read", bad), 0))
	bad.Release()
	if !errors.As(err, &se) || se.Stage != "rows" || !errors.Is(err, loaders.ErrSchema) {
		t.Errorf("schema error = %v", err)
	}
}

func TestRowsDataDoesNotAliasRecords(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := buildRecords(t, mem, testRows(3), 3)
	rec := recs[0]
	img := rec.Column(4).(*array.Binary)
	buf := img.ValueBytes()
	lo, hi := uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&buf[len(buf)-1]))
	rec.Retain() // Rows releases the one it receives
	ch := make(chan arrow.RecordBatch, 1)
	ch <- rec
	close(ch)
	p := New(context.Background())
	got, err := Collect(p, Rows(p, "rows", ch, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if a := uintptr(unsafe.Pointer(&s.Data[0])); a >= lo && a <= hi {
			t.Errorf("sample %d data aliases the record's buffer", s.Index)
		}
	}
	rec.Release()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecode(t *testing.T) {
	rgb := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for i := range rgb.Pix {
		rgb.Pix[i] = byte(i * 3)
		if i%4 == 3 {
			rgb.Pix[i] = 255
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 2, 2))
	copy(gray.Pix, []byte{0, 50, 100, 250})
	for _, tc := range []struct {
		name    string
		s       loaders.Sample
		want    *image.NRGBA
		wantErr string
	}{
		{"png rgb", loaders.Sample{Path: "a.png", Format: "png", Data: encodePNG(t, rgb)}, rgb, ""},
		{"png gray", loaders.Sample{Path: "g.png", Format: "png", Data: encodePNG(t, gray)}, &image.NRGBA{
			Rect: image.Rect(0, 0, 2, 2), Stride: 8,
			Pix: []byte{0, 0, 0, 255, 50, 50, 50, 255, 100, 100, 100, 255, 250, 250, 250, 255}}, ""},
		{"raw gray", loaders.Sample{Path: "r", Format: loaders.FormatRaw, Data: []byte{7, 9}, Height: 1, Width: 2, Channels: 1},
			&image.NRGBA{Rect: image.Rect(0, 0, 2, 1), Stride: 8, Pix: []byte{7, 7, 7, 255, 9, 9, 9, 255}}, ""},
		{"raw short", loaders.Sample{Path: "r", Format: loaders.FormatRaw, Data: []byte{7}, Height: 1, Width: 2, Channels: 1}, nil, "corrupt"},
		{"truncated png", loaders.Sample{Path: "t.png", Format: "png", Data: encodePNG(t, rgb)[:40]}, nil, "corrupt"},
		{"not an image", loaders.Sample{Path: "x.png", Format: "png", Data: []byte("hello")}, nil, "unknown format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeImage(&tc.s, 0)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Rect != tc.want.Rect || !bytes.Equal(got.Pix, tc.want.Pix) {
				t.Errorf("got %v %v, want %v %v", got.Rect, got.Pix, tc.want.Rect, tc.want.Pix)
			}
		})
	}
}

func TestDecodeStageNamesFile(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	good := encodePNG(t, image.NewGray(image.Rect(0, 0, 2, 2)))
	src := FromSlice(p, "list", []*Sample{
		{Sample: loaders.Sample{Path: "cat/1.png", Format: "png", Data: good}},
		{Sample: loaders.Sample{Path: "cat/2.png", Format: "png", Data: good[:30]}},
	})
	_, err := Collect(p, Decode(p, "decode", src, DecodeConfig{Workers: 2}))
	if err == nil || !strings.Contains(err.Error(), "stage decode: cat/2.png") || !errors.Is(err, loaders.ErrCorrupt) {
		t.Fatalf("Wait() = %v, want a corrupt-data error naming cat/2.png", err)
	}
	p = New(context.Background())
	src = FromSlice(p, "list", []*Sample{{Sample: loaders.Sample{Path: "big.png", Format: "png", Data: good}}})
	_, err = Collect(p, Decode(p, "decode", src, DecodeConfig{MaxPixels: 3}))
	if !errors.Is(err, loaders.ErrTooLarge) || !strings.Contains(err.Error(), "big.png") {
		t.Fatalf("pixel limit: Wait() = %v", err)
	}
}

// TestReadRowsShards reads k shards of 0..n-1 in parallel and gets the
// original order back.
func TestReadRowsShards(t *testing.T) {
	for _, k := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			checkNoLeaks(t)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			const n = 23
			var readers []array.RecordReader
			for i := range k {
				var shard []loaders.Sample
				for j := i; j < n; j += k {
					shard = append(shard, testRow(j))
				}
				readers = append(readers, recordReader(t, mem, shard, 3))
			}
			p := New(context.Background())
			got, err := Collect(p, ReadRows(p, readers, 0))
			for _, r := range readers {
				r.Release()
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("got %d rows, want %d", len(got), n)
			}
			for j, s := range got {
				if s.Index != j {
					t.Fatalf("row %d has index %d: order lost", j, s.Index)
				}
			}
			if st := p.Stats(); st[0].Workers != k {
				t.Errorf("read stage has %d workers, want %d", st[0].Workers, k)
			}
		})
	}
}

func TestInterleaveUnevenAndCancel(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	got, err := Collect(p, Interleave(p, "mix",
		FromSlice(p, "a", []int{0, 3, 6, 9}), FromSlice(p, "b", []int{1, 4}), FromSlice(p, "c", []int{2, 5, 8})))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 8, 9}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	p = New(context.Background())
	endless := func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	}
	out := Interleave(p, "mix", FromSeq(p, "a", endless), FromSeq(p, "b", endless))
	<-out
	p.Stop()
	for range out {
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestInterner checks interned copies equal their input, do not alias its
// memory, and are shared between equal inputs.
func TestInterner(t *testing.T) {
	var in interner
	buf := []byte("circle")
	v := unsafe.String(&buf[0], len(buf))
	a := in.clone(v)
	b := in.clone(strings.Clone(v))
	buf[0] = 'X' // a copy must not see this
	if a != "circle" || b != "circle" {
		t.Fatalf("got %q, %q", a, b)
	}
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("equal strings were copied twice")
	}
	if in.clone("") != "" {
		t.Error("empty string")
	}
}

// TestDataPoolClone checks clones equal their input and do not alias it,
// also when a recycled buffer is reused.
func TestDataPoolClone(t *testing.T) {
	var dp dataPool
	for _, n := range []int{0, 1, 100, 5, 300, 300} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*7 + n)
		}
		c := dp.clone(src)
		if !bytes.Equal(c, src) || len(c) != n {
			t.Fatalf("n=%d: clone differs", n)
		}
		if n > 0 {
			src[0]++
			if c[0] == src[0] {
				t.Fatalf("n=%d: clone aliases its source", n)
			}
		}
		dp.put(c)
	}
	if dp.clone(nil) != nil {
		t.Error("clone(nil) != nil")
	}
}
