// Package augment implements seeded image augmentation for
// image-classification datasets: geometric transforms (flips, rotations,
// crops, resizes, padding, affine warps), colour transforms (brightness,
// contrast, saturation and hue jitter, grayscale, gamma, invert, equalize),
// filters (gaussian blur and noise, random erasing), a float32 CHW tensor
// stage (to-tensor and normalize), and composition (Compose, RandomApply,
// OneOf, RandomOrder).
//
// Every transform implements the one-method [Op] interface and works on
// *image.NRGBA pixels directly, reusing buffers held by a per-worker
// [State]. All randomness comes from the State's [Rand], which is derived
// from (seed, epoch, sample index) by [NewRand]; a sample's result therefore
// does not depend on the number of workers or on scheduling. Each applied
// transform records the parameters it drew in [State.Trace], which prints as
// the text form of the chain.
//
// Ops never write into an image the State did not allocate: a decoded
// source can be augmented many times. Size-preserving ops work in place on
// State-owned buffers, and new images come from the State's pool, so a
// worker's steady state allocates almost nothing. A Compose applies a
// random resized crop followed by flips and a rotation or affine map as a
// single warp from the source (same draws, same trace, one resampling).
//
// Policies are written in a compact text form,
//
//	hflip p=0.5; rotate deg=15; rcrop size=224 scale=0.8-1; jitter b=0.4 c=0.4 s=0.4 h=0.1
//
// or as the equivalent YAML list, and are compiled by [Parse] and
// [ParseYAML]. Semantics follow torchvision where a practitioner would
// expect it (ColorJitter factor ranges, RandomResizedCrop sampling,
// RandomErasing, GaussianBlur kernels).
//
// The package imports no other cnnpipe package.
package augment
