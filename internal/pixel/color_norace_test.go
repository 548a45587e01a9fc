//go:build !race

package pixel

const raceEnabled = false
