package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/lockfiles/categories"
	"github.com/fnguard/fnguard/pipeline"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// pkgRef is one package named on the command line.
type pkgRef struct {
	Arg       string `json:"query"`
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
}

// parsePkgRef reads a purl (pkg:npm/sequelize@5.21.5) or
// Ecosystem/name@version (PyPI/django@3.2.0, npm/@babel/core@7.0.0,
// Maven/org.yaml:snakeyaml@1.33, Go/golang.org/x/text@v0.3.5).
func parsePkgRef(arg string) (pkgRef, error) {
	if strings.HasPrefix(arg, "pkg:") {
		eco, name, version, err := lockfiles.ParsePURL(arg)
		if err != nil {
			return pkgRef{}, err
		}
		return pkgRef{arg, eco, name, version}, nil
	}
	ecoPart, rest, ok := strings.Cut(arg, "/")
	eco := ecosystem.Canonical(ecoPart)
	if !ok || eco == "" || rest == "" {
		return pkgRef{}, fmt.Errorf("%q: want a purl (pkg:npm/name@1.2.3) or Ecosystem/name@version with Ecosystem one of %s", arg, strings.Join(ecosystem.All, ", "))
	}
	name, version := rest, ""
	if i := strings.LastIndex(rest, "@"); i > 0 {
		name, version = rest[:i], rest[i+1:]
		if version == "" {
			return pkgRef{}, fmt.Errorf("%q: empty version after @", arg)
		}
	}
	return pkgRef{arg, eco, name, version}, nil
}

// checkResult is what `check --format json` prints per package: a stable,
// documented shape.
type checkResult struct {
	Package    pkgRef   `json:"package"`
	Categories []string `json:"categories"`
	Affected   *bool    `json:"affected"` // null when no version was given and nothing malicious affects every version
	// Known is false when no advisory in the database names the package:
	// fnguard cannot tell a clean package from a misspelt or unknown one.
	Known bool `json:"known"`
	// Malicious is set when a malicious-package record covers every
	// version: the package is removed, never upgraded.
	Malicious  bool            `json:"malicious"`
	Upgrade    string          `json:"upgrade_to,omitempty"`
	Advisories []checkAdvisory `json:"advisories"`
}

type checkAdvisory struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Summary   string   `json:"summary"`
	Severity  string   `json:"severity"`
	Score     float64  `json:"score"`
	Malicious bool     `json:"malicious"`
	Fixed     []string `json:"fixed"`
	Ranges    []string `json:"ranges,omitempty"`
}

func newCheckCmd(e *env) *cobra.Command {
	var (
		db      dbFlag
		offline bool
		out     outputFlags
	)
	c := &cobra.Command{
		Use:   "check PKG...",
		Short: "Check packages before adding them: advisories and the smallest clearing upgrade",
		Long: `Check packages against the local advisory database before adding them.

PKG is a purl (pkg:npm/sequelize@5.21.5) or Ecosystem/name@version
(PyPI/django@3.2.0, Maven/org.yaml:snakeyaml@1.33, Go/golang.org/x/text@v0.3.5).
With a version: the advisories affecting it and the smallest upgrade that
clears them all. Without a version: every advisory of the package with its
affected ranges. A malicious-package record covering every version fails
either way: remove the package. A name no advisory mentions is reported as
unknown to the database, not as clean.

Exit status:
  0  no given version is affected
  1  some given version is affected, or a package is malicious in every version
  2  usage error
  3  advisory database missing or corrupt`,
		Example: `  fnguard check pkg:npm/sequelize@5.21.5
  fnguard check PyPI/django@3.2.0 Maven/org.yaml:snakeyaml
  fnguard check --format json npm/lodash@4.17.15`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := out.parse(pipeline.CheckFormats)
			if err != nil {
				return err
			}
			var refs []pkgRef
			for _, a := range args {
				r, err := parsePkgRef(a)
				if err != nil {
					return usageErr("%v", err)
				}
				refs = append(refs, r)
			}
			d, st, err := pipeline.OpenDB(cmd.Context(), pipeline.DBOptions{Path: db.resolve(e), Offline: offline, Progress: fetchProgress(e)})
			if err != nil {
				return err
			}
			defer d.Close()
			var results []checkResult
			affected := false
			for _, r := range refs {
				if _, ok := st.Ecosystem(r.Ecosystem); !ok {
					return &exitError{exitDatabase, fmt.Errorf("%w: %s has no advisories for %s (run: fnguard db update --ecosystems %s)", vulndb.ErrEcosystemMissing, st.Path, r.Ecosystem, r.Ecosystem)}
				}
				cr, err := checkOne(d, r)
				if err != nil {
					return err
				}
				if cr.Affected != nil && *cr.Affected {
					affected = true
				}
				results = append(results, cr)
			}
			err = pipeline.WriteAll(e.stdout, outs, func(w io.Writer, o pipeline.Output, _ bool) error {
				if o.Format == pipeline.FormatJSON {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(map[string]any{"results": results})
				}
				printCheck(w, results)
				return nil
			})
			if err != nil {
				return err
			}
			if affected {
				return &exitError{code: exitFail}
			}
			return nil
		},
	}
	db.register(c)
	c.Flags().BoolVar(&offline, "offline", false, "never fetch advisories; without a database exit 3")
	out.register(c, pipeline.FormatTable, pipeline.CheckFormats)
	return c
}

