package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
)

// Rule ids of function-level results besides the IAM rules (whose ids are
// iam's).
const (
	ruleBlastRadius = "blast-radius"
	ruleUnreadable  = "unreadable-code"
	ruleUnknownRole = "unknown-role"
)

// appRuleText is the short and full description of each function-level
// rule, and the security-severity code scanning files it under.
var appRuleText = map[string]struct{ short, full, sev string }{
	iam.RuleActionStar: {"Execution role allows Action \"*\"",
		"An Allow statement of the function's execution role grants every action of every AWS service. Whoever runs code in the function (a vulnerable or malicious dependency) administers the account. Grant the actions the function calls, on the resources it uses.", "9.0"},
	iam.RuleServiceWildcard: {"Execution role allows every action of a service",
		"An Allow statement grants service:* (for example s3:*): every action of the service, including deleting and re-permissioning its resources. List the actions the function calls.", "6.0"},
	iam.RuleResourceStarWrite: {"Execution role writes on Resource \"*\"",
		"An Allow statement on Resource \"*\" includes Write, Permissions management or Tagging actions that support resource-level permissions: the function may change every such resource in the account. Name the resources (ARNs) it writes.", "5.0"},
	iam.RulePassRoleStar: {"Execution role may pass any role",
		"iam:PassRole on Resource \"*\" (directly, through a wildcard or through NotAction) lets the function hand any role of the account to a service it creates resources in: a path to every permission that role has. Scope PassRole to the roles the function must pass.", "8.0"},
	iam.RuleNotActionAllow: {"Execution role uses Allow with NotAction",
		"An Allow statement with NotAction grants every action except the listed ones, including actions AWS adds later. Allow the actions the function needs instead.", "8.0"},
	iam.RuleAdminManaged: {"Execution role has an administrator managed policy",
		"AdministratorAccess, PowerUserAccess or IAMFullAccess is attached to the function's execution role: code in the function administers the account or its IAM. Replace it with a policy of the actions the function calls.", "9.0"},
	iam.RuleFullAccessManaged: {"Execution role has a FullAccess managed policy",
		"An AWS managed policy whose name ends in FullAccess is attached: every action of that service on every resource. Replace it with the actions and resources the function uses.", "6.0"},
	ruleBlastRadius: {"Function ships a serious advisory and runs with a failing execution role",
		"The function ships a package with a high or critical advisory, a malicious package or an ORM/database-driver advisory, and its execution role has a finding that fails the release. Exploiting the package gives the attacker the role's permissions: the combination is critical and always blocks. The advisory's CVSS v3 score is recomputed with the environmental requirements CR, IR and AR set to High. Fix either side: upgrade the package, or narrow the role.", "9.5"},
	ruleUnreadable: {"Function or layer code could not be read",
		"fnguard could not read the deployed or packaged code of a function or layer, so the packages it ships are unknown: never a clean pass (policy unreadable: fail|warn).", "7.0"},
	ruleUnknownRole: {"Execution role permissions unknown",
		"The function's execution role is not defined in the application (an external ARN) or could not be expanded completely, so its permissions are unknown: never reported clean (policy unknown-role: warn|fail).", "5.0"},
}

// packageLocation places a package of a release in the repository: the
// manifest or lockfile that brought it when the function's code is a
// folder of the repository, else (a zip, whose members code scanning cannot
// open) the line of the template that defines the function or layer, with
// the member as a logical location.
func (a *appModel) packageLocation(p *lockfiles.Package, kind string) sarifLocation {
	o, ok := a.owner[p.Artifact]
	if !ok {
		return packageLocation(p, kind)
	}
	member := ""
	if len(p.Locations) > 0 {
		member = p.Locations[0]
	}
	if o.code.Type == app.CodeDir && member != "" {
		return dirMemberLocation(p, committedLocation(p.Locations))
	}
	loc := a.templateLocation(o.file, o.line)
	where := p.Artifact
	if member != "" {
		where += "!/" + member
		loc.LogicalLocations = []sarifLogicalLocation{{FullyQualifiedName: where, Name: member}}
	}
	loc.Message = &sarifMessage{Text: fmt.Sprintf("%s %s in %s, shipped by %s", p.Ecosystem, pkgLabel(p), where, o.what)}
	return loc
}

