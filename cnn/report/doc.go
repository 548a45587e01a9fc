// Package report draws the charts of a training run with gonum/plot:
// curves.png (loss and accuracy per epoch, training and validation) and
// confusion.png (a confusion matrix). It is separate from package cnn so
// that the trainer does not depend on the plotting library.
package report
