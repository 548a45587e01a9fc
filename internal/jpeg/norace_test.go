//go:build !race

package jpeg

// raceEnabled is false: see race_test.go.
const raceEnabled = false
