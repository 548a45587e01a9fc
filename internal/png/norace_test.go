//go:build !race

package png_test

const raceEnabled = false
