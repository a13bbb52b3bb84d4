// Package gate turns a scan's findings into a release decision under a
// policy: severity thresholds, malicious packages, unscored advisories,
// per-category thresholds for ORMs and database drivers, expiring ignores,
// a baseline and Go reachability.
package gate

import (
	"time"

	"github.com/fnguard/fnguard/vulndb"
)

// Verdict is the gate's decision and everything a report needs to explain it.
type Verdict struct {
	Pass bool
	// Reasons explain the decision in one line each, in a fixed order:
	// SQL-injection highlights (blocking or not), then blocking findings
	// (malicious first, then by severity), then blocking unchecked
	// packages. A line names the finding, its package and the rule:
	// "MAL-2024-1010 in npm harbor-container-webhook@1.7.0 (function.zip): malicious package: always blocks".
	// Empty when nothing blocks and nothing is highlighted.
	Reasons []string
	// Notes are what the gate let through or wants fixed without blocking:
	// expired and stale ignores, unreachable or baselined findings, unscored
	// and unchecked under "warn". Kept apart so a FAIL lists only its causes.
	Notes []string
	// Decisions holds one entry per finding of the result, in the same order
	// as Result.Findings.
	Decisions []*Decision
	// Unchecked packages (unparseable versions) and whether they block.
	UncheckedBlocking bool
	// StaleIgnores matched nothing; ExpiredIgnores matched but have expired
	// and so count again.
	StaleIgnores   []Ignore
	ExpiredIgnores []Ignore
	// OutOfScopeIgnores matched nothing because what they are scoped to
	// (an artifact, a function, a package) was not in this scan: a shared
	// policy serves other functions too, so they are not stale.
	OutOfScopeIgnores []Ignore
	// Policy is the policy the verdict was reached under (after flags).
	Policy *Policy
}

// Decision is the gate's view of one finding.
type Decision struct {
	Blocking bool
	// Why lists the rules that made it blocking, or that let it pass
	// ("below fail-on high", "ignored until 2027-01-31", "in baseline",
	// "unreachable: warn").
	Why []string
	// Ignored is set when an unexpired ignore matched it.
	Ignored       bool
	IgnoreReason  string
	IgnoreExpires time.Time
	// IgnoreExpired is set when an ignore matched but has expired.
	IgnoreExpired bool
	// VEXState is set when a --vex statement says the package is not
	// affected ("not_affected", "false_positive"), with its justification,
	// detail and file. The finding is let through unless malicious.
	VEXState         string
	VEXJustification string
	VEXDetail        string
	VEXSource        string
	// InBaseline is set when --baseline lists this finding.
	InBaseline bool
	// Highlight marks an SQL-injection (CWE-89) advisory in an ORM or
	// database driver, shown prominently in every output.
	Highlight bool
	// Threshold is the severity threshold that applied (global or category).
	Threshold string
}

// Ignore is one accepted risk from the policy.
type Ignore struct {
	ID      string    `yaml:"id"`
	Reason  string    `yaml:"reason"`
	Expires time.Time `yaml:"-"`
	// Package scopes the ignore to a package name ("ecosystem/name" or a
	// bare name) or a purl; empty means every package.
	Package string `yaml:"package,omitempty"`
	// Artifact scopes it to artifacts whose path is this path or matches
	// this glob (path.Match, "/" separated, also tried on the path's
	// trailing elements: "dist/*.zip" matches "/ci/work/dist/orders.zip").
	Artifact string `yaml:"artifact,omitempty"`
	// Function scopes it to the artifacts of the function of this name or
	// logical id (from an application definition).
	Function string `yaml:"function,omitempty"`
	// Line is where the ignore stands in the policy file, for messages.
	Line int `yaml:"-"`
}

// Policy is a decoded .fnguard.yaml after defaults and flags.
type Policy struct {
	// FailOn is the lowest severity that fails: low|medium|high|critical|never.
	FailOn string
	// Unscored is "fail" (default) or "warn".
	Unscored string
	// Unchecked is "fail" (default) or "warn": packages whose version could
	// not be parsed.
	Unchecked string
	// Unreachable is "warn" (default), "ignore" or "fail": Go findings whose
	// vulnerable symbols are not in the binary.
	Unreachable string
	// MaxDBAge is the oldest advisory database accepted (default 7 days).
	MaxDBAge time.Duration
	// Categories maps a package category to its own threshold
	// (default orm: medium, db-driver: medium).
	Categories map[string]string
	Ignores    []Ignore
	// Source is the file the policy came from as reports show it (relative
	// to the repository when it is inside one), "" for defaults only.
	Source string
}

// Label names the policy in force for reports: its file, or "built-in
// defaults".
func (p *Policy) Label() string {
	if p == nil || p.Source == "" {
		return "built-in defaults"
	}
	return p.Source
}

// Baseline is the set of findings an earlier report knew about.
type Baseline struct {
	// Keys are "ID|purl" for every finding (each alias too), purl in the
	// normal form of normalPURL.
	Keys map[string]bool
	// Source is the file it was read from.
	Source string
}

// Has reports whether the baseline knows finding f (by any of its IDs) for
// the same package URL. Purls on both sides are compared in normal form
// (see baseline.go), so "pkg:npm/lodash@4.17.15?arch=x" meets
// "pkg:npm/lodash@4.17.15".
func (b *Baseline) Has(f *vulndb.Finding) bool {
	if b == nil || f == nil || f.Package == nil {
		return false
	}
	purl := findingPURL(f)
	for _, id := range append([]string{f.ID}, f.Aliases...) {
		if b.Keys[id+"|"+purl] {
			return true
		}
	}
	return false
}
