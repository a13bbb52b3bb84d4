package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/lockfiles/categories"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// ANSI SGR sequences used by the table when Options.Color is set.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiBlue    = "\x1b[34m"
	ansiMagenta = "\x1b[35m"
	ansiBoldRed = "\x1b[1;31m"
)

var severityColor = map[string]string{
	osv.SeverityCritical: ansiBoldRed,
	osv.SeverityHigh:     ansiRed,
	osv.SeverityMedium:   ansiYellow,
	osv.SeverityLow:      ansiBlue,
	osv.SeverityUnscored: ansiMagenta,
}

// painter colours text only when enabled, so the plain output has no
// escape byte at all (NO_COLOR, pipes, files).
type painter bool

func (p painter) paint(color, s string) string {
	if !p || color == "" || s == "" {
		return s
	}
	return color + s + ansiReset
}

// cell is one table cell: its text and the colour it is shown in.
type cell struct{ text, color string }

// writeColumns aligns rows by the width of their plain text. text/tabwriter
// would count the bytes of colour sequences as width and misalign coloured
// columns, so padding is done here and colour wraps the padded text.
func writeColumns(w io.Writer, indent string, rows [][]cell, p painter) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			if n := utf8.RuneCountInString(c.text); n > widths[i] {
				widths[i] = n
			}
		}
	}
	for _, r := range rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range r {
			last := i == len(r)-1
			b.WriteString(p.paint(c.color, c.text))
			if !last {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.text)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func writeTable(w io.Writer, m *model, opts Options) error {
	p := painter(opts.Color)
	npkg := 0
	for _, a := range m.arts {
		npkg += len(a.Packages)
	}
	tool := "fnguard"
	if opts.ToolVersion != "" {
		tool += " " + opts.ToolVersion
	}
	fmt.Fprintf(w, "%s: %s, %s, %s (%s)\n", tool, plural(len(m.arts), "artifact", "artifacts"),
		plural(npkg, "package", "packages"), plural(len(m.items), "finding", "findings"), severityCounts(m))
	if db := m.res.Database; db.Path != "" || !db.Updated.IsZero() {
		line := "database " + db.Path
		if !db.Updated.IsZero() {
			line += fmt.Sprintf(" (updated %s, %s)", db.Updated.UTC().Format("2006-01-02 15:04 UTC"), age(opts.Now, db.Updated))
		}
		fmt.Fprintln(w, strings.TrimSpace(line))
	}
	if m.v != nil {
		fmt.Fprintln(w, "policy "+m.v.Policy.Label())
	}

	if m.app != nil {
		writeAppTable(w, m, p)
	}
	for i := range m.byArt {
		if m.app != nil {
			break // grouped by function above
		}
		its := m.byArt[i]
		var a *lockfiles.Artifact
		if i < len(m.arts) {
			a = m.arts[i]
		} else if len(its) == 0 {
			continue
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, artifactHeading(a, its, p))
		if len(its) == 0 {
			fmt.Fprintln(w, "  no known vulnerabilities")
			continue
		}
		rows := [][]cell{{{"SEVERITY", ""}, {"ID", ""}, {"PACKAGE", ""}, {"FIX", ""}, {"NOTES", ""}}}
		for _, it := range its {
			rows = append(rows, findingRow(it))
		}
		writeColumns(w, "  ", rows, p)
	}

	if len(m.unc) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.paint(ansiBold, "Unchecked packages")+" (version could not be compared; never reported clean):")
		var rows [][]cell
		for _, u := range m.unc {
			rows = append(rows, []cell{{u.Package.Ecosystem, ""}, {pkgLabel(u.Package), ""}, {u.Package.Artifact, ""}, {u.Reason, ""}})
		}
		writeColumns(w, "  ", rows, p)
	}

	if len(m.fixes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.paint(ansiBold, "Remediation:"))
		for _, fx := range m.fixes {
			fmt.Fprintf(w, "  %s (%s)\n", fixLine(fx.Package, fx.Version, len(fx.Clears)), fx.Package.Artifact)
		}
	}

	if inv := m.res.Inventory; inv != nil && len(inv.Warnings) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.paint(ansiBold, "Warnings:"))
		for _, wn := range inv.Warnings {
			where := wn.Artifact
			if wn.Location != "" {
				where += ": " + wn.Location
			}
			fmt.Fprintf(w, "  %s: %s\n", where, wn.Message)
		}
	}

	// The verdict comes last: it is what a person reads after the scroll.
	if v := m.v; v != nil {
		fmt.Fprintln(w)
		if v.Pass {
			fmt.Fprintln(w, p.paint(ansiBold+ansiGreen, "PASS"))
		} else {
			fmt.Fprintln(w, p.paint(ansiBoldRed, "FAIL"))
		}
		for _, r := range v.Reasons {
			fmt.Fprintf(w, "  - %s\n", r)
		}
		if len(v.Notes) > 0 {
			fmt.Fprintln(w, "Not blocking:")
			for _, r := range v.Notes {
				fmt.Fprintf(w, "  - %s\n", r)
			}
		}
	}
	return nil
}

