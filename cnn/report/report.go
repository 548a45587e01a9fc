package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"github.com/cnnpipe/cnnpipe/cnn"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	trainColor = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	valColor   = color.RGBA{R: 255, G: 127, B: 14, A: 255}
)

// Curves renders the loss (left) and accuracy (right) of each epoch of
// rows, for training and (when present) validation, as a PNG image.
func Curves(rows []cnn.EpochStats) ([]byte, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("report: no epochs to plot")
	}
	loss, err := panel("Loss per epoch", "loss", true, rows, func(r cnn.EpochStats) (float64, float64) { return r.TrainLoss, r.ValLoss })
	if err != nil {
		return nil, err
	}
	acc, err := panel("Accuracy per epoch", "accuracy", false, rows, func(r cnn.EpochStats) (float64, float64) { return r.TrainAcc, r.ValAcc })
	if err != nil {
		return nil, err
	}
	// Accuracy starts at the lowest value plotted, not at 0, so that the
	// last points of a good run (94% to 99%, say) do not merge into a line.
	lo := 1.0
	for _, r := range rows {
		for _, v := range []float64{r.TrainAcc, r.ValAcc} {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v < lo {
				lo = v
			}
		}
	}
	acc.Y.Min = math.Max(0, lo-0.1*(1-lo)-0.01)
	acc.Y.Max = math.Max(acc.Y.Max, 1)
	const w, h = 12 * vg.Inch, 4.5 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	loss.Draw(tiles.At(dc, 0, 0))
	acc.Draw(tiles.At(dc, 1, 0))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

func panel(title, ylabel string, legendTop bool, rows []cnn.EpochStats, get func(cnn.EpochStats) (train, val float64)) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Legend.Top = legendTop
	p.Legend.YOffs = vg.Millimeter * 4
	p.Legend.XOffs = -vg.Millimeter * 2
	if legendTop {
		p.Legend.YOffs = -vg.Millimeter * 2
	}
	p.Add(plotter.NewGrid())
	var tr, va plotter.XYs
	for _, r := range rows {
		t, v := get(r)
		if !math.IsNaN(t) && !math.IsInf(t, 0) {
			tr = append(tr, plotter.XY{X: float64(r.Epoch), Y: t})
		}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			va = append(va, plotter.XY{X: float64(r.Epoch), Y: v})
		}
	}
	for _, s := range []struct {
		name string
		xy   plotter.XYs
		c    color.Color
	}{{"train", tr, trainColor}, {"validation", va, valColor}} {
		if len(s.xy) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(s.xy)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		l.Color, pts.Color = s.c, s.c
		l.Width = vg.Points(1.5)
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	p.X.Min = math.Min(p.X.Min, 1)
	if p.X.Max <= p.X.Min {
		p.X.Max = p.X.Min + 1
	}
	p.Y.Min = math.Min(p.Y.Min, 0)
	return p, nil
}

// WriteCurves writes Curves(rows) to path atomically.
func WriteCurves(path string, rows []cnn.EpochStats) error {
	b, err := Curves(rows)
	if err != nil {
		return err
	}
	return cnn.WriteFileAtomic(path, b)
}
