package loaders_test

import "os"

// tempDir returns a fresh temporary directory for examples (which have no
// *testing.T); it is removed by TestMain.
func tempDir() string {
	d, err := os.MkdirTemp(exampleTmp, "ex")
	if err != nil {
		panic(err)
	}
	return d
}

var exampleTmp string
