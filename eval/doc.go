// Package eval is what comes after training: it runs a trained model over a
// labelled dataset and measures it (accuracy, mean loss, per-class
// precision, recall and F1, and the confusion matrix), classifies single
// images with the top-K classes and their probabilities, and renders both as
// text tables or JSON-ready values. It backs the cnnpipe eval, predict and
// summary commands.
//
// Images reach the model exactly as training data does by default in
// cnnpipe: decoded to RGB, resized with the bilinear filter of package
// augment when their size differs from the model's input, reduced to their
// luminance for a one-channel model (or a gray image repeated over three
// channels), and scaled to [0, 1], or normalized as the checkpoint records
// (MetaNormalization) or an Input says. Every such
// conversion is counted (Result.Resized, Result.ChannelsConverted) or noted
// on the prediction (Prediction.Converted), never done silently.
//
// A dataset is streamed through the channel stages of package pipeline, so
// evaluating a large test set needs memory for a few batches only.
package eval
