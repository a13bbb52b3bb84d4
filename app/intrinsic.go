package app

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Intrinsics are kept symbolic in "Sub-normal" form, the form Fn::Sub
// itself uses: Ref X is "${X}", GetAtt X.Y is "${X.Y}", Sub and Join are
// substituted textually and pseudo parameters stay "${AWS::Region}".
// Parameters are never replaced by their defaults: what is deployed is
// whatever the stack is given. Functions that cannot be evaluated without a
// deployment (ImportValue, GetAZs, If on a condition, ...) are rendered as
// "${Fn::Name:args}", never an error.

type renderer struct {
	mappings *yaml.Node // the template's Mappings, for FindInMap
}

// intrinsicName is the function a single-key mapping calls, or "".
func intrinsicName(n *yaml.Node) string {
	if !isMap(n) || len(n.Content) != 2 {
		return ""
	}
	k := n.Content[0].Value
	if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
		return k
	}
	return ""
}

func isNoValue(n *yaml.Node) bool {
	return intrinsicName(n) == "Ref" && str(n.Content[1]) == "AWS::NoValue"
}

// render renders a value as one string; ok is false for Ref AWS::NoValue
// (the property is absent).
func (r *renderer) render(n *yaml.Node) (string, bool) {
	return r.renderDepth(n, 0)
}

// str renders a value, "" when absent.
func (r *renderer) str(n *yaml.Node) string {
	s, _ := r.render(n)
	return s
}

func (r *renderer) renderDepth(n *yaml.Node, depth int) (string, bool) {
	if n == nil || depth > maxDepth {
		return "", n != nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "", true
		}
		return n.Value, true
	case yaml.SequenceNode:
		var parts []string
		for _, c := range n.Content {
			if s, ok := r.renderDepth(c, depth+1); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ","), true
	case yaml.MappingNode:
	default:
		return "", true
	}
	name := intrinsicName(n)
	if name == "" {
		return r.generic("", n, depth), true
	}
	arg := n.Content[1]
	switch name {
	case "Ref":
		v := str(arg)
		if v == "AWS::NoValue" {
			return "", false
		}
		if v == "" {
			v, _ = r.renderDepth(arg, depth+1)
		}
		return "${" + v + "}", true
	case "Fn::GetAtt":
		var res, attr string
		switch {
		case isScalar(arg):
			res, attr, _ = strings.Cut(arg.Value, ".")
		case isSeq(arg) && len(arg.Content) >= 2:
			res, _ = r.renderDepth(arg.Content[0], depth+1)
			attr, _ = r.renderDepth(arg.Content[1], depth+1)
		default:
			return r.generic(name, arg, depth), true
		}
		return "${" + res + "." + attr + "}", true
	case "Fn::Sub":
		if isScalar(arg) {
			return arg.Value, true
		}
		if isSeq(arg) && len(arg.Content) >= 1 && isScalar(arg.Content[0]) {
			s := arg.Content[0].Value
			if len(arg.Content) > 1 {
				vars := map[string]string{}
				for _, p := range pairs(arg.Content[1]) {
					v, _ := r.renderDepth(p[1], depth+1)
					vars[p[0].Value] = v
				}
				s = subVarRE.ReplaceAllStringFunc(s, func(m string) string {
					if v, ok := vars[m[2:len(m)-1]]; ok {
						return v
					}
					return m
				})
			}
			return s, true
		}
	case "Fn::Join":
		if isSeq(arg) && len(arg.Content) == 2 && isScalar(arg.Content[0]) && isSeq(arg.Content[1]) {
			return strings.Join(r.list(arg.Content[1], depth+1), arg.Content[0].Value), true
		}
	case "Fn::Select":
		if isSeq(arg) && len(arg.Content) == 2 {
			idx, err := strconv.Atoi(r.str(arg.Content[0]))
			if err == nil && idx >= 0 {
				var list []string
				if isSeq(arg.Content[1]) {
					list = r.list(arg.Content[1], depth+1)
				} else if sp := arg.Content[1]; intrinsicName(sp) == "Fn::Split" {
					if a := sp.Content[1]; isSeq(a) && len(a.Content) == 2 && isScalar(a.Content[0]) {
						if s, _ := r.renderDepth(a.Content[1], depth+1); !strings.Contains(s, "${") {
							list = strings.Split(s, a.Content[0].Value)
						}
					}
				}
				if idx < len(list) {
					return list[idx], true
				}
			}
		}
	case "Fn::FindInMap":
		if v, ok := r.findInMap(arg, depth); ok {
			return v, true
		}
	}
	return r.generic(name, arg, depth), true
}

var subVarRE = regexp.MustCompile(`\$\{[^!}][^}]*\}`)

