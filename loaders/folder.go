package loaders

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// splitOrder ranks well-known split directory names; others sort after
// them by name.
var splitOrder = map[string]int{"train": 0, "training": 1, "validation": 2, "valid": 3, "val": 4, "test": 5, "testing": 6, "t10k": 7}

func isSplitName(name string) bool {
	_, ok := splitOrder[strings.ToLower(name)]
	return ok
}

func sortSplits(names []string) {
	sort.SliceStable(names, func(a, b int) bool {
		ra, oka := splitOrder[strings.ToLower(names[a])]
		rb, okb := splitOrder[strings.ToLower(names[b])]
		switch {
		case oka && okb:
			return ra < rb
		case oka != okb:
			return oka
		}
		return names[a] < names[b]
	})
}

type fileEntry struct {
	rel   string // slash-separated, relative to root
	label int32
	split string
}

// fileSource is a dataset of individual image files: a class folder or a
// manifest.
type fileSource struct {
	info      Info
	root      string // directory the entries are relative to
	entries   []fileEntry
	maxPixels int
	// pre holds per-entry errors found while listing (manifest rows).
	pre map[int]*SampleError
}

var (
	_ IndexedSource = (*fileSource)(nil)
	_ Labeler       = (*fileSource)(nil)
	_ Splitter      = (*fileSource)(nil)
)

