//go:build !unix

package loaders

import "os"

// mapFile is not supported on this system: Arrow IPC files are streamed.
func mapFile(f *os.File) (data []byte, unmap func() error) { return nil, nil }
