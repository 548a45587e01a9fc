package loaders

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrUnknownFormat reports a path or image whose format is not recognised.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrCorrupt reports data that does not parse (bad image, bad header).
	ErrCorrupt = errors.New("corrupt data")
	// ErrTruncated reports a file shorter than its header promises.
	ErrTruncated = errors.New("truncated file")
	// ErrBadMagic reports a file whose magic number is not the expected one.
	ErrBadMagic = errors.New("wrong magic number")
	// ErrLabelMismatch reports an images file and a labels file that
	// disagree on the number of items.
	ErrLabelMismatch = errors.New("image and label counts differ")
	// ErrTooLarge reports an image whose header claims more pixels than allowed.
	ErrTooLarge = errors.New("image too large")
	// ErrUnknownClass reports a class name or label that is not in the class list.
	ErrUnknownClass = errors.New("unknown class")
	// ErrNotFound reports a missing file.
	ErrNotFound = errors.New("file not found")
	// ErrSchema reports an Arrow or Parquet file without the needed columns.
	ErrSchema = errors.New("unsupported schema")
	// ErrNoSplit reports a split name that the dataset does not have.
	ErrNoSplit = errors.New("no such split")
	// ErrOutputExists reports an output path that already exists or that is
	// one of the inputs.
	ErrOutputExists = errors.New("output exists")
)

// A SampleError is a problem with one image of a dataset. Path names the file
// (for a packed format such as IDX, the file and the item number).
type SampleError struct {
	Path  string // the file, as given to Open or found in the dataset
	Index int    // the sample's index in its source, or -1
	Err   error  // the problem; wraps one of the sentinel errors
}

// Error implements error.
func (e *SampleError) Error() string {
	return "loaders: " + e.Path + ": " + e.Err.Error()
}

// MarshalJSON encodes the error as {"path", "index", "error"}.
func (e *SampleError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Path  string `json:"path"`
		Index int    `json:"index"`
		Error string `json:"error"`
	}{e.Path, e.Index, e.Err.Error()})
}

// Unwrap returns the underlying error.
func (e *SampleError) Unwrap() error { return e.Err }

func sampleErr(path string, index int, sentinel error, format string, args ...any) *SampleError {
	msg := fmt.Sprintf(format, args...)
	return &SampleError{Path: path, Index: index, Err: fmt.Errorf("%w: %s", sentinel, msg)}
}

// fileErr builds an error about a whole file.
func fileErr(path string, sentinel error, format string, args ...any) error {
	return fmt.Errorf("loaders: %s: %w: %s", path, sentinel, fmt.Sprintf(format, args...))
}

// ErrorPolicy says what reading does when one sample is bad.
type ErrorPolicy int

const (
	// Fail stops reading with the sample's error (the default).
	Fail ErrorPolicy = iota
	// Skip leaves the sample out, records it in the SkipLog and goes on.
	Skip
)

// ParseErrorPolicy parses "fail" or "skip".
func ParseErrorPolicy(s string) (ErrorPolicy, error) {
	switch strings.ToLower(s) {
	case "fail", "":
		return Fail, nil
	case "skip":
		return Skip, nil
	}
	return Fail, fmt.Errorf("loaders: on-error policy %q: want fail or skip", s)
}

// String returns "fail" or "skip".
func (p ErrorPolicy) String() string {
	if p == Skip {
		return "skip"
	}
	return "fail"
}

// maxSkipList bounds the number of errors a SkipLog keeps.
const maxSkipList = 1000

// A SkipLog records the samples left out under the Skip policy. It keeps
// the first 1000 errors and counts all of them. The zero value is ready to
// use, and a SkipLog is safe for concurrent use.
type SkipLog struct {
	mu   sync.Mutex
	n    int
	errs []*SampleError
}

// Add records one skipped sample.
func (l *SkipLog) Add(e *SampleError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if len(l.errs) < maxSkipList {
		l.errs = append(l.errs, e)
	}
}

// Count returns the number of skipped samples.
func (l *SkipLog) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Errors returns the recorded errors (at most the first 1000).
func (l *SkipLog) Errors() []*SampleError {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*SampleError(nil), l.errs...)
}
