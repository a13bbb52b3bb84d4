package pipeline

import (
	"github.com/fnguard/fnguard/gate"
	"time"
)

// PolicyOptions say where the policy comes from.
type PolicyOptions struct {
	// File is --policy; "" discovers .fnguard.yaml from Dir up to the
	// repository root (gate.DiscoverPolicy).
	File string
	// Dir is the working directory discovery starts from and display paths
	// are relative to.
	Dir string
	// Flags override the file.
	Flags gate.Flags
	// Now bounds ignore expiry dates (at most a year ahead).
	Now time.Time
}

// LoadPolicy finds and reads the policy, then applies the flags. Errors are
// ClassInput. The policy's Source is its path relative to the repository
// (gate.DisplayPath); "" means the built-in defaults.
func LoadPolicy(opts PolicyOptions) (*gate.Policy, error) {
	file, root := opts.File, ""
	if opts.Dir != "" {
		if file == "" {
			file, root = gate.DiscoverPolicy(opts.Dir)
		} else {
			root = gate.RepoRoot(opts.Dir)
		}
	}
	p := gate.DefaultPolicy()
	if file != "" {
		var err error
		if p, err = gate.LoadPolicyAs(file, gate.DisplayPath(file, opts.Dir, root), opts.Now); err != nil {
			return nil, &Error{ClassInput, err}
		}
	}
	if err := p.Apply(opts.Flags); err != nil {
		return nil, &Error{ClassInput, err}
	}
	return p, nil
}
