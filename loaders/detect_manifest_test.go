package loaders

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDetectManifestBesideClassFolders: the manifest cnnpipe augment writes
// into its output (no path column) does not hide the class folders beside
// it, while a dataset manifest (with a path column) still wins, and a flat
// folder's manifest.csv is still read as a manifest (so a bad one gets the
// manifest's error).
func TestDetectManifestBesideClassFolders(t *testing.T) {
	const augmentHeader = "output,source,index,label,class,split,copy,seed,params\ncat/a_000.png,cat/a.png,0,0,cat,,0,1,hflip\n"
	const datasetHeader = "path,label\ncat/a_000.png,0\n"
	for _, tc := range []struct {
		name     string
		subdirs  []string
		manifest string
		want     string
	}{
		{"augment output", []string{"cat", "dog"}, augmentHeader, "folder"},
		{"augment output, BOM and spaces", []string{"cat"}, "\ufeff output , class\nx,cat\n", "folder"},
		{"dataset manifest beside folders", []string{"cat", "dog"}, datasetHeader, "manifest"},
		{"dataset manifest, upper case", []string{"cat"}, " PATH ,label\nx,0\n", "manifest"},
		{"flat folder, augment-style manifest", nil, augmentHeader, "manifest"},
		{"hidden subfolder only", []string{".cache"}, augmentHeader, "manifest"},
		{"empty manifest beside folders", []string{"cat"}, "", "folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range tc.subdirs {
				if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "manifest.csv"), []byte(tc.manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Detect(dir)
			if err != nil || got != tc.want {
				t.Fatalf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
