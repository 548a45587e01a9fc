// Package report draws the learning curves of a training run with
// gonum/plot: curves.png, the loss and accuracy per epoch for training and
// validation. (confusion.png is drawn by package eval.) It is separate from
// package cnn so that the trainer does not depend on the plotting library.
package report
