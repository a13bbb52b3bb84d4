package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/fnguard/fnguard/release"
)

// writeAppTable writes the functions of a release, each with its code,
// layers, role and role findings, then the findings of what it ships.
// Blast-radius reasons lead. An artifact shared by several functions (a
// common code folder, a layer) has its findings listed under the first.
func writeAppTable(w io.Writer, m *model, p painter) {
	r := m.app.rel
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s application %s: %s, %s\n", r.App.Kind, filepath.Join(r.App.Root, r.App.Entry),
		plural(len(r.Functions), "function", "functions"), plural(len(r.Layers), "layer", "layers"))
	if blasts := m.blastLines(); len(blasts) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.paint(ansiBoldRed, "Blast radius")+" (a failing execution role and a serious advisory in one function):")
		for _, b := range blasts {
			fmt.Fprintf(w, "  - %s\n", p.paint(ansiBoldRed, b))
		}
	}
	shown := map[string]string{} // artifact -> function it was listed under
	for _, f := range r.Functions {
		fmt.Fprintln(w)
		fmt.Fprintln(w, functionHeading(m, f, p))
		fmt.Fprintf(w, "  code: %s\n", codeText(f.Code))
		if len(f.Layers) > 0 {
			var ls []string
			for _, l := range f.LocalLayers {
				ls = append(ls, l.ID+" ("+codeText(l.Code)+")")
			}
			for _, arn := range f.ExternalLayers {
				ls = append(ls, arn+": not inspected")
			}
			fmt.Fprintf(w, "  layers: %s\n", strings.Join(ls, ", "))
		}
		if f.Error != "" {
			fmt.Fprintf(w, "  %s %s\n", p.paint(ansiBoldRed, "code could not be read:"), f.Error)
		}
		fmt.Fprintf(w, "  %s\n", roleSummary(f))
		if rds := m.app.roles[f.ID]; len(rds) > 0 {
			var rows [][]cell
			for _, rd := range rds {
				st := roleStatus(rd, m.v != nil)
				color := ansiDim
				if rd.Blocking {
					color = ansiRed
				}
				rows = append(rows, []cell{{st, color}, {rd.Finding.Rule, ""}, {truncate(rd.Finding.Detail, 100), ""}, {roleWhere(rd), ""}})
			}
			writeColumns(w, "    ", rows, p)
		}
		for _, n := range f.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		if f.Empty {
			fmt.Fprintln(w, "  its own code ships no third-party packages")
		}
		for _, ap := range f.Artifacts() {
			a := m.artifact(ap)
			its := m.itemsOf(ap)
			if first, ok := shown[ap]; ok {
				if len(its) == 0 {
					fmt.Fprintf(w, "  %s  no known vulnerabilities (as under %s)\n", ap, first)
				} else {
					fmt.Fprintf(w, "  %s  %s listed under %s\n", ap, plural(len(its), "finding", "findings"), first)
				}
				continue
			}
			shown[ap] = f.Label()
			if a != nil {
				fmt.Fprintln(w, "  "+artifactHeading(a, its, p))
			} else {
				fmt.Fprintln(w, "  "+p.paint(ansiBold, ap)+"  (not in the inventory)")
			}
			if len(its) == 0 {
				fmt.Fprintln(w, "    no known vulnerabilities")
				continue
			}
			rows := [][]cell{{{"SEVERITY", ""}, {"ID", ""}, {"PACKAGE", ""}, {"FIX", ""}, {"NOTES", ""}}}
			for _, it := range its {
				row := findingRow(it)
				if it.d.BlastRadius {
					row[4].text = strings.TrimSpace("BLAST " + row[4].text)
					row[4].color = ansiBoldRed
				}
				rows = append(rows, row)
			}
			writeColumns(w, "    ", rows, p)
		}
	}
	for _, i := range m.unattributed() {
		a := m.arts[i]
		fmt.Fprintln(w)
		fmt.Fprintln(w, artifactHeading(a, m.byArt[i], p)+"  (used by no function)")
		if len(m.byArt[i]) == 0 {
			fmt.Fprintln(w, "  no known vulnerabilities")
			continue
		}
		rows := [][]cell{{{"SEVERITY", ""}, {"ID", ""}, {"PACKAGE", ""}, {"FIX", ""}, {"NOTES", ""}}}
		for _, it := range m.byArt[i] {
			rows = append(rows, findingRow(it))
		}
		writeColumns(w, "  ", rows, p)
	}
	if its := m.byArt[len(m.arts)]; len(its) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, artifactHeading(nil, its, p))
		rows := [][]cell{{{"SEVERITY", ""}, {"ID", ""}, {"PACKAGE", ""}, {"FIX", ""}, {"NOTES", ""}}}
		for _, it := range its {
			rows = append(rows, findingRow(it))
		}
		writeColumns(w, "  ", rows, p)
	}
}

// functionHeading is "OrdersFunction  nodejs22.x arm64, index.handler, template.yaml:33  FAIL".
func functionHeading(m *model, f *release.Function, p painter) string {
	name := f.Label()
	if name != f.ID {
		name += " (" + f.ID + ")"
	}
	var parts []string
	rt := strings.TrimSpace(f.Runtime + " " + f.Architecture)
	if f.PackageType == "Image" {
		rt = strings.TrimSpace("image " + f.Architecture)
	}
	if rt != "" {
		parts = append(parts, rt)
	}
	if f.Handler != "" {
		parts = append(parts, f.Handler)
	}
	if f.Name != "" && f.Name != f.Label() {
		parts = append(parts, "name "+f.Name)
	}
	if f.Condition != "" {
		parts = append(parts, "condition "+f.Condition)
	}
	if f.File != "" {
		parts = append(parts, fileLine(f.File, f.Line))
	}
	s := p.paint(ansiBold, name) + "  " + strings.Join(parts, ", ")
	if fv := m.app.fv[f.ID]; fv != nil {
		if fv.Pass {
			s += "  " + p.paint(ansiGreen, "PASS")
		} else {
			s += "  " + p.paint(ansiBoldRed, "FAIL")
		}
	}
	return s
}

func fileLine(file string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

// blastLines are the blast-radius reasons, in function order.
func (m *model) blastLines() []string {
	var out []string
	if m.app == nil || m.v == nil {
		return nil
	}
	for _, fv := range m.v.Functions {
		if fv.Blast != nil {
			out = append(out, fv.Blast.Text)
		}
	}
	return out
}
