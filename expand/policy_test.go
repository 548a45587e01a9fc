package expand

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/augment"
)

func TestPolicyText(t *testing.T) {
	dir := t.TempDir()
	yamlFile := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(yamlFile, []byte("- hflip: {p: 0.5}\n- rotate: {deg: 15}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	textFile := filepath.Join(dir, "p.txt")
	if err := os.WriteFile(textFile, []byte("hflip p=0.5; rotate deg=15"), 0o644); err != nil {
		t.Fatal(err)
	}
	canon, err := PolicyText("hflip p=0.5; rotate deg=15", "")
	if err != nil {
		t.Fatal(err)
	}
	def, err := PolicyText("", "")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := augment.Parse(DefaultPolicy); def != want.String() {
		t.Errorf("default = %q, want %q", def, want.String())
	}
	for _, tc := range []struct {
		name, ops, file, want string
		err                   error
		errText               string
	}{
		{name: "text file", file: textFile, want: canon},
		{name: "yaml file", file: yamlFile, want: canon},
		{name: "both", ops: "hflip", file: textFile, err: ErrPolicyChoice},
		{name: "bad ops", ops: "spin deg=3", err: augment.ErrPolicy},
		{name: "missing file", file: filepath.Join(dir, "none.yaml"), err: os.ErrNotExist},
		{name: "bad file", file: writeFile(t, dir, "bad.yaml", "- spin: {deg: 3}\n"), errText: "bad.yaml"},
	} {
		got, err := PolicyText(tc.ops, tc.file)
		switch {
		case tc.err != nil || tc.errText != "":
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) || !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("%s: err = %v, want %v %q", tc.name, err, tc.err, tc.errText)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case got != tc.want:
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
