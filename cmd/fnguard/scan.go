package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/report"
	"github.com/fnguard/fnguard/vulndb"
)

var reportFormats = []string{"table", "json", "sarif", "markdown", "cyclonedx"}

func validFormat(f string) bool {
	for _, x := range reportFormats {
		if x == f {
			return true
		}
	}
	return false
}

// openDB opens the advisory database and reads its status; without one it
// runs an update first unless offline, so a first run in CI works and an
// air-gapped one fails loudly instead of passing with nothing to match.
func openDB(ctx context.Context, e *env, path string, offline bool) (*vulndb.DB, *vulndb.Status, error) {
	d, err := vulndb.Open(path)
	if errors.Is(err, vulndb.ErrNoDatabase) {
		if offline {
			return nil, nil, &exitError{exitDatabase, fmt.Errorf("%s: no advisory database, and --offline forbids fetching one (run: fnguard db update, or fnguard db import DIR)", path)}
		}
		fmt.Fprintf(e.stderr, "fnguard: no advisory database at %s: fetching one\n", path)
		if err := ensureDir(path); err != nil {
			return nil, nil, err
		}
		if _, err := vulndb.Update(ctx, path, vulndb.UpdateOptions{Progress: e.stderr}); err != nil {
			return nil, nil, &exitError{exitDatabase, err}
		}
		d, err = vulndb.Open(path)
	}
	if err != nil {
		return nil, nil, err
	}
	st, err := d.Status()
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, st, nil
}

func ensureDir(dbPath string) error {
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
		return usageErr("cannot create %s: %v", filepath.Dir(dbPath), err)
	}
	return nil
}

