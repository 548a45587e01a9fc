package expand

import (
	"strings"
	"testing"
	"time"
)

func TestSummaryReport(t *testing.T) {
	s := Summary{Inputs: 10, Outputs: 20, Written: 15, Existed: 5, Failed: 1, Bytes: 3e6, Elapsed: 2 * time.Second}
	s.Time.Decode, s.Time.Transform, s.Time.Encode, s.Time.Write = time.Second, time.Second, 2*time.Second, 0
	var b strings.Builder
	if err := s.Report(&b, "out"); err != nil {
		t.Fatal(err)
	}
	want := "augment: 10 inputs -> 20 outputs in out: 15 written (3.0 MB), 5 already there, 1 failed, in 2.0s (8 img/s)\n" +
		"time over workers: decode 25%, transform 25%, encode 50%, write 0% (4.0s)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
