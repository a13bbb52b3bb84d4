package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// ParsePkgRef reads a purl (pkg:npm/sequelize@5.21.5) or
// Ecosystem/name@version (PyPI/django@3.2.0, npm/@babel/core@7.0.0,
// Maven/org.yaml:snakeyaml@1.33, Go/golang.org/x/text@v0.3.5).
func ParsePkgRef(arg string) (vulndb.PackageRef, error) {
	if strings.HasPrefix(arg, "pkg:") {
		eco, name, version, err := lockfiles.ParsePURL(arg)
		if err != nil {
			return vulndb.PackageRef{}, err
		}
		return vulndb.PackageRef{Arg: arg, Ecosystem: eco, Name: name, Version: version}, nil
	}
	ecoPart, rest, ok := strings.Cut(arg, "/")
	eco := ecosystem.Canonical(ecoPart)
	if !ok || eco == "" || rest == "" {
		return vulndb.PackageRef{}, fmt.Errorf("%q: want a purl (pkg:npm/name@1.2.3) or Ecosystem/name@version with Ecosystem one of %s", arg, strings.Join(ecosystem.All, ", "))
	}
	name, version := rest, ""
	if i := strings.LastIndex(rest, "@"); i > 0 {
		name, version = rest[:i], rest[i+1:]
		if version == "" {
			return vulndb.PackageRef{}, fmt.Errorf("%q: empty version after @", arg)
		}
	}
	return vulndb.PackageRef{Arg: arg, Ecosystem: eco, Name: name, Version: version}, nil
}

// Check looks each package up in the advisory database (opened or fetched
// as opts say). affected is true when a given version is affected or a
// package is malicious in every version: the check fails.
func Check(ctx context.Context, refs []vulndb.PackageRef, opts DBOptions) (results []vulndb.CheckResult, affected bool, err error) {
	d, st, err := OpenDB(ctx, opts)
	if err != nil {
		return nil, false, err
	}
	defer d.Close()
	for _, r := range refs {
		if _, ok := st.Ecosystem(r.Ecosystem); !ok {
			return nil, false, dbErr(fmt.Errorf("%w: %s has no advisories for %s (run: fnguard db update --ecosystems %s)", vulndb.ErrEcosystemMissing, st.Path, r.Ecosystem, r.Ecosystem))
		}
		cr, err := d.Check(r)
		if errors.Is(err, osv.ErrUnparseableVersion) {
			return nil, false, &Error{ClassInput, err}
		}
		if err != nil {
			return nil, false, err
		}
		if cr.Affected != nil && *cr.Affected {
			affected = true
		}
		results = append(results, cr)
	}
	return results, affected, nil
}
