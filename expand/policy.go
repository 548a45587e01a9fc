package expand

import (
	"errors"
	"fmt"
	"os"

	"github.com/cnnpipe/cnnpipe/augment"
)

// DefaultPolicy is the augmentation policy of `cnnpipe augment` (and of
// cnnpipe-beam, which must write the same files) when none is given.
const DefaultPolicy = "hflip; rotate deg=10 mode=reflect; jitter b=0.2 c=0.2 s=0.2 h=0.02"

// ErrPolicyChoice is returned by PolicyText when both a policy and a policy
// file are given.
var ErrPolicyChoice = errors.New("give a policy or a policy file, not both")

// PolicyText returns the canonical text of the policy chosen by ops (the
// text form) or by the file at path file (a YAML list, or the text form);
// with neither, DefaultPolicy. The canonical text is what a Config records,
// so two spellings of one policy give the same outputs. An error in ops
// wraps augment.ErrPolicy; an error in the file names the file.
func PolicyText(ops, file string) (string, error) {
	if ops != "" && file != "" {
		return "", ErrPolicyChoice
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("expand: %w", err)
		}
		pol, yerr := augment.ParseYAML(data)
		if yerr != nil {
			var terr error
			if pol, terr = augment.Parse(string(data)); terr != nil {
				return "", fmt.Errorf("expand: %s: %w", file, yerr)
			}
		}
		return pol.String(), nil
	}
	if ops == "" {
		ops = DefaultPolicy
	}
	pol, err := augment.Parse(ops)
	if err != nil {
		return "", err
	}
	return pol.String(), nil
}
