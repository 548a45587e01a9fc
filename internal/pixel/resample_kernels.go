package pixel

import (
	"encoding/binary"
	"fmt"
)

// HResample is a prepared horizontal resampling of RGBA rows, the first
// pass of a separable resize: output pixel i reads n[i] source pixels
// starting at start[i] with weights w[i·taps : i·taps+n[i]] (see
// [HResample.Set]) scaled by 1<<bits, each channel being
//
//	clamp((Σ_j p_j·w_j + 1<<(bits-1)) >> bits, 0, 255)
//
// in int32 arithmetic (wrapping, as Go's int32 and the AVX2 lanes do; the
// shift is arithmetic). With non-negative weights that sum to at most
// 1<<bits (and bits <= 22) nothing wraps or clamps. [VResample] is the
// vertical pass. The zero value is ready for Set; Set again to reuse its
// memory for other coefficients.
type HResample struct {
	srcW, outW, taps int
	bits             uint
	start, n         []int32
	w                []int32
	kind             []uint8 // per output: the Go loop that computes it

	// AVX2 layout (asm only): blocks of 8 outputs, each output reading a
	// window of wtaps pixels (its start moved left where the window would
	// pass the row's end) with weights wt, tap by tap, 8 weights per tap.
	// When the block's windows fit in the 16 pixels from byte base[b]
	// (24 when bit 0 of base[b] is set), idx holds the windows' positions
	// in them (the kernel permutes instead of gathering); otherwise
	// base[b] is -1 and idx holds the windows' byte offsets. The last
	// block overlaps the one before it when the width is not a multiple
	// of 8.
	// Blocks with byte8 set (all weights multiples of 256 in 16-bit fixed
	// point, non-negative, summing to at most 1<<16) run in 16-bit lanes
	// with the weights >> 8 in wt8: per block and tap, 16 words for
	// outputs 0, 1, 4, 5 and 16 for 2, 3, 6, 7, each weight repeated for
	// the four channels.
	asm   bool
	byte8 []bool
	wtaps int
	idx   []int32
	base  []int32
	wt    []int32
	wt8   []uint16
}

// Kinds of output pixel for the Go loops; the packed ones need
// non-negative weights summing to at most 1<<16 with bits = 16.
const (
	hGeneric uint8 = iota // int32 sums, clamped
	hPacked               // R, B and G, A in the 32-bit lanes of a uint64
	hPacked2              // hPacked unrolled for 2 taps
	hPacked3              // hPacked unrolled for 3 taps
	hPacked4              // hPacked unrolled for 4 taps
	hSpread4              // 4 taps, weights multiples of 256: 16-bit lanes
)

