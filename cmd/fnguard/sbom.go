package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/pipeline"
	"github.com/fnguard/fnguard/sbom"
)

// inventoryFlags are shared by every command that reads artifacts.
type inventoryFlags struct {
	layers     []string
	allowEmpty bool
}

func (f *inventoryFlags) register(c *cobra.Command) {
	c.Flags().StringArrayVar(&f.layers, "layer", nil, "layer `ZIP` attached to the function given as PATH (repeatable; the function is /var/task, layers are /opt)")
	c.Flags().BoolVar(&f.allowEmpty, "allow-empty", false, "accept an artifact that holds code but no packages (an error by default)")
}

func (f *inventoryFlags) options(e *env) pipeline.InventoryOptions {
	return pipeline.InventoryOptions{Layers: f.layers, AllowEmpty: f.allowEmpty, Warn: func(w lockfiles.Warning) {
		loc := w.Artifact
		if w.Location != "" {
			loc += ": " + w.Location
		}
		fmt.Fprintf(e.notices(), "fnguard: warning: %s: %s\n", loc, oneLine(w.Message))
	}}
}

// outputFlags are the output vocabulary every command shares (see
// pipeline.ParseOutputs).
type outputFlags struct {
	format  string
	outputs []string
	legacy  string // scan's former --out FILE
}

func (o *outputFlags) register(c *cobra.Command, def string, allowed []string) {
	c.Flags().StringVarP(&o.format, "format", "f", def, "report `FORMAT`: "+strings.Join(allowed, "|")+" (any case)")
	c.Flags().StringArrayVarP(&o.outputs, "output", "o", nil, "write the --format report to `FILE` instead of stdout; FORMAT=FILE writes another report too (repeatable)")
}

func (o *outputFlags) parse(allowed []string) ([]pipeline.Output, error) {
	f, err := pipeline.ParseFormat("--format", o.format, allowed)
	if err != nil {
		return nil, err
	}
	outs := o.outputs
	if o.legacy != "" {
		outs = append([]string{o.legacy}, outs...)
	}
	return pipeline.ParseOutputs(f, outs, allowed)
}

// sourceDate honours SOURCE_DATE_EPOCH (reproducible-builds.org): the time
// SBOMs and reports are dated and the policy's ignores are judged on, so
// two runs over the same inputs write the same bytes and a test reads the
// same policy on every day.
func sourceDate(e *env) (time.Time, bool, error) {
	s := e.getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Now().UTC(), false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false, usageErr("SOURCE_DATE_EPOCH=%q is not a non-negative integer of seconds", s)
	}
	return time.Unix(n, 0).UTC(), true, nil
}

func checkSpec(specVersion string) error {
	if err := sbom.CheckSpec(specVersion); err != nil {
		return usageErr("--spec-version: %v", err)
	}
	return nil
}

const sbomExitHelp = `Exit status:
  0  the SBOM was written
  2  usage or input error (an unreadable, empty or hostile artifact, a bad flag)`

func newSBOMCmd(e *env) *cobra.Command {
	var (
		inv         inventoryFlags
		src         sourceFlags
		out         outputFlags
		name        string
		appVersion  string
		specVersion string
	)
	c := &cobra.Command{
		Use:   "sbom PATH... [--layer ZIP]... | sbom APPLICATION | sbom ARN...",
		Short: "Write a CycloneDX SBOM of what the artifacts ship",
		Long: `Inventory every PATH and write a CycloneDX SBOM (1.6 JSON on stdout by default).

PATH is recognised by content: a Lambda function zip, a layer zip, a folder
(an unpacked function or a source repository, walked recursively), a single
lockfile, a jar, a Go binary, or an existing CycloneDX SBOM (JSON or XML).
Use --spec-version 1.5 for Amazon Inspector's ScanSbom.

A whole application is one PATH: an AWS SAM or CloudFormation template, a CDK
cloud assembly (cdk.out, or the project folder holding it), a Serverless
Framework service, or a folder holding one of them at its root. Each
function's code and layers are inventoried, bundled JavaScript included
(--lockfile names the package-lock.json it was built from).

Deployed functions are read from AWS: a function or layer version ARN, a
function name with --region, or --all-functions --region R. Credentials come
from the standard AWS chain (--profile); --endpoint-url points every call at
a compatible endpoint.

` + sbomExitHelp,
		Example: `  fnguard sbom function.zip --layer deps-layer.zip -o sbom.json
  fnguard sbom . --spec-version 1.5 -f cyclonedx-xml
  fnguard sbom . -o sbom.json -o cyclonedx-xml=sbom.xml
  fnguard sbom template.yaml -o sbom.json
  fnguard sbom arn:aws:lambda:eu-west-1:123456789012:function:orders`,
		Args: targetArgs(&src),
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := out.parse(pipeline.SBOMFormats)
			if err != nil {
				return err
			}
			if err := checkSpec(specVersion); err != nil {
				return err
			}
			if appVersion != "" && name == "" {
				return usageErr("--version %q needs --name: it is the version of the application --name names", appVersion)
			}
			ts, reproducible, err := sourceDate(e)
			if err != nil {
				return err
			}
			source, err := src.options(e)
			if err != nil {
				return err
			}
			return pipeline.RunSBOM(cmd.Context(), e.stdout, pipeline.SBOMRun{
				Targets: args, Inventory: inv.options(e), Source: source, Outputs: outs, Spec: specVersion,
				BOM: sbom.Options{Name: name, Version: appVersion, ToolVersion: fnguardVersion(), Timestamp: ts, Reproducible: reproducible},
			})
		},
	}
	c.Flags().SortFlags = false
	inv.register(c)
	src.register(c)
	c.Flags().StringVar(&name, "name", "", "name of the application in metadata.component (default: from the artifact)")
	c.Flags().StringVar(&appVersion, "version", "", "version of the application --name names")
	out.register(c, pipeline.FormatCycloneDXJSON, pipeline.SBOMFormats)
	c.Flags().StringVar(&specVersion, "spec-version", "1.6", "CycloneDX spec version: 1.5, 1.6 or 1.7")
	return c
}