// openFolder lists a folder of class subdirectories, optionally below
// split directories.
func openFolder(root string, cfg *Config) (*fileSource, error) {
	top, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", root, err)
	}
	var dirs []string
	for _, e := range top {
		if isDirEntry(root, e) && !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) == 0 {
		return nil, fileErr(root, ErrUnknownFormat, "no class subdirectories, no manifest.csv, and no known dataset files")
	}
	// Split directories: every top-level directory is a split name and
	// holds subdirectories.
	splits := []string{""}
	if !slices.ContainsFunc(dirs, func(d string) bool { return !isSplitName(d) }) {
		hasSub := false
		for _, d := range dirs {
			sub, _ := os.ReadDir(filepath.Join(root, d))
			for _, e := range sub {
				if isDirEntry(filepath.Join(root, d), e) && !strings.HasPrefix(e.Name(), ".") {
					hasSub = true
				}
			}
		}
		if hasSub {
			splits = slices.Clone(dirs)
			sortSplits(splits)
		}
	}
	src := &fileSource{root: root, maxPixels: cfg.MaxPixels}
	src.info = Info{Format: "folder", Path: root, Encoded: true}
	// Classes: the union of class directory names, sorted.
	classSet := map[string]bool{}
	for _, sp := range splits {
		ents, err := os.ReadDir(filepath.Join(root, sp))
		if err != nil {
			return nil, fmt.Errorf("loaders: %s: %w", filepath.Join(root, sp), err)
		}
		for _, e := range ents {
			switch {
			case strings.HasPrefix(e.Name(), "."):
			case isDirEntry(filepath.Join(root, sp), e):
				classSet[e.Name()] = true
			case sp == "" && (e.Name() == "classes.txt" || e.Name() == "README.md" || e.Name() == "README.txt" || e.Name() == "LICENSE"):
			default:
				src.ignore(path.Join(filepath.ToSlash(sp), e.Name()))
			}
		}
	}
	classes := sortedClasses(classSet)
	src.info.Classes = classes
	// classes.txt (written by the folder sink) fixes the class order, so
	// labels survive a round trip even when names do not sort in label order.
	// A listed name is stored in the directory safeName(name).
	dirOf := func(class string) string { return class }
	if listed := readNames(filepath.Join(root, "classes.txt")); listed != nil {
		seen := map[string]bool{}
		for _, c := range listed {
			seen[safeName(c)] = true
		}
		for _, c := range classes {
			if !seen[c] {
				listed = append(listed, c)
			}
		}
		classes = listed
		dirOf = safeName
	}
	src.info.Classes = classes
	for _, sp := range splits {
		n := len(src.entries)
		for label, class := range classes {
			dir := filepath.Join(root, sp, dirOf(class))
			if _, err := os.Stat(dir); err != nil {
				continue
			}
			// WalkDir does not follow a symbolic link at its root: walk the
			// link's target and name files by their path through the link.
			walkRoot := dir
			if resolved, err := filepath.EvalSymlinks(dir); err == nil {
				walkRoot = resolved
			}
			err := filepath.WalkDir(walkRoot, func(p string, de fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if r, err := filepath.Rel(walkRoot, p); err == nil {
					p = filepath.Join(dir, r)
				}
				if strings.HasPrefix(de.Name(), ".") && p != dir {
					if de.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if de.IsDir() {
					return nil
				}
				if !IsImageFile(de.Name()) {
					if rel, err := filepath.Rel(root, p); err == nil {
						src.ignore(filepath.ToSlash(rel))
					}
					return nil
				}
				rel, err := filepath.Rel(root, p)
				if err != nil {
					return err
				}
				src.entries = append(src.entries, fileEntry{rel: filepath.ToSlash(rel), label: int32(label), split: sp})
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("loaders: listing %s: %w", dir, err)
			}
		}
		if sp != "" {
			src.info.Splits = append(src.info.Splits, SplitInfo{Name: sp, Count: len(src.entries) - n})
		}
	}
	src.info.Count = len(src.entries)
	return src, nil
}

func (f *fileSource) Info() Info { return f.info }

// ignore records a file that is not part of the dataset.
func (f *fileSource) ignore(rel string) {
	f.info.Ignored++
	if len(f.info.IgnoredFiles) < maxIgnoredListed {
		f.info.IgnoredFiles = append(f.info.IgnoredFiles, rel)
	}
}

// maxIgnoredListed bounds Info.IgnoredFiles.
const maxIgnoredListed = 20

// isDirEntry reports whether e (in dir) is a directory or a symbolic link
// to one.
func isDirEntry(dir string, e fs.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&fs.ModeSymlink != 0 {
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		return err == nil && fi.IsDir()
	}
	return false
}

func (f *fileSource) Close() error { return nil }

func (f *fileSource) Len() int { return len(f.entries) }

func (f *fileSource) Labels(context.Context) ([]int32, error) {
	l := make([]int32, len(f.entries))
	for i, e := range f.entries {
		l[i] = e.label
	}
	return l, nil
}

func (f *fileSource) SplitSource(name string) (Source, error) {
	if len(f.info.Splits) == 0 {
		return nil, fmt.Errorf("loaders: %s: %w %q: the dataset has no splits", f.info.Path, ErrNoSplit, name)
	}
	sub := &fileSource{root: f.root, maxPixels: f.maxPixels, info: f.info}
	sub.info.Splits = nil
	for i, e := range f.entries {
		if e.split == name {
			if err, ok := f.pre[i]; ok {
				if sub.pre == nil {
					sub.pre = map[int]*SampleError{}
				}
				sub.pre[len(sub.entries)] = err
			}
			sub.entries = append(sub.entries, e)
		}
	}
	if len(sub.entries) == 0 && !slices.ContainsFunc(f.info.Splits, func(s SplitInfo) bool { return s.Name == name }) {
		return nil, fmt.Errorf("loaders: %s: %w %q (have %v)", f.info.Path, ErrNoSplit, name, splitNames(f.info.Splits))
	}
	sub.info.Count = len(sub.entries)
	return sub, nil
}

func (f *fileSource) Sample(i int) (Sample, error) {
	if i < 0 || i >= len(f.entries) {
		return Sample{}, fmt.Errorf("loaders: %s: sample %d out of range [0,%d)", f.info.Path, i, len(f.entries))
	}
	if err, ok := f.pre[i]; ok {
		return Sample{}, err
	}
	e := f.entries[i]
	file := filepath.Join(f.root, filepath.FromSlash(e.rel))
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Sample{}, sampleErr(file, i, ErrNotFound, "listed in the dataset but missing")
		}
		return Sample{}, &SampleError{Path: file, Index: i, Err: err}
	}
	h, _, err := DecodeHeader(data, f.maxPixels)
	if err != nil {
		return Sample{}, &SampleError{Path: file, Index: i, Err: err}
	}
	return Sample{
		Index: i, Path: e.rel, Split: e.split, Label: e.label,
		Class: ClassName(f.info.Classes, e.label), Format: h.Format, Data: data,
		Height: h.Height, Width: h.Width, Channels: h.Channels, file: file,
	}, nil
}

func (f *fileSource) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return indexedSamples(ctx, f)
}

// indexedSamples iterates an IndexedSource in index order.
func indexedSamples(ctx context.Context, is IndexedSource) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		n := is.Len()
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				yield(Sample{}, err)
				return
			}
			s, err := is.Sample(i)
			if !yield(s, err) {
				return
			}
		}
	}
}

// sortedClasses sorts class names: numerically when all are non-negative
// integers ("0".."10"), otherwise as strings.
func sortedClasses(set map[string]bool) []string {
	classes := make([]string, 0, len(set))
	numeric := true
	for c := range set {
		classes = append(classes, c)
		if _, err := strconv.ParseUint(c, 10, 31); err != nil {
			numeric = false
		}
	}
	if numeric {
		sort.Slice(classes, func(a, b int) bool {
			x, _ := strconv.Atoi(classes[a])
			y, _ := strconv.Atoi(classes[b])
			return x < y || (x == y && classes[a] < classes[b])
		})
	} else {
		sort.Strings(classes)
	}
	return classes
}
