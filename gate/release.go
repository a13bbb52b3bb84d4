package gate

// Decisions on an application (release.Release) beyond its packages:
//
//   - each finding of a function's execution role fails the release when
//     its rule does under the policy (roles: fail/warn over
//     iam.DefaultFailingRules), unless an unexpired ignore with that rule
//     (and that function, when scoped) accepts it;
//   - a function or layer whose code could not be read fails it
//     (unreadable: fail, the default) or is a note (warn);
//   - a role that cannot be known (not in the definition) or was expanded
//     incompletely is a note (unknown-role: warn, the default) or fails;
//     never a clean pass;
//   - blast radius: a function whose role has a failing, unaccepted finding
//     and that ships a high or critical advisory, a malicious package or an
//     ORM/database-driver advisory gets one combined reason, always
//     blocking, labelled critical and shown first. See blastRadius.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/lockfiles/categories"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// Sub-orders of release lines within their class (see compareLines).
const (
	subRoleBlock       = 6
	subUnreadableBlock = 7
	subUnknownBlock    = 8

	subRoleWarn       = 6
	subUnknownWarn    = 7
	subExternalLayer  = 8
	subUnreadableWarn = 10
)

func evaluateRelease(r *release.Release, res *vulndb.Result, decisions []*Decision, p *Policy, now time.Time, used, expired []bool) ([]*FunctionVerdict, []reasonLine) {
	var lines []reasonLine
	usedLayers := map[string]bool{}
	var fvs []*FunctionVerdict
	inspected := 0
	for fi, f := range r.Functions {
		fv := &FunctionVerdict{ID: f.ID, Label: f.Label()}
		fvs = append(fvs, fv)
		key := fmt.Sprintf("%06d", fi)
		fns := []string{f.ID}
		add := func(class, sub int, block bool, text string) {
			lines = append(lines, reasonLine{class: class, sub: sub, key: key, text: text, fns: fns, block: block})
		}
		if f.Error != "" {
			add(unreadableLine(p, "function "+f.ID+": code could not be read ("+f.Error+")"))
		}
		for _, l := range f.LocalLayers {
			usedLayers[l.ID] = true
			if l.Error != "" {
				add(unreadableLine(p, fmt.Sprintf("function %s: layer %s could not be read (%s)", f.ID, l.ID, l.Error)))
			}
		}
		for _, arn := range f.ExternalLayers {
			add(classWarn, subExternalLayer, false, fmt.Sprintf("function %s: layer %s is not in the definition: not inspected", f.ID, arn))
		}
		if f.Error == "" && !codeInspected(f) {
			what := f.Code.Type
			if f.Code.Path != "" {
				what += " " + f.Code.Path
			}
			if f.Code.Note != "" {
				what += " (" + f.Code.Note + ")"
			}
			add(classWarn, subExternalLayer, false, fmt.Sprintf("function %s: code %s: not inspected", f.ID, what))
		} else if f.Error == "" {
			inspected++
		}
		if f.Role == nil {
			note := f.RoleNote
			if note == "" {
				note = "role unknown: permissions unknown"
			}
			add(unknownRoleLine(p, fmt.Sprintf("function %s: %s", f.ID, note)))
		}
		for _, n := range f.Notes {
			add(unknownRoleLine(p, fmt.Sprintf("function %s: %s", f.ID, n)))
		}
		if f.Role != nil {
			for _, rf := range f.Role.Findings {
				rd := decideRole(f, rf, p, now, used, expired)
				fv.Roles = append(fv.Roles, rd)
				text := roleText(rd)
				switch {
				case rd.Blocking:
					why := "fails the release (roles: fail " + rf.Rule + ")"
					if rd.IgnoreExpired {
						why += ", ignore expired on " + roleExpiredDate(p, f, rf.Rule, now)
					}
					add(classBlock, subRoleBlock, true, text+": "+why)
				case !rd.Failing && !rd.Ignored:
					add(classWarn, subRoleWarn, false, text+": not blocking (roles: warn "+rf.Rule+")")
				}
			}
		}
		if b := blastRadius(f, fv.Roles, res, decisions); b != nil {
			fv.Blast = b
			add(classBlast, 0, true, b.Text)
		}
	}
	if inspected == 0 && len(r.Functions) > 0 {
		// Images, S3 locations, unresolved paths: when no function's code
		// could be read at all, nothing was scanned, which is not a pass.
		cls, sub, block, text := unreadableLine(p, fmt.Sprintf("no function's code could be inspected (%d functions: images, S3 or unresolved locations)", len(r.Functions)))
		lines = append(lines, reasonLine{class: cls, sub: sub, key: "A", text: text, block: block})
	}
	for i, l := range r.Layers {
		if l.Error != "" && !usedLayers[l.ID] {
			cls, sub, block, text := unreadableLine(p, fmt.Sprintf("layer %s: code could not be read (%s)", l.ID, l.Error))
			lines = append(lines, reasonLine{class: cls, sub: sub, key: fmt.Sprintf("L%06d", i), text: text, block: block})
		}
	}
	return fvs, lines
}

