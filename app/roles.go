package app

import (
	"github.com/fnguard/fnguard/iam"
	"go.yaml.in/yaml/v3"
)

// templateRole resolves an AWS::IAM::Role of the template: its inline
// Policies ("inline:NAME"), its ManagedPolicyArns, and the AWS::IAM::Policy,
// AWS::IAM::ManagedPolicy and AWS::IAM::RolePolicy resources attached to it
// ("Policy:ID"), in template order.
func (b *builder) templateRole(t *template, id string) *iam.Role {
	r := t.byID[id]
	role := &iam.Role{ID: id, ManagedPolicies: []string{}, Statements: []iam.Statement{}, Findings: []iam.Finding{}, File: t.file, Line: r.line}
	for _, p := range items(get(r.props, "Policies")) {
		for _, pol := range branches(p) {
			name := t.r.str(get(pol, "PolicyName"))
			role.Statements = append(role.Statements, statements(t, get(pol, "PolicyDocument"), "inline:"+name)...)
		}
	}
	attached := map[string]bool{}
	for _, m := range items(get(r.props, "ManagedPolicyArns")) {
		for _, c := range branches(m) {
			if mp := refTarget(c); t.typeOf(mp) == "AWS::IAM::ManagedPolicy" {
				attached[mp] = true
				continue
			}
			if s, ok := t.r.render(c); ok {
				role.ManagedPolicies = appendUnique(role.ManagedPolicies, s)
			}
		}
	}
	roleName := t.r.str(get(r.props, "RoleName"))
	for _, pr := range t.res {
		if pr.typ == "AWS::IAM::RolePolicy" {
			// One role's inline policy: RoleName is a Ref or the literal name.
			if rn := get(pr.props, "RoleName"); refTarget(rn) == id || roleName != "" && isScalar(rn) && rn.Value == roleName {
				role.Statements = append(role.Statements, statements(t, get(pr.props, "PolicyDocument"), "Policy:"+pr.id)...)
			}
			continue
		}
		if pr.typ != "AWS::IAM::Policy" && pr.typ != "AWS::IAM::ManagedPolicy" {
			continue
		}
		if !attached[pr.id] && !namesRole(t, get(pr.props, "Roles"), id, roleName) {
			continue
		}
		role.Statements = append(role.Statements, statements(t, get(pr.props, "PolicyDocument"), "Policy:"+pr.id)...)
	}
	return role
}

// namesRole says whether a Roles list attaches a policy to the role: by
// reference, or by its literal RoleName.
func namesRole(t *template, roles *yaml.Node, id, roleName string) bool {
	for _, it := range items(roles) {
		for _, c := range branches(it) {
			if refTarget(c) == id {
				return true
			}
			if roleName != "" && isScalar(c) && c.Value == roleName {
				return true
			}
		}
	}
	return false
}

// statements reads a policy document's statements, each with its source and
// its line in the template.
func statements(t *template, doc *yaml.Node, source string) []iam.Statement {
	var out []iam.Statement
	for _, it := range items(get(doc, "Statement")) {
		for _, st := range branches(it) {
			if !isMap(st) {
				continue
			}
			s := iam.Statement{
				Effect:     t.r.str(get(st, "Effect")),
				Actions:    t.r.list(get(st, "Action"), 0),
				NotActions: t.r.list(get(st, "NotAction"), 0),
				Resources:  t.r.list(get(st, "Resource"), 0),
				Source:     source,
				File:       t.file,
				Line:       st.Line,
			}
			if nr := get(st, "NotResource"); nr != nil {
				s.NotResources = t.r.list(nr, 0)
			}
			s.HasCondition = get(st, "Condition") != nil
			s.EnsureLists()
			out = append(out, s)
		}
	}
	return out
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
