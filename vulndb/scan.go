package vulndb

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// Result is one scan: the inventory, the advisories that affect it, and the
// packages that could not be checked. A package in Unchecked is never clean.
type Result struct {
	Inventory *lockfiles.Inventory
	Findings  []*Finding
	Unchecked []Unchecked
	Fixes     []Fix
	Database  DatabaseInfo
}

// Finding is one advisory (aliases folded) affecting one package of one
// artifact.
type Finding struct {
	osv.Finding
	Package *lockfiles.Package
	// Reachable is set for Go binaries by symbol analysis: true when a
	// vulnerable symbol is linked, false when the module is but none of its
	// vulnerable symbols are, or when the advisory affects only other
	// platforms than the binary's GOOS/GOARCH (ReachLevel
	// ReachLevelPlatform), nil when it cannot be told (ReachReason says
	// why) or was not analysed. The verdict is the one for the finding's
	// own module: an advisory naming stdlib and golang.org/x/net has one
	// per module.
	Reachable   *bool
	ReachReason string
	ReachLevel  string // reach.LevelSymbol, LevelPackage, LevelModule, ReachLevelPlatform or ""
}

// Unchecked is a package whose version could not be compared.
type Unchecked struct {
	Package *lockfiles.Package
	Reason  string
}

// Fix is the smallest upgrade that clears every advisory of a package.
type Fix struct {
	Package *lockfiles.Package
	Version string   // "" when no single version clears them all
	Clears  []string // the finding IDs it clears
}

// DatabaseInfo says what the scan was matched against.
type DatabaseInfo struct {
	Path       string
	Updated    time.Time
	Ecosystems map[string]EcosystemStatus
}

// ErrEcosystemMissing means the inventory holds packages of an ecosystem the
// database has no advisories for: matching them would look clean and not be.
var ErrEcosystemMissing = errors.New("advisory database lacks an ecosystem")

// Scan matches every package of the inventory against the database. It
// reads only the records of the packages it matches.
func Scan(ctx context.Context, db *DB, inv *lockfiles.Inventory) (*Result, error) {
	st, err := db.Status()
	if err != nil {
		return nil, err
	}
	res := &Result{Inventory: inv, Database: DatabaseInfo{Path: st.Path, Updated: st.Updated, Ecosystems: map[string]EcosystemStatus{}}}
	for _, e := range st.Ecosystems {
		res.Database.Ecosystems[e.Name] = e
	}
	var missing []string
	var pkgs []*lockfiles.Package
	for _, a := range inv.Artifacts {
		for _, p := range a.Packages {
			if _, ok := st.Ecosystem(p.Ecosystem); !ok {
				if !containsStr(missing, p.Ecosystem) {
					missing = append(missing, p.Ecosystem)
				}
				continue
			}
			pkgs = append(pkgs, p)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%w: %s has no advisories for %s (run: fnguard db update --ecosystems %s)",
			ErrEcosystemMissing, st.Path, strings.Join(missing, ", "), strings.Join(missing, ","))
	}
	workers := runtime.GOMAXPROCS(0)
	if len(pkgs) < minParallel {
		workers = 1
	}
	matched, err := matchAll(ctx, db, pkgs, workers)
	if err != nil {
		return nil, err
	}
	for _, m := range matched {
		res.Findings = append(res.Findings, m.findings...)
		res.Unchecked = append(res.Unchecked, m.unchecked...)
		if m.fix != nil {
			res.Fixes = append(res.Fixes, *m.fix)
		}
	}
	sortFindings(res.Findings)
	return res, nil
}

// matched is what one package's matching adds to a Result.
type matched struct {
	findings  []*Finding
	unchecked []Unchecked
	fix       *Fix
}

// minParallel is the number of packages from which matching is spread over
// the cores: each package's versions are parsed and its records' ranges
// evaluated on their own, and at 200,000 packages that was a third of a
// scan. Smaller scans are not worth the goroutines.
const minParallel = 512