func unreadableLine(p *Policy, what string) (int, int, bool, string) {
	if p.UnreadableMode() == valWarn {
		return classWarn, subUnreadableWarn, false, what + ": not blocking, unreadable: warn"
	}
	return classBlock, subUnreadableBlock, true, what + ": never a clean pass, unreadable: fail"
}

func unknownRoleLine(p *Policy, what string) (int, int, bool, string) {
	if p.UnknownRoleMode() == valFail {
		return classBlock, subUnknownBlock, true, what + ": blocking, unknown-role: fail"
	}
	return classWarn, subUnknownWarn, false, what + " (unknown-role: warn)"
}

// decideRole judges one finding of f's role.
func decideRole(f *release.Function, rf iam.Finding, p *Policy, now time.Time, used, expired []bool) *RoleDecision {
	rd := &RoleDecision{Function: f.ID, Role: f.Role.Name(), Finding: rf, Failing: p.RuleFails(rf.Rule)}
	if rf.Statement >= 0 && rf.Statement < len(f.Role.Statements) {
		rd.Source = f.Role.Statements[rf.Statement].Source
	} else {
		rd.Source = rf.Policy
	}
	if rd.Failing {
		rd.Why = append(rd.Why, "roles: fail "+rf.Rule)
	} else {
		rd.Why = append(rd.Why, "roles: warn "+rf.Rule)
	}
	names := functionNames(f)
	for i, ig := range p.Ignores {
		if ig.Rule != rf.Rule || (ig.Function != "" && !slices.Contains(names, ig.Function)) {
			continue
		}
		used[i] = true
		switch {
		case ignoreExpired(ig, now):
			expired[i] = true
			if !rd.Ignored {
				rd.IgnoreExpired = true
				rd.Why = append(rd.Why, "ignore expired on "+ig.Expires.Format(time.DateOnly))
			}
		case !rd.Ignored:
			rd.Ignored, rd.IgnoreExpired = true, false
			rd.IgnoreReason, rd.IgnoreExpires = ig.Reason, ig.Expires
			rd.Why = append(rd.Why, fmt.Sprintf("ignored until %s: %s", ig.Expires.Format(time.DateOnly), ig.Reason))
		}
	}
	rd.Blocking = rd.Failing && !rd.Ignored
	return rd
}

func roleExpiredDate(p *Policy, f *release.Function, rule string, now time.Time) string {
	var dates []string
	names := functionNames(f)
	for _, ig := range p.Ignores {
		if ig.Rule == rule && (ig.Function == "" || slices.Contains(names, ig.Function)) && ignoreExpired(ig, now) {
			dates = append(dates, ig.Expires.Format(time.DateOnly))
		}
	}
	return strings.Join(dates, ", ")
}

// roleText names a role finding as every report shows it: rule, function,
// role, detail, statement source and where it stands in the template.
// "action-star in function OrdersFunction (role OrdersFunctionRole): Action "*" (inline:OrdersFunctionRolePolicy1, template.yaml:47)"
func roleText(rd *RoleDecision) string {
	s := fmt.Sprintf("%s in function %s", rd.Finding.Rule, rd.Function)
	if rd.Role != "" {
		s += " (role " + rd.Role + ")"
	}
	s += ": " + rd.Finding.Detail
	var where []string
	if rd.Source != "" && rd.Source != rd.Finding.Detail {
		where = append(where, rd.Source)
	}
	if loc := fileLine(rd.Finding.File, rd.Finding.Line); loc != "" {
		where = append(where, loc)
	}
	if len(where) > 0 {
		s += " (" + strings.Join(where, ", ") + ")"
	}
	return s
}

