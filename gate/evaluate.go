package gate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/lockfiles/categories"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// ErrStale means the advisory database is older than the policy allows: a
// scan against it could pass a release that a fresh one would fail.
var ErrStale = errors.New("advisory database is stale")

// CheckDatabaseAge fails when the database was last updated more than
// p.MaxDBAge before now, or when its update time is unknown (zero): an age
// that cannot be told is not young enough.
func CheckDatabaseAge(updated time.Time, p *Policy, now time.Time) error {
	if p == nil {
		p = DefaultPolicy()
	}
	if updated.IsZero() {
		return fmt.Errorf("%w: the database does not record when it was updated, policy max-db-age %s; run: fnguard db update",
			ErrStale, formatAge(p.MaxDBAge))
	}
	age := now.Sub(updated)
	if age <= p.MaxDBAge {
		return nil
	}
	return fmt.Errorf("%w: updated %s (%s ago), policy max-db-age %s; run: fnguard db update",
		ErrStale, updated.UTC().Format(time.RFC3339), formatAge(age), formatAge(p.MaxDBAge))
}

// formatAge writes whole days as "Nd" (as policies write them) and anything
// else as a Go duration rounded to the minute.
func formatAge(d time.Duration) string {
	day := 24 * time.Hour
	if d >= day {
		days := d / day
		if rest := (d % day).Round(time.Hour); rest > 0 {
			return fmt.Sprintf("%dd%s", days, strings.TrimSuffix(rest.String(), "0m0s"))
		}
		return fmt.Sprintf("%dd", days)
	}
	return d.Round(time.Minute).String()
}

// Evaluation order for one finding (Decision.Why keeps every step):
//
//  1. Malicious findings block, whatever fail-on, unreachable, ignores or
//     the baseline say: installing the package ran its code already, so no
//     threshold or accepted risk applies. Ignores of MAL- IDs are refused
//     when the policy is read; an ignore that matches a malicious finding
//     through another ID (a GHSA alias) is reported as refused.
//  2. Unscored findings block unless unscored: warn. They are never read
//     as low: no score means nobody has said it is harmless.
//  3. Otherwise the finding blocks when its severity is at or above its
//     threshold: the strictest of fail-on and the thresholds of the
//     package's categories.
//  4. A finding that would block stops blocking when
//     - its Go symbols are known not to be linked (Reachable false) and
//       unreachable is warn or ignore (nil Reachable means "cannot tell"
//       and counts as reachable),
//     - an unexpired ignore matches it (expired ones are reported and do
//       not apply), or
//     - the baseline lists it.
//
// Unchecked packages (versions that could not be compared) block unless
// unchecked: warn. Highlight (CWE-89 in an orm, db-driver or query-builder
// package) is independent of blocking: such findings always lead Reasons.

// sqlCategories are the categories whose SQL-injection advisories are
// highlighted: these libraries are the defence the application relies on.
var sqlCategories = []string{categories.ORM, categories.DBDriver, categories.QueryBuilder}

// Input is what Evaluate decides on besides the result.
type Input struct {
	// Policy decides; nil is DefaultPolicy().
	Policy *Policy
	// Baseline lets the findings it lists through; nil is none.
	Baseline *Baseline
	// Now is the date ignores are judged on (expired or not).
	Now time.Time
	// VEX statements let findings through whose package they say is not
	// affected; nil is none.
	VEX *VEX
	// Functions maps an artifact path to the functions whose code it is,
	// for ignores scoped with function:. Nil when the scan named plain
	// artifacts: then no function was scanned.
	Functions map[string][]string
	// Release is the application the scan read (nil for plain artifacts):
	// its functions' roles are judged and attributed here.
	Release *release.Release
}

// Evaluate decides the release under policy p (nil: DefaultPolicy) and
// baseline b (nil: none). It never fails: every finding gets a Decision.
func Evaluate(res *vulndb.Result, p *Policy, b *Baseline, now time.Time) *Verdict {
	return EvaluateWith(res, Input{Policy: p, Baseline: b, Now: now})
}

