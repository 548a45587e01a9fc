package loaders

// The small folder dataset in testdata/images, used by tests and examples.
//go:generate go run ../internal/gentestimages -out ../testdata/images
