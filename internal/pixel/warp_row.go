package pixel

import (
	"encoding/binary"
	"fmt"
)

// WarpBits is the number of fractional bits of the fixed-point source
// coordinates of [WarpBilinear].
const WarpBits = 16

// WarpBilinear fills dst, len(dst)/4 RGBA pixels, with bilinear samples of
// src, an RGBA image whose rows are stride bytes apart. Pixel k samples src
// at (fx + k·dx, fy + k·dy), coordinates in 16.16 fixed point (see
// [WarpBits]) shifted so that their integer part (x0, y0) is the top-left
// tap: the four taps (x0, y0), (x0+1, y0), (x0, y0+1) and (x0+1, y0+1) are
// weighted by the top 8 fraction bits fx' and fy' as
//
//	top = (p(x0,y0)·(256-fx') + p(x0+1,y0)·fx' + 128) >> 8
//	bot = (p(x0,y0+1)·(256-fx') + p(x0+1,y0+1)·fx' + 128) >> 8
//	out = (top·(256-fy') + bot·fy' + 128) >> 8
//
// per channel. The stride must be at least 8 and every tap must lie
// inside src: x0 and y0 must not be negative, and the bytes read (8 from
// y0·stride + 4·x0 and 8 from one stride further) must lie in src;
// WarpBilinear panics otherwise. (It cannot check that x0+1 is inside
// the row: that is the caller's part.)
func WarpBilinear(dst, src []uint8, stride int, fx, fy, dx, dy int64) {
	n := len(dst) / 4
	if n == 0 {
		return
	}
	small, ok := warpCheck(n, len(src), stride, fx, fy, dx, dy)
	if !ok {
		panic(fmt.Sprintf("pixel: WarpBilinear: taps of %d pixels from (%d, %d) step (%d, %d) outside a source of %d bytes, stride %d",
			n, fx, fy, dx, dy, len(src), stride))
	}
	if small && warpAsm(dst[:4*n], src, stride, fx, fy, dx, dy) {
		return
	}
	warpGo(dst[:4*n], src, stride, fx, fy, dx, dy)
}

// warpCheck reports whether all taps of n pixels lie inside a source of
// srcLen bytes (ok), and whether every coordinate and byte offset fits in
// an int32 (small), which the assembly relies on.
func warpCheck(n, srcLen, stride int, fx, fy, dx, dy int64) (small, ok bool) {
	if stride < 8 || srcLen < stride+8 {
		return false, false
	}
	// Coordinates of valid taps lie in [0, lim): 4·x0 < srcLen and
	// y0·stride < srcLen.
	lim := int64(srcLen) << WarpBits
	if fx < 0 || fy < 0 || fx >= lim || fy >= lim {
		return false, false
	}
	if n > 1 {
		q := uint64(lim / int64(n-1))
		if warpAbs(dx) > q || warpAbs(dy) > q {
			return false, false
		}
	}
	lx, ly := fx+int64(n-1)*dx, fy+int64(n-1)*dy
	if lx < 0 || ly < 0 || lx >= lim || ly >= lim {
		return false, false
	}
	x1, y1 := max(fx, lx)>>WarpBits, max(fy, ly)>>WarpBits
	// x0 and y0 are monotonic in k, so they peak at an end: the highest
	// byte read is below y1·stride + 4·x1 + stride + 8.
	if y1*int64(stride)+4*x1+int64(stride)+8 > int64(srcLen) {
		return false, false
	}
	const max32 = 1<<31 - 1
	small = srcLen <= max32 && max(fx, lx) <= max32 && max(fy, ly) <= max32
	return small, true
}

// warpAbs is |v| as a uint64 (exact for math.MinInt64 too).
func warpAbs(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// warpGo is the portable body of WarpBilinear: each pixel's four channels
// spread into the 16-bit lanes of a uint64, 8-bit weights.
func warpGo(dst, src []uint8, stride int, fx, fy, dx, dy int64) {
	for x := 0; x+4 <= len(dst); x, fx, fy = x+4, fx+dx, fy+dy {
		i := int(fy>>WarpBits)*stride + 4*int(fx>>WarpBits)
		p := binary.LittleEndian.Uint64(src[i : i+8])
		q := binary.LittleEndian.Uint64(src[i+stride : i+stride+8])
		wx, wy := uint64(fx>>(WarpBits-8))&0xff, uint64(fy>>(WarpBits-8))&0xff
		top := (warpSpread(uint32(p))*(256-wx) + warpSpread(uint32(p>>32))*wx + warpLanesHalf) >> 8 & warpLaneMask
		bot := (warpSpread(uint32(q))*(256-wx) + warpSpread(uint32(q>>32))*wx + warpLanesHalf) >> 8 & warpLaneMask
		v := (top*(256-wy) + bot*wy + warpLanesHalf) >> 8 & warpLaneMask
		binary.LittleEndian.PutUint32(dst[x:x+4], warpPack(v))
	}
}

const (
	warpLaneMask  = 0x00ff00ff00ff00ff
	warpLanesHalf = 0x0080008000800080
)

// warpSpread moves the four bytes of p into the low bytes of four 16-bit lanes.
func warpSpread(p uint32) uint64 {
	x := uint64(p)
	x = (x | x<<16) & 0x0000ffff0000ffff
	return (x | x<<8) & warpLaneMask
}

// warpPack is the inverse of warpSpread for lanes holding values below 256.
func warpPack(x uint64) uint32 {
	x = (x | x>>8) & 0x0000ffff0000ffff
	return uint32(x | x>>16)
}
