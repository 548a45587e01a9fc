package models

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/cnnpipe/cnnpipe/cnn"
)

//go:embed *.yaml
var files embed.FS

// Default is the name of the model cnnpipe train uses by default.
const Default = "seed"

// Names returns the names of the built-in models, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Source returns the YAML text of the built-in model name.
func Source(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("models: unknown model %q (built-in: %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Open returns the spec of the built-in model called nameOrPath, or, when
// there is none of that name, the spec read from the file nameOrPath.
func Open(nameOrPath string) (*cnn.Spec, error) {
	if b, err := files.ReadFile(nameOrPath + ".yaml"); err == nil && !strings.ContainsAny(nameOrPath, "/\\.") {
		s, err := cnn.ParseSpec(b)
		if err != nil {
			return nil, fmt.Errorf("models: %s: %w", nameOrPath, err)
		}
		return s, nil
	}
	if !strings.ContainsAny(nameOrPath, "/\\.") {
		return nil, fmt.Errorf("models: unknown model %q (built-in: %s; or give a path to a .yaml or .json spec)", nameOrPath, strings.Join(Names(), ", "))
	}
	s, err := cnn.LoadSpec(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	return s, nil
}
