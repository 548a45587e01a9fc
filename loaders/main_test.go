package loaders_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	var err error
	exampleTmp, err = os.MkdirTemp("", "loaders-example")
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(exampleTmp)
	os.Exit(code)
}