// EvaluateWith is Evaluate with every input named.
func EvaluateWith(res *vulndb.Result, in Input) *Verdict {
	p, b, now := in.Policy, in.Baseline, in.Now
	if p == nil {
		p = DefaultPolicy()
	}
	if res == nil {
		res = &vulndb.Result{}
	}
	sc := newScanned(res, releaseFunctions(in.Functions, in.Release))
	sc.release = in.Release
	v := &Verdict{Policy: p, Decisions: make([]*Decision, len(res.Findings))}
	used := make([]bool, len(p.Ignores))
	expired := make([]bool, len(p.Ignores))
	var lines []reasonLine
	decisions := decisionSet{}
	fnsOf := map[string][]string{}
	for i, f := range res.Findings {
		d, l := decide(f, p, b, now, used, expired, sc, in.VEX)
		artifact := ""
		if in.Release != nil && f.Package != nil {
			artifact = f.Package.Artifact
			fns, ok := fnsOf[artifact]
			if !ok {
				fns = in.Release.FunctionIDs(artifact)
				fnsOf[artifact] = fns
			}
			d.Functions = fns
		}
		d = decisions.intern(d, artifact)
		for j := range l {
			l[j].fns = d.Functions
			l[j].block = d.Blocking && l[j].class != classWarn
		}
		v.Decisions[i] = d
		lines = append(lines, l...)
	}
	releaseBlocks := false
	if in.Release != nil {
		var rl []reasonLine
		v.Functions, rl = evaluateRelease(in.Release, res, v.Decisions, p, now, used, expired)
		for _, l := range rl {
			releaseBlocks = releaseBlocks || l.block
		}
		lines = append(lines, rl...)
	}
	for i, ig := range p.Ignores {
		switch {
		case !used[i] && !sc.inScope(ig):
			// A shared policy names other functions' artifacts and
			// packages: not scanned here is not stale.
			v.OutOfScopeIgnores = append(v.OutOfScopeIgnores, ig)
		case !used[i]:
			v.StaleIgnores = append(v.StaleIgnores, ig)
			lines = append(lines, reasonLine{class: classWarn, sub: 1, text: fmt.Sprintf("ignore %s%s matches no finding in %s: remove it", ignoreName(ig), ignoreWhere(p, ig), sc.scopeText(ig)), key: fmt.Sprintf("%08d", i)})
		case expired[i]:
			v.ExpiredIgnores = append(v.ExpiredIgnores, ig)
			lines = append(lines, reasonLine{class: classWarn, sub: 0, text: fmt.Sprintf("ignore %s%s expired on %s: its findings count again", ignoreName(ig), ignoreWhere(p, ig), ig.Expires.Format(time.DateOnly)), key: fmt.Sprintf("%08d", i)})
		}
	}
	if len(res.Unchecked) > 0 {
		v.UncheckedBlocking = p.Unchecked != valWarn
		for _, u := range res.Unchecked {
			l := reasonLine{class: classWarn, sub: 5, key: pkgLabel(u.Package)}
			if in.Release != nil && u.Package != nil {
				l.fns = in.Release.FunctionIDs(u.Package.Artifact)
			}
			if v.UncheckedBlocking {
				l.class, l.sub, l.block = classBlock, 9, true
				l.text = fmt.Sprintf("%s could not be checked (%s): blocking, unchecked: fail", pkgLabel(u.Package), u.Reason)
			} else {
				l.text = fmt.Sprintf("%s could not be checked (%s): not blocking, unchecked: warn", pkgLabel(u.Package), u.Reason)
			}
			lines = append(lines, l)
		}
	}
	// An artifact fnguard read only in part (a bundle that hides what it
	// inlines) cannot be called clean: it is judged like a version that
	// cannot be checked. An SBOM given as input says what it covers itself.
	if res.Inventory != nil {
		for _, a := range res.Inventory.Artifacts {
			if a.Complete || a.Kind == lockfiles.KindSBOM {
				continue
			}
			why := "its inventory is incomplete"
			for _, w := range res.Inventory.Warnings {
				if w.Artifact == a.Path {
					why = w.Message
					break
				}
			}
			l := reasonLine{class: classWarn, sub: 5, key: a.Path}
			if in.Release != nil {
				l.fns = in.Release.FunctionIDs(a.Path)
			}
			if p.Unchecked != valWarn {
				v.UncheckedBlocking = true
				l.class, l.sub, l.block = classBlock, 9, true
				l.text = fmt.Sprintf("%s was read only in part (%s): blocking, unchecked: fail", a.Path, why)
			} else {
				l.text = fmt.Sprintf("%s was read only in part (%s): not blocking, unchecked: warn", a.Path, why)
			}
			lines = append(lines, l)
		}
	}
	v.Pass = !v.UncheckedBlocking && !releaseBlocks
	for _, d := range v.Decisions {
		if d.Blocking {
			v.Pass = false
		}
	}
	slices.SortStableFunc(lines, compareLines)
	for _, l := range lines {
		if l.class == classWarn {
			v.Notes = append(v.Notes, l.text)
		} else {
			v.Reasons = append(v.Reasons, l.text)
		}
	}
	// Lines are handed to the functions they name in one pass: a release
	// of thousands of functions sharing one code folder must not cost
	// functions × lines.
	byID := make(map[string]*FunctionVerdict, len(v.Functions))
	for _, fv := range v.Functions {
		fv.Pass = true
		byID[fv.ID] = fv
	}
	for _, l := range lines {
		seen := map[string]bool{}
		for _, id := range l.fns {
			fv := byID[id]
			if fv == nil || seen[id] {
				continue
			}
			seen[id] = true
			if l.block {
				fv.Pass = false
			}
			if l.class == classWarn {
				fv.Notes = append(fv.Notes, l.text)
			} else {
				fv.Reasons = append(fv.Reasons, l.text)
			}
		}
	}
	return v
}

