// Package cnn is cnnpipe's embedded trainer for small convolutional networks
// on a CPU: float32 tensors in NCHW order, layers with hand-written forward
// and backward passes, losses, optimizers, a Sequential model built from Go
// code or from a YAML/JSON spec, safetensors checkpoints in PyTorch layouts,
// and a Trainer that runs epochs of mini-batches from any [Source].
//
// Convolutions are computed with im2col and the GEMM of internal/kernels,
// parallel across the samples of a batch on every core. Layers own their
// output and gradient buffers and reuse them, so a training step allocates
// nothing once the buffers have grown to the largest batch size.
//
// A model is not safe for concurrent use: a Forward call returns a tensor
// owned by the last layer that stays valid until the next Forward.
//
// The package imports none of cnnpipe's other packages (and never Arrow):
// data reaches it as [Batch] values from a [Source], which another package
// (or a user) feeds from files, a channel pipeline, or memory.
package cnn
