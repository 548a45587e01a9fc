package loaders

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ManifestRow is one parsed row of a CSV manifest.
type ManifestRow struct {
	Line  int    // 1-based line number in the file
	Path  string // as written, slash-separated, relative to the manifest
	Label int32  // -1 when the row gives only a class name
	Class string // "" when the row gives only a label
	Split string
}

// maxManifestRows bounds a manifest so a hostile file cannot exhaust memory
// through the listing alone.
const maxManifestRows = 50_000_000

// ParseManifest reads a CSV manifest with a header naming a "path" column
// and a "label" and/or "class" column, and optionally a "split" column.
// name is used in errors. Row-level problems (bad label, empty or absolute
// path, path leaving the manifest's directory) are returned per row in
// rowErrs rather than failing the whole file.
func ParseManifest(r io.Reader, name string) (rows []ManifestRow, rowErrs map[int]error, err error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, fileErr(name, ErrCorrupt, "empty manifest: want a header line such as path,label")
		}
		return nil, nil, fileErr(name, ErrCorrupt, "%v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = columnName(h)
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	pathCol, okPath := col["path"]
	labelCol, okLabel := col["label"]
	classCol, okClass := col["class"]
	splitCol, okSplit := col["split"]
	if !okPath || (!okLabel && !okClass) {
		return nil, nil, fileErr(name, ErrCorrupt, "header %q: want columns path and label or class", strings.Join(header, ","))
	}
	field := func(rec []string, i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	rowErrs = map[int]error{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
				continue
			}
			return nil, nil, fileErr(name, ErrCorrupt, "%v", err)
		}
		line, _ := cr.FieldPos(0) // only valid after a successful Read
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rows) >= maxManifestRows {
			return nil, nil, fileErr(name, ErrCorrupt, "more than %d rows", maxManifestRows)
		}
		row := ManifestRow{Line: line, Path: field(rec, pathCol), Label: -1}
		if okSplit {
			row.Split = field(rec, splitCol)
		}
		var rowErr error
		if okClass {
			row.Class = field(rec, classCol)
		}
		if okLabel {
			if s := field(rec, labelCol); s != "" || !okClass {
				v, err := strconv.ParseInt(s, 10, 32)
				if err != nil || v < 0 {
					rowErr = fmt.Errorf("%w: line %d: label %q is not a non-negative integer", ErrUnknownClass, line, s)
				}
				row.Label = int32(v)
			}
		}
		if rowErr == nil && row.Label < 0 && row.Class == "" {
			rowErr = fmt.Errorf("%w: line %d: empty class", ErrUnknownClass, line)
		}
		p := filepath.ToSlash(row.Path)
		switch {
		case rowErr != nil:
		case p == "":
			rowErr = fmt.Errorf("%w: line %d: empty path", ErrCorrupt, line)
		case path.IsAbs(p) || filepath.IsAbs(row.Path) || strings.HasPrefix(path.Clean(p), "../") || path.Clean(p) == "..":
			rowErr = fmt.Errorf("%w: line %d: path %q is not inside the manifest's directory", ErrCorrupt, line, row.Path)
		}
		row.Path = p
		if rowErr != nil {
			rowErrs[len(rows)] = rowErr
		}
		rows = append(rows, row)
	}
	return rows, rowErrs, nil
}

// openManifest opens a CSV manifest as a file source.
func openManifest(file string, cfg *Config) (*fileSource, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", file, err)
	}
	defer f.Close()
	rows, rowErrs, err := ParseManifest(f, file)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(file)
	// Classes: fixed by the config, by classes.txt beside the manifest, or
	// the sorted class names / the label range of the manifest.
	classes := cfg.Classes
	fixed := classes != nil
	if !fixed {
		if b, err := os.ReadFile(filepath.Join(dir, "classes.txt")); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					classes = append(classes, l)
				}
			}
			fixed = true
		}
	}
	if !fixed {
		set := map[string]bool{}
		maxLabel := int32(-1)
		for i, r := range rows {
			if _, bad := rowErrs[i]; bad {
				continue
			}
			if r.Label >= MaxClasses {
				// Numeric class names are made for labels 0..max: refuse a
				// label that would make an absurd number of them.
				rowErrs[i] = fmt.Errorf("%w: line %d: label %d, more than %d classes", ErrUnknownClass, r.Line, r.Label, MaxClasses)
				continue
			}
			if r.Class != "" && r.Label < 0 {
				set[r.Class] = true
			}
			maxLabel = max(maxLabel, r.Label)
		}
		for c := range set {
			classes = append(classes, c)
		}
		sort.Strings(classes)
		if len(set) == 0 {
			classes = numericClasses(int(maxLabel) + 1)
		} else if maxLabel >= 0 {
			// Mixed rows: labels must index the sorted class names.
			for len(classes) <= int(maxLabel) {
				classes = append(classes, strconv.Itoa(len(classes)))
			}
		}
	}
	index := make(map[string]int32, len(classes))
	for i, c := range classes {
		index[c] = int32(i)
	}
	src := &fileSource{root: dir, maxPixels: cfg.MaxPixels, pre: map[int]*SampleError{}}
	src.info = Info{Format: "manifest", Path: file, Classes: classes, Encoded: true}
	splitCount := map[string]int{}
	var splitOrder []string
	for i, r := range rows {
		rowErr := rowErrs[i]
		if rowErr == nil && r.Class != "" {
			l, ok := index[r.Class]
			switch {
			case !ok:
				rowErr = fmt.Errorf("%w: line %d: class %q is not one of %d known classes", ErrUnknownClass, r.Line, r.Class, len(classes))
			case r.Label >= 0 && r.Label != l:
				rowErr = fmt.Errorf("%w: line %d: label %d disagrees with class %q (label %d)", ErrUnknownClass, r.Line, r.Label, r.Class, l)
			}
			r.Label = l
		}
		if rowErr == nil && int(r.Label) >= len(classes) {
			rowErr = fmt.Errorf("%w: line %d: label %d, but there are %d classes", ErrUnknownClass, r.Line, r.Label, len(classes))
		}
		if rowErr != nil {
			src.pre[len(src.entries)] = &SampleError{Path: file, Index: len(src.entries), Err: rowErr}
		}
		if _, seen := splitCount[r.Split]; !seen {
			splitOrder = append(splitOrder, r.Split)
		}
		splitCount[r.Split]++
		src.entries = append(src.entries, fileEntry{rel: r.Path, label: max(r.Label, 0), split: r.Split})
	}
	src.info.Count = len(src.entries)
	if len(splitOrder) > 1 || (len(splitOrder) == 1 && splitOrder[0] != "") {
		for _, s := range splitOrder {
			src.info.Splits = append(src.info.Splits, SplitInfo{Name: s, Count: splitCount[s]})
		}
	}
	return src, nil
}

// columnName normalizes a manifest header field: no byte-order mark, no
// surrounding spaces, lower case.
func columnName(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}
