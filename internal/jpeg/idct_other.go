//go:build !amd64 || purego || noasm

package jpeg

// idctAVX2 is false: no assembly in this build.
const idctAVX2 = false

// idctStore dequantizes, inverse-transforms, level-shifts, clips and
// stores one block: see idctStoreGeneric.
func idctStore(b, qt *block, dst []byte, stride int) {
	idctStoreGeneric(b, qt, dst, stride)
}