// Set prepares r for rows of srcW pixels and len(start) outputs: output
// i reads n[i] pixels from start[i] with weights w[i·taps : i·taps+n[i]]
// scaled by 1<<bits. It panics unless 0 <= start[i], n[i] <= taps,
// start[i]+n[i] <= srcW, len(n) = len(start), len(w) >= len(start)·taps
// and 1 <= bits <= 30.
func (r *HResample) Set(srcW int, start, n []int, w []int32, taps int, bits uint) {
	outW := len(start)
	if len(n) != outW || len(w) < outW*taps || bits < 1 || bits > 30 || taps < 0 {
		panic(fmt.Sprintf("pixel: HResample.Set: %d starts, %d counts, %d weights of %d taps, %d bits", outW, len(n), len(w), taps, bits))
	}
	r.srcW, r.outW, r.taps, r.bits = srcW, outW, taps, bits
	r.start = resize32(r.start, outW)
	r.n = resize32(r.n, outW)
	r.w = resize32(r.w, outW*taps)
	copy(r.w, w[:outW*taps])
	if cap(r.kind) < outW {
		r.kind = make([]uint8, outW)
	}
	r.kind = r.kind[:outW]
	wtaps := 1
	for i := range outW {
		if start[i] < 0 || n[i] < 0 || n[i] > taps || start[i]+n[i] > srcW {
			panic(fmt.Sprintf("pixel: HResample.Set: output %d reads %d pixels from %d of %d", i, n[i], start[i], srcW))
		}
		r.start[i], r.n[i] = int32(start[i]), int32(n[i])
		r.kind[i] = resampleKind(r.w[i*taps:i*taps+n[i]], bits)
		wtaps = max(wtaps, n[i])
	}
	r.asm = resampleAVX2 && outW >= 8 && srcW >= wtaps && srcW <= 1<<29
	if !r.asm {
		return
	}
	// Windows of wtaps pixels; blocks of 8 outputs, the last one ending
	// at outW.
	r.wtaps = wtaps
	blocks := (outW + 7) / 8
	r.idx = resize32(r.idx, 8*blocks)
	r.base = resize32(r.base, blocks)
	if cap(r.byte8) < blocks {
		r.byte8 = make([]bool, blocks)
	}
	r.byte8 = r.byte8[:blocks]
	r.wt = resize32(r.wt, 8*blocks*wtaps)
	clear(r.wt)
	for b := range blocks {
		o := min(8*b, outW-8)
		lo, hi := srcW, 0
		r.byte8[b] = bits == 16
		for k := range 8 {
			i := o + k
			if r.kind[i] == hGeneric {
				r.byte8[b] = false
			}
			for _, wj := range w[i*taps : i*taps+n[i]] {
				r.byte8[b] = r.byte8[b] && wj&255 == 0
			}
			ws := min(start[i], srcW-wtaps)
			lo, hi = min(lo, ws), max(hi, ws+wtaps)
			r.idx[8*b+k] = int32(4 * ws)
			for j := range n[i] {
				r.wt[(b*wtaps+start[i]-ws+j)*8+k] = w[i*taps+j]
			}
		}
		r.base[b] = -1
		// From base, every window ends within 16 (or 24) pixels: either
		// base = lo, or base = srcW-16 (-24) < lo and windows end by srcW.
		span := 0
		switch {
		case srcW >= 16 && hi-lo <= 16:
			span = 16
		case srcW >= 24 && hi-lo <= 24:
			span = 24
		default:
			continue
		}
		base := min(lo, srcW-span)
		r.base[b] = int32(4*base + span/24) // bit 0: 24 pixels
		for k := range 8 {
			r.idx[8*b+k] = r.idx[8*b+k]/4 - int32(base)
		}
	}
	if cap(r.wt8) < 4*len(r.wt) {
		r.wt8 = make([]uint16, 4*len(r.wt))
	}
	r.wt8 = r.wt8[:4*len(r.wt)]
	for t := range len(r.wt) / 8 { // block b, tap j: t = b·wtaps + j
		if !r.byte8[t/wtaps] {
			continue
		}
		for k := range 8 {
			v := uint16(r.wt[8*t+k] >> 8)
			o := 32*t + 16*(k>>1&1) + 4*(k&1+2*(k>>2))
			r.wt8[o], r.wt8[o+1], r.wt8[o+2], r.wt8[o+3] = v, v, v, v
		}
	}
}

// resampleKind chooses the Go loop for one output (or one vertical row)
// with weights ws.
func resampleKind(ws []int32, bits uint) uint8 {
	if bits != 16 {
		return hGeneric
	}
	sum, byte8 := int64(0), true
	for _, w := range ws {
		if w < 0 {
			return hGeneric
		}
		sum += int64(w)
		byte8 = byte8 && w&255 == 0
	}
	if sum > 1<<16 {
		return hGeneric
	}
	switch len(ws) {
	case 2:
		return hPacked2
	case 3:
		return hPacked3
	case 4:
		if byte8 {
			return hSpread4
		}
		return hPacked4
	}
	return hPacked
}

