//go:build !amd64 || purego || noasm

package kernels

// activeImpl is the implementation Sgemm uses: the portable one on this
// build (not amd64, or built with the purego or noasm tag).
var activeImpl = goImpl

// impls lists every implementation usable on this CPU, for tests.
var impls = []*impl{goImpl}
