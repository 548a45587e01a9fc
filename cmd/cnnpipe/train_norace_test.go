//go:build !race

package main

const trainRace = false
