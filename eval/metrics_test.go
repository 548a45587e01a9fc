package eval

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// TestPerClassHandMade checks the metrics of a 3-class confusion matrix
// against values worked out by hand.
func TestPerClassHandMade(t *testing.T) {
	// rows: true class, columns: predicted.
	c := Confusion{
		{5, 2, 0}, // cat: 7 samples, 5 right, 2 taken for dog
		{1, 3, 1}, // dog: 5 samples, 3 right, one taken for a cat, one for a bird
		{0, 0, 0}, // bird: no sample (but predicted once)
	}
	// By hand:
	//   cat:  TP 5, predicted 5+1+0 = 6, support 7 -> P 5/6, R 5/7
	//   dog:  TP 3, predicted 2+3+0 = 5, support 5 -> P 3/5, R 3/5
	//   bird: TP 0, predicted 0+1+0 = 1, support 0 -> P 0,   R 0 (no sample)
	f1 := func(p, r float64) float64 { return 2 * p * r / (p + r) }
	want := []ClassMetrics{
		{Label: 0, Class: "cat", Precision: 5.0 / 6, Recall: 5.0 / 7, F1: f1(5.0/6, 5.0/7), Support: 7, Predicted: 6},
		{Label: 1, Class: "dog", Precision: 3.0 / 5, Recall: 3.0 / 5, F1: 3.0 / 5, Support: 5, Predicted: 5},
		{Label: 2, Class: "2", Precision: 0, Recall: 0, F1: 0, Support: 0, Predicted: 1},
	}
	got := PerClass(c, []string{"cat", "dog"})
	for i, w := range want {
		g := got[i]
		if g.Label != w.Label || g.Class != w.Class || g.Support != w.Support || g.Predicted != w.Predicted ||
			!near(g.Precision, w.Precision) || !near(g.Recall, w.Recall) || !near(g.F1, w.F1) {
			t.Errorf("class %d: got %+v, want %+v", i, g, w)
		}
	}
	if c.Total() != 12 || c.Correct() != 8 || !near(c.Accuracy(), 8.0/12) {
		t.Errorf("total %d correct %d accuracy %v, want 12, 8, 2/3", c.Total(), c.Correct(), c.Accuracy())
	}
	// Macro averages skip the class without samples; weighted ones weight
	// cat by 7 and dog by 5.
	a := Average(got)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"macro precision", a.MacroPrecision, (5.0/6 + 3.0/5) / 2},
		{"macro recall", a.MacroRecall, (5.0/7 + 3.0/5) / 2},
		{"macro f1", a.MacroF1, (f1(5.0/6, 5.0/7) + 3.0/5) / 2},
		{"weighted precision", a.WeightedPrecision, (7*5.0/6 + 5*3.0/5) / 12},
		{"weighted recall", a.WeightedRecall, (7*5.0/7 + 5*3.0/5) / 12},
		{"weighted f1", a.WeightedF1, (7*f1(5.0/6, 5.0/7) + 5*3.0/5) / 12},
	}
	for _, ch := range checks {
		if !near(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	// The weighted recall is the accuracy when every class has samples.
	if !near(a.WeightedRecall, c.Accuracy()) {
		t.Errorf("weighted recall %v != accuracy %v", a.WeightedRecall, c.Accuracy())
	}
}

func TestConfusionEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		c       Confusion
		wantErr bool
		acc     float64
	}{
		{"empty", NewConfusion(0), false, 0},
		{"all zero", NewConfusion(3), false, 0},
		{"perfect", Confusion{{2, 0}, {0, 3}}, false, 1},
		{"all wrong", Confusion{{0, 2}, {3, 0}}, false, 0},
		{"not square", Confusion{{1, 2}, {3}}, true, 0},
		{"negative", Confusion{{1, -2}, {3, 4}}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.c.Validate(); (err != nil) != tt.wantErr {
				t.Fatalf("Validate: %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got := tt.c.Accuracy(); !near(got, tt.acc) {
				t.Errorf("accuracy %v, want %v", got, tt.acc)
			}
			for _, m := range PerClass(tt.c, nil) {
				for _, v := range []float64{m.Precision, m.Recall, m.F1} {
					if math.IsNaN(v) || v < 0 || v > 1 {
						t.Errorf("class %d: metric %v outside [0, 1]", m.Label, v)
					}
				}
			}
		})
	}
}

func TestNewConfusionAdd(t *testing.T) {
	c := NewConfusion(3)
	c.Add(0, 0)
	c.Add(2, 1)
	c.Add(2, 1)
	c[1] = append(c[1], 0)[:3] // rows must not share their backing array
	if c[2][1] != 2 || c[0][0] != 1 || c.Total() != 3 || c[1][0] != 0 {
		t.Errorf("confusion %v", c)
	}
}

func TestCompareClasses(t *testing.T) {
	tests := []struct {
		model, data []string
		want        string
	}{
		{nil, []string{"a"}, ""},
		{[]string{"a", "b"}, nil, ""},
		{[]string{"a", "b"}, []string{"a", "b"}, ""},
		{[]string{"a", "b", "c"}, []string{"a", "b"}, ""},
		{[]string{"a", "b"}, []string{"b", "a"}, `label 0 is "b" in the data but "a" for the model`},
		{[]string{"a"}, []string{"a", "b"}, "the data has 2 classes, the model 1"},
	}
	for _, tt := range tests {
		if got := CompareClasses(tt.model, tt.data); got != tt.want {
			t.Errorf("CompareClasses(%q, %q) = %q, want %q", tt.model, tt.data, got, tt.want)
		}
	}
}
