package report

import (
	"fmt"
	"path/filepath"
	"strings"
)

// functionsSection is one block per function of a release: verdict,
// runtime, code, role and its findings, then the findings of the packages
// it ships. Blocks are dropped last first when the comment budget runs out.
func functionsSection(m *model) mdSection {
	r := m.app.rel
	s := mdSection{
		head: fmt.Sprintf("\n### Functions (%d) of %s application `%s`\n", len(r.Functions), r.App.Kind, mdCode(filepath.ToSlash(filepath.Join(r.App.Root, r.App.Entry)))),
		more: func(n int) string {
			if n == 0 {
				return ""
			}
			return fmt.Sprintf("\n_%s more not shown._\n", plural(n, "function", "functions"))
		}}
	if blasts := m.blastLines(); len(blasts) > 0 {
		s.head += "\n**Blast radius** (a failing execution role and a serious advisory in one function):\n\n"
		for _, b := range blasts {
			s.head += "- **" + mdText(truncate(b, 1000)) + "**\n"
		}
	}
	for _, f := range r.Functions {
		var b strings.Builder
		name := mdText(f.Label())
		if f.Label() != f.ID {
			name += " (" + mdText(f.ID) + ")"
		}
		status := ""
		if fv := m.app.fv[f.ID]; fv != nil {
			status = ": PASS"
			if !fv.Pass {
				status = ": FAIL"
			}
		}
		fmt.Fprintf(&b, "\n#### %s%s\n\n", name, status)
		var facts []string
		if rt := strings.TrimSpace(f.Runtime + " " + f.Architecture); rt != "" {
			facts = append(facts, "`"+mdCode(rt)+"`")
		}
		facts = append(facts, "code "+mdText(codeText(f.Code)))
		if f.File != "" {
			facts = append(facts, mdText(fileLine(f.File, f.Line)))
		}
		b.WriteString(strings.Join(facts, " · ") + "\n\n")
		for _, arn := range f.ExternalLayers {
			fmt.Fprintf(&b, "- layer `%s`: not inspected\n", mdCode(arn))
		}
		if f.Error != "" {
			fmt.Fprintf(&b, "- **code could not be read**: %s\n", mdText(truncate(f.Error, 300)))
		}
		fmt.Fprintf(&b, "- %s\n", mdText(roleSummary(f)))
		for _, rd := range m.app.roles[f.ID] {
			st := roleStatus(rd, m.v != nil)
			if rd.Blocking {
				st = "**blocking**"
			} else {
				st = mdText(st)
			}
			fmt.Fprintf(&b, "  - `%s` %s (%s): %s\n", rd.Finding.Rule, mdText(truncate(rd.Finding.Detail, 200)), mdText(roleWhere(rd)), st)
		}
		for _, n := range f.Notes {
			fmt.Fprintf(&b, "- note: %s\n", mdText(truncate(n, 300)))
		}
		if f.Empty {
			b.WriteString("- its own code ships no third-party packages\n")
		}
		for _, ap := range f.Artifacts() {
			its := m.itemsOf(ap)
			npkg := 0
			if a := m.artifact(ap); a != nil {
				npkg = len(a.Packages)
			}
			fmt.Fprintf(&b, "- `%s`: %s, %s\n", mdCode(ap), plural(npkg, "package", "packages"), plural(len(its), "finding", "findings"))
			for _, it := range its {
				sev := severityOf(it.f)
				if it.f.Malicious {
					sev = "malicious"
				}
				st := "not blocking"
				if it.d.Blocking {
					st = "**blocking**"
				}
				if it.d.BlastRadius {
					st += ", **blast radius**"
				}
				fmt.Fprintf(&b, "  - [%s](%s) in `%s` (%s): %s\n", it.f.ID, osvURL(it.f.ID), mdCode(pkgLabel(it.f.Package)), sev, st)
			}
		}
		s.rows = append(s.rows, b.String())
	}
	return s
}