func checkOne(d *vulndb.DB, r pkgRef) (checkResult, error) {
	cr := checkResult{Package: r, Categories: categories.Lookup(r.Ecosystem, r.Name), Advisories: []checkAdvisory{}}
	if cr.Categories == nil {
		cr.Categories = []string{}
	}
	records, err := d.Records(r.Ecosystem, r.Name)
	if err != nil {
		return cr, err
	}
	cr.Known = len(records) > 0
	// A malicious record covering every version fails with or without a
	// version: there is nothing to pick, the package goes.
	for _, rec := range records {
		if rec.IsWithdrawn() {
			continue
		}
		if _, _, mal := osv.RecordSeverity(rec); mal && slices.Contains(osv.Ranges(rec, r.Ecosystem, r.Name), "all versions") {
			cr.Malicious = true
		}
	}
	if r.Version == "" {
		if cr.Malicious {
			yes := true
			cr.Affected = &yes
		}
		for _, rec := range records {
			if rec.IsWithdrawn() {
				continue
			}
			// Match the record alone at a version it names, to reuse the
			// severity and alias logic; ranges say which versions it covers.
			adv := checkAdvisory{ID: rec.ID, Aliases: rec.Aliases, Summary: rec.Summary, Ranges: osv.Ranges(rec, r.Ecosystem, r.Name)}
			if adv.Aliases == nil {
				adv.Aliases = []string{}
			}
			adv.Severity, adv.Score, adv.Malicious = osv.RecordSeverity(rec)
			adv.Fixed = goV(r, osv.FixedVersions(rec, r.Ecosystem, r.Name))
			cr.Advisories = append(cr.Advisories, adv)
		}
		sort.Slice(cr.Advisories, func(i, j int) bool {
			a, b := cr.Advisories[i], cr.Advisories[j]
			if ra, rb := osv.SeverityRank(a.Severity), osv.SeverityRank(b.Severity); ra != rb {
				return ra < rb
			}
			return a.ID < b.ID
		})
		return cr, nil
	}
	version := r.Version
	if r.Ecosystem == ecosystem.Go && r.Name != "stdlib" {
		version = strings.TrimPrefix(version, "v")
	}
	findings, err := osv.MatchPackage(records, r.Ecosystem, r.Name, version)
	if err != nil {
		if errors.Is(err, osv.ErrUnparseableVersion) {
			return cr, usageErr("%s: %v", r.Arg, err)
		}
		return cr, err
	}
	yes := len(findings) > 0
	cr.Affected = &yes
	var matched []*osv.Record
	for _, f := range findings {
		a := checkAdvisory{ID: f.ID, Aliases: f.Aliases, Summary: f.Summary, Severity: f.Severity, Score: f.Score, Malicious: f.Malicious, Fixed: f.Fixed}
		if a.Aliases == nil {
			a.Aliases = []string{}
		}
		a.Fixed = goV(r, a.Fixed)
		cr.Advisories = append(cr.Advisories, a)
		matched = append(matched, f.Records...)
	}
	if yes && !cr.Malicious {
		if v, ok := osv.ClearingVersion(matched, r.Ecosystem, r.Name, version); ok {
			cr.Upgrade = goV(r, []string{v})[0]
		}
	}
	for _, a := range cr.Advisories {
		cr.Malicious = cr.Malicious || a.Malicious
	}
	return cr, nil
}

// goV writes Go module versions with their "v", as go.mod, the scan report
// and `go get` do; OSV stores them without it. The standard library's
// versions ("1.22.3") have none.
func goV(r pkgRef, versions []string) []string {
	out := make([]string, len(versions))
	for i, v := range versions {
		if r.Ecosystem == ecosystem.Go && r.Name != "stdlib" && r.Name != "toolchain" && v != "" && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		out[i] = v
	}
	return out
}

func printCheck(w io.Writer, results []checkResult) {
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
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", sev, a.ID, fixed, truncateRunes(a.Summary, 70))
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

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func truncateRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
