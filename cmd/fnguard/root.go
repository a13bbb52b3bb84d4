package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
)

// Exit statuses. An error never exits 0 or 1, so CI can tell "the gate
// failed" from "the gate could not run".
const (
	exitPass     = 0 // no findings / the gate passes
	exitFail     = 1 // findings / the gate fails
	exitInput    = 2 // usage, input or policy error
	exitDatabase = 3 // advisory database missing, stale or corrupt
)

const exitCodesHelp = `Exit status:
  0  no blocking findings: the gate passes
  1  blocking findings: the gate fails
  2  usage, input or policy error (an unreadable or hostile artifact, a bad flag)
  3  advisory database missing, stale or corrupt`

// version is set by -ldflags "-X main.version=..."; otherwise the module
// version from the build info, else "devel".
var version = ""

func fnguardVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// exitError carries an exit status through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitInput, fmt.Errorf(format, args...)}
}

// exitCode maps an error to its documented status and one-line message.
func exitCode(err error) (int, string) {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err == nil {
			return ee.code, ""
		}
		return ee.code, oneLine(ee.err.Error())
	}
	switch {
	case errors.Is(err, vulndb.ErrNoDatabase), errors.Is(err, vulndb.ErrCorrupt), errors.Is(err, vulndb.ErrLocked),
		errors.Is(err, vulndb.ErrEcosystemMissing), errors.Is(err, gate.ErrStale):
		return exitDatabase, oneLine(err.Error())
	}
	var ie *lockfiles.InputError
	if errors.As(err, &ie) {
		return exitInput, oneLine(err.Error())
	}
	return exitInput, oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

// env is what commands read from outside their flags; tests replace it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     func(io.Writer) bool
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(args, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, isTerminal: isTerminal})
}

func runEnv(args []string, e *env) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitPass
	}
	code, msg := exitCode(err)
	if msg != "" {
		fmt.Fprintln(e.stderr, "fnguard: "+msg)
	}
	return code
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "fnguard",
		Short: "Supply-chain dependency guard for serverless applications",
		Long: `fnguard reads what a serverless release actually ships (Lambda function and
layer zips, unpacked folders, lockfiles, existing SBOMs), writes CycloneDX
SBOMs, matches every package against OSV advisories from a local database
(including malicious-package MAL- records) and stops a bad release in CI.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{exitInput, fmt.Errorf("%s (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newScanCmd(e), newCheckCmd(e), newSBOMCmd(e), newDBCmd(e), newVersionCmd(e))
	for _, c := range root.Commands() {
		c.Flags().SortFlags = false
	}
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print fnguard's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(e.stdout, "fnguard %s\n", fnguardVersion())
			return nil
		},
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
