package expandbeam

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// TestMatchesCore is the engine-independence contract: for the same SRC,
// seed and ops, the job on Prism writes byte-identical files under
// identical names to `cnnpipe augment` (package expand), and its manifest
// parts hold exactly the core manifest's rows. It then checks that a
// re-run resumes (rewrites only missing files, cleans temporary files).
func TestMatchesCore(t *testing.T) {
	src := makeFolder(t, 10, false)
	cfg := expand.Config{Ops: testOps, Copies: 3, Seed: 7, KeepOriginals: true}
	coreDst := filepath.Join(t.TempDir(), "core")
	beamDst := filepath.Join(t.TempDir(), "beam")
	if _, err := runCore(t, src, coreDst, cfg, loaders.Fail); err != nil {
		t.Fatal(err)
	}
	opts := Options{Src: src, Dst: beamDst, Config: cfg, ReadShards: 4, ManifestShards: 3}
	start := time.Now()
	sum, fails, err := Run(context.Background(), opts, onPrism)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("prism run: %v, %+v", time.Since(start), sum)
	if sum.Inputs != 30 || sum.Outputs != 120 || sum.Written != 120 || sum.Existed != 0 || sum.Failed != 0 || len(fails) != 0 {
		t.Errorf("summary %+v, failures %v", sum, fails)
	}
	if sum.Bytes <= 0 || sum.Time.Decode <= 0 || sum.Time.Encode <= 0 || sum.Time.Write <= 0 {
		t.Errorf("counters not collected: %+v", sum)
	}
	coreTree := tree(t, coreDst)
	sameTree(t, coreTree, tree(t, beamDst))

	// The manifest: parts of the core's schema, each sorted by output and
	// holding the outputs that hash to it; together the core's rows.
	parts, _ := filepath.Glob(filepath.Join(beamDst, ManifestDir, "part-*.parquet"))
	if len(parts) != 3 {
		t.Fatalf("manifest parts %v, want 3", parts)
	}
	var all [][]string
	for _, p := range parts {
		rows := readRows(t, p)
		for i, r := range rows {
			if i > 0 && rows[i-1][0] >= r[0] {
				t.Errorf("%s: not sorted by output at row %d", p, i)
			}
			if want := partName(partOf(r[0], 3)); !strings.HasSuffix(filepath.ToSlash(p), want) {
				t.Errorf("%s: row %s belongs in %s", p, r[0], want)
			}
		}
		all = append(all, rows...)
	}
	slices.SortFunc(all, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	coreRows := readRows(t, filepath.Join(coreDst, expand.ManifestParquet))
	if !slices.EqualFunc(all, coreRows, slices.Equal) {
		t.Errorf("manifest rows differ from the core's: %d vs %d rows", len(all), len(coreRows))
	}

	// Resume: remove some outputs, leave a temporary file as a killed
	// worker would, and run again.
	removed := []string{"cat/003_001.png", "dog/004_000.png", "gray/009_002.png", "dog/004.jpg"}
	for _, r := range removed {
		if err := os.Remove(filepath.Join(beamDst, filepath.FromSlash(r))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(beamDst, "cat", tmpMarker+"0123"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, _, err = Run(context.Background(), opts, onPrism)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written != len(removed) || sum.Existed != 120-len(removed) {
		t.Errorf("resumed run: %+v", sum)
	}
	sameTree(t, coreTree, tree(t, beamDst))

	// Other settings into the same DST are refused before the pipeline runs.
	other := opts
	other.Config.Seed = 8
	if _, _, err := Run(context.Background(), other, onPrism); !errors.Is(err, ErrMismatch) {
		t.Errorf("run with another seed: %v, want ErrMismatch", err)
	}
}

// TestCorruptInput: a corrupt input is named in failures.csv (as the core
// names it), the other outputs are written, and Run fails unless the
// policy is skip. JPEG output is covered here.
func TestCorruptInput(t *testing.T) {
	src := makeFolder(t, 3, true)
	cfg := expand.Config{Ops: "hflip; jitter b=0.3", Copies: 2, Seed: 5, Format: "jpeg", Quality: 85}
	coreDst := filepath.Join(t.TempDir(), "core")
	if _, err := runCore(t, src, coreDst, cfg, loaders.Fail); !errors.Is(err, expand.ErrFailed) {
		t.Fatalf("core: %v, want ErrFailed", err)
	}
	beamDst := filepath.Join(t.TempDir(), "beam")
	opts := Options{Src: src, Dst: beamDst, Config: cfg}
	sum, fails, err := Run(context.Background(), opts, onPrism)
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("beam: %v, want ErrFailed", err)
	}
	if sum.Failed != 1 || sum.Inputs != 10 || sum.Outputs != 18 || len(fails) != 1 || !strings.HasSuffix(fails[0].Path, "bad.png") {
		t.Errorf("summary %+v, failures %+v", sum, fails)
	}
	sameTree(t, tree(t, coreDst), tree(t, beamDst)) // includes failures.csv

	opts.OnError = "skip"
	sum, fails, err = Run(context.Background(), opts, onPrism)
	if err != nil || sum.Failed != 1 || len(fails) != 1 || sum.Written != 0 || sum.Existed != 18 {
		t.Errorf("skip: %+v %v %v", sum, fails, err)
	}
}
