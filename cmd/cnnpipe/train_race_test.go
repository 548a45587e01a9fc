//go:build race

package main

// trainRace is true under the race detector, which makes the training
// tests too slow to run in full.
const trainRace = true
