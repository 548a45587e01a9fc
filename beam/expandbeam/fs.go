package expandbeam

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	// The local filesystem: DST may be a local path on every runner.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
)

// writeAtomic writes data to name through Beam's filesystem fsys so that no
// reader ever sees a partial file: on the local filesystem it writes a
// temporary file in the same directory and renames it; on an object store
// (any other scheme) a single object write is already atomic. Writing the
// same bytes again (a retried bundle) replaces the file by an identical one.
func writeAtomic(ctx context.Context, fsys filesystem.Interface, name string, data []byte) error {
	if !isLocal(name) {
		return writeAll(ctx, fsys, name, data)
	}
	rn, ok := fsys.(filesystem.Renamer)
	if !ok {
		return fmt.Errorf("expandbeam: %s: the filesystem cannot rename: %w", name, errors.ErrUnsupported)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("expandbeam: %s: %w", name, err)
	}
	tmp := filepath.Join(filepath.Dir(name), tmpMarker+hex.EncodeToString(b[:]))
	if err := writeAll(ctx, fsys, tmp, data); err != nil {
		removeFile(ctx, fsys, tmp)
		return err
	}
	if err := rn.Rename(ctx, tmp, name); err != nil {
		removeFile(ctx, fsys, tmp)
		return fmt.Errorf("expandbeam: write %s: %w", name, err)
	}
	return nil
}

func writeAll(ctx context.Context, fsys filesystem.Interface, name string, data []byte) error {
	w, err := fsys.OpenWrite(ctx, name)
	if err != nil {
		return fmt.Errorf("expandbeam: write %s: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("expandbeam: write %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("expandbeam: write %s: %w", name, err)
	}
	return nil
}

// exists reports whether name exists (as a file or object).
func exists(ctx context.Context, fsys filesystem.Interface, name string) bool {
	_, err := fsys.Size(ctx, name)
	return err == nil
}

// readFile reads a whole file.
func readFile(ctx context.Context, fsys filesystem.Interface, name string) ([]byte, error) {
	r, err := fsys.OpenRead(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("expandbeam: %s: %w", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("expandbeam: %s: %w", name, err)
	}
	return b, nil
}

// removeFile removes one file; a missing file is not an error.
func removeFile(ctx context.Context, fsys filesystem.Interface, name string) error {
	if !exists(ctx, fsys, name) {
		return nil
	}
	rm, ok := fsys.(filesystem.Remover)
	if !ok {
		return fmt.Errorf("expandbeam: remove %s: %w", name, errors.ErrUnsupported)
	}
	if err := rm.Remove(ctx, name); err != nil {
		return fmt.Errorf("expandbeam: remove %s: %w", name, err)
	}
	return nil
}

// writeFile writes one file atomically through Beam's filesystem.
func writeFile(ctx context.Context, name string, data []byte) error {
	fsys, err := filesystem.New(ctx, name)
	if err != nil {
		return fmt.Errorf("expandbeam: %s: %w", name, err)
	}
	defer fsys.Close()
	return writeAtomic(ctx, fsys, name, data)
}
