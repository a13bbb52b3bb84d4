package main

import (
	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/pipeline"
	"github.com/fnguard/fnguard/report"
)

func newScanCmd(e *env) *cobra.Command {
	var (
		inv           inventoryFlags
		src           sourceFlags
		db            dbFlag
		out           outputFlags
		offline       bool
		policyFile    string
		failOn        string
		unscored      string
		unreachable   string
		maxDBAge      string
		baselineFile  string
		vexFiles      []string
		githubSummary bool
		specVersion   string
	)
	c := &cobra.Command{
		Use:   "scan PATH... [--layer ZIP]... | scan APPLICATION | scan ARN...",
		Short: "Inventory the artifacts, match advisories and gate the release",
		Long: `Inventory every PATH (as 'fnguard sbom' does), match each package against the
local OSV database, decide under the policy and report.

The policy is the nearest .fnguard.yaml from the working directory up to the
repository root (the folder holding .git), or --policy FILE; flags override
it. Every report names the policy used, or "built-in defaults". By default
the gate fails on critical and high findings, on every malicious package, on
unscored advisories, on medium findings in ORMs and database drivers, and on
packages whose version cannot be parsed; and the database may be at most 7
days old. SOURCE_DATE_EPOCH, when set, is the date reports carry and ignores
are judged on; the database's age is always measured on the real clock.

An application (SAM or CloudFormation template, CDK cloud assembly,
Serverless service) or deployed functions (ARNs, --all-functions) are read as
'fnguard sbom' describes; each function's execution role is judged too, and
the gate decides per function and for the release.

Go executables (a function's bootstrap, a layer's bin/) get symbol-level
reachability from golang.org/x/vuln: a finding whose vulnerable symbols are
not linked is reported as unreachable (policy 'unreachable', default warn).

` + exitCodesHelp,
		Example: `  fnguard scan function.zip --layer layer.zip
  fnguard scan . -f json -o report.json
  fnguard scan function.zip -o sarif=fnguard.sarif -o cyclonedx-json=vex.json --github-summary
  fnguard scan template.yaml -f json -o report.json
  fnguard scan cdk.out --lockfile package-lock.json
  fnguard scan --all-functions --region eu-west-1 --region us-east-1`,
		Args: targetArgs(&src),
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := out.parse(pipeline.ScanFormats)
			if err != nil {
				return err
			}
			if err := checkSpec(specVersion); err != nil {
				return err
			}
			now, _, err := sourceDate(e)
			if err != nil {
				return err
			}
			flags := gate.Flags{FailOn: flagString(cmd, "fail-on", failOn), Unscored: flagString(cmd, "unscored", unscored),
				Unreachable: flagString(cmd, "unreachable", unreachable)}
			if cmd.Flags().Changed("max-db-age") {
				d, err := gate.ParseAge(maxDBAge)
				if err != nil {
					return usageErr("--max-db-age %v", err)
				}
				flags.MaxDBAge = &d
			}
			source, err := src.options(e)
			if err != nil {
				return err
			}
			var summary string
			if githubSummary {
				if summary = e.getenv("GITHUB_STEP_SUMMARY"); summary == "" {
					return usageErr("--github-summary: $GITHUB_STEP_SUMMARY is not set")
				}
			}
			pass, err := pipeline.RunScan(cmd.Context(), e.stdout, pipeline.ScanRun{
				Scan: pipeline.ScanOptions{
					Targets: args, Inventory: inv.options(e), Source: source,
					DB:           pipeline.DBOptions{Path: db.resolve(e), Offline: offline, Progress: fetchProgress(e)},
					BaselineFile: baselineFile, VEXFiles: vexFiles, Now: now,
				},
				Policy:  pipeline.PolicyOptions{File: policyFile, Dir: e.wd(), Flags: flags, Now: now},
				Outputs: outs,
				Report:  report.Options{ToolVersion: fnguardVersion(), Now: now, Spec: specVersion, Color: e.fancy(e.stdout) && e.getenv("NO_COLOR") == ""},
				Summary: summary,
			})
			if err != nil {
				return err
			}
			if !pass {
				return &exitError{code: exitFail}
			}
			return nil
		},
	}
	inv.register(c)
	src.register(c)
	db.register(c)
	c.Flags().BoolVar(&offline, "offline", false, "never fetch advisories; without a database exit 3")
	out.register(c, pipeline.FormatTable, pipeline.ScanFormats)
	c.Flags().StringVar(&out.legacy, "out", "", "same as -o FILE")
	_ = c.Flags().MarkHidden("out")
	c.Flags().StringVar(&policyFile, "policy", "", "policy `FILE` (default: the nearest .fnguard.yaml up to the repository root)")
	c.Flags().StringVar(&failOn, "fail-on", "high", "lowest severity that fails: low|medium|high|critical|never")
	c.Flags().StringVar(&unscored, "unscored", "fail", "advisories without a score: fail|warn")
	c.Flags().StringVar(&unreachable, "unreachable", "warn", "Go findings whose vulnerable symbols are not linked: warn|ignore|fail")
	c.Flags().StringVar(&maxDBAge, "max-db-age", "7d", "oldest advisory database accepted: whole days (7d) or a Go duration (36h)")
	c.Flags().StringVar(&baselineFile, "baseline", "", "fail only on findings absent from this earlier JSON report or CycloneDX `FILE`")
	c.Flags().StringArrayVar(&vexFiles, "vex", nil, "let through findings a CycloneDX VEX or OpenVEX `FILE` says are not_affected or false_positive (repeatable)")
	c.Flags().BoolVar(&githubSummary, "github-summary", false, "append the markdown summary to $GITHUB_STEP_SUMMARY")
	c.Flags().StringVar(&specVersion, "spec-version", "1.6", "CycloneDX spec version for the cyclonedx formats: 1.5|1.6|1.7")
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