func fileLine(file string, line int) string {
	switch {
	case file == "":
		return ""
	case line > 0:
		return file + ":" + strconv.Itoa(line)
	}
	return file
}

// blastRadius combines a function's failing role findings with the worst
// advisory it ships, when that advisory is serious: high or critical, a
// malicious package, or any advisory of an ORM or database driver (the
// library guarding the data a wide role opens up). Advisories that VEX
// says do not affect the package, and Go advisories whose symbols are not
// linked, do not count: nothing reachable ships. An ignore or baseline
// entry of the advisory does not remove it: those accepted the advisory
// under a narrow role; the combination is accepted by ignoring the role
// rule for that function.
func blastRadius(f *release.Function, roles []*RoleDecision, res *vulndb.Result, decisions []*Decision) *BlastRadius {
	var failing []*RoleDecision
	for _, rd := range roles {
		if rd.Blocking {
			failing = append(failing, rd)
		}
	}
	if len(failing) == 0 {
		return nil
	}
	var picked []int
	for i, fd := range res.Findings {
		d := decisions[i]
		if fd.Package == nil || !slices.Contains(d.Functions, f.ID) || !serious(fd) {
			continue
		}
		if d.VEXState != "" && !fd.Malicious {
			continue
		}
		if fd.Reachable != nil && !*fd.Reachable && !fd.Malicious {
			continue
		}
		picked = append(picked, i)
	}
	if len(picked) == 0 {
		return nil
	}
	envs := map[int][2]float64{}
	vectors := map[int]string{}
	for _, i := range picked {
		base, env, vec := Environmental(res.Findings[i])
		envs[i] = [2]float64{base, env}
		vectors[i] = vec
	}
	slices.SortStableFunc(picked, func(a, b int) int {
		fa, fb := res.Findings[a], res.Findings[b]
		if fa.Malicious != fb.Malicious {
			if fa.Malicious {
				return -1
			}
			return 1
		}
		if ra, rb := osv.SeverityRank(fa.Severity), osv.SeverityRank(fb.Severity); ra != rb {
			return ra - rb
		}
		if ea, eb := envs[a][1], envs[b][1]; ea != eb {
			if ea > eb {
				return -1
			}
			return 1
		}
		if c := strings.Compare(fa.ID, fb.ID); c != 0 {
			return c
		}
		return strings.Compare(pkgLabel(fa.Package), pkgLabel(fb.Package))
	})
	for _, i := range picked {
		own(decisions, i).BlastRadius = true
	}
	top := picked[0]
	fd := res.Findings[top]
	b := &BlastRadius{Function: f.ID, Finding: fd, Index: top, More: len(picked) - 1,
		Role: failing[0], MoreRole: len(failing) - 1,
		BaseScore: envs[top][0], Environmental: envs[top][1], EnvVector: vectors[top], Severity: osv.SeverityCritical}
	b.Text = blastText(f, b)
	d := own(decisions, top)
	d.Why = append(d.Why, "blast radius: "+b.Role.Finding.Rule+" in function "+f.ID+": critical, blocking")
	return b
}

// serious is an advisory that, shipped with a failing role, is a blast
// radius.
func serious(f *vulndb.Finding) bool {
	if f.Malicious {
		return true
	}
	switch f.Severity {
	case osv.SeverityCritical, osv.SeverityHigh:
		return true
	}
	return f.Package != nil && slices.ContainsFunc(f.Package.Categories, func(c string) bool {
		return c == categories.ORM || c == categories.DBDriver
	})
}

