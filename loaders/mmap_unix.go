//go:build unix

package loaders

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps a file read-only into memory. It returns nil data (and no
// error) when the file is empty or mapping is not possible, so callers fall
// back to reading.
func mapFile(f *os.File) (data []byte, unmap func() error) {
	fi, err := f.Stat()
	if err != nil || fi.Size() <= 0 || fi.Size() > 1<<40 {
		return nil, nil
	}
	data, err = unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil
	}
	return data, func() error { return unix.Munmap(data) }
}