// committedLocation picks, among a package's locations in a code folder,
// the one a repository commits: a lockfile or manifest rather than the
// installed copy under node_modules, site-packages or vendor, which
// code scanning cannot show when it is not checked in. The first location
// when none qualifies.
func committedLocation(locs []string) string {
	for _, l := range locs {
		s := "/" + filepath.ToSlash(l)
		if strings.Contains(s, "!/") || strings.Contains(s, "/node_modules/") || strings.Contains(s, "/site-packages/") || strings.Contains(s, "/vendor/") {
			continue
		}
		return l
	}
	return locs[0]
}

// templateLocation is a line of the application's definition.
func (a *appModel) templateLocation(file string, line int) sarifLocation {
	if file == "" {
		file = a.rel.App.Entry
	}
	if line < 1 {
		line = 1
	}
	return fileLocation(fileURI(a.repoPath(file)), line)
}

// appResult is one function-level result before its rule index is known.
type appResult struct {
	rule  string
	level string
	msg   string
	loc   sarifLocation
	fp    string
	props sarifProperties
	// suppression, when the policy accepted it.
	suppress string
}

// appResults are the results of a release that are not packages: the
// blast radius of each function, its role's findings at the statement or
// managed policy in the template, and code or roles that could not be
// known, each at the function's line.
func appResults(m *model) []appResult {
	a := m.app
	var out []appResult
	decided := m.v != nil
	for _, f := range a.rel.Functions {
		fv := a.fv[f.ID]
		if fv != nil && fv.Blast != nil {
			b := fv.Blast
			sev := 9.0
			if b.Environmental > sev {
				sev = b.Environmental
			}
			props := sarifProperties{"function": f.ID, "finding": b.Finding.ID, "rule": b.Role.Finding.Rule,
				"severity": b.Severity, "blocking": true, "security-severity": strconv.FormatFloat(sev, 'f', 1, 64)}
			if b.Environmental > 0 {
				props["score"], props["environmentalScore"], props["environmentalVector"] = b.BaseScore, b.Environmental, b.EnvVector
			}
			out = append(out, appResult{rule: ruleBlastRadius, level: levelError, msg: b.Text + ".",
				loc: a.templateLocation(f.File, f.Line), fp: hashKey(ruleBlastRadius, f.ID, b.Finding.ID, b.Role.Finding.Rule), props: props})
		}
		for _, rd := range a.roles[f.ID] {
			out = append(out, roleResult(a, f, rd, decided))
		}
		unread := levelError
		unknown := levelWarning
		if m.v != nil {
			if m.v.Policy.UnreadableMode() == "warn" {
				unread = levelWarning
			}
			if m.v.Policy.UnknownRoleMode() == "fail" {
				unknown = levelError
			}
		}
		var problems []struct{ rule, level, msg string }
		if f.Error != "" {
			problems = append(problems, struct{ rule, level, msg string }{ruleUnreadable, unread, fmt.Sprintf("Function %s: code could not be read (%s); its packages are unknown.", f.ID, f.Error)})
		}
		for _, l := range f.LocalLayers {
			if l.Error != "" {
				problems = append(problems, struct{ rule, level, msg string }{ruleUnreadable, unread, fmt.Sprintf("Function %s: layer %s could not be read (%s); its packages are unknown.", f.ID, l.ID, l.Error)})
			}
		}
		if f.Role == nil {
			problems = append(problems, struct{ rule, level, msg string }{ruleUnknownRole, unknown, fmt.Sprintf("Function %s: %s.", f.ID, strings.TrimPrefix(roleSummary(f), "role: "))})
		}
		for _, n := range f.Notes {
			problems = append(problems, struct{ rule, level, msg string }{ruleUnknownRole, unknown, fmt.Sprintf("Function %s: %s.", f.ID, n)})
		}
		for _, pr := range problems {
			out = append(out, appResult{rule: pr.rule, level: pr.level, msg: pr.msg, loc: a.templateLocation(f.File, f.Line),
				fp: hashKey(pr.rule, f.ID, pr.msg), props: sarifProperties{"function": f.ID}})
		}
	}
	return out
}

// addAppRules adds the rules of the release's results; it returns their
// indexes.
func addAppRules(run *sarifRun, out []appResult) map[string]int {
	var ids []string
	seen := map[string]bool{}
	for _, r := range out {
		if !seen[r.rule] {
			seen[r.rule] = true
			ids = append(ids, r.rule)
		}
	}
	sort.Strings(ids)
	index := map[string]int{}
	for _, id := range ids {
		index[id] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, appRule(id))
	}
	return index
}

