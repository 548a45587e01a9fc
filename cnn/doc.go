// Package cnn is cnnpipe's embedded trainer for small convolutional networks
// on a CPU: float32 tensors in NCHW order, layers with hand-written forward
// and backward passes, losses, optimizers, a Sequential model built from Go
// code or from a YAML/JSON spec, safetensors checkpoints in PyTorch layouts,
// and a Trainer that runs epochs of mini-batches from any [Source].
//
// The package imports none of cnnpipe's other packages (and never Arrow):
// data reaches it as [Batch] values from a [Source], which another package
// (or a user) feeds from files, a channel pipeline, or memory.
//
// # Models
//
// A [Sequential] is built in Go with [NewSequential] and layer constructors
// ([NewConv2D], [NewMaxPool2D], [NewAvgPool2D], [NewGlobalAvgPool2D],
// [NewFlatten], [NewDense], [NewDropout], [NewBatchNorm], [NewActivation]),
// or from a spec with [ParseSpec] / [LoadSpec] and [Spec.Build]. Shapes are
// inferred layer by layer; a layer that does not fit gives a [*ShapeError]
// naming its index, kind and input shape. [Sequential.Summary] prints a
// table like Keras' model.summary().
//
// Weights default to He uniform for a conv2d or dense layer followed by a
// ReLU or LeakyReLU and Glorot uniform otherwise, biases to zero; every
// random choice (init, dropout) comes from the seed given to
// [Sequential.Init] or [Spec.Build].
//
// # Spec format
//
// See [Spec] and [LayerSpec]. A conv2d or dense layer with an activation
// becomes two layers, as in torch.nn.Sequential, so state-dict names match
// PyTorch: the seed model's tensors are 0.weight, 0.bias, 3.weight, ...,
// 12.bias. BatchNorm's momentum follows Keras (the fraction kept; 0.9 is
// PyTorch's default momentum=0.1). Unknown fields, and fields that do not
// belong to a layer's type, are errors.
//
// # Checkpoints
//
// Checkpoints are safetensors files: an 8-byte little-endian header length,
// a JSON header giving each tensor's dtype ("F32", or "I64" for BatchNorm's
// num_batches_tracked), shape and data_offsets, and a "__metadata__" map of
// strings holding the spec ([MetaSpec]) and, in training checkpoints, the
// [TrainState] ([MetaState]) and optimizer ([MetaOptimizer]). Weights use
// PyTorch's layouts (conv [out, in, kh, kw], dense [out, in]) and Flatten
// is in NCHW order, so a checkpoint loads into the equivalent
// torch.nn.Sequential and gives the same logits (testdata/torch_check.py
// checks this for the built-in models):
//
//	sd = safetensors.torch.load_file("best.safetensors")
//	model.load_state_dict({k: v for k, v in sd.items() if not k.startswith("optimizer.")})
//
// Training checkpoints add the optimizer state as tensors named
// "optimizer.<slot>.<param>" (slots momentum_buffer, exp_avg, exp_avg_sq).
// [ReadCheckpoint] bounds the header ([MaxHeaderBytes]) and validates every
// offset and shape, so a corrupt or lying file is an error, never a panic
// or an allocation beyond the file's size.
//
// # Training
//
// [Trainer.Fit] runs epochs of [Source.Epoch] batches, evaluates on a
// validation source, and writes metrics.csv, last.safetensors and
// best.safetensors into [TrainConfig.OutDir] (each to a temporary name,
// then renamed). A Batch is lent to the trainer only for the duration of
// one yield: the producer may reuse its buffers as soon as yield returns.
// [Trainer.Resume] restores weights, optimizer state, step counter (which
// seeds dropout) and history, so that N epochs, then a resumed run to N+M,
// give bit-identical weights to N+M epochs in one run. A NaN or infinite
// loss stops training with [ErrDiverged], keeping the last good checkpoint.
//
// # Performance and reproducibility
//
// Convolutions use im2col and the GEMM of internal/kernels; the input
// gradient of stride-1 convolutions is a second GEMM over the patches of
// the output gradient (no scatter). The samples of a batch are processed
// in parallel on every core, in fixed groups handed out dynamically, and
// gradients are reduced group by group in order, so the results are
// bit-identical on any number of cores. Layers own their output and
// gradient buffers and reuse them: a warm training step allocates nothing.
//
// A model is not safe for concurrent use: a Forward call returns a tensor
// owned by the last layer that stays valid until the next Forward.
package cnn
