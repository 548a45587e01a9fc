package png

import "strconv"

// PNG filter types.
const (
	ftNone    = 0
	ftSub     = 1
	ftUp      = 2
	ftAverage = 3
	ftPaeth   = 4
)

// errFilter is returned for a row with an unknown filter type.
type errFilter byte

func (e errFilter) Error() string { return "bad filter type " + strconv.Itoa(int(e)) }

// unfilter reverses the filter of one row in place: cur and prev hold the
// filter type byte and then the row's bytes; prev is the previous row
// after unfiltering (zeros for the first row).
func unfilter(cur, prev []byte, bpp int) error {
	ft := cur[0]
	cdat, pdat := cur[1:], prev[1:len(cur)]
	switch ft {
	case ftNone:
	case ftSub:
		if bpp == 1 {
			// The running sum in a register, not reloaded from memory.
			var a uint8
			for i, c := range cdat {
				a += c
				cdat[i] = a
			}
			return nil
		}
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += cdat[i-bpp]
		}
	case ftUp:
		pdat = pdat[:len(cdat)]
		for i, p := range pdat {
			cdat[i] += p
		}
	case ftAverage:
		if bpp == 1 {
			var a uint8
			pdat = pdat[:len(cdat)]
			for i, c := range cdat {
				a = c + uint8((uint(a)+uint(pdat[i]))>>1)
				cdat[i] = a
			}
			return nil
		}
		for i := 0; i < bpp && i < len(cdat); i++ {
			cdat[i] += pdat[i] / 2
		}
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += uint8((int(cdat[i-bpp]) + int(pdat[i])) / 2)
		}
	case ftPaeth:
		filterPaeth(cdat, pdat, bpp)
	default:
		return errFilter(ft)
	}
	return nil
}

func abs(x int) int {
	m := x >> 63
	return (x ^ m) - m
}

// filterPaeth reverses the Paeth filter, as image/png does it (one pass
// per byte of a pixel, keeping the left and upper-left bytes in
// registers).
func filterPaeth(cdat, pdat []byte, bpp int) {
	var a, b, c, pa, pb, pc int
	for i := 0; i < bpp; i++ {
		a, c = 0, 0
		for j := i; j < len(cdat); j += bpp {
			b = int(pdat[j])
			pa = b - c
			pb = a - c
			pc = abs(pa + pb)
			pa = abs(pa)
			pb = abs(pb)
			if pa <= pb && pa <= pc {
				// a stays.
			} else if pb <= pc {
				a = b
			} else {
				a = c
			}
			a += int(cdat[j])
			a &= 0xff
			cdat[j] = uint8(a)
			c = b
		}
	}
}
