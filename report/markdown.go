package report

import (
	"fmt"
	"io"
	"strings"
)

// MarkdownLimit bounds the Markdown report in bytes. A GitHub issue or pull
// request comment holds at most 65,536 characters; counting bytes (never
// fewer than characters) keeps multi-byte text under it too, and the margin
// leaves room for a caller's own heading.
const MarkdownLimit = 65000

// mdSection is one part of the Markdown report: a fixed head and tail and
// rows that may be dropped, last first, to fit a byte budget.
type mdSection struct {
	head, tail string
	rows       []string
	// more renders the note that replaces n dropped rows.
	more func(n int) string
}

// render fits the section into budget bytes, or returns "" when not even
// its head, tail and truncation note fit.
func (s mdSection) render(budget int) string {
	full := s.head + strings.Join(s.rows, "") + s.tail
	if len(full) <= budget {
		return full
	}
	size := len(s.head) + len(s.tail)
	kept := 0
	for _, r := range s.rows {
		note := s.more(len(s.rows) - kept - 1)
		if size+len(r)+len(note) > budget {
			break
		}
		size += len(r)
		kept++
	}
	out := s.head + strings.Join(s.rows[:kept], "") + s.more(len(s.rows)-kept) + s.tail
	if len(out) > budget {
		return ""
	}
	return out
}

func writeMarkdown(w io.Writer, m *model, opts Options) error {
	_, err := io.WriteString(w, renderMarkdown(m, opts, MarkdownLimit))
	return err
}

// renderMarkdown builds the summary within limit bytes. Sections are given
// the budget in order of importance (verdict, counts, blocking findings,
// remediation, unchecked packages, the rest) and written in reading order.
func renderMarkdown(m *model, opts Options, limit int) string {
	const truncNote = "\n_Report truncated to fit a GitHub comment; run `fnguard scan --format json` for every finding._\n"
	budget := limit - len(truncNote)

	head := mdHead(m)
	if len(head) > budget {
		head = strings.ToValidUTF8(head[:budget], "")
	}
	budget -= len(head)

	var blocking, other []item
	for _, it := range m.items {
		if it.d.Blocking {
			blocking = append(blocking, it)
		} else {
			other = append(other, it)
		}
	}
	dropped := false
	fit := func(s mdSection) string {
		if len(s.rows) == 0 {
			return ""
		}
		out := s.render(budget)
		if out != s.head+strings.Join(s.rows, "")+s.tail {
			dropped = true
		}
		budget -= len(out)
		return out
	}

	blockTitle := "Findings"
	if m.v != nil {
		blockTitle = "Blocking findings"
	}
	var blockSec, otherSec string
	if m.v != nil {
		blockSec = fit(findingsSection(blocking, "\n### "+blockTitle+fmt.Sprintf(" (%d)\n\n", len(blocking)), "", false))
	} else {
		// Without a verdict nothing blocks: list everything in the open.
		blockSec = fit(findingsSection(m.items, "\n### "+blockTitle+fmt.Sprintf(" (%d)\n\n", len(m.items)), "", true))
		other = nil
	}
	var fnSec string
	if m.app != nil {
		fnSec = fit(functionsSection(m))
	}
	remSec := fit(remediationSection(m))
	uncSec := fit(uncheckedSection(m))
	if len(other) > 0 {
		otherSec = fit(findingsSection(other,
			fmt.Sprintf("\n<details><summary>%s not blocking</summary>\n\n", plural(len(other), "finding", "findings")),
			"\n</details>\n", true))
	}

	var b strings.Builder
	b.WriteString(head)
	b.WriteString(fnSec)
	b.WriteString(blockSec)
	b.WriteString(otherSec)
	b.WriteString(uncSec)
	b.WriteString(remSec)
	if dropped {
		b.WriteString(truncNote)
	}
	return b.String()
}

// mdHead is the verdict line, its reasons and the counts by severity.
func mdHead(m *model) string {
	var b strings.Builder
	switch {
	case m.v == nil:
		b.WriteString("## fnguard scan\n")
	case m.v.Pass:
		b.WriteString("## fnguard: PASS\n")
	default:
		b.WriteString("## fnguard: FAIL\n")
	}
	if m.v != nil {
		b.WriteString("\n")
		for _, r := range m.v.Reasons {
			fmt.Fprintf(&b, "- %s\n", mdText(truncate(r, 1000)))
		}
		if len(m.v.Notes) > 0 {
			b.WriteString("\nNot blocking:\n\n")
			for _, r := range m.v.Notes {
				fmt.Fprintf(&b, "- %s\n", mdText(truncate(r, 1000)))
			}
		}
	}
	npkg := 0
	for _, a := range m.arts {
		npkg += len(a.Packages)
	}
	fmt.Fprintf(&b, "\n%s in %s scanned: %s, %s blocking, %s.",
		plural(npkg, "package", "packages"), plural(len(m.arts), "artifact", "artifacts"),
		plural(len(m.items), "finding", "findings"), fmt.Sprint(m.blocked), plural(len(m.unc), "unchecked package", "unchecked packages"))
	if m.v != nil {
		fmt.Fprintf(&b, " Policy: %s.", mdText(m.v.Policy.Label()))
	}
	b.WriteString("\n\n")
	b.WriteString("| critical | high | medium | low | unscored |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d |\n", m.counts[severities[0]], m.counts[severities[1]], m.counts[severities[2]], m.counts[severities[3]], m.counts[severities[4]])
	return b.String()
}

