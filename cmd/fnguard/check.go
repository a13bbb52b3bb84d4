package main

import (
	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/pipeline"
)

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
			affected, err := pipeline.RunCheck(cmd.Context(), e.stdout, args, pipeline.DBOptions{Path: db.resolve(e), Offline: offline, Progress: fetchProgress(e)}, outs)
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
