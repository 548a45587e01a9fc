package eval

import "fmt"

// Confusion is a confusion matrix: Confusion[label][prediction] counts the
// samples of true class label that the model assigned to prediction. It is
// square, one row and one column per class.
type Confusion [][]int

// NewConfusion returns an all-zero k×k confusion matrix.
func NewConfusion(k int) Confusion {
	c := make(Confusion, k)
	cells := make([]int, k*k)
	for i := range c {
		c[i] = cells[i*k : (i+1)*k : (i+1)*k]
	}
	return c
}

// Add counts one sample of class label predicted as pred. Both must be in
// [0, len(c)).
func (c Confusion) Add(label, pred int) { c[label][pred]++ }

// Total returns the number of samples counted.
func (c Confusion) Total() int {
	n := 0
	for _, row := range c {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Correct returns the number of samples on the diagonal.
func (c Confusion) Correct() int {
	n := 0
	for i := range c {
		n += c[i][i]
	}
	return n
}

// Accuracy returns Correct/Total, or 0 for an empty matrix.
func (c Confusion) Accuracy() float64 {
	if t := c.Total(); t > 0 {
		return float64(c.Correct()) / float64(t)
	}
	return 0
}

// Validate checks that c is square and has no negative count.
func (c Confusion) Validate() error {
	for i, row := range c {
		if len(row) != len(c) {
			return fmt.Errorf("eval: confusion matrix row %d has %d columns, want %d", i, len(row), len(c))
		}
		for j, v := range row {
			if v < 0 {
				return fmt.Errorf("eval: confusion matrix cell [%d][%d] is negative (%d)", i, j, v)
			}
		}
	}
	return nil
}

// ClassMetrics are the one-vs-rest scores of one class.
type ClassMetrics struct {
	// Label is the class index and Class its name.
	Label int    `json:"label"`
	Class string `json:"class"`
	// Precision is TP/(TP+FP): of the samples predicted as this class, the
	// fraction that are. It is 0 when nothing was predicted as the class
	// (scikit-learn's zero_division=0).
	Precision float64 `json:"precision"`
	// Recall is TP/(TP+FN): of the samples of this class, the fraction
	// found. It is 0 when the class has no sample.
	Recall float64 `json:"recall"`
	// F1 is the harmonic mean of Precision and Recall (0 when both are 0).
	F1 float64 `json:"f1"`
	// Support is the number of samples of the class (TP+FN); Predicted the
	// number predicted as the class (TP+FP).
	Support   int `json:"support"`
	Predicted int `json:"predicted"`
}

// Averages are the per-class scores averaged over the classes: Macro gives
// each class the same weight, Weighted weights each by its support (as
// scikit-learn's classification_report). Classes without samples are left
// out of the macro average.
type Averages struct {
	MacroPrecision    float64 `json:"macro_precision"`
	MacroRecall       float64 `json:"macro_recall"`
	MacroF1           float64 `json:"macro_f1"`
	WeightedPrecision float64 `json:"weighted_precision"`
	WeightedRecall    float64 `json:"weighted_recall"`
	WeightedF1        float64 `json:"weighted_f1"`
}

// PerClass returns the precision, recall and F1 of every class of c. Class
// names come from classes (the label number when classes is shorter).
func PerClass(c Confusion, classes []string) []ClassMetrics {
	k := len(c)
	out := make([]ClassMetrics, k)
	for i := range k {
		tp := c[i][i]
		support, predicted := 0, 0
		for j := range k {
			support += c[i][j]
			predicted += c[j][i]
		}
		m := ClassMetrics{Label: i, Class: className(classes, i), Support: support, Predicted: predicted}
		if predicted > 0 {
			m.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			m.Recall = float64(tp) / float64(support)
		}
		if m.Precision+m.Recall > 0 {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
		out[i] = m
	}
	return out
}

// Average returns the macro and support-weighted averages of per-class
// metrics.
func Average(ms []ClassMetrics) Averages {
	var a Averages
	classes, total := 0, 0
	for _, m := range ms {
		if m.Support == 0 {
			continue
		}
		classes++
		total += m.Support
		a.MacroPrecision += m.Precision
		a.MacroRecall += m.Recall
		a.MacroF1 += m.F1
		w := float64(m.Support)
		a.WeightedPrecision += w * m.Precision
		a.WeightedRecall += w * m.Recall
		a.WeightedF1 += w * m.F1
	}
	if classes == 0 {
		return a
	}
	n, t := float64(classes), float64(total)
	a.MacroPrecision /= n
	a.MacroRecall /= n
	a.MacroF1 /= n
	a.WeightedPrecision /= t
	a.WeightedRecall /= t
	a.WeightedF1 /= t
	return a
}

// className returns classes[i], or i as a number when there is no name.
func className(classes []string, i int) string {
	if i >= 0 && i < len(classes) && classes[i] != "" {
		return classes[i]
	}
	return fmt.Sprint(i)
}
