//go:build race

package eval_test

// raceEnabled skips the long MNIST training under the race detector: its
// concurrency (the streaming Loader and the trainer's workers) is covered
// by the shorter tests, and instrumented GEMMs make it take minutes.
const raceEnabled = true