// decisionSet shares equal decisions among findings. Decisions are not
// changed once made (blastRadius copies one before it adds to it), and the
// findings of one advisory across thousands of packages mostly decide
// alike: at 200,000 packages a Decision per finding was an eighth of the
// scan's live memory.
type decisionSet map[decisionKey]*Decision

type decisionKey struct {
	blocking, ignored, ignoreExpired, inBaseline, highlight, blast bool
	why, ignoreReason, threshold                                   string
	ignoreExpires                                                  time.Time
	vexState, vexJustification, vexDetail, vexSource               string
	// artifact stands for Functions: they are the artifact's.
	artifact string
}

func (s decisionSet) intern(d *Decision, artifact string) *Decision {
	k := decisionKey{
		blocking: d.Blocking, ignored: d.Ignored, ignoreExpired: d.IgnoreExpired, inBaseline: d.InBaseline,
		highlight: d.Highlight, blast: d.BlastRadius,
		why: strings.Join(d.Why, "\x00"), ignoreReason: d.IgnoreReason, threshold: d.Threshold,
		ignoreExpires: d.IgnoreExpires,
		vexState:      d.VEXState, vexJustification: d.VEXJustification, vexDetail: d.VEXDetail, vexSource: d.VEXSource,
		artifact: artifact,
	}
	if same, ok := s[k]; ok {
		return same
	}
	s[k] = d
	return d
}

// own gives decisions[i] a copy of its own before it is changed: it may be
// shared with other findings (decisionSet).
func own(decisions []*Decision, i int) *Decision {
	c := *decisions[i]
	c.Why = slices.Clone(c.Why)
	decisions[i] = &c
	return &c
}

// ignoreName is how messages name an ignore: its advisory ID or its rule.
func ignoreName(ig Ignore) string {
	if ig.Rule != "" {
		return "rule " + ig.Rule
	}
	return ig.ID
}