func resize32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// Outputs is the number of output pixels per row.
func (r *HResample) Outputs() int { return r.outW }

// Row resamples one row: src holds at least the source width of pixels,
// dst receives [HResample.Outputs] pixels. dst and src must not overlap.
// Row panics if either is too short.
func (r *HResample) Row(dst, src []uint8) {
	if len(dst) < 4*r.outW || len(src) < 4*r.srcW {
		panic(fmt.Sprintf("pixel: HResample.Row: %d-byte destination, %d-byte source for %d from %d pixels", len(dst), len(src), r.outW, r.srcW))
	}
	if r.outW == 0 {
		return
	}
	if r.asm && hresampleAsm(r, dst, src) {
		return
	}
	r.rowGo(dst, src)
}

// rowGo is the portable body of Row.
func (r *HResample) rowGo(dst, src []uint8) {
	half := int32(1) << (r.bits - 1)
	for x := 0; x < r.outW; x++ {
		st, n := int(r.start[x]), int(r.n[x])
		i := 4 * st
		switch r.kind[x] {
		case hPacked2:
			v := binary.LittleEndian.Uint64(src[i : i+8])
			w0, w1 := uint64(r.w[x*r.taps]), uint64(r.w[x*r.taps+1])
			p0, p1 := v&0xffffffff, v>>32
			rb := rbLanes(p0)*w0 + rbLanes(p1)*w1 + lanesRound
			ga := gaLanes(p0)*w0 + gaLanes(p1)*w1 + lanesRound
			binary.LittleEndian.PutUint32(dst[4*x:], packLanes(rb, ga))
		case hSpread4:
			// Exact 8-bit weights (e.g. halving): all four channels in
			// 16-bit lanes of one uint64, one multiply per tap.
			v, u := binary.LittleEndian.Uint64(src[i:i+8]), binary.LittleEndian.Uint64(src[i+8:i+16])
			ws := r.w[x*r.taps : x*r.taps+4 : x*r.taps+4]
			acc := warpSpread(uint32(v))*uint64(ws[0]>>8) + warpSpread(uint32(v>>32))*uint64(ws[1]>>8) +
				warpSpread(uint32(u))*uint64(ws[2]>>8) + warpSpread(uint32(u>>32))*uint64(ws[3]>>8) + warpLanesHalf
			binary.LittleEndian.PutUint32(dst[4*x:], warpPack(acc>>8&warpLaneMask))
		case hPacked4:
			v, u := binary.LittleEndian.Uint64(src[i:i+8]), binary.LittleEndian.Uint64(src[i+8:i+16])
			ws := r.w[x*r.taps : x*r.taps+4 : x*r.taps+4]
			w0, w1, w2, w3 := uint64(ws[0]), uint64(ws[1]), uint64(ws[2]), uint64(ws[3])
			p0, p1, p2, p3 := v&0xffffffff, v>>32, u&0xffffffff, u>>32
			rb := rbLanes(p0)*w0 + rbLanes(p1)*w1 + rbLanes(p2)*w2 + rbLanes(p3)*w3 + lanesRound
			ga := gaLanes(p0)*w0 + gaLanes(p1)*w1 + gaLanes(p2)*w2 + gaLanes(p3)*w3 + lanesRound
			binary.LittleEndian.PutUint32(dst[4*x:], packLanes(rb, ga))
		case hPacked3:
			v, u := binary.LittleEndian.Uint64(src[i:i+8]), uint64(binary.LittleEndian.Uint32(src[i+8:i+12]))
			ws := r.w[x*r.taps : x*r.taps+3 : x*r.taps+3]
			w0, w1, w2 := uint64(ws[0]), uint64(ws[1]), uint64(ws[2])
			p0, p1 := v&0xffffffff, v>>32
			rb := rbLanes(p0)*w0 + rbLanes(p1)*w1 + rbLanes(u)*w2 + lanesRound
			ga := gaLanes(p0)*w0 + gaLanes(p1)*w1 + gaLanes(u)*w2 + lanesRound
			binary.LittleEndian.PutUint32(dst[4*x:], packLanes(rb, ga))
		case hPacked:
			ws := r.w[x*r.taps : x*r.taps+n]
			px := src[i : i+4*n]
			rb, ga := uint64(lanesRound), uint64(lanesRound)
			for j, w := range ws {
				p := uint64(binary.LittleEndian.Uint32(px[4*j:]))
				rb += rbLanes(p) * uint64(w)
				ga += gaLanes(p) * uint64(w)
			}
			binary.LittleEndian.PutUint32(dst[4*x:], packLanes(rb, ga))
		default:
			ws := r.w[x*r.taps : x*r.taps+n]
			px := src[i : i+4*n]
			cr, cg, cb, ca := half, half, half, half
			for j, w := range ws {
				v := binary.LittleEndian.Uint32(px[4*j:])
				cr += int32(v&0xff) * w
				cg += int32(v>>8&0xff) * w
				cb += int32(v>>16&0xff) * w
				ca += int32(v>>24) * w
			}
			dst[4*x] = clampShift(cr, r.bits)
			dst[4*x+1] = clampShift(cg, r.bits)
			dst[4*x+2] = clampShift(cb, r.bits)
			dst[4*x+3] = clampShift(ca, r.bits)
		}
	}
}

