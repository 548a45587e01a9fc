//go:build !amd64 || purego || noasm

package jpeg

func setIDCTAVX2(on bool) func() { return func() {} }

// idctStoreAVX2 is never called: TestIDCTStore skips without assembly.
func idctStoreAVX2(b, qt *block, dst *byte, stride int) {}