// Reason line classes, in output order: blast radius (a failing role and
// a serious advisory in one function) leads everything.
const (
	classBlast = iota - 1
	classHighlight
	classBlock
	classWarn
)

// reasonLine sorts by class, sub-order within the class, then key.
type reasonLine struct {
	class, sub int
	key        string
	text       string
	// fns are the logical ids of the functions the line concerns; block
	// says it fails them (and the release).
	fns   []string
	block bool
}

func compareLines(a, b reasonLine) int {
	if a.class != b.class {
		return a.class - b.class
	}
	if a.sub != b.sub {
		return a.sub - b.sub
	}
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.text, b.text)
}

func decide(f *vulndb.Finding, p *Policy, b *Baseline, now time.Time, used, expired []bool, sc *scanned, vex *VEX) (*Decision, []reasonLine) {
	d := &Decision{}
	var cats []string
	if f.Package != nil {
		cats = f.Package.Categories
	}
	threshold, from := p.FailOn, "fail-on"
	for _, c := range cats {
		if t, ok := p.Categories[c]; ok && stricter(t, threshold) {
			threshold, from = t, c+" threshold"
		}
	}
	d.Threshold = threshold
	d.Highlight = hasCWE(f.CWEs, "CWE-89") && slices.ContainsFunc(cats, func(c string) bool { return slices.Contains(sqlCategories, c) })

	// Steps 1-3: would it block on its own?
	var wouldBlock bool
	switch {
	case f.Malicious:
		wouldBlock = true
		d.Why = append(d.Why, "malicious package: always blocks")
	case osv.SeverityRank(f.Severity) > osv.SeverityRank(osv.SeverityLow):
		// Unscored, or a label fnguard does not know: no one has said it
		// is harmless.
		wouldBlock = p.Unscored != valWarn
		d.Why = append(d.Why, "unscored: "+map[bool]string{true: valFail, false: valWarn}[wouldBlock])
	case failsAt(f.Severity, threshold):
		wouldBlock = true
		d.Why = append(d.Why, fmt.Sprintf("%s at or above %s %s", f.Severity, from, threshold))
	case threshold == valNever:
		d.Why = append(d.Why, fmt.Sprintf("%s: fail-on never", f.Severity))
	default:
		d.Why = append(d.Why, fmt.Sprintf("%s below %s %s", f.Severity, from, threshold))
	}

	// Step 4: what lets it pass.
	unreachable := f.Reachable != nil && !*f.Reachable
	if unreachable && p.Unreachable != valFail {
		if p.Unreachable == valIgnore {
			d.Why = append(d.Why, "unreachable: ignored")
		} else {
			d.Why = append(d.Why, "unreachable: warn")
		}
	} else if unreachable {
		d.Why = append(d.Why, "unreachable: fail")
	}
	if st := vex.match(f); st != nil {
		d.VEXState, d.VEXJustification, d.VEXDetail, d.VEXSource = st.State, st.Justification, st.Detail, st.Source
		why := "VEX " + st.State
		if st.Justification != "" {
			why += " (" + st.Justification + ")"
		}
		if f.Malicious {
			why += " refused: malicious"
		}
		d.Why = append(d.Why, why+" in "+st.Source)
	}
	var refused []string
	for i, ig := range p.Ignores {
		if ig.Rule != "" || !ignoreMatches(ig, f) || !sc.findingInScope(ig, f) {
			continue
		}
		used[i] = true
		switch {
		case f.Malicious:
			refused = append(refused, ig.ID)
			d.Why = append(d.Why, fmt.Sprintf("ignore %s%s refused: malicious", ig.ID, ignoreWhere(p, ig)))
		case ignoreExpired(ig, now):
			expired[i] = true
			if !d.Ignored {
				d.IgnoreExpired = true
				d.Why = append(d.Why, fmt.Sprintf("ignore expired on %s", ig.Expires.Format(time.DateOnly)))
			}
		case !d.Ignored:
			d.Ignored, d.IgnoreExpired = true, false
			d.IgnoreReason, d.IgnoreExpires = ig.Reason, ig.Expires
			d.Why = append(d.Why, fmt.Sprintf("ignored until %s: %s", ig.Expires.Format(time.DateOnly), ig.Reason))
		}
	}
	if b.Has(f) {
		d.InBaseline = true
		if f.Malicious {
			d.Why = append(d.Why, "in baseline, but malicious findings block regardless")
		} else {
			d.Why = append(d.Why, "in baseline")
		}
	}
	passBy := ""
	switch {
	case f.Malicious:
	case unreachable && p.Unreachable == valIgnore:
		passBy = "unreachable: ignore"
	case unreachable && p.Unreachable == valWarn:
		passBy = "vulnerable symbols not linked, unreachable: warn"
	case d.VEXState != "":
		passBy = "VEX " + d.VEXState
		if d.VEXJustification != "" {
			passBy += ": " + d.VEXJustification
		}
	case d.Ignored:
		passBy = "ignored until " + d.IgnoreExpires.Format(time.DateOnly)
	case d.InBaseline:
		passBy = "in baseline " + b.Source
	}
	d.Blocking = wouldBlock && passBy == ""

	// Reason lines.
	var lines []reasonLine
	key := lineKey(f)
	label := fmt.Sprintf("%s in %s", f.ID, pkgLabel(f.Package))
	if d.Highlight {
		state := "not blocking"
		if d.Blocking {
			state = "blocking"
		} else if passBy != "" {
			state = "not blocking: " + passBy
		}
		lines = append(lines, reasonLine{class: classHighlight, key: key,
			text: fmt.Sprintf("SQL injection (CWE-89) in %s %s: %s (%s, %s)", strings.Join(sqlCats(cats), "/"), pkgLabel(f.Package), f.ID, sevText(f), state)})
	}
	switch {
	case d.Blocking && !d.Highlight:
		why := d.Why[0]
		if d.IgnoreExpired {
			why += ", ignore expired on " + expiredDate(p, f, now, sc)
		}
		if len(refused) > 0 {
			why += ", ignore " + strings.Join(refused, ", ") + " refused"
		}
		if d.InBaseline && f.Malicious {
			why += ", in baseline but malicious"
		}
		lines = append(lines, reasonLine{class: classBlock, sub: blockSub(f), key: key, text: fmt.Sprintf("%s: %s", label, why)})
	case d.Highlight, d.Blocking:
		// Already said.
	case wouldBlock && (d.Ignored || (unreachable && p.Unreachable == valIgnore)):
		// The policy's own explicit word; Decisions still carry it.
	case wouldBlock:
		// Unreachable (warn) or in the baseline: shown, so that a pass is
		// never silent about what it let through.
		sub := 2
		if d.InBaseline && !unreachable {
			sub = 3
		}
		lines = append(lines, reasonLine{class: classWarn, sub: sub, key: key, text: fmt.Sprintf("%s: not blocking (%s, %s)", label, sevText(f), passBy)})
	case f.Severity == osv.SeverityUnscored:
		lines = append(lines, reasonLine{class: classWarn, sub: 4, key: key, text: fmt.Sprintf("%s: unscored, not blocking (unscored: warn)", label)})
	}
	return d, lines
}

