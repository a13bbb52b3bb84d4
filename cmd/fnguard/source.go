package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fnguard/fnguard/deployed"
	"github.com/fnguard/fnguard/pipeline"
)

// sourceFlags say where an application's bundles were resolved and how to
// reach deployed functions; shared by scan and sbom.
type sourceFlags struct {
	lockfile     string
	regions      []string
	allFunctions bool
	profile      string
	endpointURL  string
	cacheDir     string
	concurrency  int
}

func (f *sourceFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.lockfile, "lockfile", "", "the package-lock.json bundled JavaScript was built from (default: the application's own)")
	c.Flags().StringArrayVar(&f.regions, "region", nil, "AWS `REGION` of deployed functions named without an ARN, or read by --all-functions (repeatable)")
	c.Flags().BoolVar(&f.allFunctions, "all-functions", false, "read every function of the account in each --region")
	c.Flags().StringVar(&f.profile, "profile", "", "AWS shared-config `PROFILE` for deployed functions")
	c.Flags().StringVar(&f.endpointURL, "endpoint-url", "", "send every AWS call to this `URL` (LocalStack, moto); default $AWS_ENDPOINT_URL")
	c.Flags().StringVar(&f.cacheDir, "cache-dir", "", "where downloaded function code is kept, by its SHA-256 (default <user cache dir>/fnguard/lambda)")
	c.Flags().IntVar(&f.concurrency, "concurrency", deployed.DefaultConcurrency, "functions downloaded at once by --all-functions")
}

func (f *sourceFlags) options(e *env) (pipeline.SourceOptions, error) {
	if f.concurrency < 1 {
		return pipeline.SourceOptions{}, usageErr("--concurrency %d: want at least 1", f.concurrency)
	}
	o := pipeline.SourceOptions{Lockfile: f.lockfile, AllFunctions: f.allFunctions, Deployed: deployed.Options{
		Regions: f.regions, Profile: f.profile, EndpointURL: f.endpointURL, CacheDir: f.cacheDir, Concurrency: f.concurrency,
	}}
	if f.allFunctions && !e.quiet && e.fancy(e.stderr) {
		o.Deployed.Progress = func(done, total int) {
			fmt.Fprintf(e.stderr, "\rreading functions %d/%d\x1b[K", done, total)
			if done == total {
				fmt.Fprint(e.stderr, "\r\x1b[K")
			}
		}
	}
	return o, nil
}

// targetArgs accepts no PATH only with --all-functions.
func targetArgs(f *sourceFlags) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 && !f.allFunctions {
			return fmt.Errorf("requires at least 1 arg(s), only received 0")
		}
		return nil
	}
}