// addAppResults adds the results that keep (blast radius first, the rest
// after the packages).
func addAppResults(run *sarifRun, out []appResult, index map[string]int, keep func(appResult) bool) {
	for _, r := range out {
		if !keep(r) {
			continue
		}
		res := sarifResult{
			PartialFingerprints: map[string]string{fingerprintKey: r.fp},
			Level:               r.level,
			Locations:           []sarifLocation{r.loc},
			Message:             sarifMessage{Text: r.msg},
			Properties:          r.props,
			RuleID:              r.rule,
			RuleIndex:           index[r.rule],
		}
		if r.suppress != "" {
			res.Suppressions = []sarifSuppression{acceptedSuppression(r.suppress)}
		}
		run.Results = append(run.Results, res)
	}
}

func roleResult(a *appModel, f *release.Function, rd *gate.RoleDecision, decided bool) appResult {
	msg := fmt.Sprintf("Function %s", f.ID)
	if rd.Role != "" {
		msg += " runs with role " + rd.Role
	}
	msg += ": " + rd.Finding.Detail
	if w := roleWhere(rd); w != "" {
		msg += " (" + w + ")"
	}
	msg += "."
	if len(rd.Why) > 0 {
		msg += " Gate: " + strings.Join(rd.Why, "; ") + "."
	}
	level := levelWarning
	switch {
	case rd.Ignored:
		level = levelNote
	case rd.Blocking, !decided && rd.Failing:
		level = levelError
	}
	file, line := rd.Finding.File, rd.Finding.Line
	if file == "" && f.Role != nil {
		file, line = f.Role.File, f.Role.Line
	}
	if file == "" {
		file, line = f.File, f.Line
	}
	props := sarifProperties{"function": f.ID, "role": rd.Role, "source": rd.Source, "blocking": rd.Blocking}
	// A managed policy's finding has no statement (-1).
	if rd.Finding.Statement >= 0 {
		props["statement"] = rd.Finding.Statement
	}
	r := appResult{rule: rd.Finding.Rule, level: level, msg: msg, loc: a.templateLocation(file, line),
		fp: hashKey(rd.Finding.Rule, f.ID, rd.Role, rd.Source, rd.Finding.Detail), props: props}
	if rd.Ignored {
		r.suppress = rd.IgnoreReason
		if dt := ignoreDate(rd.IgnoreExpires); dt != "" {
			r.suppress = strings.TrimSpace(r.suppress + " (fnguard ignore until " + dt + ")")
		}
	}
	return r
}

func appRule(id string) sarifRule {
	t, ok := appRuleText[id]
	if !ok {
		t = appRuleText[ruleUnknownRole]
		t.short, t.full = id, id
	}
	tags := []string{"security", "serverless"}
	level := levelWarning
	if _, isIAM := iamRule(id); isIAM {
		tags = append(tags, "iam")
		if iam.IsFailing(id) {
			level = levelError
		}
	}
	if id == ruleBlastRadius || id == ruleUnreadable {
		level = levelError
	}
	help := t.full
	md := "**" + t.short + "**\n\n" + t.full
	if _, isIAM := iamRule(id); isIAM {
		def := "warns"
		if iam.IsFailing(id) {
			def = "fails the release"
		}
		note := fmt.Sprintf("\n\nBy default this rule %s; the policy's roles: {fail: [...], warn: [...]} changes that, and an ignore with rule: %s (and function:) accepts it with a reason and an expiry date.", def, id)
		help += note
		md += note
	}
	return sarifRule{
		DefaultConfiguration: sarifConfiguration{Level: level},
		FullDescription:      sarifMessage{Text: t.full},
		Help:                 sarifMessage{Markdown: md, Text: help},
		HelpURI:              toolInfoURI,
		ID:                   id,
		Name:                 id,
		Properties:           sarifProperties{"tags": tags, "security-severity": t.sev, "precision": "high"},
		ShortDescription:     sarifMessage{Text: t.short},
	}
}

func iamRule(id string) (string, bool) {
	for _, r := range iam.Rules {
		if r == id {
			return r, true
		}
	}
	return "", false
}

func hashKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(sum[:16])
}
