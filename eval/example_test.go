package eval_test

import (
	"context"
	"fmt"
	"image"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/eval"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// Per-class precision, recall and F1 of a confusion matrix.
func ExamplePerClass() {
	c := eval.Confusion{
		{5, 2, 0},
		{1, 3, 1},
		{0, 0, 4},
	}
	for _, m := range eval.PerClass(c, []string{"cat", "dog", "bird"}) {
		fmt.Printf("%-4s precision %.3f recall %.3f f1 %.3f support %d\n", m.Class, m.Precision, m.Recall, m.F1, m.Support)
	}
	fmt.Printf("accuracy %.3f\n", c.Accuracy())
	// Output:
	// cat  precision 0.833 recall 0.714 f1 0.769 support 7
	// dog  precision 0.600 recall 0.600 f1 0.600 support 5
	// bird precision 0.800 recall 1.000 f1 0.889 support 4
	// accuracy 0.750
}

// Evaluating a model on a dataset, streamed from disk: here an untrained
// model on the built-in shapes, whose 120x60 images are resized to the
// model's 30x15 input.
func ExampleEvaluateDataset() {
	spec, err := cnn.ParseSpec([]byte(`
input: {height: 30, width: 15, channels: 1}
layers:
  - {type: conv2d, filters: 4, kernel: 3, activation: relu}
  - {type: flatten}
  - {type: dense, units: 4, activation: softmax}
`))
	if err != nil {
		panic(err)
	}
	m, err := spec.Build(1) // in practice: eval.LoadModel("runs/x/best.safetensors")
	if err != nil {
		panic(err)
	}
	ds, err := loaders.Open("builtin:shapes?n=100", nil)
	if err != nil {
		panic(err)
	}
	defer ds.Close()
	res, err := eval.EvaluateDataset(context.Background(), m, ds, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Images, "images,", res.Resized, "resized:", res.Example)
	fmt.Println(len(res.Classes), "classes,", len(res.Confusion), "x", len(res.Confusion), "confusion matrix")
	// res.WriteText(os.Stdout) prints the table of cnnpipe eval, and
	// json.Marshal(res) its --json object.

	// Output:
	// 100 images, 100 resized: resized 120x60 to 30x15 (bilinear)
	// 4 classes, 4 x 4 confusion matrix
}

// Classifying an image that is larger and in colour: the predictor resizes
// it and takes its luminance, as training data is prepared, and says so.
func ExampleNewPredictor() {
	spec, err := cnn.ParseSpec([]byte(`
input: {height: 28, width: 28, channels: 1}
layers:
  - {type: flatten}
  - {type: dense, units: 3, activation: softmax}
`))
	if err != nil {
		panic(err)
	}
	m, err := spec.Build(1) // in practice: eval.LoadModel(path), then m.Net
	if err != nil {
		panic(err)
	}
	p, err := eval.NewPredictor(m, []string{"circle", "square", "triangle"}, nil)
	if err != nil {
		panic(err)
	}
	photo := image.NewRGBA(image.Rect(0, 0, 64, 48))
	preds, err := p.Predict([]image.Image{photo})
	if err != nil {
		panic(err)
	}
	pr := preds[0]
	fmt.Println(pr.Converted)
	fmt.Println(len(pr.Probs), "probabilities in label order, top class among", p.Classes())
	// Output:
	// resized 48x64 to 28x28 (bilinear); 3 channels to 1 (luminance)
	// 3 probabilities in label order, top class among [circle square triangle]
}
