package models_test

import (
	"fmt"

	"github.com/cnnpipe/cnnpipe/models"
)

// Open a built-in model by name and print its summary.
func ExampleOpen() {
	spec, err := models.Open("seed")
	if err != nil {
		panic(err)
	}
	m, err := spec.Build(1)
	if err != nil {
		panic(err)
	}
	fmt.Print(m.Summary())
	// Output:
	// Model: "seed"  input (None, 1, 120, 60)
	// ────────────────────────────────────────────────────────────────
	// Layer (type)                 Output Shape                Param #
	// ════════════════════════════════════════════════════════════════
	// 0 (conv2d)                   (None, 12, 116, 56)             312
	// 1 (relu)                     (None, 12, 116, 56)               0
	// 2 (maxpool2d)                (None, 12, 58, 28)                0
	// 3 (conv2d)                   (None, 16, 54, 24)            4,816
	// 4 (relu)                     (None, 16, 54, 24)                0
	// 5 (maxpool2d)                (None, 16, 27, 12)                0
	// 6 (conv2d)                   (None, 20, 24, 9)             5,140
	// 7 (relu)                     (None, 20, 24, 9)                 0
	// 8 (maxpool2d)                (None, 20, 12, 4)                 0
	// 9 (flatten)                  (None, 960)                       0
	// 10 (dense)                   (None, 128)                 123,008
	// 11 (relu)                    (None, 128)                       0
	// 12 (dense)                   (None, 4)                       516
	// 13 (softmax)                 (None, 4)                         0
	// ────────────────────────────────────────────────────────────────
	// Total params: 133,792
	// Trainable params: 133,792
	// Non-trainable params: 0
}
