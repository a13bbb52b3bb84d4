package report

// An application report (Options.Release set) groups what the scan found
// by function: each function with its runtime, code, layers and execution
// role, the role's findings, then the findings of the packages it ships.
// Every format reads the release through appModel.

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
)

type appModel struct {
	rel *release.Release
	// fv are the gate's per-function verdicts by logical id; empty without
	// a verdict.
	fv map[string]*gate.FunctionVerdict
	// owner maps an artifact path to the release code it is: the function
	// or layer, for locating its packages in the repository.
	owner map[string]codeOwner
	// roles are the role decisions by function, from the verdict, or built
	// undecided from the role when there is none.
	roles map[string][]*gate.RoleDecision
}

// codeOwner is the function or layer whose code an artifact is.
type codeOwner struct {
	code app.Code
	file string
	line int
	what string // "function OrdersFunction", "layer UtilsLayer"
}

func (m *model) attach(r *release.Release) {
	if r == nil {
		return
	}
	a := &appModel{rel: r, fv: map[string]*gate.FunctionVerdict{}, owner: map[string]codeOwner{}, roles: map[string][]*gate.RoleDecision{}}
	if m.v != nil {
		for _, fv := range m.v.Functions {
			a.fv[fv.ID] = fv
		}
	}
	for _, f := range r.Functions {
		if f.Artifact != "" {
			if _, ok := a.owner[f.Artifact]; !ok {
				a.owner[f.Artifact] = codeOwner{code: f.Code, file: f.File, line: f.Line, what: "function " + f.ID}
			}
		}
		if fv := a.fv[f.ID]; fv != nil {
			a.roles[f.ID] = fv.Roles
		} else if f.Role != nil {
			for _, rf := range f.Role.Findings {
				rd := &gate.RoleDecision{Function: f.ID, Role: f.Role.Name(), Finding: rf, Failing: iam.IsFailing(rf.Rule)}
				if rf.Statement >= 0 && rf.Statement < len(f.Role.Statements) {
					rd.Source = f.Role.Statements[rf.Statement].Source
				} else {
					rd.Source = rf.Policy
				}
				a.roles[f.ID] = append(a.roles[f.ID], rd)
			}
		}
	}
	for _, l := range r.Layers {
		if l.Artifact != "" {
			if _, ok := a.owner[l.Artifact]; !ok {
				a.owner[l.Artifact] = codeOwner{code: l.Code, file: l.File, line: l.Line, what: "layer " + l.ID}
			}
		}
	}
	m.app = a
}

// functionIDs are the logical ids of the functions shipping p, sorted.
func (m *model) functionIDs(p *lockfiles.Package) []string {
	if m.app == nil || p == nil {
		return nil
	}
	return m.app.rel.FunctionIDs(p.Artifact)
}

// artifact returns the inventory artifact at path, nil when absent.
func (m *model) artifact(p string) *lockfiles.Artifact {
	if i, ok := m.artIdx[p]; ok {
		return m.arts[i]
	}
	return nil
}

// functionPURLs are the package URLs a function ships (own code and local
// layers), sorted and without repeats.
func (m *model) functionPURLs(arts []string) []string {
	out := []string{}
	for _, ap := range arts {
		a := m.artifact(ap)
		if a == nil {
			continue
		}
		for _, p := range a.Packages {
			if p == nil {
				continue
			}
			if u := purlOf(p); u != "" && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	sort.Strings(out)
	return out
}

// itemsOf are the findings of one artifact, in report order.
func (m *model) itemsOf(artifact string) []item {
	if i, ok := m.artIdx[artifact]; ok {
		return m.byArt[i]
	}
	var out []item
	for _, it := range m.items {
		if it.f.Package.Artifact == artifact {
			out = append(out, it)
		}
	}
	return out
}

// codeText describes where a function's or layer's code is and whether
// fnguard read it: "zip ../orders-function.zip", "inline: not inspected".
func codeText(c app.Code) string {
	s := c.Type
	if c.Path != "" {
		s += " " + c.Path
	}
	if c.Note != "" && c.Note != c.Type {
		s += " (" + c.Note + ")"
	}
	switch c.Type {
	case app.CodeDir, app.CodeZip:
	default:
		s += ": not inspected"
	}
	return s
}

// roleSummary is one line about a role: "role OrdersFunctionRole
// (generated): 2 statements, 1 managed policy", or why it is unknown.
func roleSummary(f *release.Function) string {
	r := f.Role
	if r == nil {
		note := f.RoleNote
		if note == "" {
			note = "permissions unknown"
		}
		if f.RoleRef != "" {
			return "role " + f.RoleRef + ": " + note
		}
		return "role: " + note
	}
	s := "role " + r.Name()
	if r.Generated {
		s += " (generated)"
	}
	s += ": " + plural(len(r.Statements), "statement", "statements") + ", " + plural(len(r.ManagedPolicies), "managed policy", "managed policies")
	if len(r.ManagedPolicies) > 0 {
		var names []string
		for _, p := range r.ManagedPolicies {
			names = append(names, iam.ManagedPolicyName(p))
		}
		s += " (" + strings.Join(names, ", ") + ")"
	}
	return s
}

// roleStatus is what the gate made of a role finding, in a word or two.
func roleStatus(rd *gate.RoleDecision, decided bool) string {
	switch {
	case !decided && rd.Failing:
		return "fails by default"
	case !decided:
		return "warns by default"
	case rd.Ignored:
		s := "ignored"
		if dt := ignoreDate(rd.IgnoreExpires); dt != "" {
			s += " until " + dt
		}
		return s
	case rd.Blocking:
		return "BLOCKING"
	}
	return "warn"
}

// roleWhere is "inline:X, template.yaml:46".
func roleWhere(rd *gate.RoleDecision) string {
	var parts []string
	if rd.Source != "" && rd.Source != rd.Finding.Detail {
		parts = append(parts, rd.Source)
	}
	if rd.Finding.File != "" {
		loc := rd.Finding.File
		if rd.Finding.Line > 0 {
			loc += fmt.Sprintf(":%d", rd.Finding.Line)
		}
		parts = append(parts, loc)
	}
	return strings.Join(parts, ", ")
}

// repoPath is a definition-relative file as the repository (the folder
// fnguard was run in) names it: the application root joined with it.
func (a *appModel) repoPath(file string) string {
	if file == "" {
		return ""
	}
	if filepath.IsAbs(file) {
		return file
	}
	return path.Join(filepath.ToSlash(a.rel.App.Root), filepath.ToSlash(file))
}

// unattributed are artifacts of the inventory no function ships (a layer
// no function uses), in inventory order.
func (m *model) unattributed() []int {
	var out []int
	for i, a := range m.arts {
		if len(m.app.rel.FunctionsOf(a.Path)) == 0 {
			out = append(out, i)
		}
	}
	return out
}