// blockSub orders blocking lines: malicious, then by severity (unscored
// after low, as SeverityRank puts it).
func blockSub(f *vulndb.Finding) int {
	if f.Malicious {
		return 0
	}
	return 1 + osv.SeverityRank(f.Severity)
}

func lineKey(f *vulndb.Finding) string {
	return fmt.Sprintf("%d|%s|%s", osv.SeverityRank(f.Severity), f.ID, pkgLabel(f.Package))
}

func expiredDate(p *Policy, f *vulndb.Finding, now time.Time, sc *scanned) string {
	var dates []string
	for _, ig := range p.Ignores {
		if ig.Rule == "" && ignoreMatches(ig, f) && sc.findingInScope(ig, f) && ignoreExpired(ig, now) {
			dates = append(dates, ig.Expires.Format(time.DateOnly))
		}
	}
	return strings.Join(dates, ", ")
}

func sevText(f *vulndb.Finding) string {
	if f.Malicious {
		return "malicious"
	}
	return f.Severity
}

func sqlCats(cats []string) []string {
	var out []string
	for _, c := range sqlCategories {
		if slices.Contains(cats, c) {
			out = append(out, c)
		}
	}
	return out
}

// pkgLabel names a package in messages: "npm sequelize@6.19.0 (fn.zip)".
func pkgLabel(p *lockfiles.Package) string {
	if p == nil {
		return "unknown package"
	}
	s := fmt.Sprintf("%s %s@%s", p.Ecosystem, p.Name, p.Version)
	if p.Artifact != "" {
		s += " (" + p.Artifact + ")"
	}
	return s
}

