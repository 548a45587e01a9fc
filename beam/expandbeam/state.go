package expandbeam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/cnnpipe/cnnpipe/expand"
)

// tmpMarker starts the names of temporary files, as in package expand, so
// that either command removes the other's leftovers.
const tmpMarker = ".cnnpipe-tmp-"

// prepareDst does on the driver what `cnnpipe augment` does before it
// starts: refuse a DST inside SRC, refuse a DST written with other settings
// (or holding other files) and record this run's settings in
// expand.StateFile, and remove temporary files and the manifest parts and
// failures list of an earlier run. A DST written by `cnnpipe augment` can
// thus be finished by this job, and the other way round.
func prepareDst(ctx context.Context, o *Options) error {
	if isLocal(o.Src) && isLocal(o.Dst) {
		if err := expand.CheckDst(o.Src, o.Dst); err != nil {
			return err
		}
		if err := os.MkdirAll(o.Dst, 0o755); err != nil {
			return fmt.Errorf("expandbeam: %s: %w", o.Dst, err)
		}
	}
	fsys, err := filesystem.New(ctx, o.Dst)
	if err != nil {
		return fmt.Errorf("expandbeam: %s: %w", o.Dst, err)
	}
	defer fsys.Close()
	if err := checkState(ctx, fsys, o); err != nil {
		return err
	}
	if isLocal(o.Dst) {
		if err := removeTemps(o.Dst); err != nil {
			return err
		}
	}
	parts, err := fsys.List(ctx, joinPath(o.Dst, ManifestDir+"/part-*.parquet"))
	if err != nil {
		return fmt.Errorf("expandbeam: %s: %w", o.Dst, err)
	}
	for _, n := range append(parts, joinPath(o.Dst, expand.FailuresCSV)) {
		if err := removeFile(ctx, fsys, n); err != nil {
			return err
		}
	}
	return nil
}

// checkState compares DST's expand.StateFile with this run's configuration,
// byte for byte as package expand writes it.
func checkState(ctx context.Context, fsys filesystem.Interface, o *Options) error {
	want, err := json.MarshalIndent(&o.Config, "", "  ")
	if err != nil {
		return err
	}
	want = append(want, '\n')
	name := joinPath(o.Dst, expand.StateFile)
	if exists(ctx, fsys, name) {
		have, err := readFile(ctx, fsys, name)
		if err != nil {
			return err
		}
		if string(have) != string(want) {
			return fmt.Errorf("expandbeam: %s: %w (it was written with %s; this run has %s): use another destination or remove it",
				o.Dst, ErrMismatch, strings.Join(strings.Fields(string(have)), " "), strings.Join(strings.Fields(string(want)), " "))
		}
		return nil
	}
	entries, err := fsys.List(ctx, joinPath(o.Dst, "*"))
	if err != nil {
		return fmt.Errorf("expandbeam: %s: %w", o.Dst, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("expandbeam: %s: %w: it is not empty and was not written by cnnpipe augment", o.Dst, ErrMismatch)
	}
	return writeAtomic(ctx, fsys, name, want)
}

// removeTemps deletes the temporary files left in a local DST by a killed
// run.
func removeTemps(dst string) error {
	return filepath.WalkDir(dst, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("expandbeam: %w", err)
		}
		if !e.IsDir() && strings.HasPrefix(e.Name(), tmpMarker) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("expandbeam: %w", err)
			}
		}
		return nil
	})
}
