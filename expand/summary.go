package expand

import (
	"fmt"
	"io"
	"time"
)

// Report prints s in the words of `cnnpipe augment`: one line of counts
// and rate for the run into dst, and, when timings were collected, one line
// saying how the workers' time split between decode, transform, encode and
// write. It returns the first write error.
func (s Summary) Report(w io.Writer, dst string) error {
	rate := float64(s.Written) / max(s.Elapsed.Seconds(), 1e-9)
	_, err := fmt.Fprintf(w, "augment: %d inputs -> %d outputs in %s: %d written (%.1f MB), %d already there, %d failed, in %.1fs (%.0f img/s)\n",
		s.Inputs, s.Outputs, dst, s.Written, float64(s.Bytes)/1e6, s.Existed, s.Failed, s.Elapsed.Seconds(), rate)
	t := s.Time
	total := t.Decode + t.Transform + t.Encode + t.Write
	if total > 0 && err == nil {
		pct := func(d time.Duration) float64 { return 100 * float64(d) / float64(total) }
		_, err = fmt.Fprintf(w, "time over workers: decode %.0f%%, transform %.0f%%, encode %.0f%%, write %.0f%% (%.1fs)\n",
			pct(t.Decode), pct(t.Transform), pct(t.Encode), pct(t.Write), total.Seconds())
	}
	return err
}