// blastText is the combined reason:
// "OrdersFunction ships minimist 1.2.5 (GHSA-xvch-5gv4-984h, critical; CVSS 9.8, environmental 9.8 with CR/IR/AR:H) and runs with Action "*" (action-star, role OrdersFunctionRole, template.yaml:47): blast radius, critical, blocking".
func blastText(f *release.Function, b *BlastRadius) string {
	fd := b.Finding
	sev := fd.Severity
	if fd.Malicious {
		sev = "malicious"
	}
	adv := fd.ID + ", " + sev
	if b.Environmental > 0 {
		adv += fmt.Sprintf("; CVSS %.1f, environmental %.1f with CR/IR/AR:H", b.BaseScore, b.Environmental)
	}
	var cats []string
	for _, c := range fd.Package.Categories {
		if c == categories.ORM || c == categories.DBDriver {
			cats = append(cats, c)
		}
	}
	what := fd.Package.Name + " " + fd.Package.Version
	if len(cats) > 0 {
		what = strings.Join(cats, "/") + " " + what
	}
	s := fmt.Sprintf("%s ships %s (%s)", f.Label(), what, adv)
	if b.More > 0 {
		s += fmt.Sprintf(" and %d more serious %s", b.More, map[bool]string{true: "advisory", false: "advisories"}[b.More == 1])
	}
	rd := b.Role
	var where []string
	where = append(where, rd.Finding.Rule)
	if rd.Role != "" {
		where = append(where, "role "+rd.Role)
	}
	if loc := fileLine(rd.Finding.File, rd.Finding.Line); loc != "" {
		where = append(where, loc)
	}
	s += fmt.Sprintf(" and runs with %s (%s)", rd.Finding.Detail, strings.Join(where, ", "))
	if b.MoreRole > 0 {
		s += fmt.Sprintf(" and %d more failing role %s", b.MoreRole, map[bool]string{true: "finding", false: "findings"}[b.MoreRole == 1])
	}
	return s + ": blast radius, critical, blocking"
}

// Environmental recomputes an advisory's CVSS v3 score for a function that
// runs with a failing role: the environmental metrics Confidentiality,
// Integrity and Availability Requirement are set to High (CR:H/IR:H/AR:H),
// because the role hands whoever exploits the package the account's data
// and resources, not only the function's. It returns the base score, the
// environmental score and the vector it scored; zeros and "" when the
// advisory has no CVSS v3 vector (the winning one, or any of its records').
func Environmental(f *vulndb.Finding) (base, env float64, vector string) {
	for _, vec := range v3Vectors(f) {
		switch {
		case strings.HasPrefix(vec, "CVSS:3.1/"):
			v, err := gocvss31.ParseVector(vec)
			if err != nil {
				continue
			}
			if v.Set("CR", "H") != nil || v.Set("IR", "H") != nil || v.Set("AR", "H") != nil {
				continue
			}
			return v.BaseScore(), v.EnvironmentalScore(), v.Vector()
		case strings.HasPrefix(vec, "CVSS:3.0/"):
			v, err := gocvss30.ParseVector(vec)
			if err != nil {
				continue
			}
			if v.Set("CR", "H") != nil || v.Set("IR", "H") != nil || v.Set("AR", "H") != nil {
				continue
			}
			return v.BaseScore(), v.EnvironmentalScore(), v.Vector()
		}
	}
	return 0, 0, ""
}

// v3Vectors are f's CVSS v3 vectors, the one that decided its severity
// first.
func v3Vectors(f *vulndb.Finding) []string {
	var out []string
	if strings.HasPrefix(f.Vector, "CVSS:3.") {
		out = append(out, f.Vector)
	}
	for _, r := range f.Records {
		if r == nil {
			continue
		}
		sevs := append([]osv.Severity(nil), r.Severity...)
		for _, a := range r.Affected {
			sevs = append(sevs, a.Severity...)
		}
		for _, s := range sevs {
			if strings.EqualFold(s.Type, "CVSS_V3") && !slices.Contains(out, strings.TrimSpace(s.Score)) {
				out = append(out, strings.TrimSpace(s.Score))
			}
		}
	}
	return out
}

// codeInspected reports whether fnguard read what a function ships: its
// folder or zip, or inline code (which holds no third-party package).
func codeInspected(f *release.Function) bool {
	return f.Artifact != "" || f.Code.Type == app.CodeInline
}
