package expandbeam

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/cnnpipe/cnnpipe/expand"
)

// ManifestDir is the directory of DST holding the manifest part files
// part-NNNNN.parquet, each with the schema expand.ManifestSchema.
const ManifestDir = "manifest"

// partName returns the name of manifest part i, relative to DST.
func partName(i int) string {
	return fmt.Sprintf("%s/part-%05d.parquet", ManifestDir, i)
}

// partOf returns the manifest part that holds output path p.
func partOf(p string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(p))
	return int(h.Sum32() % uint32(n))
}

// sortRows orders rows by output path (as `cnnpipe augment` does), so that
// a part's content does not depend on the order the runner delivered them.
func sortRows(rows []expand.Row) {
	slices.SortFunc(rows, func(a, b expand.Row) int { return strings.Compare(a.Output, b.Output) })
}

// sortFailures orders failures by path and index and drops repeats (the
// copies of one input fail together), keeping the first error.
func sortFailures(fs []Failure) []Failure {
	slices.SortStableFunc(fs, func(a, b Failure) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Index, b.Index); c != 0 {
			return c
		}
		return strings.Compare(a.Err, b.Err)
	})
	return slices.CompactFunc(fs, func(a, b Failure) bool { return a.Path == b.Path && a.Index == b.Index })
}

// encodeFailures encodes failures as CSV with the header of
// `cnnpipe augment`'s failures.csv: path,index,error.
func encodeFailures(fs []Failure) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"path", "index", "error"})
	for _, f := range fs {
		w.Write([]string{f.Path, strconv.FormatInt(f.Index, 10), f.Err})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// ReadFailures reads DST's failures list (expand.FailuresCSV): the inputs
// that the last run could not produce. It returns nil when there is none.
func ReadFailures(ctx context.Context, dst string) ([]Failure, error) {
	name := joinPath(dst, expand.FailuresCSV)
	fsys, err := filesystem.New(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("expandbeam: %s: %w", name, err)
	}
	defer fsys.Close()
	if !exists(ctx, fsys, name) {
		return nil, nil
	}
	data, err := readFile(ctx, fsys, name)
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("expandbeam: %s: %w", name, err)
	}
	var out []Failure
	for i, r := range recs {
		if i == 0 {
			continue
		}
		if len(r) != 3 {
			return nil, fmt.Errorf("expandbeam: %s: line %d: want 3 fields", name, i+1)
		}
		idx, err := strconv.ParseInt(r[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("expandbeam: %s: line %d: bad index %q", name, i+1, r[1])
		}
		out = append(out, Failure{Path: r[0], Index: idx, Err: r[2]})
	}
	return out, nil
}
