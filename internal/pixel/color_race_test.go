//go:build race

package pixel

// raceEnabled reports whether the race detector is on: long loops with no
// goroutines are skipped under it.
const raceEnabled = true
