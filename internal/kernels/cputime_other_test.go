//go:build !unix

package kernels

// processCPU returns 0: CPU time is not measured on this platform.
func processCPU() float64 { return 0 }
