package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/lockfiles"
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

// sbomReader adapts the sbom package to the inventory's injected reader.
type sbomReader struct{}

func (sbomReader) Sniff(data []byte) (string, bool) { return sbom.Sniff(data) }
func (sbomReader) Decode(data []byte, path string) (*lockfiles.Artifact, []lockfiles.Warning, error) {
	a, info, err := sbom.DecodeWithInfo(data, path)
	if err != nil {
		return nil, nil, err
	}
	return a, info.Warnings, nil
}

func (f *inventoryFlags) read(ctx context.Context, e *env, paths []string) (*lockfiles.Inventory, error) {
	inv, err := lockfiles.Read(ctx, paths, lockfiles.Options{Layers: f.layers, SBOM: sbomReader{}, AllowEmpty: f.allowEmpty})
	if err != nil {
		return nil, err
	}
	for _, w := range inv.Warnings {
		loc := w.Artifact
		if w.Location != "" {
			loc += ": " + w.Location
		}
		fmt.Fprintf(e.stderr, "fnguard: warning: %s: %s\n", loc, oneLine(w.Message))
	}
	return inv, nil
}

// sourceDate honours SOURCE_DATE_EPOCH (reproducible-builds.org), so two
// runs over the same inputs write byte-identical SBOMs.
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

func newSBOMCmd(e *env) *cobra.Command {
	var (
		inv         inventoryFlags
		name        string
		format      string
		specVersion string
		output      string
	)
	c := &cobra.Command{
		Use:   "sbom PATH... [--layer ZIP]...",
		Short: "Write a CycloneDX SBOM of what the artifacts ship",
		Long: `Inventory every PATH and write a CycloneDX SBOM (1.6 JSON on stdout by default).

PATH is recognised by content: a Lambda function zip, a layer zip, a folder
(an unpacked function or a source repository, walked recursively), a single
lockfile, a jar, a Go binary, or an existing CycloneDX SBOM (JSON or XML).
Use --spec-version 1.5 for Amazon Inspector's ScanSbom.

` + exitCodesHelp,
		Example: `  fnguard sbom function.zip --layer deps-layer.zip -o sbom.json
  fnguard sbom . --spec-version 1.5 --format cyclonedx-xml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "cyclonedx-json", "cyclonedx-xml":
			default:
				return usageErr("--format %q: want cyclonedx-json or cyclonedx-xml", format)
			}
			switch specVersion {
			case "1.5", "1.6", "1.7":
			default:
				return usageErr("--spec-version %q: want 1.5, 1.6 or 1.7", specVersion)
			}
			ts, reproducible, err := sourceDate(e)
			if err != nil {
				return err
			}
			in, err := inv.read(cmd.Context(), e, args)
			if err != nil {
				return err
			}
			bom, err := sbom.Build(in, sbom.Options{Name: name, ToolVersion: fnguardVersion(), Timestamp: ts, Reproducible: reproducible})
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := sbom.Encode(&buf, bom, format, specVersion); err != nil {
				return err
			}
			return writeOutput(e, output, buf.Bytes())
		},
	}
	c.Flags().SortFlags = false
	inv.register(c)
	c.Flags().StringVar(&name, "name", "", "name of the application in metadata.component (default: from the artifact)")
	c.Flags().StringVar(&format, "format", "cyclonedx-json", "cyclonedx-json or cyclonedx-xml")
	c.Flags().StringVar(&specVersion, "spec-version", "1.6", "CycloneDX spec version: 1.5, 1.6 or 1.7")
	c.Flags().StringVarP(&output, "output", "o", "", "write to `FILE` instead of stdout")
	return c
}

// writeOutput writes data to stdout, or to file atomically: a temporary file
// beside it renamed into place, so a failed run never leaves half a report.
func writeOutput(e *env, file string, data []byte) error {
	if file == "" || file == "-" {
		_, err := e.stdout.Write(data)
		return err
	}
	dir := filepath.Dir(file)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp*")
	if err != nil {
		return usageErr("cannot write %s: %v", file, strings.TrimPrefix(err.Error(), "open "))
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return usageErr("cannot write %s: %v", file, err)
	}
	if err := tmp.Close(); err != nil {
		return usageErr("cannot write %s: %v", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return usageErr("cannot write %s: %v", file, err)
	}
	return nil
}
