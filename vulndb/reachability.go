package vulndb

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/vulndb/reach"
)

// ReadFunc returns the bytes of one member of an artifact.
type ReadFunc func(artifact, member string) ([]byte, error)

// Reachability marks every Go finding that comes from an executable with
// what govulncheck's symbol analysis says of it. Each binary is copied
// where govulncheck can open it (binaryFile) only for the analysis.
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
		// Advisories for another GOOS/GOARCH are settled before any
		// analysis: govulncheck leaves them out, so they would otherwise
		// come back "not reported" and block as "cannot tell".
		goos, goarch := binaryPlatform(data)
		var rest []*Finding
		for _, f := range byBinary[k] {
			if why := otherPlatform(f, goos, goarch); why != "" {
				f.Reachable, f.ReachLevel, f.ReachReason = boolPtr(false), ReachLevelPlatform, why
				continue
			}
			rest = append(rest, f)
		}
		if len(rest) == 0 {
			continue
		}
		got, stripped, err := analyzeBinary(ctx, data, rest)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A binary govulncheck cannot analyse still has its findings:
			// they stay "cannot tell", which the gate treats as reachable.
			for _, f := range rest {
				f.Reachable, f.ReachLevel, f.ReachReason = nil, "", "symbol analysis failed: "+oneLine(err.Error())
			}
			continue
		}
		for _, f := range rest {
			if stripped {
				f.Reachable, f.ReachLevel, f.ReachReason = nil, "", reach.ReasonStripped
				continue
			}
			applyVerdict(f, got)
		}
	}
	return nil
}

// ReachLevelPlatform is Finding.ReachLevel for a Go advisory that affects
// only other platforms than the binary's (its GOOS/GOARCH from build info
// against the record's ecosystem_specific.imports[].goos/goarch): not
// affected, Reachable false, ReachReason naming both.
const ReachLevelPlatform = "platform"

// applyVerdict sets f from govulncheck's verdict for f's own module. An
// advisory naming several modules (GO-2024-2687: stdlib and
// golang.org/x/net) has a verdict per module; the finding of one module
// never inherits another's.
func applyVerdict(f *Finding, got map[reach.Key]reach.Reachability) {
	module := f.Package.Name
	r, ok := got[reach.Key{ID: f.ID, Module: module}]
	for _, a := range f.Aliases {
		if !ok {
			r, ok = got[reach.Key{ID: a, Module: module}]
		}
	}
	if !ok {
		// Our matcher and govulncheck disagree on whether the version is
		// affected; say so rather than guess.
		f.Reachable, f.ReachLevel = nil, ""
		f.ReachReason = "not reported by govulncheck's analysis of this binary"
		return
	}
	f.Reachable, f.ReachLevel, f.ReachReason = r.Reachable, r.Level, r.Reason
}

// binaryPlatform reads GOOS and GOARCH from a Go executable's build info;
// "" when it has none (then no advisory is ruled out by platform).
func binaryPlatform(data []byte) (goos, goarch string) {
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		return "", ""
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOOS":
			goos = s.Value
		case "GOARCH":
			goarch = s.Value
		}
	}
	return goos, goarch
}

// goImports is the Go vulnerability database's ecosystem_specific.
type goImports struct {
	Imports []struct {
		Path   string   `json:"path"`
		GOOS   []string `json:"goos"`
		GOARCH []string `json:"goarch"`
	} `json:"imports"`
}

// otherPlatform returns why f does not affect a goos/goarch binary, or ""
// when it may. Only GO- records say which platforms a package is
// vulnerable on; an alias (GHSA) naming the module without imports carries
// no platform information and does not count either way. Any entry for
// the module without imports, or any import without a platform list or
// listing this platform, keeps the finding: only an advisory whose every
// import is restricted to other platforms is ruled out.
func otherPlatform(f *Finding, goos, goarch string) string {
	if goos == "" || goarch == "" || f.Package == nil {
		return ""
	}
	var only []string
	seen := map[string]bool{}
	restricted := false
	for _, r := range f.Records {
		if !strings.HasPrefix(r.ID, "GO-") {
			continue
		}
		for i := range r.Affected {
			a := &r.Affected[i]
			if a.Package.Name != f.Package.Name || ecosystem.Canonical(a.Package.Ecosystem) != ecosystem.Go {
				continue
			}
			var es goImports
			if len(a.EcosystemSpecific) > 0 {
				if err := json.Unmarshal(a.EcosystemSpecific, &es); err != nil {
					return "" // unreadable: cannot rule anything out
				}
			}
			if len(es.Imports) == 0 {
				return ""
			}
			for _, im := range es.Imports {
				if (len(im.GOOS) == 0 || slices.Contains(im.GOOS, goos)) && (len(im.GOARCH) == 0 || slices.Contains(im.GOARCH, goarch)) {
					return ""
				}
				restricted = true
				p := strings.Join(im.GOOS, ",")
				if len(im.GOARCH) > 0 {
					p = strings.TrimPrefix(p+"/"+strings.Join(im.GOARCH, ","), "/")
				}
				if !seen[p] {
					seen[p] = true
					only = append(only, p)
				}
			}
		}
	}
	if !restricted {
		return ""
	}
	sort.Strings(only)
	return fmt.Sprintf("not affected: the advisory applies only to %s; the binary is built for %s/%s", strings.Join(only, " and "), goos, goarch)
}

func boolPtr(b bool) *bool { return &b }

// analyzeBinary runs govulncheck on one executable with only the records
// already matched to it: the version question is settled, only the symbol
// question is asked, and a few records load far faster than a module's or
// the standard library's hundreds. A stripped binary is not analysed at all:
// govulncheck would call every symbol present, so nothing can be told.
func analyzeBinary(ctx context.Context, data []byte, findings []*Finding) (map[reach.Key]reach.Reachability, bool, error) {
	bin, done, err := binaryFile(data)
	if err != nil {
		return nil, false, err
	}
	defer done()
	stripped, err := reach.Stripped(bin)
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
	got, err := reach.Analyze(ctx, bin, records)
	return got, false, err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
