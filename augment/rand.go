package augment

import (
	"math"
	"math/bits"
)

// Rand is a small, fast, deterministic random number generator (SplitMix64).
// A Rand is not safe for concurrent use; each sample gets its own, derived
// by [NewRand] from (seed, epoch, sample index), so results do not depend on
// which worker processes a sample or in what order.
type Rand struct {
	state   uint64
	spare   float64
	hasNorm bool
}

const golden = 0x9e3779b97f4a7c15

// mix64 is the SplitMix64 finaliser, a bijective 64-bit mixing function.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// SampleSeed returns the 64-bit key of the random stream for one sample:
// a hash of the run seed, the epoch (or copy index) and the sample index.
// It is what [NewRand] seeds its generator with, and what manifests record.
func SampleSeed(seed, epoch, index uint64) uint64 {
	h := mix64(seed + golden)
	h = mix64(h ^ (epoch+1)*0xd1b54a32d192ed03)
	h = mix64(h ^ (index+1)*0xaef17502108ef2d9)
	return h
}

// NewRand returns the generator for one sample, keyed by
// [SampleSeed](seed, epoch, index).
func NewRand(seed, epoch, index uint64) *Rand {
	r := &Rand{}
	r.Seed(SampleSeed(seed, epoch, index))
	return r
}

// Seed resets r to the stream keyed by key.
func (r *Rand) Seed(key uint64) {
	*r = Rand{state: key}
}

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.state += golden
	return mix64(r.state)
}

// Float64 returns a uniform float64 in [0, 1).
func (r *Rand) Float64() float64 {
	return float64(r.Uint64()>>11) * (1.0 / (1 << 53))
}

// Uniform returns a uniform float64 in [lo, hi); it returns lo when hi <= lo.
func (r *Rand) Uniform(lo, hi float64) float64 {
	f := r.Float64()
	if hi <= lo {
		return lo
	}
	return lo + (hi-lo)*f
}

// Intn returns a uniform int in [0, n); it returns 0 when n <= 1.
// It is unbiased (Lemire's multiply-and-reject method).
func (r *Rand) Intn(n int) int {
	if n <= 1 {
		r.Uint64()
		return 0
	}
	bound := uint64(n)
	for {
		x := r.Uint64()
		hi, lo := bits.Mul64(x, bound)
		if lo >= bound || lo >= (-bound)%bound {
			return int(hi)
		}
	}
}

// IntRange returns a uniform int in [lo, hi] (both inclusive).
func (r *Rand) IntRange(lo, hi int) int {
	if hi <= lo {
		r.Uint64()
		return lo
	}
	return lo + r.Intn(hi-lo+1)
}

// Bernoulli returns true with probability p. It always consumes one draw;
// p <= 0 never returns true and p >= 1 always does.
func (r *Rand) Bernoulli(p float64) bool {
	return r.Float64() < p
}

// NormFloat64 returns a standard normal deviate (Marsaglia's polar method).
func (r *Rand) NormFloat64() float64 {
	if r.hasNorm {
		r.hasNorm = false
		return r.spare
	}
	for {
		u := 2*r.Float64() - 1
		v := 2*r.Float64() - 1
		s := u*u + v*v
		if s > 0 && s < 1 {
			m := math.Sqrt(-2 * math.Log(s) / s)
			r.spare, r.hasNorm = v*m, true
			return u * m
		}
	}
}

// Perm returns a random permutation of [0, n) (Fisher-Yates).
func (r *Rand) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
