//go:build amd64 && !purego && !noasm

package jpeg

// setIDCTAVX2 switches the IDCT kernel and returns the function that
// restores it.
func setIDCTAVX2(on bool) func() {
	old := idctAVX2
	idctAVX2 = on
	return func() { idctAVX2 = old }
}
