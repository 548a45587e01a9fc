package png_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
)

// rawPNG describes a PNG file to build by hand, for the colour types, bit
// depths, interlacing, filters and chunk layouts image/png's encoder does
// not produce.
type rawPNG struct {
	w, h, depth, ct int
	interlace       bool
	plte, trns      []byte
	level           int // zlib level; 0 means zlib.BestSpeed
	split           int // IDAT payload size; 0 means one chunk
	seed            uint64
	filter          int    // -1: random per row, else this filter for all rows
	extra           []byte // appended to the zlib stream in the last IDAT chunk
}

// stored is the rawPNG level for deflate's stored blocks.
const stored = -10

var adam7 = [7][4]int{{8, 8, 0, 0}, {8, 8, 4, 0}, {4, 8, 0, 4}, {4, 4, 2, 0}, {2, 4, 0, 2}, {2, 2, 1, 0}, {1, 2, 0, 1}}

func channels(ct int) int {
	switch ct {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

// sample returns a deterministic pseudo-random sample with runs, so that
// rows compress and every filter has work to do.
func (p rawPNG) sample(x, y, c int) uint16 {
	v := uint64(x*7+y*13+c*29) ^ p.seed
	v = (v * 0x9E3779B97F4A7C15) >> 40
	if (x/3+y/2)%3 == 0 {
		v = uint64(x + y + c) // smooth areas
	}
	return uint16(v) & uint16(1<<p.depth-1)
}

// encode returns the file.
func (p rawPNG) encode() []byte {
	rng := rand.New(rand.NewPCG(p.seed, 7))
	nc := channels(p.ct)
	bitsPP := nc * p.depth
	bpp := max(1, bitsPP/8)
	passes := [][4]int{{1, 1, 0, 0}}
	if p.interlace {
		passes = adam7[:]
	}
	var raw []byte
	for _, ps := range passes {
		pw := (p.w - ps[2] + ps[0] - 1) / ps[0]
		ph := (p.h - ps[3] + ps[1] - 1) / ps[1]
		if pw <= 0 || ph <= 0 {
			continue
		}
		rowBytes := (pw*bitsPP + 7) / 8
		prev := make([]byte, rowBytes)
		for y := 0; y < ph; y++ {
			row := make([]byte, rowBytes)
			bit := 0
			for x := 0; x < pw; x++ {
				for c := 0; c < nc; c++ {
					v := p.sample(x*ps[0]+ps[2], y*ps[1]+ps[3], c)
					switch p.depth {
					case 16:
						binary.BigEndian.PutUint16(row[bit/8:], v)
					case 8:
						row[bit/8] = byte(v)
					default:
						row[bit/8] |= byte(v) << (8 - p.depth - bit%8)
					}
					bit += p.depth
				}
			}
			ft := p.filter
			if ft < 0 {
				ft = rng.IntN(5)
			}
			raw = append(raw, byte(ft))
			raw = append(raw, filterRow(row, prev, bpp, ft)...)
			prev = row
		}
	}
	var z bytes.Buffer
	level := p.level
	switch level {
	case 0:
		level = zlib.BestSpeed
	case stored:
		level = zlib.NoCompression
	}
	zw, _ := zlib.NewWriterLevel(&z, level)
	zw.Write(raw)
	zw.Close()
	stream := append(z.Bytes(), p.extra...)

	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(p.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(p.h))
	ihdr[8], ihdr[9] = byte(p.depth), byte(p.ct)
	if p.interlace {
		ihdr[12] = 1
	}
	writeChunk(&out, "IHDR", ihdr[:])
	if p.plte != nil {
		writeChunk(&out, "PLTE", p.plte)
	}
	if p.trns != nil {
		writeChunk(&out, "tRNS", p.trns)
	}
	split := p.split
	if split <= 0 {
		split = len(stream)
	}
	for len(stream) > split {
		writeChunk(&out, "IDAT", stream[:split])
		stream = stream[split:]
	}
	writeChunk(&out, "IDAT", stream)
	writeChunk(&out, "IEND", nil)
	return out.Bytes()
}

func writeChunk(out *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	out.Write(n[:])
	out.WriteString(typ)
	out.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	out.Write(n[:])
}

// filterRow applies filter ft to row given the previous (unfiltered) row.
func filterRow(row, prev []byte, bpp, ft int) []byte {
	out := make([]byte, len(row))
	for i := range row {
		var a, c byte
		if i >= bpp {
			a, c = row[i-bpp], prev[i-bpp]
		}
		b := prev[i]
		switch ft {
		case 0:
			out[i] = row[i]
		case 1:
			out[i] = row[i] - a
		case 2:
			out[i] = row[i] - b
		case 3:
			out[i] = row[i] - byte((int(a)+int(b))/2)
		case 4:
			out[i] = row[i] - paethPredict(a, b, c)
		}
	}
	return out
}

func paethPredict(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fixCRC recomputes the CRC of the chunk that starts at byte pos.
func fixCRC(data []byte, pos int) {
	n := int(binary.BigEndian.Uint32(data[pos:]))
	if pos+12+n > len(data) {
		return
	}
	binary.BigEndian.PutUint32(data[pos+8+n:], crc32.ChecksumIEEE(data[pos+4:pos+8+n]))
}

// chunkStarts returns the offsets of the chunks of a well-formed file.
func chunkStarts(data []byte) []int {
	var s []int
	for pos := 8; pos+12 <= len(data); {
		s = append(s, pos)
		pos += 12 + int(binary.BigEndian.Uint32(data[pos:]))
	}
	return s
}

func inflate(z []byte) []byte {
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	out.ReadFrom(r)
	return out.Bytes()
}

func deflate(raw []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	return z.Bytes()
}
