package loaders

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// Column names of the dataset schema (see the package documentation).
const (
	ColIndex    = "index"
	ColPath     = "path"
	ColLabel    = "label"
	ColSplit    = "split"
	ColImage    = "image"
	ColFormat   = "format"
	ColHeight   = "height"
	ColWidth    = "width"
	ColChannels = "channels"
)

// Schema metadata keys.
const (
	// MetaClasses is the schema metadata key holding the class names as a
	// JSON array of strings.
	MetaClasses = "cnnpipe:classes"
	// MetaVersion is the schema metadata key holding the schema version.
	MetaVersion = "cnnpipe:version"
	// SchemaVersion is the current value stored under MetaVersion.
	SchemaVersion = "1"
)

// FormatRaw is the value of the format column for decoded pixels.
const FormatRaw = "raw"

// Column indices in the schema returned by Schema.
const (
	idxIndex = iota
	idxPath
	idxLabel
	idxSplit
	idxImage
	idxFormat
	idxHeight
	idxWidth
	idxChannels
	numCols
)

var schemaFields = []arrow.Field{
	{Name: ColIndex, Type: arrow.PrimitiveTypes.Int64},
	{Name: ColPath, Type: arrow.BinaryTypes.String},
	{Name: ColLabel, Type: arrow.PrimitiveTypes.Int32},
	{Name: ColSplit, Type: arrow.BinaryTypes.String},
	{Name: ColImage, Type: arrow.BinaryTypes.Binary},
	{Name: ColFormat, Type: arrow.BinaryTypes.String},
	{Name: ColHeight, Type: arrow.PrimitiveTypes.Int32},
	{Name: ColWidth, Type: arrow.PrimitiveTypes.Int32},
	{Name: ColChannels, Type: arrow.PrimitiveTypes.Int32},
}

// Schema returns the Arrow schema of every record batch this package
// produces, with the class names in its metadata.
func Schema(classes []string) *arrow.Schema {
	if classes == nil {
		classes = []string{}
	}
	b, _ := json.Marshal(classes) // cannot fail for []string
	md := arrow.NewMetadata([]string{MetaClasses, MetaVersion}, []string{string(b), SchemaVersion})
	return arrow.NewSchema(schemaFields, &md)
}

// ClassesFromSchema returns the class names stored in a schema's metadata,
// or nil when there are none (an empty list also means none).
func ClassesFromSchema(s *arrow.Schema) ([]string, error) {
	md := s.Metadata()
	i := md.FindKey(MetaClasses)
	if i < 0 {
		return nil, nil
	}
	var classes []string
	if err := json.Unmarshal([]byte(md.Values()[i]), &classes); err != nil {
		return nil, fmt.Errorf("schema metadata %s: %w", MetaClasses, err)
	}
	if len(classes) == 0 {
		return nil, nil // no names: labels stand for themselves
	}
	return classes, nil
}

// MaxClasses bounds the numeric class names ("0".."n-1") made up for a
// dataset that has labels but no names, so a bogus label cannot make an
// absurd class list.
const MaxClasses = 1 << 16

// validLabel reports whether label indexes a list of n class names, or,
// when there are none, is below MaxClasses.
func validLabel(label int64, n int) bool {
	if n == 0 {
		return label >= 0 && label < MaxClasses
	}
	return label >= 0 && label < int64(n)
}

// ClassName returns the name of label in classes, or the label as a decimal
// number when classes does not name it.
func ClassName(classes []string, label int32) string {
	if label >= 0 && int(label) < len(classes) {
		return classes[label]
	}
	return strconv.Itoa(int(label))
}

// numericClasses returns the names "0", "1", ... "n-1".
func numericClasses(n int) []string {
	c := make([]string, n)
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}
