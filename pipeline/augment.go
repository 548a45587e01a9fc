package pipeline

import (
	"context"
	"fmt"

	"github.com/cnnpipe/cnnpipe/augment"
)

// AugmentConfig configures an Augment stage.
type AugmentConfig struct {
	// Workers is the number of goroutines applying the policy; 0 means 1.
	Workers int
	// Seed is the run's seed. A sample's randomness is derived from (Seed,
	// Sample.Epoch, Sample.Index), so it does not depend on Workers or on
	// scheduling.
	Seed uint64
}

// Augment returns a channel of the samples of in with policy applied to
// their Image, in order. Each worker keeps its own augment.State (and its
// reusable buffers) and resets it for every sample. A nil policy passes
// samples through unchanged.
func Augment(p *Pipeline, name string, in <-chan *Sample, policy augment.Op, cfg AugmentConfig) <-chan *Sample {
	workers := max(cfg.Workers, 1)
	states := make(chan *augment.State, workers)
	for range workers {
		states <- &augment.State{}
	}
	return Map(p, name, in, MapConfig{Workers: workers}, func(_ context.Context, s *Sample) (*Sample, error) {
		if policy == nil {
			return s, nil
		}
		if s.Image == nil {
			return nil, fmt.Errorf("augment: sample not decoded")
		}
		st := <-states // never blocks: one per worker
		defer func() { states <- st }()
		st.Reset(cfg.Seed, uint64(s.Epoch), uint64(s.Index))
		s.Image = policy.Apply(s.Image, st)
		return s, nil
	})
}
