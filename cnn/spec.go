package cnn

// Spec is a model specification (placeholder until the parser lands).
type Spec struct{}
