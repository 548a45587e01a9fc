package eval

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// ConfusionPNG draws the confusion matrix c as a PNG heat map in the layout
// practitioners know from scikit-learn: true classes down the rows (the
// first at the top), predicted classes along the columns, each cell labelled
// with its count and coloured by the fraction of its true class (the row's
// recall share), with a colour bar. The colour scale is a square root, so
// that a few confusions among thousands of correct answers still show.
// title heads the plot (e.g. "test set: accuracy 99.12%").
func ConfusionPNG(c Confusion, classes []string, title string) ([]byte, error) {
	k := len(c)
	if k == 0 {
		return nil, fmt.Errorf("eval: empty confusion matrix")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cmap := &blues{max: 1, alpha: 1}
	grid := newShareGrid(c)

	p := plot.New()
	p.Title.Text = "Confusion matrix"
	if title != "" {
		p.Title.Text += " — " + title
	}
	p.Title.Padding = vg.Millimeter * 3
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	hm := plotter.NewHeatMap(grid, cmap.Palette(256))
	hm.Min, hm.Max = 0, 1
	p.Add(hm)
	if k <= MaxConfusionTable {
		var dark, light plotter.XYLabels
		for i := range k {
			for j := range k {
				xy := plotter.XY{X: float64(j), Y: float64(k - 1 - i)}
				if grid.z[i][j] > 0.6 {
					dark.XYs, dark.Labels = append(dark.XYs, xy), append(dark.Labels, fmt.Sprint(c[i][j]))
				} else {
					light.XYs, light.Labels = append(light.XYs, xy), append(light.Labels, fmt.Sprint(c[i][j]))
				}
			}
		}
		fontSize := vg.Points(math.Max(6, math.Min(11, 110/float64(k))))
		for _, set := range []struct {
			l   plotter.XYLabels
			col color.Color
		}{{dark, color.White}, {light, color.Black}} {
			if len(set.l.XYs) == 0 {
				continue
			}
			labels, err := plotter.NewLabels(set.l)
			if err != nil {
				return nil, fmt.Errorf("eval: %w", err)
			}
			for i := range labels.TextStyle {
				labels.TextStyle[i].XAlign = draw.XCenter
				labels.TextStyle[i].YAlign = draw.YCenter
				labels.TextStyle[i].Color = set.col
				labels.TextStyle[i].Font.Size = fontSize
			}
			p.Add(labels)
		}
	}
	xt, yt := make([]plot.Tick, k), make([]plot.Tick, k)
	for i := range k {
		name := clip(className(classes, i), 14)
		if k > MaxConfusionTable && i%5 != 0 {
			name = ""
		}
		xt[i] = plot.Tick{Value: float64(i), Label: name}
		yt[i] = plot.Tick{Value: float64(k - 1 - i), Label: name}
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Min, p.X.Max = -0.5, float64(k)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5

	// The colour bar, in its own plot to the right, labelled with the
	// fractions its square-root scale stands for.
	bar := plot.New()
	bar.HideX()
	bar.Y.Label.Text = "fraction of the true class"
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	var bt []plot.Tick
	for _, v := range []float64{0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1} {
		bt = append(bt, plot.Tick{Value: math.Sqrt(v), Label: fmt.Sprint(v)})
	}
	bar.Y.Tick.Marker = plot.ConstantTicks(bt)
	bar.Y.Min, bar.Y.Max = 0, 1

	side := vg.Length(2.5+0.55*float64(min(k, 20))) * vg.Inch
	barW := 1.3 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(side+barW, side), vgimg.UseDPI(110))
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 0, -barW, 0, 0))
	// Align the bar with the heat map's vertical extent: skip the title
	// above and the axis below.
	bar.Draw(draw.Crop(dc, side+0.1*vg.Inch, -0.25*vg.Inch, 0.45*vg.Inch, -0.2*vg.Inch))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteConfusionPNG writes ConfusionPNG(c, classes, title) to path
// atomically.
func WriteConfusionPNG(path string, c Confusion, classes []string, title string) error {
	b, err := ConfusionPNG(c, classes, title)
	if err != nil {
		return err
	}
	if err := cnn.WriteFileAtomic(path, b); err != nil {
		return fmt.Errorf("eval: %s: %w", path, err)
	}
	return nil
}

// shareGrid is the heat map's grid: the square root of each cell's share
// of its row, with row 0 drawn at the top.
type shareGrid struct{ z [][]float64 }

func newShareGrid(c Confusion) *shareGrid {
	g := &shareGrid{z: make([][]float64, len(c))}
	for i, row := range c {
		g.z[i] = make([]float64, len(row))
		n := 0
		for _, v := range row {
			n += v
		}
		for j, v := range row {
			if n > 0 {
				g.z[i][j] = math.Sqrt(float64(v) / float64(n))
			}
		}
	}
	return g
}

func (g *shareGrid) Dims() (c, r int)   { return len(g.z), len(g.z) }
func (g *shareGrid) Z(c, r int) float64 { return g.z[len(g.z)-1-r][c] }
func (g *shareGrid) X(c int) float64    { return float64(c) }
func (g *shareGrid) Y(r int) float64    { return float64(r) }

// blues is a linear white-to-dark-blue colour map (matplotlib's "Blues"
// end points) over [min, max].
type blues struct{ min, max, alpha float64 }

var bluesStops = [...]color.NRGBA{{0xf7, 0xfb, 0xff, 0xff}, {0x6b, 0xae, 0xd6, 0xff}, {0x08, 0x30, 0x6b, 0xff}}

func (b *blues) At(v float64) (color.Color, error) {
	if v < b.min || v > b.max || b.max <= b.min {
		return nil, palette.ErrOverflow
	}
	t := (v - b.min) / (b.max - b.min) * float64(len(bluesStops)-1)
	i := min(int(t), len(bluesStops)-2)
	f := t - float64(i)
	c0, c1 := bluesStops[i], bluesStops[i+1]
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + f*(float64(b)-float64(a)))) }
	return color.NRGBA{R: mix(c0.R, c1.R), G: mix(c0.G, c1.G), B: mix(c0.B, c1.B), A: uint8(math.Round(255 * b.alpha))}, nil
}

func (b *blues) Max() float64       { return b.max }
func (b *blues) SetMax(v float64)   { b.max = v }
func (b *blues) Min() float64       { return b.min }
func (b *blues) SetMin(v float64)   { b.min = v }
func (b *blues) Alpha() float64     { return b.alpha }
func (b *blues) SetAlpha(a float64) { b.alpha = a }

func (b *blues) Palette(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		v := b.min + (b.max-b.min)*float64(i)/float64(max(n-1, 1))
		cs[i], _ = b.At(v)
	}
	return colors(cs)
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }
