//go:build amd64 && !purego && !noasm

package kernels

// activeImpl is the implementation Sgemm uses on this CPU.
var activeImpl = goImpl

// impls lists every implementation usable on this CPU, for tests.
var impls = []*impl{goImpl}
