package iam

import (
	"fmt"
	"regexp"
	"strings"
)

// DefaultFailingRules are the rules that fail a release unless policy says
// otherwise; the others warn.
var DefaultFailingRules = []string{RuleActionStar, RulePassRoleStar, RuleNotActionAllow, RuleAdminManaged}

// Rules lists every rule id in the order Evaluate reports them within a
// statement.
var Rules = []string{RuleActionStar, RuleServiceWildcard, RuleResourceStarWrite, RulePassRoleStar,
	RuleNotActionAllow, RuleAdminManaged, RuleFullAccessManaged}

// adminPolicies are AWS managed policies that hand out administration of
// the account or of IAM itself.
var adminPolicies = map[string]bool{
	"AdministratorAccess": true,
	"PowerUserAccess":     true,
	"IAMFullAccess":       true,
}

// Evaluate judges a role by every rule and returns its findings in
// statement order, managed-policy findings last. Within a statement the
// order is that of Rules. Deny statements never produce findings.
func Evaluate(r *Role) []Finding {
	if r == nil {
		return nil
	}
	var out []Finding
	for i, st := range r.Statements {
		for _, f := range evaluateStatement(st) {
			f.Statement = i
			f.File, f.Line = st.File, st.Line
			out = append(out, f)
		}
	}
	for _, arn := range r.ManagedPolicies {
		if !IsAWSManagedPolicy(arn) {
			continue
		}
		name := ManagedPolicyName(arn)
		rule := ""
		switch {
		case adminPolicies[name]:
			rule = RuleAdminManaged
		case strings.HasSuffix(name, "FullAccess"):
			rule = RuleFullAccessManaged
		default:
			continue
		}
		out = append(out, Finding{Rule: rule, Statement: -1, Policy: arn, Detail: arn, File: r.File, Line: r.Line})
	}
	return out
}

func evaluateStatement(st Statement) []Finding {
	// IAM accepts only "Allow" and "Deny"; anything else that reaches here
	// (an unresolved intrinsic) is judged as an Allow rather than trusted.
	if strings.EqualFold(strings.TrimSpace(st.Effect), "Deny") {
		return nil
	}
	var out []Finding
	add := func(rule, detail string) { out = append(out, Finding{Rule: rule, Detail: detail}) }
	notAction := len(st.NotActions) > 0

	if !notAction {
		for _, a := range st.Actions {
			if strings.TrimSpace(a) == "*" {
				add(RuleActionStar, `Action "*"`)
				break
			}
		}
		for _, a := range st.Actions {
			if isServiceWildcard(a) {
				add(RuleServiceWildcard, a)
			}
		}
	}

	if star, ok := resourceStar(st); ok {
		if d, ok := resourceStarWrite(st); ok {
			add(RuleResourceStarWrite, star+` with write/permissions-management actions: `+d)
		}
		if d, ok := passRole(st); ok {
			add(RulePassRoleStar, strings.Replace(d, `Resource "*"`, star, 1))
		}
	}

	if notAction {
		add(RuleNotActionAllow, "NotAction: "+strings.Join(st.NotActions, ", "))
	}
	return out
}

// isServiceWildcard reports an action written exactly "service:*".
func isServiceWildcard(a string) bool {
	svc, rest, ok := strings.Cut(strings.TrimSpace(a), ":")
	return ok && rest == "*" && svc != "" && !strings.ContainsAny(svc, "*?")
}

// resourceStar reports a Resource list holding exactly "*"; patterns such
// as "arn:aws:s3:::*" name a service's resources and are not "*" here. An
// Allow with NotResource grants on every resource but the few it lists:
// "*" less a little, judged as "*". It returns how the detail names it.
func resourceStar(st Statement) (string, bool) {
	for _, r := range st.Resources {
		if strings.TrimSpace(r) == "*" {
			return `Resource "*"`, true
		}
	}
	if len(st.NotResources) > 0 {
		return `NotResource ` + strings.Join(st.NotResources, ", ") + ` (every other resource)`, true
	}
	return "", false
}

