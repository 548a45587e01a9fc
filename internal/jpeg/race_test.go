//go:build race

package jpeg

// raceEnabled trims the slowest tests under the race detector, which
// they do not need (only TestDecodeConcurrent runs goroutines).
const raceEnabled = true