func artifactHeading(a *lockfiles.Artifact, its []item, p painter) string {
	if a == nil {
		return p.paint(ansiBold, its[0].f.Package.Artifact) + "  (not in the inventory)"
	}
	var parts []string
	kind := a.Kind
	if a.Parent != "" {
		kind += " of " + a.Parent
	}
	if kind != "" {
		parts = append(parts, kind)
	}
	if a.Runtime != "" {
		parts = append(parts, a.Runtime)
	}
	parts = append(parts, plural(len(a.Packages), "package", "packages"))
	return p.paint(ansiBold, a.Path) + "  " + strings.Join(parts, ", ")
}

func findingRow(it item) []cell {
	f := it.f
	sev := severityOf(f)
	sevText := sev
	if f.Score > 0 {
		sevText += fmt.Sprintf(" %.1f", f.Score)
	}
	id := f.ID
	if n := len(f.Aliases); n > 0 {
		id += fmt.Sprintf(" +%d", n)
	}
	fix := strings.Join(fixedVersions(f), ", ")
	if fix == "" {
		fix = "-"
	}
	return []cell{{sevText, severityColor[sev]}, {id, ""}, {pkgLabel(f.Package), ""}, {fix, ""}, marks(it)}
}

// marks are the short notes of a table row. The colour goes to the most
// urgent one present.
func marks(it item) cell {
	f, d := it.f, it.d
	var ms []string
	color := ""
	if d.Blocking {
		ms = append(ms, "BLOCKING")
		color = ansiRed
	}
	if f.Malicious {
		ms = append(ms, "MAL")
		color = ansiBoldRed
	}
	if d.Highlight {
		ms = append(ms, "SQLi")
		color = ansiBoldRed
	}
	if hasCategory(f.Package, categories.ORM) {
		ms = append(ms, "ORM")
	}
	if hasCategory(f.Package, categories.DBDriver) {
		ms = append(ms, "DB")
	}
	if d.Ignored {
		s := "IGNORED"
		if dt := ignoreDate(d.IgnoreExpires); dt != "" {
			s += " until " + dt
		}
		ms = append(ms, s)
	}
	if d.IgnoreExpired {
		ms = append(ms, "ignore expired")
	}
	if d.InBaseline {
		ms = append(ms, "baseline")
	}
	if unreachable(f) {
		ms = append(ms, "unreachable")
	}
	if d.VEXState != "" {
		ms = append(ms, vexLabel(d))
	}
	if color == "" && len(ms) > 0 {
		color = ansiDim
	}
	return cell{strings.Join(ms, " "), color}
}

// fixLine is the remediation sentence every format shares.
func fixLine(p *lockfiles.Package, version string, n int) string {
	adv := plural(n, "advisory", "advisories")
	if version == "" {
		return fmt.Sprintf("%s %s %s: no single version clears all %s", p.Ecosystem, p.Name, p.Version, adv)
	}
	return fmt.Sprintf("upgrade %s %s %s to %s clears %s", p.Ecosystem, p.Name, p.Version, version, adv)
}

func severityCounts(m *model) string {
	parts := make([]string, 0, len(severities))
	for _, s := range severities {
		parts = append(parts, fmt.Sprintf("%d %s", m.counts[s], s))
	}
	return strings.Join(parts, ", ")
}