// resourceStarWrite decides the rule and builds its detail. The rule fires
// when some granted write-like action could have been scoped to specific
// resources; the detail lists every written pattern that grants a
// write-like action, so the reader sees all of them.
func resourceStarWrite(st Statement) (string, bool) {
	t := table()
	if len(st.NotActions) > 0 {
		fires := false
		for i, a := range t.actions {
			if a.writeLike() && a.ResourceScoped && !matchesAny(st.NotActions, t.lower[i]) {
				fires = true
				break
			}
		}
		return "every action except " + strings.Join(st.NotActions, ", "), fires
	}
	fires := false
	var listed []string
	seen := map[string]bool{}
	for _, p := range st.Actions {
		if seen[p] {
			continue
		}
		seen[p] = true
		write, scoped := false, false
		t.each(p, func(a Action) bool {
			if a.writeLike() {
				write = true
				scoped = scoped || a.ResourceScoped
			}
			return !scoped // one scoped write-like action settles this pattern
		})
		if write {
			listed = append(listed, p)
		}
		fires = fires || scoped
	}
	return strings.Join(listed, ", "), fires
}

// passRole reports iam:PassRole granted on "*": the function could hand
// any role, including an administrator's, to a service it controls.
func passRole(st Statement) (string, bool) {
	const pr = "iam:passrole"
	if len(st.NotActions) > 0 {
		if matchesAny(st.NotActions, pr) {
			return "", false
		}
		return `iam:PassRole on Resource "*" through NotAction: ` + strings.Join(st.NotActions, ", "), true
	}
	for _, a := range st.Actions {
		if MatchAction(a, pr) {
			if strings.EqualFold(strings.TrimSpace(a), pr) {
				return `iam:PassRole on Resource "*"`, true
			}
			return fmt.Sprintf(`iam:PassRole on Resource "*" through %q`, a), true
		}
	}
	return "", false
}

// matchesAny reports whether any pattern matches a lower-cased action name.
func matchesAny(patterns []string, lowerAction string) bool {
	for _, p := range patterns {
		if globMatch(strings.ToLower(strings.TrimSpace(p)), lowerAction) {
			return true
		}
	}
	return false
}

// awsManagedARN matches an AWS managed policy ARN in any partition, the
// partition possibly still the pseudo parameter.
var awsManagedARN = regexp.MustCompile(`^arn:(?:\$\{AWS::Partition\}|aws[a-z-]*):iam::aws:policy/`)

// IsAWSManagedPolicy reports whether a managed policy reference is one of
// AWS's own: an ARN in the "aws" account, or a bare policy name as SAM's
// Policies: accepts it.
func IsAWSManagedPolicy(ref string) bool {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "arn:") {
		return awsManagedARN.MatchString(ref)
	}
	return ref != "" && !strings.ContainsAny(ref, "/:${}")
}

// ManagedPolicyName returns the policy name of a managed policy ARN
// ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" ->
// "AWSLambdaBasicExecutionRole"); a bare name is returned as is.
func ManagedPolicyName(arn string) string {
	arn = strings.TrimSpace(arn)
	if _, rest, ok := strings.Cut(arn, ":policy/"); ok {
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			return rest[i+1:]
		}
		return rest
	}
	return arn
}

// IsFailing reports whether a rule fails a release under DefaultFailingRules.
func IsFailing(rule string) bool {
	for _, r := range DefaultFailingRules {
		if r == rule {
			return true
		}
	}
	return false
}

// UnknownActions returns the Action and NotAction patterns of a role's
// Allow statements that match no action in the embedded table: a typo, an
// unresolved value such as "${ActionParam}", or an action newer than the
// table. The rules cannot judge them, so a report should show them rather
// than let them pass as clean. Batch names that IAM authorizes through the
// single action (sqs:DeleteMessageBatch through sqs:DeleteMessage) are known.
func UnknownActions(r *Role) []string {
	if r == nil {
		return nil
	}
	t := table()
	var out []string
	seen := map[string]bool{}
	for _, st := range r.Statements {
		if strings.EqualFold(strings.TrimSpace(st.Effect), "Deny") {
			continue
		}
		for _, p := range append(append([]string{}, st.Actions...), st.NotActions...) {
			if seen[p] {
				continue
			}
			seen[p] = true
			found := false
			t.each(p, func(Action) bool { found = true; return false })
			if !found && strings.HasSuffix(p, "Batch") {
				// SQS and others authorize XBatch through X: SAM's own
				// SQSPollerPolicy names sqs:DeleteMessageBatch.
				t.each(strings.TrimSuffix(p, "Batch"), func(Action) bool { found = true; return false })
			}
			if !found {
				out = append(out, p)
			}
		}
	}
	return out
}
