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

// Confusion renders a confusion matrix (m[true][predicted] counts) with the
// class names as a PNG heat map, each cell labelled with its count.
func Confusion(m [][]int, classes []string) ([]byte, error) {
	k := len(m)
	if k == 0 {
		return nil, fmt.Errorf("report: empty confusion matrix")
	}
	grid := &confGrid{m: m}
	for _, r := range m {
		if len(r) != k {
			return nil, fmt.Errorf("report: confusion matrix is not square")
		}
		for _, v := range r {
			grid.max = max(grid.max, v)
		}
	}
	p := plot.New()
	p.Title.Text = "Confusion matrix (validation)"
	p.Title.Padding = vg.Millimeter * 3
	p.X.Label.Text = "predicted"
	p.Y.Label.Text = "true"
	h := plotter.NewHeatMap(grid, heatPalette{})
	p.Add(h)
	var xys plotter.XYs
	var texts []string
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			xys = append(xys, plotter.XY{X: float64(j), Y: float64(i)})
			texts = append(texts, fmt.Sprint(m[i][j]))
		}
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign = draw.XCenter
		labels.TextStyle[i].YAlign = draw.YCenter
	}
	p.Add(labels)
	ticks := make([]plot.Tick, k)
	for i := range ticks {
		name := fmt.Sprint(i)
		if i < len(classes) {
			name = classes[i]
		}
		ticks[i] = plot.Tick{Value: float64(i), Label: name}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	size := vg.Length(2+0.6*float64(k)) * vg.Inch
	size = min(max(size, 4*vg.Inch), 12*vg.Inch)
	img := vgimg.New(size, size)
	p.Draw(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteConfusion writes Confusion(m, classes) to path atomically.
func WriteConfusion(path string, m [][]int, classes []string) error {
	b, err := Confusion(m, classes)
	if err != nil {
		return err
	}
	return cnn.WriteFileAtomic(path, b)
}

type confGrid struct {
	m   [][]int
	max int
}

func (g *confGrid) Dims() (c, r int)   { return len(g.m), len(g.m) }
func (g *confGrid) Z(c, r int) float64 { return float64(g.m[r][c]) / float64(max(g.max, 1)) }
func (g *confGrid) X(c int) float64    { return float64(c) }
func (g *confGrid) Y(r int) float64    { return float64(r) }

// heatPalette runs from white to a saturated blue.
type heatPalette struct{}

func (heatPalette) Colors() []color.Color {
	cs := make([]color.Color, 64)
	for i := range cs {
		t := float64(i) / 63
		cs[i] = color.RGBA{R: uint8(255 - 200*t), G: uint8(255 - 140*t), B: uint8(255 - 40*t), A: 255}
	}
	return cs
}
