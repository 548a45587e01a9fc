// Package models ships cnnpipe's built-in model specs, embedded in the
// binary: "seed" (the seed document's Keras network for 120x60 grayscale
// images of 4 classes, the default of cnnpipe train), "lenet" (a LeNet for
// 28x28 MNIST) and "bn" (a BatchNorm network for MNIST). Open resolves a
// name or a path to a spec file, so a command-line flag can take either.
package models
