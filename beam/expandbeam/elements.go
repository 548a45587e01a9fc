package expandbeam

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// Shard names one part of the source: every N-th sample starting with the
// I-th (loaders.Dataset.Shard).
type Shard struct {
	I, N int
}

// Task is one unit of work: a sample (with its encoded bytes) and the copy
// of it to produce. Its fields mirror loaders.Sample; File is the sample's
// File() as read on the worker that listed it, used to name it in errors.
type Task struct {
	Index    int64
	Path     string
	File     string
	Split    string
	Label    int32
	Class    string
	Format   string
	Data     []byte
	Height   int32
	Width    int32
	Channels int32
	Copy     int32
}

// taskOf returns the Task of copy copy of s.
func taskOf(s *loaders.Sample, copy int) Task {
	return Task{
		Index: int64(s.Index), Path: s.Path, File: s.File(), Split: s.Split,
		Label: s.Label, Class: s.Class, Format: s.Format, Data: s.Data,
		Height: int32(s.Height), Width: int32(s.Width), Channels: int32(s.Channels),
		Copy: int32(copy),
	}
}

// sample rebuilds the loaders.Sample of a Task.
func (t *Task) sample() loaders.Sample {
	return loaders.Sample{
		Index: int(t.Index), Path: t.Path, Split: t.Split, Label: t.Label,
		Class: t.Class, Format: t.Format, Data: t.Data,
		Height: int(t.Height), Width: int(t.Width), Channels: int(t.Channels),
	}
}

// Failure is one input that could not be read, decoded, augmented or
// encoded.
type Failure struct {
	// Path names the input file.
	Path string
	// Index is the sample index, or -1 when unknown.
	Index int64
	// Err is the error message.
	Err string
}

func init() {
	beam.RegisterType(reflect.TypeOf((*Shard)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Task)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*expand.Row)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Failure)(nil)).Elem())
}
