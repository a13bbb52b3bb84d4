// Command fnguard guards serverless releases against vulnerable and
// malicious dependencies: it inventories Lambda artifacts, writes CycloneDX
// SBOMs, matches OSV advisories from a local database and gates CI.
package main

import (
	"os"

	"github.com/fnguard/fnguard/internal/gctune"
)

func main() {
	gctune.Start()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
