package expand

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// PreviewOptions configures [Preview]. The zero value means defaults.
type PreviewOptions struct {
	// Rows is the number of inputs shown, one per row (default 4).
	Rows int
	// Cols is the number of augmented variants beside each input
	// (default 6).
	Cols int
	// Cell is the side of each square cell in pixels (default 128).
	Cell int
	// Shuffle picks the inputs from a shuffled view of the dataset, seeded
	// with the Config's seed, rather than the first ones.
	Shuffle bool
}

// Preview renders a contact sheet of policy cfg.Ops on dataset d: each
// row shows an input, labelled with its class, followed by its variants
// 0..Cols-1 — exactly the images `cnnpipe augment` writes as copies
// 0..Cols-1 with the same seed. Images are scaled to fit the cells.
// Inputs that cannot be decoded are skipped.
func Preview(ctx context.Context, d *loaders.Dataset, cfg *Config, opts *PreviewOptions) (*image.NRGBA, error) {
	var o PreviewOptions
	if opts != nil {
		o = *opts
	}
	if o.Rows <= 0 {
		o.Rows = 4
	}
	if o.Cols <= 0 {
		o.Cols = 6
	}
	if o.Cell <= 0 {
		o.Cell = 128
	}
	if o.Rows > 1000 || o.Cols > 1000 || o.Cell > 4096 {
		return nil, fmt.Errorf("%w: preview of %dx%d cells of %d pixels is too large", ErrConfig, o.Rows, o.Cols, o.Cell)
	}
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	c.Copies = o.Cols
	r, err := NewRenderer(&c)
	if err != nil {
		return nil, err
	}
	if o.Shuffle {
		d = d.Shuffle(c.Seed)
	}
	const pad, label = 4, 16
	cw, ch := o.Cell+pad, o.Cell+label+pad
	sheet := image.NewNRGBA(image.Rect(0, 0, pad+(o.Cols+1)*cw, pad+o.Rows*ch))
	draw.Draw(sheet, sheet.Rect, image.NewUniform(color.NRGBA{32, 32, 32, 255}), image.Point{}, draw.Src)
	st := augment.NewState(0, 0, 0)
	row := 0
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for s, err := range d.Samples(ctx, &loaders.ReadOptions{OnError: loaders.Skip, MaxPixels: c.MaxPixels}) {
		if err != nil {
			return nil, err
		}
		if row == o.Rows {
			break
		}
		src, _, err := r.decode(&s)
		if err != nil {
			continue
		}
		y := pad + row*ch
		place(sheet, src, pad, y, o.Cell, st)
		drawLabel(sheet, pad, y+o.Cell, o.Cell, s.Class, color.NRGBA{255, 220, 120, 255})
		for k := range o.Cols {
			st.Rand.Seed(augment.SampleSeed(c.Seed, uint64(k), uint64(s.Index)))
			st.Trace = st.Trace[:0]
			out := r.policy.Apply(src, st)
			place(sheet, out, pad+(k+1)*cw, y, o.Cell, st)
			st.Release(out)
			drawLabel(sheet, pad+(k+1)*cw, y+o.Cell, o.Cell, fmt.Sprintf("%s #%d", s.Class, k), color.NRGBA{220, 220, 220, 255})
		}
		row++
	}
	if row == 0 {
		return nil, fmt.Errorf("expand: preview: no readable images in %s", d.Info().Path)
	}
	if row < o.Rows {
		sheet = sheet.SubImage(image.Rect(0, 0, sheet.Rect.Dx(), pad+row*ch)).(*image.NRGBA)
	}
	return sheet, nil
}

// place draws img scaled to fit a cell×cell square at (x, y), centred.
func place(dst, img *image.NRGBA, x, y, cell int, st *augment.State) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	sw, sh := cell, cell
	if w > h {
		sh = max(1, h*cell/w)
	} else {
		sw = max(1, w*cell/h)
	}
	scaled := augment.Resize{Size: augment.Size{H: sh, W: sw}}.Apply(img, st)
	off := image.Pt(x+(cell-sw)/2, y+(cell-sh)/2)
	draw.Draw(dst, image.Rectangle{Min: off, Max: off.Add(image.Pt(sw, sh))}, scaled, scaled.Rect.Min, draw.Over)
	if scaled != img {
		st.Release(scaled)
	}
}

func drawLabel(dst *image.NRGBA, x, y, width int, text string, c color.NRGBA) {
	face := basicfont.Face7x13
	maxChars := width / 7
	if len([]rune(text)) > maxChars && maxChars > 1 {
		text = string([]rune(text)[:maxChars-1]) + "~"
	}
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x+1, y+12)}
	d.DrawString(text)
}
