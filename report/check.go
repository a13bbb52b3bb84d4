package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fnguard/fnguard/vulndb"
)

// WriteCheck renders `fnguard check` results: FormatJSON as a documented
// object {"results": [...]}, anything else as the table.
func WriteCheck(w io.Writer, format string, results []vulndb.CheckResult) error {
	if format == FormatJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"results": results})
	}
	printCheck(w, results)
	return nil
}

func printCheck(w io.Writer, results []vulndb.CheckResult) {
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(w)
		}
		head := fmt.Sprintf("%s %s", r.Package.Ecosystem, r.Package.Name)
		if r.Package.Version != "" {
			head += "@" + r.Package.Version
		}
		if len(r.Categories) > 0 {
			head += " [" + strings.Join(r.Categories, ", ") + "]"
		}
		switch {
		case !r.Known:
			fmt.Fprintf(w, "%s: no advisory in the database names %s/%s; fnguard cannot tell whether it exists\n", head, r.Package.Ecosystem, r.Package.Name)
		case r.Malicious && r.Affected != nil && *r.Affected:
			fmt.Fprintf(w, "%s: MALICIOUS (%s)\n", head, plural(len(r.Advisories), "advisory", "advisories"))
		case r.Affected == nil:
			fmt.Fprintf(w, "%s: %s in the database\n", head, plural(len(r.Advisories), "advisory", "advisories"))
		case *r.Affected:
			fmt.Fprintf(w, "%s: AFFECTED by %s\n", head, plural(len(r.Advisories), "advisory", "advisories"))
		default:
			fmt.Fprintf(w, "%s: no known advisories affect this version\n", head)
		}
		if len(r.Advisories) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  SEVERITY\tID\tFIXED\tSUMMARY")
			for _, a := range r.Advisories {
				sev := a.Severity
				if a.Malicious {
					sev = "MALICIOUS"
				} else if a.Score > 0 {
					sev = fmt.Sprintf("%s %.1f", sev, a.Score)
				}
				fixed := strings.Join(a.Fixed, ", ")
				if fixed == "" {
					fixed = "-"
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", sev, a.ID, fixed, foldTruncate(a.Summary, 70))
				for _, rg := range a.Ranges {
					fmt.Fprintf(tw, "  \t  affects %s\t\t\n", rg)
				}
			}
			tw.Flush()
		}
		if r.Affected != nil && *r.Affected {
			if r.Malicious {
				fmt.Fprintln(w, "  malicious package: remove it (no version is safe to install)")
			} else if r.Upgrade != "" {
				what := "it"
				if len(r.Advisories) > 1 {
					what = fmt.Sprintf("all %d", len(r.Advisories))
				}
				fmt.Fprintf(w, "  upgrade to %s to clear %s\n", r.Upgrade, what)
			} else {
				fmt.Fprintln(w, "  no single version clears them all")
			}
		}
	}
}

// foldTruncate folds white space and cuts s to n runes, marking the cut.
func foldTruncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
