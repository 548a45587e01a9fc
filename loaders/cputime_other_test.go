//go:build !unix

package loaders

// cpuTime is not measured on this system.
func cpuTime() float64 { return 0 }
