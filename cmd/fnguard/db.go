package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/pipeline"
	"github.com/fnguard/fnguard/vulndb"
)

// dbFlag is the database location shared by every command that reads it.
type dbFlag struct{ path string }

func (d *dbFlag) register(c *cobra.Command) {
	c.Flags().StringVar(&d.path, "db", "", "advisory database `FILE` (default $FNGUARD_DB, else the user cache dir)")
}

func (d *dbFlag) resolve(e *env) string {
	if d.path != "" {
		return d.path
	}
	if p := e.getenv("FNGUARD_DB"); p != "" {
		return p
	}
	return vulndb.DefaultPath()
}

func newDBCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "db",
		Short: "Manage the local OSV advisory database",
		Long: `The advisory database is one file (bbolt) under the user cache directory, or
--db / $FNGUARD_DB. It is filled from osv.dev's export bucket, or from a
directory or zip in the same layout on air-gapped machines. An update that is
interrupted at any point leaves the previous database intact.`,
	}
	c.AddCommand(newDBUpdateCmd(e), newDBImportCmd(e), newDBStatusCmd(e))
	return c
}

func newDBUpdateCmd(e *env) *cobra.Command {
	var (
		db         dbFlag
		source     string
		ecosystems string
		full       bool
	)
	c := &cobra.Command{
		Use:   "update [--source URL|DIR] [--ecosystems npm,PyPI,...]",
		Short: "Fetch advisories, incrementally when a database exists",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			prog := newProgress(e)
			// On a terminal vulndb shows each ecosystem's summary itself.
			return pipeline.UpdateDB(cmd.Context(), e.stdout, db.resolve(e), vulndb.UpdateOptions{
				Source: source, Ecosystems: splitList(ecosystems), Progress: prog.Writer, Full: full, OwnSummaries: true,
			}, !(prog.tty && e.isTerminal(e.stdout)))
		},
	}
	db.register(c)
	c.Flags().StringVar(&source, "source", "", "export root: an http(s) URL or a directory in the same layout (default osv.dev's bucket)")
	c.Flags().StringVar(&ecosystems, "ecosystems", "", "comma-separated OSV ecosystems (default: every ecosystem fnguard inventories)")
	c.Flags().BoolVar(&full, "full", false, "read every all.zip again instead of fetching changed records")
	return c
}

func newDBImportCmd(e *env) *cobra.Command {
	var db dbFlag
	c := &cobra.Command{
		Use:   "import DIR|ZIP",
		Short: "Load an offline export (<Ecosystem>/all.zip layout, or one all.zip)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return pipeline.ImportDB(cmd.Context(), e.stdout, db.resolve(e), args[0], startSpinner(e, "importing "+args[0]))
		},
	}
	db.register(c)
	return c
}

func newDBStatusCmd(e *env) *cobra.Command {
	var db dbFlag
	c := &cobra.Command{
		Use:   "status",
		Short: "Show per ecosystem the record count, source, last update and age",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return pipeline.DBStatus(cmd.Context(), e.stdout, db.resolve(e), time.Now())
		},
	}
	db.register(c)
	return c
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
