package sbom

import (
	_ "embed"
	"sort"
	"strings"
	"sync"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// spdxIDs is the enum of the CycloneDX spdx schema (licenses and exceptions
// together, as the schema has them). A license.id outside this list makes the
// whole SBOM invalid, so it is the list that decides, not the live SPDX list;
// TestSPDXListMatchesSchema keeps it in step with the vendored schema.
//
//go:embed spdx_ids.txt
var spdxIDs string

var (
	spdxOnce  sync.Once
	spdxByKey map[string]string // lower-cased id -> canonical spelling
)

// spdxID returns the canonical spelling of an SPDX id, matched
// case-insensitively as the SPDX spec asks.
func spdxID(s string) (string, bool) {
	spdxOnce.Do(func() {
		spdxByKey = make(map[string]string)
		for _, id := range strings.Fields(spdxIDs) {
			spdxByKey[strings.ToLower(id)] = id
		}
	})
	id, ok := spdxByKey[strings.ToLower(s)]
	return id, ok
}

// isSPDXExpression reports whether s parses as an SPDX license expression
// with at least one operator (a lone id is a license.id, not an expression).
// Every license term must be a listed id (optionally with "+") or a
// LicenseRef-/DocumentRef- reference.
func isSPDXExpression(s string) bool {
	toks := tokenizeExpr(s)
	if len(toks) < 3 {
		return false
	}
	p := exprParser{toks: toks}
	return p.expr() && p.pos == len(toks)
}

func tokenizeExpr(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

type exprParser struct {
	toks []string
	pos  int
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// expr := term { (AND|OR) term }
func (p *exprParser) expr() bool {
	if !p.term() {
		return false
	}
	for {
		op := strings.ToUpper(p.peek())
		if op != "AND" && op != "OR" {
			return true
		}
		p.pos++
		if !p.term() {
			return false
		}
	}
}

// term := "(" expr ")" | license [ WITH exception ]
func (p *exprParser) term() bool {
	t := p.peek()
	switch {
	case t == "(":
		p.pos++
		if !p.expr() || p.peek() != ")" {
			return false
		}
		p.pos++
		return true
	case t == "" || t == ")" || isOperator(t):
		return false
	}
	if !isLicenseTerm(t) {
		return false
	}
	p.pos++
	if strings.EqualFold(p.peek(), "WITH") {
		p.pos++
		exc := p.peek()
		if _, ok := spdxID(exc); !ok && !strings.HasPrefix(exc, "AdditionRef-") {
			return false
		}
		p.pos++
	}
	return true
}

func isOperator(t string) bool {
	switch strings.ToUpper(t) {
	case "AND", "OR", "WITH":
		return true
	}
	return false
}

func isLicenseTerm(t string) bool {
	if strings.HasPrefix(t, "LicenseRef-") || strings.HasPrefix(t, "DocumentRef-") {
		return len(t) > len("LicenseRef-")
	}
	_, ok := spdxID(strings.TrimSuffix(t, "+"))
	return ok
}

// licenseChoices turns declared licenses into CycloneDX form. The schema
// allows either a list of license objects or exactly one expression, never
// both, so an expression is written as such only when it is the sole
// declaration; among several, it is kept verbatim as a license name rather
// than combined with an operator the package never declared.
func licenseChoices(declared []string) *cdx.Licenses {
	var uniq []string
	seen := map[string]bool{}
	for _, l := range declared {
		l = strings.TrimSpace(l)
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		uniq = append(uniq, l)
	}
	if len(uniq) == 0 {
		return nil
	}
	sort.Strings(uniq)
	if len(uniq) == 1 && isSPDXExpression(uniq[0]) {
		return &cdx.Licenses{{Expression: uniq[0]}}
	}
	out := make(cdx.Licenses, 0, len(uniq))
	for _, l := range uniq {
		if id, ok := spdxID(l); ok {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: id}})
		} else {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
	}
	return &out
}

// licenseStrings reads licenses back into the inventory's form.
func licenseStrings(ls *cdx.Licenses) []string {
	if ls == nil {
		return nil
	}
	var out []string
	for _, c := range *ls {
		switch {
		case c.Expression != "":
			out = append(out, c.Expression)
		case c.License != nil && c.License.ID != "":
			out = append(out, c.License.ID)
		case c.License != nil && c.License.Name != "":
			out = append(out, c.License.Name)
		}
	}
	return out
}
