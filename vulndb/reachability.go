package vulndb

import (
	"context"
	"encoding/json"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/vulndb/reach"
)

// ReadFunc returns the bytes of one member of an artifact.
type ReadFunc func(artifact, member string) ([]byte, error)

// Reachability marks every Go finding that comes from an executable with
// what govulncheck's symbol analysis says of it. Each binary is written to a
// temporary file only for the analysis and removed afterwards.
func (res *Result) Reachability(ctx context.Context, read ReadFunc) error {
	type binary struct{ artifact, member string }
	byBinary := map[binary][]*Finding{}
	for _, f := range res.Findings {
		p := f.Package
		if p.Ecosystem != ecosystem.Go {
			continue
		}
		for _, loc := range p.Locations {
			if b := path.Base(loc); b == "go.mod" || b == "go.sum" {
				continue
			}
			k := binary{p.Artifact, loc}
			byBinary[k] = append(byBinary[k], f)
		}
	}
	keys := make([]binary, 0, len(byBinary))
	for k := range byBinary {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].artifact != keys[j].artifact {
			return keys[i].artifact < keys[j].artifact
		}
		return keys[i].member < keys[j].member
	})
	for _, k := range keys {
		data, err := read(k.artifact, k.member)
		if err != nil {
			return err
		}
		got, stripped, err := analyzeBinary(ctx, data, byBinary[k])
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A binary govulncheck cannot analyse still has its findings:
			// they stay "cannot tell", which the gate treats as reachable.
			for _, f := range byBinary[k] {
				f.Reachable, f.ReachLevel, f.ReachReason = nil, "", "symbol analysis failed: "+oneLine(err.Error())
			}
			continue
		}
		for _, f := range byBinary[k] {
			if stripped {
				f.Reachable, f.ReachLevel, f.ReachReason = nil, "", reach.ReasonStripped
				continue
			}
			r, ok := got[f.ID]
			for _, a := range f.Aliases {
				if !ok {
					r, ok = got[a]
				}
			}
			if !ok {
				// Our matcher and govulncheck disagree on whether the
				// version is affected; say so rather than guess.
				f.ReachReason = "not reported by govulncheck's analysis of this binary"
				continue
			}
			f.Reachable, f.ReachLevel, f.ReachReason = r.Reachable, r.Level, r.Reason
		}
	}
	return nil
}

// analyzeBinary runs govulncheck on one executable with only the records
// already matched to it: the version question is settled, only the symbol
// question is asked, and a few records load far faster than a module's or
// the standard library's hundreds. A stripped binary is not analysed at all:
// govulncheck would call every symbol present, so nothing can be told.
func analyzeBinary(ctx context.Context, data []byte, findings []*Finding) (map[string]reach.Reachability, bool, error) {
	tmp, err := os.CreateTemp("", "fnguard-gobinary-*")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	stripped, err := reach.Stripped(tmp.Name())
	if err != nil || stripped {
		return nil, stripped, err
	}
	seen := map[string]bool{}
	var records [][]byte
	for _, f := range findings {
		for _, r := range f.Records {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			raw, err := json.Marshal(r)
			if err != nil {
				return nil, false, err
			}
			records = append(records, raw)
		}
	}
	got, err := reach.Analyze(ctx, tmp.Name(), records)
	return got, false, err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
