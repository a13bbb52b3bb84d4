package vulndb

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/vulndb/reach"
)

// ReadFunc returns the bytes of one member of an artifact.
type ReadFunc func(artifact, member string) ([]byte, error)

// Reachability marks every Go finding that comes from an executable with
// what govulncheck's symbol analysis says of it. Each binary is written to a
// temporary file only for the analysis and removed afterwards.
func (res *Result) Reachability(ctx context.Context, db *DB, read ReadFunc) error {
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
		got, err := analyzeBinary(ctx, db, data)
		if err != nil {
			return fmt.Errorf("%s: %s: symbol analysis: %w", k.artifact, k.member, err)
		}
		for _, f := range byBinary[k] {
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

func analyzeBinary(ctx context.Context, db *DB, data []byte) (map[string]reach.Reachability, error) {
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("no Go build info: %w", err)
	}
	var lookupErr error
	records := reach.RecordsFor(bi, func(module string) [][]byte {
		recs, err := db.Records(ecosystem.Go, module)
		if err != nil {
			lookupErr = err
			return nil
		}
		var out [][]byte
		for _, r := range recs {
			if r.IsWithdrawn() {
				continue
			}
			raw, err := json.Marshal(r)
			if err != nil {
				lookupErr = err
				return nil
			}
			out = append(out, raw)
		}
		return out
	})
	if lookupErr != nil {
		return nil, lookupErr
	}
	tmp, err := os.CreateTemp("", "fnguard-gobinary-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	return reach.Analyze(ctx, tmp.Name(), records)
}