// matchAll matches every package on that many goroutines; the answers
// keep the packages' order, so the result does not depend on scheduling.
func matchAll(ctx context.Context, db *DB, pkgs []*lockfiles.Package, workers int) ([]matched, error) {
	out := make([]matched, len(pkgs))
	matcher := &osv.Matcher{}
	workers = max(1, workers)
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(pkgs) {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				m, err := matchPackage(db, matcher, pkgs[i])
				if err != nil {
					errs[w] = err
					next.Store(int64(len(pkgs))) // stop the others
					return
				}
				out[i] = m
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func matchPackage(db *DB, matcher *osv.Matcher, p *lockfiles.Package) (matched, error) {
	var res matched
	records, err := db.Records(p.Ecosystem, p.Name)
	if err != nil {
		return res, err
	}
	version := p.Version
	if p.Ecosystem == ecosystem.Go && p.Name != "stdlib" {
		version = strings.TrimPrefix(version, "v")
	}
	var found []osv.Finding
	if p.VersionError != "" {
		res.unchecked = append(res.unchecked, Unchecked{Package: p, Reason: p.VersionError})
		found = allVersionFindings(matcher, records, p)
	} else {
		found, err = matcher.Match(records, p.Ecosystem, p.Name, version)
		if errors.Is(err, osv.ErrUnparseableVersion) {
			res.unchecked = append(res.unchecked, Unchecked{Package: p, Reason: err.Error()})
			found = allVersionFindings(matcher, records, p)
		} else if err != nil {
			return res, fmt.Errorf("matching %s %s@%s: %w", p.Ecosystem, p.Name, p.Version, err)
		}
	}
	if len(found) == 0 {
		return res, nil
	}
	ids := make([]string, 0, len(found))
	var matched []*osv.Record
	for _, f := range found {
		if f.Severity == osv.SeverityUnscored && !f.Malicious {
			if err := borrowSeverity(db, &f); err != nil {
				return res, err
			}
		}
		res.findings = append(res.findings, &Finding{Finding: f, Package: p})
		ids = append(ids, f.ID)
		matched = append(matched, f.Records...)
	}
	fix := Fix{Package: p, Clears: ids}
	if p.VersionError == "" {
		if v, ok := matcher.ClearingVersion(matched, p.Ecosystem, p.Name, version); ok {
			if p.Ecosystem == ecosystem.Go && p.Name != "stdlib" && !strings.HasPrefix(v, "v") {
				v = "v" + v
			}
			fix.Version = v
		}
	}
	res.fix = &fix
	return res, nil
}

// borrowSeverity scores an unscored finding from an alias record the
// database holds under another ecosystem or ID: Go (GO-) and many PYSEC
// records carry no CVSS, while the GHSA or CVE record of the same issue
// often does. The source names the alias, so a report can say where the
// score came from; with no scored alias the finding stays unscored, which
// the gate treats as failing unless the policy says otherwise.
func borrowSeverity(db *DB, f *osv.Finding) error {
	for _, id := range f.Aliases {
		r, err := db.Record(id)
		if err != nil {
			return err
		}
		if r == nil || r.IsWithdrawn() {
			continue
		}
		rd := osv.RecordReading(r)
		if rd.Label == osv.SeverityUnscored {
			continue
		}
		f.Severity, f.Score, f.Vector, f.SeverityType = rd.Label, rd.Score, rd.Vector, rd.Type
		f.SeveritySource = "alias " + id + " " + rd.Type
		return nil
	}
	return nil
}

// allVersionFindings are the advisories that hold whatever the version is:
// an unparseable version cannot be placed in a range, but a record that
// covers every version of the name (most malicious-package records) still
// applies to it.
func allVersionFindings(matcher *osv.Matcher, records []*osv.Record, p *lockfiles.Package) []osv.Finding {
	var out []osv.Finding
	for _, r := range records {
		if r.IsWithdrawn() || !coversEveryVersion(r, p.Ecosystem, p.Name) {
			continue
		}
		// Match at a version every range contains, to reuse severity and
		// grouping; "0" is below every real version in every ecosystem.
		fs, err := matcher.Match([]*osv.Record{r}, p.Ecosystem, p.Name, lowestVersion(p.Ecosystem))
		if err == nil {
			out = append(out, fs...)
		}
	}
	return out
}

func lowestVersion(eco string) string {
	switch eco {
	case ecosystem.NPM, ecosystem.CratesIO, ecosystem.Go:
		return "0.0.0"
	}
	return "0"
}

func coversEveryVersion(r *osv.Record, eco, name string) bool {
	for i := range r.Affected {
		a := &r.Affected[i]
		if !a.Names(eco, name) {
			continue
		}
		for _, rg := range a.Ranges {
			if rg.Type == "GIT" {
				continue
			}
			open := false
			for _, ev := range rg.Events {
				switch {
				case ev.Introduced == "0":
					open = true
				case ev.Fixed != "", ev.LastAffected != "", ev.Limit != "":
					open = false
				}
			}
			if open {
				return true
			}
		}
	}
	return false
}

// sortFindings orders by artifact, severity, package, ID.
func sortFindings(fs []*Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Package.Artifact != b.Package.Artifact {
			return a.Package.Artifact < b.Package.Artifact
		}
		if ra, rb := osv.SeverityRank(a.Severity), osv.SeverityRank(b.Severity); ra != rb {
			return ra < rb
		}
		if a.Package.Name != b.Package.Name {
			return a.Package.Name < b.Package.Name
		}
		if a.Package.Version != b.Package.Version {
			return a.Package.Version < b.Package.Version
		}
		return a.ID < b.ID
	})
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
