package loaders

//go:generate go run ../testdata/images/generate.go -out ../testdata/images
