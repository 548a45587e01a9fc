package loaders

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Formats lists the source formats Open understands, as named in
// Info.Format and Config.Format.
var Formats = []string{"folder", "manifest", "idx", "cifar10", "cifar100", "arrow", "arrows", "parquet", "shapes"}

// Open opens the dataset at path, detecting its format (see the package
// documentation) unless cfg.Format is set. cfg may be nil. The caller must
// Close the returned Dataset.
func Open(path string, cfg *Config) (*Dataset, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	format := cfg.Format
	if format == "" {
		var err error
		format, err = Detect(path)
		if err != nil {
			return nil, err
		}
		if format == "folder" {
			// A download unpacked into its own directory, such as
			// cifar-10/cifar-10-batches-bin/: use the one subdirectory.
			if sub, f, ok := packedSubdir(path); ok {
				path, format = sub, f
			}
		}
	}
	var src Source
	var err error
	switch format {
	case "folder":
		src, err = openFolder(path, cfg)
	case "manifest":
		if fi, e := os.Stat(path); e == nil && fi.IsDir() {
			path = findManifest(path)
		}
		src, err = openManifest(path, cfg)
	case "idx":
		src, err = openIDX(path, cfg)
	case "cifar10", "cifar100":
		src, err = openCIFAR(path, format, cfg)
	case "arrow", "arrows":
		src, err = openIPC(path, format, cfg)
	case "parquet":
		src, err = openParquet(path, cfg)
	case "shapes":
		src, err = openShapes(path, cfg)
	default:
		return nil, fmt.Errorf("loaders: %s: %w %q (known: %s)", path, ErrUnknownFormat, format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return nil, err
	}
	return NewDataset(src, cfg), nil
}

// manifestNames are the file names that make a flat folder a manifest dataset.
var manifestNames = []string{"manifest.csv", "labels.csv"}

func findManifest(dir string) string {
	for _, n := range manifestNames {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(dir, manifestNames[0])
}

// manifestHasPath reports whether the CSV file at path has a header with
// a "path" column, as a dataset manifest must.
func manifestHasPath(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return false
	}
	for _, h := range header {
		if columnName(h) == "path" {
			return true
		}
	}
	return false
}

// Detect returns the format of the dataset at path (one of Formats).
func Detect(path string) (string, error) {
	if isShapesName(path) {
		if _, err := os.Stat(path); err != nil {
			return "shapes", nil
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("loaders: %s: %w", path, err)
	}
	if fi.IsDir() {
		return detectDir(path)
	}
	name := strings.ToLower(filepath.Base(path))
	base := strings.TrimSuffix(name, ".gz")
	switch {
	case strings.HasSuffix(name, ".parquet") || strings.HasSuffix(name, ".pq"):
		return "parquet", nil
	case strings.HasSuffix(name, ".arrows"):
		return "arrows", nil
	case strings.HasSuffix(name, ".arrow") || strings.HasSuffix(name, ".feather") || strings.HasSuffix(name, ".ipc"):
		if ok, _ := hasPrefix(path, []byte("ARROW1")); ok {
			return "arrow", nil
		}
		return "arrows", nil
	case strings.HasSuffix(name, ".csv"):
		return "manifest", nil
	case strings.Contains(base, "idx") && strings.Contains(base, "ubyte"):
		return "idx", nil
	case strings.HasSuffix(name, ".bin"):
		return cifarKind(path, fi.Size())
	}
	if ok, _ := hasPrefix(path, []byte("PAR1")); ok {
		return "parquet", nil
	}
	if ok, _ := hasPrefix(path, []byte("ARROW1")); ok {
		return "arrow", nil
	}
	if ok, _ := hasPrefix(path, []byte{0, 0, 8}); ok {
		return "idx", nil
	}
	return "", fileErr(path, ErrUnknownFormat, "not a folder, manifest, IDX, CIFAR, Arrow or Parquet dataset")
}

func hasPrefix(path string, prefix []byte) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	b := make([]byte, len(prefix))
	if _, err := io.ReadFull(f, b); err != nil {
		return false, err
	}
	return bytes.Equal(b, prefix), nil
}

func detectDir(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("loaders: %s: %w", dir, err)
	}
	var hasIDX, hasCIFAR10, hasCIFAR100, hasManifest, hasSubdirs bool
	for _, e := range ents {
		n := strings.ToLower(e.Name())
		switch {
		case e.IsDir():
			hasSubdirs = hasSubdirs || !strings.HasPrefix(n, ".")
		case idxImagesRE.MatchString(n):
			hasIDX = true
		case strings.HasPrefix(n, "data_batch_") && strings.HasSuffix(n, ".bin"), n == "test_batch.bin":
			hasCIFAR10 = true
		case n == "train.bin" || n == "test.bin":
			hasCIFAR100 = true
		case n == manifestNames[0] || n == manifestNames[1]:
			hasManifest = true
		}
	}
	switch {
	case hasManifest && !(hasSubdirs && !manifestHasPath(findManifest(dir))):
		// A manifest.csv without a path column beside class folders is
		// not a dataset manifest: cnnpipe augment writes one (output,
		// source, ... per variant) into the class folders it creates.
		return "manifest", nil
	case hasIDX:
		return "idx", nil
	case hasCIFAR10:
		return "cifar10", nil
	case hasCIFAR100:
		return "cifar100", nil
	}
	return "folder", nil
}

// packedSubdir reports whether dir holds exactly one subdirectory, no
// images, and that subdirectory is an IDX, CIFAR or manifest dataset.
func packedSubdir(dir string) (string, string, bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", "", false
	}
	sub := ""
	for _, e := range ents {
		switch {
		case strings.HasPrefix(e.Name(), "."):
		case e.IsDir():
			if sub != "" {
				return "", "", false
			}
			sub = filepath.Join(dir, e.Name())
		case IsImageFile(e.Name()):
			return "", "", false
		}
	}
	if sub == "" {
		return "", "", false
	}
	f, err := detectDir(sub)
	if err != nil || f == "folder" {
		return "", "", false
	}
	return sub, f, true
}
