//go:build race

package png_test

// raceEnabled lightens the exhaustive tests under the race detector (the
// decoder has no shared state beyond its sync.Pool).
const raceEnabled = true