func findingsSection(its []item, head, tail string, status bool) mdSection {
	h := "| Advisory | Package | Artifact | Severity | Fix |"
	sep := "|---|---|---|---|---|"
	if status {
		h += " Status |"
		sep += "---|"
	}
	s := mdSection{head: head + h + "\n" + sep + "\n", tail: tail,
		more: func(n int) string {
			if n == 0 {
				return ""
			}
			return fmt.Sprintf("\n_%s more not shown._\n", plural(n, "finding", "findings"))
		}}
	for _, it := range its {
		s.rows = append(s.rows, mdFindingRow(it, status))
	}
	return s
}

func mdFindingRow(it item, status bool) string {
	f, d := it.f, it.d
	adv := fmt.Sprintf("[%s](%s)", f.ID, osvURL(f.ID))
	if d.Highlight {
		adv += " **SQL injection in ORM/DB driver**"
	}
	if f.Malicious {
		adv += " **malicious**"
	}
	sev := severityOf(f)
	if f.Score > 0 {
		sev += fmt.Sprintf(" %.1f", f.Score)
	}
	fix := strings.Join(fixedVersions(f), ", ")
	if fix == "" {
		fix = "none"
	}
	pkg := f.Package.Ecosystem + " `" + mdCode(pkgLabel(f.Package)) + "`"
	row := fmt.Sprintf("| %s | %s | %s | %s | %s |", adv, pkg, mdText(f.Package.Artifact), sev, mdText(fix))
	if status {
		row += " " + mdText(mdStatus(it)) + " |"
	}
	return row + "\n"
}

// mdStatus says why a finding does not block.
func mdStatus(it item) string {
	f, d := it.f, it.d
	var parts []string
	if d.Blocking {
		parts = append(parts, "blocking")
	}
	if d.Ignored {
		s := "ignored"
		if dt := ignoreDate(d.IgnoreExpires); dt != "" {
			s += " until " + dt
		}
		if d.IgnoreReason != "" {
			s += ": " + d.IgnoreReason
		}
		parts = append(parts, s)
	}
	if d.InBaseline {
		parts = append(parts, "in baseline")
	}
	if unreachable(f) {
		parts = append(parts, "unreachable")
	}
	if d.VEXState != "" {
		parts = append(parts, vexLabel(d))
	}
	if len(parts) == 0 {
		parts = append(parts, d.Why...)
	}
	return truncate(strings.Join(parts, "; "), 300)
}

func uncheckedSection(m *model) mdSection {
	s := mdSection{head: "\n### Unchecked packages\n\nTheir version could not be compared, so they are never reported clean.\n\n",
		more: func(n int) string {
			if n == 0 {
				return ""
			}
			return fmt.Sprintf("- _%s more not shown._\n", plural(n, "package", "packages"))
		}}
	for _, u := range m.unc {
		s.rows = append(s.rows, fmt.Sprintf("- %s `%s` in %s: %s\n", u.Package.Ecosystem, mdCode(pkgLabel(u.Package)), mdText(u.Package.Artifact), mdText(truncate(u.Reason, 300))))
	}
	return s
}

func remediationSection(m *model) mdSection {
	s := mdSection{head: "\n### Remediation\n\n",
		more: func(n int) string {
			if n == 0 {
				return ""
			}
			return fmt.Sprintf("- _%s more not shown._\n", plural(n, "upgrade", "upgrades"))
		}}
	for _, fx := range m.fixes {
		s.rows = append(s.rows, fmt.Sprintf("- %s (%s)\n", mdText(fixLine(fx.Package, fx.Version, len(fx.Clears))), mdText(fx.Package.Artifact)))
	}
	return s
}

// mdText escapes text for a Markdown table cell or list item: pipes would
// end the cell, newlines the row, and angle brackets would be read as HTML.
func mdText(s string) string {
	r := strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ", "<", "&lt;", ">", "&gt;", "`", "'", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// mdCode makes s safe inside a single-backtick code span in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
