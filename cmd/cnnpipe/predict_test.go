package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// TestPredictJSON checks the shape of predict --json: one object per line
// with path, class, label and probs, the probabilities summing to 1 and in
// label order (compared with the model's own softmax output).
func TestPredictJSON(t *testing.T) {
	f := newEvFixture(t)
	code, out, errOut := evRun(t, "predict", "--model", f.ckpt, "--json", "--top", "2", f.data)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := append([]string(nil), f.images...)
	sort.Strings(want)
	if len(lines) != len(want) {
		t.Fatalf("%d lines for %d images:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		for _, k := range []string{"path", "class", "label", "prob", "probs", "top"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, k, line)
			}
		}
		var p struct {
			Path  string    `json:"path"`
			Class string    `json:"class"`
			Label int       `json:"label"`
			Prob  float64   `json:"prob"`
			Probs []float64 `json:"probs"`
			Top   []struct {
				Label int     `json:"label"`
				Class string  `json:"class"`
				Prob  float64 `json:"prob"`
			} `json:"top"`
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		if p.Path != want[i] {
			t.Errorf("line %d: path %q, want %q", i+1, p.Path, want[i])
		}
		if len(p.Probs) != 3 {
			t.Fatalf("line %d: %d probabilities, want 3", i+1, len(p.Probs))
		}
		sum, best := 0.0, 0
		for l, v := range p.Probs {
			sum += v
			if v > p.Probs[best] {
				best = l
			}
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("line %d: probabilities sum to %v", i+1, sum)
		}
		if p.Label != best || p.Class != f.classes[best] || p.Prob != p.Probs[best] {
			t.Errorf("line %d: label %d class %q prob %v, but probs %v", i+1, p.Label, p.Class, p.Prob, p.Probs)
		}
		if len(p.Top) != 2 || p.Top[0].Label != best || p.Top[1].Prob > p.Top[0].Prob || p.Top[1].Class != f.classes[p.Top[1].Label] {
			t.Errorf("line %d: top %+v", i+1, p.Top)
		}
		if strings.HasSuffix(p.Path, "big.png") {
			continue
		}
		// Label order: the model's softmax on the image's pixels.
		img := evReadGray(t, p.Path)
		x := cnn.NewTensor(1, 1, 8, 8)
		for k, v := range img.Pix {
			x.Data[k] = float32(v) / 255
		}
		y, err := f.model.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		for l, v := range y.Data {
			if math.Abs(p.Probs[l]-float64(v)) > 1e-5 {
				t.Errorf("%s: probs %v, model gives %v", p.Path, p.Probs, y.Data)
				break
			}
		}
	}
	if !strings.Contains(errOut, "note: ") || !strings.Contains(errOut, "big.png: resized 12x12 to 8x8 (bilinear); 3 channels to 1 (luminance)") {
		t.Errorf("stderr lacks the conversion note: %q", errOut)
	}
}

func evReadGray(t *testing.T, path string) *image.Gray {
	t.Helper()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	img, err := png.Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s is %T, want gray", path, img)
	}
	return g
}

func TestPredictTextAndClasses(t *testing.T) {
	f := newEvFixture(t)
	// Without names in the checkpoint the classes are numbers; --classes
	// names them.
	code, out, errOut := evRun(t, "predict", "--model", f.plain, "--top", "3", f.images[0])
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fields := strings.Fields(out)
	if len(fields) != 7 || fields[0] != f.images[0] || !strings.HasSuffix(fields[2], "%") {
		t.Errorf("text output %q", out)
	}
	got := []string{fields[1], fields[3], fields[5]}
	sort.Strings(got)
	if !reflect.DeepEqual(got, []string{"0", "1", "2"}) {
		t.Errorf("classes %v, want numbers", got)
	}
	code, out, _ = evRun(t, "predict", "--model", f.plain, "--classes", "x, y,z", f.images[0])
	if code != exitOK || !strings.ContainsAny(strings.Fields(out)[1], "xyz") {
		t.Errorf("--classes x,y,z: exit %d, %q", code, out)
	}
	code, out, _ = evRun(t, "predict", "--model", f.plain, "--classes", f.data, f.images[0])
	if code != exitOK || !strings.ContainsAny(strings.Fields(out)[1], "abc") {
		t.Errorf("--classes DATASET: exit %d, %q", code, out)
	}
	if code, _, _ := evRun(t, "predict", "--model", f.plain, "--classes", "a,,b", f.images[0]); code != exitUsage {
		t.Errorf("--classes with an empty name: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := evRun(t, "predict", "--model", f.plain, "--classes", "a,b,c,d", f.images[0]); code != exitFailure {
		t.Errorf("4 class names for 3 outputs: exit %d, want %d", code, exitFailure)
	}
	// A corrupt image is named, the others are still classified, and the
	// exit code says something failed.
	bad := f.images[0] + ".corrupt.png"
	if err := os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\ntruncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = evRun(t, "predict", "--model", f.ckpt, bad, f.images[1])
	if code != exitFailure || !strings.Contains(errOut, bad) || !strings.Contains(out, f.images[1]) {
		t.Errorf("corrupt image: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

func TestPredictManyConversionNotes(t *testing.T) {
	f := newEvFixture(t)
	dir := t.TempDir()
	big, err := os.ReadFile(f.images[len(f.images)-1])
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.png", i)), big, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := evRun(t, "predict", "--model", f.ckpt, dir)
	if code != exitOK || strings.Count(out, "\n") != 8 {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if n := strings.Count(errOut, "resized 12x12 to 8x8"); n != 5 {
		t.Errorf("%d per-image notes, want 5:\n%s", n, errOut)
	}
	if !strings.Contains(errOut, "8 of 8 images were converted") {
		t.Errorf("no conversion count:\n%s", errOut)
	}
}