func ignoreWhere(p *Policy, ig Ignore) string {
	switch {
	case ig.Line > 0 && p.Source != "":
		return fmt.Sprintf(" (%s:%d)", p.Source, ig.Line)
	case ig.Line > 0:
		return fmt.Sprintf(" (line %d)", ig.Line)
	}
	return ""
}

// thresholdRank orders thresholds by how much they fail: never -1, critical
// 0 ... low 3. Larger is stricter.
func thresholdRank(t string) int {
	if t == valNever {
		return -1
	}
	return osv.SeverityRank(t)
}

func stricter(a, b string) bool { return thresholdRank(a) > thresholdRank(b) }

// failsAt reports whether a scored severity is at or above threshold.
func failsAt(sev, threshold string) bool {
	if threshold == valNever {
		return false
	}
	return osv.SeverityRank(sev) <= thresholdRank(threshold)
}

func hasCWE(cwes []string, want string) bool {
	for _, c := range cwes {
		if strings.EqualFold(strings.TrimSpace(c), want) {
			return true
		}
	}
	return false
}

// ignoreExpired: an ignore holds through the whole of its expires day (UTC).
func ignoreExpired(ig Ignore, now time.Time) bool {
	return !now.Before(ig.Expires.AddDate(0, 0, 1))
}

// ignoreMatches reports whether ig names f: by primary ID or any alias
// (case-insensitively: advisory IDs are written in several cases), and
// within its package scope when it has one.
func ignoreMatches(ig Ignore, f *vulndb.Finding) bool {
	idOK := strings.EqualFold(ig.ID, f.ID)
	for _, a := range f.Aliases {
		idOK = idOK || strings.EqualFold(ig.ID, a)
	}
	if !idOK {
		return false
	}
	if ig.Package == "" {
		return true
	}
	if f.Package == nil {
		return false
	}
	sc, err := parseScope(ig.Package)
	if err != nil {
		return false // cannot happen after LoadPolicy; fail closed anyway
	}
	pkg := f.Package
	eco := ecosystem.Canonical(pkg.Ecosystem)
	if sc.eco != "" && sc.eco != eco {
		return false
	}
	if ecosystem.NormalizeName(eco, sc.name) != ecosystem.NormalizeName(eco, pkg.Name) {
		return false
	}
	if sc.version == "" {
		return true
	}
	if sc.version == pkg.Version {
		return true
	}
	// Versions compare by the ecosystem's rules ("1.0" is "1.0.0" in
	// Maven); Go versions are written with and without "v".
	a, b := sc.version, pkg.Version
	if eco == ecosystem.Go {
		a, b = strings.TrimPrefix(a, "v"), strings.TrimPrefix(b, "v")
	}
	c, err := osv.CompareVersions(eco, a, b)
	return err == nil && c == 0
}
