package app

import (
	"cmp"
	"fmt"

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
	for _, pol := range alternatives(get(r.props, "Policies")) {
		if !isMap(pol) || intrinsicName(pol) != "" {
			role.Unread = append(role.Unread, unreadPolicy(t, pol, "of role "+id, "an inline policy"))
			continue
		}
		name := t.r.str(get(pol, "PolicyName"))
		addPolicy(t, role, get(pol, "PolicyDocument"), "inline:"+name)
	}
	attached := map[string]bool{}
	for _, c := range alternatives(get(r.props, "ManagedPolicyArns")) {
		if mp := refTarget(c); t.typeOf(mp) == "AWS::IAM::ManagedPolicy" {
			attached[mp] = true
			continue
		}
		if s, ok := t.r.render(c); ok {
			role.ManagedPolicies = appendUnique(role.ManagedPolicies, s)
		}
	}
	roleName := t.r.str(get(r.props, "RoleName"))
	for _, pr := range t.res {
		if pr.typ == "AWS::IAM::RolePolicy" {
			// One role's inline policy: RoleName is a Ref or the literal name.
			if rn := get(pr.props, "RoleName"); refTarget(rn) == id || roleName != "" && isScalar(rn) && rn.Value == roleName {
				addPolicy(t, role, get(pr.props, "PolicyDocument"), "Policy:"+pr.id)
			}
			continue
		}
		if pr.typ != "AWS::IAM::Policy" && pr.typ != "AWS::IAM::ManagedPolicy" {
			continue
		}
		if !attached[pr.id] && !namesRole(t, get(pr.props, "Roles"), id, roleName) {
			continue
		}
		addPolicy(t, role, get(pr.props, "PolicyDocument"), "Policy:"+pr.id)
	}
	return role
}

// namesRole says whether a Roles list attaches a policy to the role: by
// reference, or by its literal RoleName.
func namesRole(t *template, roles *yaml.Node, id, roleName string) bool {
	for _, c := range alternatives(roles) {
		if refTarget(c) == id {
			return true
		}
		if roleName != "" && isScalar(c) && c.Value == roleName {
			return true
		}
	}
	return false
}

// addPolicy adds a policy document's statements to role, and what of it
// cannot be read to role.Unread.
func addPolicy(t *template, role *iam.Role, doc *yaml.Node, source string) {
	sts, unread := statements(t, doc, source)
	role.Statements = append(role.Statements, sts...)
	role.Unread = append(role.Unread, unread...)
}

// statements reads a policy document's statements, each with its source and
// its line in the template. A document or statement under Fn::If counts
// with both branches, since either may be deployed. One that is not written
// out (a parameter, an AWS::Include transform, a value only deployment
// computes) is named in unread: the role is then never judged complete.
func statements(t *template, doc *yaml.Node, source string) (out []iam.Statement, unread []string) {
	for _, d := range alternatives(doc) {
		line := 0 // statements of a document given as a JSON string are on its line
		if isScalar(d) {
			// A Json property may be a string holding the JSON.
			n, err := jsonToNode(t.file, []byte(d.Value))
			if err != nil || !isMap(n) {
				unread = append(unread, unreadPolicy(t, d, source, "its document"))
				continue
			}
			n.Line, line = d.Line, d.Line
			d = n
		}
		if !isMap(d) || intrinsicName(d) != "" {
			unread = append(unread, unreadPolicy(t, d, source, "its document"))
			continue
		}
		for _, st := range alternatives(get(d, "Statement")) {
			if !isMap(st) || intrinsicName(st) != "" {
				unread = append(unread, unreadPolicy(t, st, source, "a statement"))
				continue
			}
			s := iam.Statement{
				Effect:     t.r.str(get(st, "Effect")),
				Actions:    t.r.list(get(st, "Action"), 0),
				NotActions: t.r.list(get(st, "NotAction"), 0),
				Resources:  t.r.list(get(st, "Resource"), 0),
				Source:     source,
				File:       t.file,
				Line:       cmp.Or(line, st.Line),
			}
			if nr := get(st, "NotResource"); nr != nil {
				s.NotResources = t.r.list(nr, 0)
			}
			s.HasCondition = get(st, "Condition") != nil
			s.EnsureLists()
			out = append(out, s)
		}
	}
	return out, unread
}

// unreadPolicy says which part of a policy cannot be read before
// deployment, and how it is given.
func unreadPolicy(t *template, n *yaml.Node, source, what string) string {
	how := "not a policy written out"
	if name := intrinsicName(n); name != "" {
		how = "given by " + name
		if tr := t.r.str(get(n.Content[1], "Name")); name == "Fn::Transform" && tr != "" {
			how += " " + tr
		}
	}
	return fmt.Sprintf("%s:%d: policy %s: %s is %s, not read: the role's permissions are incomplete", t.file, n.Line, source, what, how)
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
