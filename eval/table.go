package eval

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// MaxConfusionTable is the largest number of classes whose confusion matrix
// WriteText prints; larger ones are left to the JSON output and the plot.
const MaxConfusionTable = 30

// WriteText writes r as the text report of cnnpipe eval: the summary line,
// the per-class table (precision, recall, F1, support) with the macro and
// weighted averages, and the confusion matrix (rows: true class, columns:
// predicted class) when there are at most MaxConfusionTable classes.
func (r *Result) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	correct := r.Confusion.Correct()
	fmt.Fprintf(bw, "accuracy %.4f (%d/%d)  loss %.4f (%s)  %d images in %.1fs (%.0f img/s)\n",
		r.Accuracy, correct, r.Images, r.Loss, r.LossName, r.Images, r.Seconds, r.ImagesPerSec)
	if r.Resized > 0 || r.ChannelsConverted > 0 {
		fmt.Fprintf(bw, "converted to the model's input: %d resized, %d with other channels (e.g. %s)\n", r.Resized, r.ChannelsConverted, r.Example)
	}
	bw.WriteString("\n")

	nameW := len("weighted avg")
	for _, c := range r.Classes {
		nameW = max(nameW, len(c.Class))
	}
	nameW = min(nameW, 40)
	fmt.Fprintf(bw, "%-*s  %9s  %7s  %7s  %7s\n", nameW, "class", "precision", "recall", "f1", "support")
	for _, c := range r.Classes {
		fmt.Fprintf(bw, "%-*s  %9.4f  %7.4f  %7.4f  %7d\n", nameW, clip(c.Class, nameW), c.Precision, c.Recall, c.F1, c.Support)
	}
	fmt.Fprintf(bw, "%-*s  %9.4f  %7.4f  %7.4f  %7d\n", nameW, "macro avg", r.MacroPrecision, r.MacroRecall, r.MacroF1, r.Images)
	fmt.Fprintf(bw, "%-*s  %9.4f  %7.4f  %7.4f  %7d\n", nameW, "weighted avg", r.WeightedPrecision, r.WeightedRecall, r.WeightedF1, r.Images)

	bw.WriteString("\n")
	if k := len(r.Confusion); k > MaxConfusionTable {
		fmt.Fprintf(bw, "confusion matrix: %d classes, too many for a table; see --json or --plot\n", k)
	} else {
		writeConfusion(bw, r.Confusion, r.ClassNames())
	}
	return bw.Flush()
}

// writeConfusion prints the matrix with class names heading rows and
// columns (column headings clipped to the cell width).
func writeConfusion(w io.Writer, c Confusion, names []string) {
	cell := 3
	for _, row := range c {
		for _, v := range row {
			cell = max(cell, len(fmt.Sprint(v)))
		}
	}
	for _, n := range names {
		cell = max(cell, min(len(n), 8))
	}
	nameW := len("true \\ pred")
	for _, n := range names {
		nameW = max(nameW, min(len(n), 24))
	}
	fmt.Fprintf(w, "confusion matrix (rows: true class, columns: predicted class)\n")
	fmt.Fprintf(w, "%-*s", nameW, "true \\ pred")
	for _, n := range names {
		fmt.Fprintf(w, " %*s", cell, clip(n, cell))
	}
	fmt.Fprintln(w)
	for i, row := range c {
		fmt.Fprintf(w, "%-*s", nameW, clip(names[i], nameW))
		for _, v := range row {
			fmt.Fprintf(w, " %*d", cell, v)
		}
		fmt.Fprintln(w)
	}
}

// WriteText writes the prediction as one line: the path, then each of the
// top classes with its probability in percent, e.g.
//
//	digits/7.png  7 99.81%  1 0.12%  2 0.03%
func (p *Prediction) WriteText(w io.Writer, pathWidth int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s", pathWidth, p.Path)
	top := p.Top
	if top == nil {
		top = []Ranked{{Label: p.Label, Class: p.Class, Prob: p.Prob}}
	}
	for _, r := range top {
		fmt.Fprintf(&b, "  %s %6.2f%%", r.Class, 100*r.Prob)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the summary as the model table of Sequential.Summary,
// followed for a training checkpoint by its progress and classes.
func (s *Summary) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(s.table)
	if !s.Trained {
		fmt.Fprintf(bw, "weights: untrained (%s is a spec, not a checkpoint)\n", s.Source)
	}
	if s.Epochs > 0 {
		fmt.Fprintf(bw, "trained %d epochs; best validation accuracy %.4f at epoch %d\n", s.Epochs, s.BestValAcc, s.BestEpoch)
	}
	if len(s.Classes) > 0 {
		fmt.Fprintf(bw, "classes: %s\n", strings.Join(s.Classes, ", "))
	}
	return bw.Flush()
}

// clip shortens s to at most n bytes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
