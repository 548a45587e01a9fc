package cputime

import (
	"runtime"
	"testing"
)

func TestProcessAdvances(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("not read on this system")
	}
	t0 := Process()
	x := 1.0
	for i := 0; i < 50_000_000 && Process()-t0 < 20e6; i++ { // spin for ~20 ms of CPU
		x = x*1.0000001 + 1e-9
	}
	if d := Process() - t0; d <= 0 {
		t.Fatalf("CPU time did not advance (%v) after spinning (%v)", d, x)
	}
}
