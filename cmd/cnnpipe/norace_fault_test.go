//go:build !race

package main

// faultRace is true under the race detector (see fault_test.go).
const faultRace = false
