package vulndb

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles/categories"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// PackageRef is one package asked about by name, before it is installed.
type PackageRef struct {
	Arg       string `json:"query"`
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
}

// CheckResult is what `check --format json` prints per package: a stable,
// documented shape.
type CheckResult struct {
	Package    PackageRef `json:"package"`
	Categories []string   `json:"categories"`
	Affected   *bool      `json:"affected"` // null when no version was given and nothing malicious affects every version
	// Known is false when no advisory in the database names the package:
	// fnguard cannot tell a clean package from a misspelt or unknown one.
	Known bool `json:"known"`
	// Malicious is set when a malicious-package record covers every
	// version: the package is removed, never upgraded.
	Malicious  bool            `json:"malicious"`
	Upgrade    string          `json:"upgrade_to,omitempty"`
	Advisories []CheckAdvisory `json:"advisories"`
}

// CheckAdvisory is one advisory of a checked package.
type CheckAdvisory struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Summary   string   `json:"summary"`
	Severity  string   `json:"severity"`
	Score     float64  `json:"score"`
	Malicious bool     `json:"malicious"`
	Fixed     []string `json:"fixed"`
	Ranges    []string `json:"ranges,omitempty"`
}

// Check reads every advisory of one package: with a version, those that
// affect it and the smallest upgrade clearing them; without, every record
// with its ranges. A malicious record covering every version affects the
// package either way. A version the ecosystem cannot parse is an error
// wrapping osv.ErrUnparseableVersion.
func (d *DB) Check(r PackageRef) (CheckResult, error) {
	cr := CheckResult{Package: r, Categories: categories.Lookup(r.Ecosystem, r.Name), Advisories: []CheckAdvisory{}}
	if cr.Categories == nil {
		cr.Categories = []string{}
	}
	records, err := d.Records(r.Ecosystem, r.Name)
	if err != nil {
		return cr, err
	}
	cr.Known = len(records) > 0
	// A malicious record covering every version fails with or without a
	// version: there is nothing to pick, the package goes.
	for _, rec := range records {
		if rec.IsWithdrawn() {
			continue
		}
		if _, _, mal := osv.RecordSeverity(rec); mal && slices.Contains(osv.Ranges(rec, r.Ecosystem, r.Name), "all versions") {
			cr.Malicious = true
		}
	}
	if r.Version == "" {
		if cr.Malicious {
			yes := true
			cr.Affected = &yes
		}
		for _, rec := range records {
			if rec.IsWithdrawn() {
				continue
			}
			// Match the record alone at a version it names, to reuse the
			// severity and alias logic; ranges say which versions it covers.
			adv := CheckAdvisory{ID: rec.ID, Aliases: rec.Aliases, Summary: rec.Summary, Ranges: osv.Ranges(rec, r.Ecosystem, r.Name)}
			if adv.Aliases == nil {
				adv.Aliases = []string{}
			}
			adv.Severity, adv.Score, adv.Malicious = osv.RecordSeverity(rec)
			adv.Fixed = goV(r, osv.FixedVersions(rec, r.Ecosystem, r.Name))
			cr.Advisories = append(cr.Advisories, adv)
		}
		sort.Slice(cr.Advisories, func(i, j int) bool {
			a, b := cr.Advisories[i], cr.Advisories[j]
			if ra, rb := osv.SeverityRank(a.Severity), osv.SeverityRank(b.Severity); ra != rb {
				return ra < rb
			}
			return a.ID < b.ID
		})
		return cr, nil
	}
	version := r.Version
	if r.Ecosystem == ecosystem.Go && r.Name != "stdlib" {
		version = strings.TrimPrefix(version, "v")
	}
	findings, err := osv.MatchPackage(records, r.Ecosystem, r.Name, version)
	if err != nil {
		if errors.Is(err, osv.ErrUnparseableVersion) {
			return cr, fmt.Errorf("%s: %w", r.Arg, err)
		}
		return cr, err
	}
	yes := len(findings) > 0
	cr.Affected = &yes
	var matched []*osv.Record
	for _, f := range findings {
		a := CheckAdvisory{ID: f.ID, Aliases: f.Aliases, Summary: f.Summary, Severity: f.Severity, Score: f.Score, Malicious: f.Malicious, Fixed: f.Fixed}
		if a.Aliases == nil {
			a.Aliases = []string{}
		}
		a.Fixed = goV(r, a.Fixed)
		cr.Advisories = append(cr.Advisories, a)
		matched = append(matched, f.Records...)
	}
	if yes && !cr.Malicious {
		if v, ok := osv.ClearingVersion(matched, r.Ecosystem, r.Name, version); ok {
			cr.Upgrade = goV(r, []string{v})[0]
		}
	}
	for _, a := range cr.Advisories {
		cr.Malicious = cr.Malicious || a.Malicious
	}
	return cr, nil
}

// goV writes Go module versions with their "v", as go.mod, the scan report
// and `go get` do; OSV stores them without it. The standard library's
// versions ("1.22.3") have none.
func goV(r PackageRef, versions []string) []string {
	out := make([]string, len(versions))
	for i, v := range versions {
		if r.Ecosystem == ecosystem.Go && r.Name != "stdlib" && r.Name != "toolchain" && v != "" && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		out[i] = v
	}
	return out
}
