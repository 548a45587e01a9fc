package loaders

import (
	"fmt"
	"strings"
)

// isShapesName reports whether path names the built-in shapes dataset.
func isShapesName(path string) bool {
	p := strings.ToLower(path)
	return p == "shapes" || p == "builtin:shapes"
}

// openShapes opens the built-in shapes dataset.
func openShapes(path string, cfg *Config) (Source, error) {
	return nil, fmt.Errorf("loaders: %s: %w: the built-in shapes dataset is not available yet", path, ErrUnknownFormat)
}
