// Package gate turns a scan's findings into a release decision under a
// policy: severity thresholds, malicious packages, unscored advisories,
// per-category thresholds for ORMs and database drivers, expiring ignores,
// a baseline and Go reachability.
package gate

import (
	"time"

	"github.com/fnguard/fnguard/iam"
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
	// Functions holds one verdict per function of the release, in
	// definition order; nil when the scan read plain artifacts. The
	// release's Reasons and Notes are the union of theirs plus what no
	// function ships (an unused layer, stale ignores, ...).
	Functions []*FunctionVerdict
}

// FunctionVerdict is the gate's decision for one function of a release.
type FunctionVerdict struct {
	ID    string // logical id
	Label string // as people read it (release.Function.Label)
	Pass  bool
	// Reasons and Notes are the release's lines that concern this
	// function, in the same order: a blast-radius line first.
	Reasons []string
	Notes   []string
	// Roles are the decisions on its role's findings, in the role's order.
	Roles []*RoleDecision
	// Blast is set when the function's role has a failing finding and it
	// ships a serious advisory: one combined, blocking reason.
	Blast *BlastRadius
}

// RoleDecision is the gate's view of one finding of a function's role.
type RoleDecision struct {
	Function string // logical id
	Role     string // the role's logical id, else its ARN
	Finding  iam.Finding
	// Source is the statement's source ("inline:X", "Policy:Y", a SAM
	// policy template) or the managed policy's ARN.
	Source string
	// Failing is whether the rule fails releases under the policy;
	// Blocking is Failing unless an unexpired ignore matched.
	Failing       bool
	Blocking      bool
	Why           []string
	Ignored       bool
	IgnoreReason  string
	IgnoreExpires time.Time
	IgnoreExpired bool
}

// BlastRadius is a function whose role has a failing finding and that
// ships a high or critical advisory, a malicious package or an ORM or
// database-driver advisory. It is always blocking and labelled critical.
type BlastRadius struct {
	Function string // logical id
	// Finding is the worst qualifying advisory (Result.Findings[Index]);
	// More counts the other qualifying ones.
	Finding *vulndb.Finding
	Index   int
	More    int
	// Role is the first failing role decision; MoreRole counts the others.
	Role     *RoleDecision
	MoreRole int
	// BaseScore is the advisory's CVSS v3 base score and Environmental its
	// environmental score with CR, IR and AR set to High (the function's
	// role puts the account's confidentiality, integrity and availability
	// within the attacker's reach); both 0 without a CVSS v3 vector.
	BaseScore     float64
	Environmental float64
	EnvVector     string
	Severity      string // always critical
	Text          string
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
	// Functions are the logical ids of the functions that ship the
	// finding's package (its artifact is their code or a layer they use),
	// sorted; nil for plain artifacts.
	Functions []string
	// BlastRadius is set when a function shipping it runs with a failing
	// role finding (see Verdict.Functions[].Blast).
	BlastRadius bool
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
	// logical id (from an application definition), or for a Rule ignore to
	// that function's role.
	Function string `yaml:"function,omitempty"`
	// Rule, instead of ID, names an execution-role rule (iam rule ids) to
	// accept, for every function or the one Function names.
	Rule string `yaml:"rule,omitempty"`
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
	// Roles maps IAM rule ids to "fail" or "warn"; rules absent from it
	// keep their default (iam.DefaultFailingRules fail, the rest warn).
	Roles map[string]string
	// Unreadable is "fail" (default when empty) or "warn": a function or
	// layer whose code could not be read.
	Unreadable string
	// UnknownRole is "warn" (default when empty) or "fail": a function whose
	// role is not in the definition, or whose role could not be expanded
	// completely.
	UnknownRole string
	// Source is the file the policy came from as reports show it (relative
	// to the repository when it is inside one), "" for defaults only.
	Source string
}

// RuleFails reports whether an execution-role rule fails the release.
func (p *Policy) RuleFails(rule string) bool {
	if p != nil {
		if v, ok := p.Roles[rule]; ok {
			return v == valFail
		}
	}
	return iam.IsFailing(rule)
}

// UnreadableMode is the policy's unreadable value with its default.
func (p *Policy) UnreadableMode() string {
	if p == nil || p.Unreadable == "" {
		return valFail
	}
	return p.Unreadable
}

// UnknownRoleMode is the policy's unknown-role value with its default.
func (p *Policy) UnknownRoleMode() string {
	if p == nil || p.UnknownRole == "" {
		return valWarn
	}
	return p.UnknownRole
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
