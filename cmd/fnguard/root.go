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

	"github.com/fnguard/fnguard/pipeline"
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

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitInput, fmt.Errorf(format, args...)}
}

// exitCode maps an error to its documented status and one-line message:
// the pipeline's error classes are the exit statuses.
func exitCode(err error) (int, string) {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err == nil {
			return ee.code, ""
		}
		return ee.code, oneLine(ee.err.Error())
	}
	switch pipeline.ClassOf(err) {
	case pipeline.ClassDatabase:
		return exitDatabase, oneLine(err.Error())
	}
	return exitInput, oneLine(err.Error())
}

// tidyCobraError rewrites cobra's multi-line unknown-command error
// ("unknown command "scna" for "fnguard"\n\nDid you mean this?\n\tscan\n")
// as one line in the form every other command uses.
func tidyCobraError(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "unknown command ") {
		return err
	}
	head, rest, _ := strings.Cut(msg, "\n")
	if _, sugg, ok := strings.Cut(rest, "Did you mean this?"); ok {
		if f := strings.Fields(sugg); len(f) > 0 {
			head += "; did you mean " + strings.Join(f, " or ") + "?"
		}
	}
	return usageErr("%s (see 'fnguard --help')", head)
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
	// getwd is where policy discovery starts; nil is os.Getwd.
	getwd func() (string, error)
	// quiet (-q) silences notices, warnings and progress on stderr; errors
	// are still printed.
	quiet bool
}

// notices is where warnings and progress go: stderr, or nowhere with -q.
func (e *env) notices() io.Writer {
	if e.quiet {
		return io.Discard
	}
	return e.stderr
}

func (e *env) wd() string {
	get := e.getwd
	if get == nil {
		get = os.Getwd
	}
	wd, err := get()
	if err != nil {
		return ""
	}
	return wd
}

// fancy reports whether w is a terminal that takes colours and in-place
// progress: not with TERM=dumb, not with NO_COLOR for colours.
func (e *env) fancy(w io.Writer) bool {
	return e.isTerminal(w) && e.getenv("TERM") != "dumb"
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
	code, msg := exitCode(tidyCobraError(err))
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
		Version:       fnguardVersion(),
	}
	root.SetVersionTemplate("fnguard {{.Version}}\n")
	root.PersistentFlags().BoolVarP(&e.quiet, "quiet", "q", false, "print only the report and errors: no warnings, notices or progress on stderr")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{exitInput, fmt.Errorf("%s (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newScanCmd(e), newCheckCmd(e), newSBOMCmd(e), newDBCmd(e), newVersionCmd(e))
	for _, c := range root.Commands() {
		c.Flags().SortFlags = false
	}
	rejectUnknownSubcommands(root)
	return root
}

// rejectUnknownSubcommands makes every command that only groups others
// (db) refuse an unknown subcommand with exit 2 and a suggestion, as cobra
// does for the root: without it "fnguard db updte" prints db's help and
// exits 0, which CI reads as success.
func rejectUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		rejectUnknownSubcommands(sub)
	}
	if c.HasParent() && c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		c.Args = cobra.ArbitraryArgs
		c.SuggestionsMinimumDistance = 2
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageErr("%s (see '%s --help')", msg, cmd.CommandPath())
		}
	}
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
