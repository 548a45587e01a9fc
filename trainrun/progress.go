package trainrun

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// progress prints the state of the running epoch: batches done (of the
// total when known), the running mean loss and images per second.
type progress struct {
	w        io.Writer
	tty      bool
	every    time.Duration
	batches  int // per epoch, 0 when unknown
	bsize    int
	epoch    int
	start    time.Time
	last     time.Time
	images   int // this epoch, in this process
	first    int // images of the first step seen in this epoch
	prev     int // Images of the previous BatchStats
	lossSum  float64
	drawn    int // width of the line drawn in place
	disabled bool
}

func newProgress(w io.Writer, tty bool, every time.Duration) *progress {
	if every <= 0 {
		every = 10 * time.Second
	}
	if tty {
		every = 200 * time.Millisecond
	}
	return &progress{w: w, tty: tty, every: every, disabled: w == nil}
}

// setTotal sets the number of batches of an epoch from the number of
// training images (-1 when unknown).
func (p *progress) setTotal(images, batch int) {
	p.bsize = batch
	if images > 0 && batch > 0 {
		p.batches = (images + batch - 1) / batch
	}
}

func (p *progress) update(b cnn.BatchStats, epochs int) {
	if p.disabled {
		return
	}
	now := time.Now()
	if b.Epoch != p.epoch {
		p.epoch, p.start, p.last, p.images, p.lossSum, p.first = b.Epoch, now, time.Time{}, 0, 0, 0
		// A resumed epoch starts after the batches trained before.
		p.prev = max(b.Images-p.bsize, 0)
	}
	n := b.Images - p.prev
	p.prev = b.Images
	p.images += n
	if p.first == 0 {
		p.first = p.images // images/sec count from the end of the first step
	}
	p.lossSum += b.Loss * float64(n)
	if now.Sub(p.last) < p.every && !(p.batches > 0 && b.Batch == p.batches) {
		return
	}
	p.last = now
	of := ""
	if p.batches > 0 {
		of = fmt.Sprintf("/%d", p.batches)
	}
	rate := "- img/s" // the first batch's time is not measured
	if el := now.Sub(p.start).Seconds(); p.images > p.first && el > 0 {
		rate = fmt.Sprintf("%.0f img/s", float64(p.images-p.first)/el)
	}
	line := fmt.Sprintf("epoch %d/%d  batch %d%s  loss %.4f  %s", b.Epoch, epochs, b.Batch, of, p.lossSum/float64(max(p.images, 1)), rate)
	if p.tty {
		pad := ""
		if len(line) < p.drawn {
			pad = strings.Repeat(" ", p.drawn-len(line))
		}
		fmt.Fprintf(p.w, "\r%s%s", line, pad)
		p.drawn = len(line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// clear erases the line drawn in place, before other output.
func (p *progress) clear() {
	if p.disabled || !p.tty || p.drawn == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.drawn))
	p.drawn = 0
}