// Packed arithmetic for non-negative 16-bit weights summing to at most
// 1<<16: a pixel's R and B (or G and A) go into the two 32-bit lanes of a
// uint64, which cannot overflow.
func rbLanes(p uint64) uint64 { return p&0xff | (p&0xff0000)<<16 }
func gaLanes(p uint64) uint64 { return p>>8&0xff | (p&0xff000000)<<8 }

const lanesRound = 1<<15 | 1<<47

func packLanes(rb, ga uint64) uint32 {
	return uint32(rb>>16&0xff) | uint32(ga>>16&0xff)<<8 | uint32(rb>>48&0xff)<<16 | uint32(ga>>48&0xff)<<24
}

// clampShift is v >> bits clamped to [0, 255].
func clampShift(v int32, bits uint) uint8 {
	v >>= bits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// VResample is the vertical pass of a separable resampling: for each i <
// len(dst), dst[i] is clamp((Σ_j src[j·stride+i]·w[j] + 1<<(bits-1)) >>
// bits, 0, 255) in int32 arithmetic, over the len(w) rows of src. dst and
// src must not overlap. VResample panics if src is too short or bits is
// outside [1, 30].
func VResample(dst, src []uint8, stride int, w []int32, bits uint) {
	n := len(dst)
	if n == 0 {
		return
	}
	if bits < 1 || bits > 30 || stride < 0 || len(w) > 0 && (len(w)-1)*stride+n > len(src) {
		panic(fmt.Sprintf("pixel: VResample: %d bytes from %d rows of stride %d in %d bytes, %d bits", n, len(w), stride, len(src), bits))
	}
	if len(w) == 1 && w[0] == 1<<bits && bits <= 22 { // the formula copies
		copy(dst, src[:n])
		return
	}
	done := vresampleAsm(dst, src, stride, w, bits)
	if done < n {
		vresampleGo(dst[done:], src[done:], stride, w, bits)
	}
}

// vresampleGo is the portable body of VResample.
func vresampleGo(dst, src []uint8, stride int, w []int32, bits uint) {
	n := len(dst)
	half := int32(1) << (bits - 1)
	kind := resampleKind(w, bits)
	switch {
	case kind == hSpread4:
		w0, w1, w2, w3 := uint64(w[0]>>8), uint64(w[1]>>8), uint64(w[2]>>8), uint64(w[3]>>8)
		t0, t1, t2, t3 := src[:n], src[stride:stride+n], src[2*stride:2*stride+n], src[3*stride:3*stride+n]
		i := 0
		for ; i+4 <= n; i += 4 {
			acc := warpSpread(binary.LittleEndian.Uint32(t0[i:i+4]))*w0 + warpSpread(binary.LittleEndian.Uint32(t1[i:i+4]))*w1 +
				warpSpread(binary.LittleEndian.Uint32(t2[i:i+4]))*w2 + warpSpread(binary.LittleEndian.Uint32(t3[i:i+4]))*w3 + warpLanesHalf
			binary.LittleEndian.PutUint32(dst[i:i+4], warpPack(acc>>8&warpLaneMask))
		}
		vresampleBytes(dst[i:], src[i:], stride, w, bits)
	case kind == hPacked3 || kind == hPacked4:
		t0, t1, t2 := src[:n], src[stride:stride+n], src[2*stride:2*stride+n]
		t3, w3 := t2, uint64(0) // unused weight is 0 with 3 taps
		if kind == hPacked4 {
			t3, w3 = src[3*stride:3*stride+n], uint64(w[3])
		}
		w0, w1, w2 := uint64(w[0]), uint64(w[1]), uint64(w[2])
		i := 0
		for ; i+4 <= n; i += 4 {
			p0 := uint64(binary.LittleEndian.Uint32(t0[i : i+4]))
			p1 := uint64(binary.LittleEndian.Uint32(t1[i : i+4]))
			p2 := uint64(binary.LittleEndian.Uint32(t2[i : i+4]))
			p3 := uint64(binary.LittleEndian.Uint32(t3[i : i+4]))
			rb := rbLanes(p0)*w0 + rbLanes(p1)*w1 + rbLanes(p2)*w2 + rbLanes(p3)*w3 + lanesRound
			ga := gaLanes(p0)*w0 + gaLanes(p1)*w1 + gaLanes(p2)*w2 + gaLanes(p3)*w3 + lanesRound
			binary.LittleEndian.PutUint32(dst[i:i+4], packLanes(rb, ga))
		}
		vresampleBytes(dst[i:], src[i:], stride, w, bits)
	case kind == hPacked:
		i := 0
		for ; i+4 <= n; i += 4 {
			rb, ga := uint64(lanesRound), uint64(lanesRound)
			for j, wj := range w {
				p := uint64(binary.LittleEndian.Uint32(src[j*stride+i:]))
				rb += rbLanes(p) * uint64(wj)
				ga += gaLanes(p) * uint64(wj)
			}
			binary.LittleEndian.PutUint32(dst[i:], packLanes(rb, ga))
		}
		vresampleBytes(dst[i:], src[i:], stride, w, bits)
	case len(w) == 2 && bits <= 22 && w[0] >= 0 && w[1] >= 0 && int64(w[0])+int64(w[1]) <= 1<<bits:
		// Nothing can wrap or clamp: (255 << bits) + half < 1<<31.
		t0, t1 := src[:n], src[stride:stride+n]
		w0, w1 := w[0], w[1]
		for i := range dst {
			dst[i] = uint8((int32(t0[i])*w0 + int32(t1[i])*w1 + half) >> bits)
		}
	default:
		vresampleBytes(dst, src, stride, w, bits)
	}
}

// vresampleBytes is the general vertical loop, in chunks that keep the
// sums in a stack buffer.
func vresampleBytes(dst, src []uint8, stride int, w []int32, bits uint) {
	var buf [512]int32
	half := int32(1) << (bits - 1)
	for len(dst) > 0 {
		n := min(len(dst), len(buf))
		acc := buf[:n]
		for i := range acc {
			acc[i] = half
		}
		for j, wj := range w {
			row := src[j*stride : j*stride+n]
			for i, v := range row {
				acc[i] += int32(v) * wj
			}
		}
		for i, v := range acc {
			dst[i] = clampShift(v, bits)
		}
		dst, src = dst[n:], src[n:]
	}
}