// findInMap resolves a lookup whose keys are literal, or whose symbolic key
// does not matter because every entry holds the same value (CDK's
// LatestNodeRuntimeMap keyed by ${AWS::Region}).
func (r *renderer) findInMap(arg *yaml.Node, depth int) (string, bool) {
	if !isSeq(arg) || len(arg.Content) < 3 {
		return "", false
	}
	m := get(r.mappings, r.str(arg.Content[0]))
	if m == nil {
		return "", false
	}
	k1, _ := r.renderDepth(arg.Content[1], depth+1)
	k2, _ := r.renderDepth(arg.Content[2], depth+1)
	if strings.Contains(k2, "${") {
		return "", false
	}
	if !strings.Contains(k1, "${") {
		v := get(get(m, k1), k2)
		if isScalar(v) {
			return v.Value, true
		}
		return "", false
	}
	var same string
	for i, p := range pairs(m) {
		v := get(p[1], k2)
		if !isScalar(v) || (i > 0 && v.Value != same) {
			return "", false
		}
		same = v.Value
	}
	return same, same != ""
}

// generic renders an intrinsic fnguard does not evaluate.
func (r *renderer) generic(name string, arg *yaml.Node, depth int) string {
	var inner string
	switch {
	case isSeq(arg):
		parts := make([]string, 0, len(arg.Content))
		for _, c := range arg.Content {
			s, _ := r.renderDepth(c, depth+1)
			if isSeq(c) {
				s = r.generic("", c, depth+1)
			}
			parts = append(parts, s)
		}
		inner = "[" + strings.Join(parts, ", ") + "]"
	case isMap(arg):
		parts := make([]string, 0, len(arg.Content)/2)
		for _, p := range pairs(arg) {
			s, _ := r.renderDepth(p[1], depth+1)
			parts = append(parts, p[0].Value+": "+s)
		}
		inner = "{" + strings.Join(parts, ", ") + "}"
	default:
		inner, _ = r.renderDepth(arg, depth+1)
	}
	if name == "" {
		return inner
	}
	return "${" + name + ":" + inner + "}"
}

// list renders a list-valued property: a sequence, a single value, or an
// intrinsic. Ref AWS::NoValue entries are dropped and both branches of an
// Fn::If are kept, since either may be deployed: for permissions the union
// is the safe reading.
func (r *renderer) list(n *yaml.Node, depth int) []string {
	if n == nil || depth > maxDepth {
		return nil
	}
	out := []string{}
	for _, it := range items(n) {
		if intrinsicName(it) == "Fn::If" {
			if a := it.Content[1]; isSeq(a) && len(a.Content) == 3 {
				out = append(out, r.list(a.Content[1], depth+1)...)
				out = append(out, r.list(a.Content[2], depth+1)...)
				continue
			}
		}
		if s, ok := r.renderDepth(it, depth+1); ok {
			out = append(out, s)
		}
	}
	return out
}

// branches expands Fn::If into its two values (dropping NoValue), so callers
// that classify a value see each possible one.
func branches(n *yaml.Node) []*yaml.Node {
	return branchesDepth(n, 0)
}

func branchesDepth(n *yaml.Node, depth int) []*yaml.Node {
	if n == nil || isNoValue(n) || depth > maxDepth {
		return nil
	}
	if intrinsicName(n) == "Fn::If" {
		if a := n.Content[1]; isSeq(a) && len(a.Content) == 3 {
			return append(branchesDepth(a.Content[1], depth+1), branchesDepth(a.Content[2], depth+1)...)
		}
	}
	return []*yaml.Node{n}
}

// alternatives is every value a list-valued property may hold: the items of
// a list, each Fn::If expanded into both branches (AWS::NoValue dropped) and
// a branch that is itself a list flattened in, so that a conditional list
// of policies, statements or ARNs reads as the union of what either branch
// deploys.
func alternatives(n *yaml.Node) []*yaml.Node {
	return alternativesDepth(n, 0)
}

func alternativesDepth(n *yaml.Node, depth int) []*yaml.Node {
	if depth > maxDepth {
		return nil
	}
	var out []*yaml.Node
	for _, it := range items(n) {
		for _, b := range branchesDepth(it, depth+1) {
			if isSeq(b) {
				out = append(out, alternativesDepth(b, depth+1)...)
				continue
			}
			out = append(out, b)
		}
	}
	return out
}

// refTarget is the logical id a value points at when the whole value is a
// reference: Ref X, GetAtt X.Attr, or a Sub that is exactly "${X}" or
// "${X.Attr}".
func refTarget(n *yaml.Node) string {
	switch intrinsicName(n) {
	case "Ref":
		return str(n.Content[1])
	case "Fn::GetAtt":
		a := n.Content[1]
		if isScalar(a) {
			id, _, _ := strings.Cut(a.Value, ".")
			return id
		}
		if isSeq(a) && len(a.Content) > 0 {
			return str(a.Content[0])
		}
	case "Fn::Sub":
		s := str(n.Content[1])
		if isSeq(n.Content[1]) && len(n.Content[1].Content) > 0 {
			s = str(n.Content[1].Content[0])
		}
		if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && strings.Count(s, "${") == 1 {
			id, _, _ := strings.Cut(s[2:len(s)-1], ".")
			return id
		}
	}
	return ""
}