func newScanCmd(e *env) *cobra.Command {
	var (
		inv           inventoryFlags
		db            dbFlag
		format        string
		out           string
		outputs       []string
		offline       bool
		policyFile    string
		failOn        string
		unscored      string
		unreachable   string
		maxDBAge      time.Duration
		baselineFile  string
		githubSummary bool
		specVersion   string
	)
	c := &cobra.Command{
		Use:   "scan PATH... [--layer ZIP]...",
		Short: "Inventory the artifacts, match advisories and gate the release",
		Long: `Inventory every PATH (as 'fnguard sbom' does), match each package against the
local OSV database, decide under the policy and report.

The policy is .fnguard.yaml in the working directory or --policy FILE; flags
override it. By default the gate fails on critical and high findings, on every
malicious package, on unscored advisories, on medium findings in ORMs and
database drivers, and on packages whose version cannot be parsed; and the
database may be at most 7 days old.

Go executables (a function's bootstrap, a layer's bin/) get symbol-level
reachability from golang.org/x/vuln: a finding whose vulnerable symbols are
not linked is reported as unreachable (policy 'unreachable', default warn).

` + exitCodesHelp,
		Example: `  fnguard scan function.zip --layer layer.zip
  fnguard scan . --format json -o report.json
  fnguard scan function.zip --output sarif=fnguard.sarif --output cyclonedx=vex.json --github-summary`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !validFormat(format) {
				return usageErr("--format %q: want one of %s", format, strings.Join(reportFormats, ", "))
			}
			switch specVersion {
			case "1.5", "1.6", "1.7":
			default:
				return usageErr("--spec-version %q: want 1.5, 1.6 or 1.7", specVersion)
			}
			outs, err := parseOutputs(outputs)
			if err != nil {
				return err
			}
			policy, err := loadPolicy(e, policyFile, cmd, gate.Flags{
				FailOn: flagString(cmd, "fail-on", failOn), Unscored: flagString(cmd, "unscored", unscored),
				Unreachable: flagString(cmd, "unreachable", unreachable), MaxDBAge: flagDuration(cmd, "max-db-age", maxDBAge),
			})
			if err != nil {
				return err
			}
			var baseline *gate.Baseline
			if baselineFile != "" {
				if baseline, err = gate.LoadBaseline(baselineFile); err != nil {
					return usageErr("%v", err)
				}
			}
			in, err := inv.read(ctx, e, args)
			if err != nil {
				return err
			}
			d, st, err := openDB(ctx, e, db.resolve(e), offline)
			if err != nil {
				return err
			}
			defer d.Close()
			now := time.Now()
			if err := gate.CheckDatabaseAge(st.Updated, policy, now); err != nil {
				return &exitError{exitDatabase, err}
			}
			res, err := vulndb.Scan(ctx, d, in)
			if err != nil {
				if errors.Is(err, vulndb.ErrEcosystemMissing) {
					return &exitError{exitDatabase, err}
				}
				return err
			}
			if err := res.Reachability(ctx, func(artifact, member string) ([]byte, error) {
				return lockfiles.ReadMember(artifact, member, lockfiles.Limits{})
			}); err != nil {
				return err
			}
			verdict := gate.Evaluate(res, policy, baseline, now)
			opts := report.Options{ToolVersion: fnguardVersion(), Now: now, Spec: specVersion}
			// Files first: a failure to write one is an error, and the
			// terminal report should be the last thing a person sees.
			for _, o := range outs {
				var buf bytes.Buffer
				if err := report.Write(&buf, o.format, res, verdict, opts); err != nil {
					return err
				}
				if err := writeOutput(e, o.file, buf.Bytes()); err != nil {
					return err
				}
			}
			if githubSummary {
				if err := appendGitHubSummary(e, res, verdict, opts); err != nil {
					return err
				}
			}
			var buf bytes.Buffer
			opts.Color = format == "table" && out == "" && e.isTerminal(e.stdout) && e.getenv("NO_COLOR") == ""
			if err := report.Write(&buf, format, res, verdict, opts); err != nil {
				return err
			}
			if err := writeOutput(e, out, buf.Bytes()); err != nil {
				return err
			}
			if !verdict.Pass {
				return &exitError{code: exitFail}
			}
			return nil
		},
	}
	inv.register(c)
	db.register(c)
	c.Flags().BoolVar(&offline, "offline", false, "never fetch advisories; without a database exit 3")
	c.Flags().StringVar(&format, "format", "table", "report on stdout: "+strings.Join(reportFormats, "|"))
	c.Flags().StringVarP(&out, "out", "o", "", "write the --format report to `FILE` instead of stdout")
	c.Flags().StringArrayVar(&outputs, "output", nil, "also write `FORMAT=FILE` (repeatable), e.g. sarif=fnguard.sarif")
	c.Flags().StringVar(&policyFile, "policy", "", "policy `FILE` (default .fnguard.yaml in the working directory)")
	c.Flags().StringVar(&failOn, "fail-on", "high", "lowest severity that fails: low|medium|high|critical|never")
	c.Flags().StringVar(&unscored, "unscored", "fail", "advisories without a score: fail|warn")
	c.Flags().StringVar(&unreachable, "unreachable", "warn", "Go findings whose vulnerable symbols are not linked: warn|ignore|fail")
	c.Flags().DurationVar(&maxDBAge, "max-db-age", 7*24*time.Hour, "oldest advisory database accepted")
	c.Flags().StringVar(&baselineFile, "baseline", "", "fail only on findings absent from this earlier JSON report or CycloneDX `FILE`")
	c.Flags().BoolVar(&githubSummary, "github-summary", false, "append the markdown summary to $GITHUB_STEP_SUMMARY")
	c.Flags().StringVar(&specVersion, "spec-version", "1.6", "CycloneDX spec version for the cyclonedx format: 1.5|1.6|1.7")
	return c
}

// flagString returns the flag's value only when the user set it, so the
// policy file decides otherwise.
func flagString(cmd *cobra.Command, name, v string) *string {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	return &v
}

func flagDuration(cmd *cobra.Command, name string, v time.Duration) *time.Duration {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	return &v
}

func loadPolicy(e *env, file string, cmd *cobra.Command, flags gate.Flags) (*gate.Policy, error) {
	now := time.Now()
	if file == "" {
		wd, err := os.Getwd()
		if err == nil {
			file = gate.FindPolicy(wd)
		}
	}
	p := gate.DefaultPolicy()
	if file != "" {
		var err error
		if p, err = gate.LoadPolicy(file, now); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	if err := p.Apply(flags); err != nil {
		return nil, usageErr("%v", err)
	}
	return p, nil
}

type output struct{ format, file string }

func parseOutputs(specs []string) ([]output, error) {
	var out []output
	for _, s := range specs {
		f, file, ok := strings.Cut(s, "=")
		if !ok || file == "" || !validFormat(f) {
			return nil, usageErr("--output %q: want FORMAT=FILE with FORMAT one of %s", s, strings.Join(reportFormats, ", "))
		}
		out = append(out, output{f, file})
	}
	return out, nil
}

func appendGitHubSummary(e *env, res *vulndb.Result, v *gate.Verdict, opts report.Options) error {
	path := e.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return usageErr("--github-summary: $GITHUB_STEP_SUMMARY is not set")
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, "markdown", res, v, opts); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return usageErr("--github-summary: %v", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return usageErr("--github-summary: %v", err)
	}
	return f.Close()
}
