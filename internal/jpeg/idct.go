package jpeg

// idctStoreGeneric dequantizes b with the natural-order table qt, applies
// the inverse DCT (idct, image/jpeg's arithmetic), level-shifts by +128,
// clips to [0, 255] and writes the 8x8 pixels to dst with the given
// stride. It is the portable path of idctStore and leaves b changed.
func idctStoreGeneric(b, qt *block, dst []byte, stride int) {
	for i := range b {
		b[i] *= qt[i]
	}
	idct(b)
	_ = dst[7*stride+7]
	for y := 0; y < 8; y++ {
		y8 := y * 8
		row := dst[y*stride : y*stride+8 : y*stride+8]
		for x := 0; x < 8; x++ {
			c := b[y8+x]
			if c < -128 {
				c = 0
			} else if c > 127 {
				c = 255
			} else {
				c += 128
			}
			row[x] = uint8(c)
		}
	}
}
