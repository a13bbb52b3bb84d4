package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/iam"
)

func TestLoadPolicyRoles(t *testing.T) {
	path := writePolicy(t, `roles:
  fail: [service-wildcard, full-access-managed-policy]
  warn:
    - notaction-allow
unreadable: Warn
unknown-role: fail
ignores:
  - rule: resource-star-write
    function: ListCartFunction
    reason: X-Ray and CloudWatch Logs actions take no resource
    expires: 2027-06-30
  - rule: admin-managed-policy
    reason: the break-glass function
    expires: 2027-01-31
`)
	p, err := LoadPolicy(path, now)
	if err != nil {
		t.Fatal(err)
	}
	for rule, fails := range map[string]bool{
		iam.RuleActionStar: true, iam.RulePassRoleStar: true, iam.RuleAdminManaged: true, // defaults kept
		iam.RuleServiceWildcard: true, iam.RuleFullAccessManaged: true, // made to fail
		iam.RuleNotActionAllow:    false, // made to warn
		iam.RuleResourceStarWrite: false, // default warn
	} {
		if p.RuleFails(rule) != fails {
			t.Errorf("RuleFails(%s) = %v, want %v", rule, !fails, fails)
		}
	}
	if p.UnreadableMode() != "warn" || p.UnknownRoleMode() != "fail" {
		t.Errorf("unreadable %q, unknown-role %q", p.UnreadableMode(), p.UnknownRoleMode())
	}
	want := []Ignore{
		{Rule: "resource-star-write", Function: "ListCartFunction", Reason: "X-Ray and CloudWatch Logs actions take no resource", Expires: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC), Line: 8},
		{Rule: "admin-managed-policy", Reason: "the break-glass function", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Line: 12},
	}
	if len(p.Ignores) != 2 || p.Ignores[0] != want[0] || p.Ignores[1] != want[1] {
		t.Fatalf("ignores %+v, want %+v", p.Ignores, want)
	}
	// Defaults: the rules iam says, unreadable code fails, unknown roles warn.
	d := DefaultPolicy()
	for _, r := range iam.Rules {
		if d.RuleFails(r) != iam.IsFailing(r) {
			t.Errorf("default RuleFails(%s) = %v", r, d.RuleFails(r))
		}
	}
	if d.UnreadableMode() != "fail" || d.UnknownRoleMode() != "warn" {
		t.Errorf("defaults: unreadable %q, unknown-role %q", d.UnreadableMode(), d.UnknownRoleMode())
	}
}

func TestLoadPolicyRolesErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"roles list", "roles:\n  - action-star\n", `:2: roles: want a mapping`},
		{"roles unknown key", "roles:\n  block: [action-star]\n", `:2: roles: unknown key "block"`},
		{"roles unknown rule", "roles:\n  fail: [action-wildcard]\n", `:2: roles: fail: unknown rule "action-wildcard"`},
		{"roles scalar", "roles:\n  fail: action-star\n", `:2: roles: fail: want a list of rule ids`},
		{"rule both ways", "roles:\n  fail: [action-star]\n  warn: [action-star]\n", `:3: roles: rule action-star is under fail and warn`},
		{"roles repeated", "roles:\n  fail: []\n  fail: []\n", `:3: roles: "fail" given twice`},
		{"bad unreadable", "unreadable: ignore\n", `:1: unreadable: "ignore" is not one of fail|warn`},
		{"bad unknown-role", "unknown-role: ignore\n", `:1: unknown-role: "ignore" is not one of warn|fail`},
		{"ignore unknown rule", "ignores:\n  - rule: star\n    reason: r\n    expires: 2027-01-01\n", `:2: ignores[0]: rule "star": want one of action-star`},
		{"ignore id and rule", "ignores:\n  - id: GHSA-p6mc-m468-83gw\n    rule: action-star\n    reason: r\n    expires: 2027-01-01\n", `:2: ignores[0]: give id (an advisory) or rule`},
		{"rule with package", "ignores:\n  - rule: action-star\n    package: npm/lodash\n    reason: r\n    expires: 2027-01-01\n", `:2: ignores[0]: package does not apply to a role rule`},
		{"rule without expiry", "ignores:\n  - rule: action-star\n    reason: r\n", `:2: ignores[0]: expires is required`},
		{"rule too far", "ignores:\n  - rule: action-star\n    reason: r\n    expires: 2028-01-01\n", `:4: ignores[0]: expires 2028-01-01 is more than 1 year ahead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writePolicy(t, tt.text)
			p, err := LoadPolicy(path, now)
			if err == nil {
				t.Fatalf("LoadPolicy accepted %q: %+v", tt.text, p)
			}
			if !strings.HasPrefix(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to start with %s and contain %q", err, path, tt.want)
			}
		})
	}
}
