package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/bundle"
	"github.com/fnguard/fnguard/deployed"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
)

// SourceOptions say where targets that are not plain artifacts come from.
type SourceOptions struct {
	// Lockfile is the package-lock.json bundled JavaScript was built from
	// (--lockfile); "" looks for the application's own.
	Lockfile string
	// AllFunctions reads every function of Deployed.Regions.
	AllFunctions bool
	// Deployed configures reading deployed functions (AWS credentials,
	// region, endpoint, cache).
	Deployed deployed.Options
}

// Loaded is what the targets hold: the inventory, and for an application
// or deployed functions the release that attributes it to functions.
type Loaded struct {
	Inventory *lockfiles.Inventory
	Release   *release.Release
}

// Load reads the targets. One target that is an application definition
// (SAM, CloudFormation, CDK cloud assembly, Serverless) or deployed
// functions (ARNs, a bare function name with a region, every function with
// AllFunctions) is read as a release; anything else is read as artifacts,
// as `fnguard sbom` always has.
func Load(ctx context.Context, targets []string, opts InventoryOptions, src SourceOptions) (*Loaded, error) {
	bundles, err := bundleReader(src.Lockfile, "")
	if err != nil {
		return nil, err
	}
	a, err := loadApplication(ctx, targets, opts, src)
	if err != nil {
		return nil, err
	}
	if a == nil {
		o := lockfiles.Options{Layers: opts.Layers, SBOM: sbomReader{}, AllowEmpty: opts.AllowEmpty, Bundles: bundles, MavenNames: opts.MavenNames}
		inv, err := lockfiles.Read(ctx, targets, o)
		if err != nil {
			return nil, inputErr(err)
		}
		warnAll(opts, inv)
		return &Loaded{Inventory: inv}, nil
	}
	if src.Lockfile == "" {
		if lock := applicationLockfile(a); lock != "" {
			if bundles, err = bundleReader(lock, "found with the application"); err != nil {
				return nil, err
			}
		}
	}
	inv, rel, err := release.Inventory(ctx, a, release.Options{Inventory: lockfiles.Options{SBOM: sbomReader{}, Bundles: bundles, MavenNames: opts.MavenNames}})
	if err != nil {
		return nil, inputErr(err)
	}
	for _, n := range a.Notes {
		inv.Warnings = append(inv.Warnings, lockfiles.Warning{Artifact: a.Root, Message: n})
	}
	for _, f := range a.Functions {
		for _, n := range f.Notes {
			inv.Warnings = append(inv.Warnings, lockfiles.Warning{Artifact: a.Root, Location: f.ID, Message: n})
		}
	}
	warnAll(opts, inv)
	return &Loaded{Inventory: inv, Release: rel}, nil
}

func warnAll(opts InventoryOptions, inv *lockfiles.Inventory) {
	if opts.Warn != nil {
		for _, w := range inv.Warnings {
			opts.Warn(w)
		}
	}
}

func inputErr(err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	return &Error{Class: ClassInput, Err: err}
}

// loadApplication returns the application the targets name, or nil when
// they are plain artifacts.
func loadApplication(ctx context.Context, targets []string, opts InventoryOptions, src SourceOptions) (*app.Application, error) {
	if src.AllFunctions {
		if len(targets) > 0 {
			return nil, InputErr("--all-functions reads every function of the region: give no PATH")
		}
		if len(src.Deployed.Regions) == 0 {
			return nil, InputErr("--all-functions needs --region")
		}
		a, err := deployed.LoadAll(ctx, src.Deployed)
		if err != nil {
			return nil, deployedErr(err)
		}
		return a, nil
	}
	remote := 0
	for _, t := range targets {
		if isDeployedTarget(t, src) {
			remote++
		}
	}
	switch {
	case remote > 0 && remote < len(targets):
		return nil, InputErr("deployed functions (ARNs, names with --region) cannot be mixed with local paths in one run")
	case remote > 0:
		if len(opts.Layers) > 0 {
			return nil, InputErr("--layer attaches a local layer zip to a local function; a deployed function's layers are fetched with it")
		}
		a, err := deployed.Load(ctx, targets, src.Deployed)
		if err != nil {
			return nil, deployedErr(err)
		}
		return a, nil
	}
	if len(targets) != 1 {
		// Read as plain folders, an application's roles would go unjudged
		// and its functions unattributed: one application per run.
		for _, t := range targets {
			if kind, ok := app.Detect(t); ok {
				return nil, InputErr("%s is a %s application: scan it on its own, not beside other paths", t, kind)
			}
		}
		return nil, nil
	}
	found, ok := app.Find(targets[0])
	if !ok {
		return nil, nil
	}
	if len(opts.Layers) > 0 {
		return nil, InputErr("--layer attaches layers to one function zip; an application's layers are read from its definition")
	}
	a, err := found.Load()
	if err != nil {
		return nil, InputErr("%v", err)
	}
	return a, nil
}

// isDeployedTarget tells a deployed function from a local path: an ARN, or
// a name that is not a file here when a region is given.
func isDeployedTarget(t string, src SourceOptions) bool {
	if deployed.IsTarget(t) {
		return true
	}
	if len(src.Deployed.Regions) == 0 || !deployed.ValidFunctionName(t) {
		return false
	}
	_, err := os.Stat(t)
	return errors.Is(err, os.ErrNotExist)
}

func deployedErr(err error) error {
	var ad *deployed.AccessDeniedError
	if errors.As(err, &ad) {
		return &Error{Class: ClassInput, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &Error{Class: ClassInput, Err: err}
}

// applicationLockfile is the npm lockfile an application's bundles were
// resolved against: esbuild (CDK NodejsFunction, SAM's esbuild build
// method) resolves from the project's package-lock.json, which sits beside
// cdk.json or the template.
func applicationLockfile(a *app.Application) string {
	if a.Kind == app.KindDeployed {
		return ""
	}
	dirs := []string{a.Root}
	if a.Kind == app.KindCDK {
		// A cloud assembly given directly (cdk.out) has its project above it.
		if strings.EqualFold(filepath.Base(filepath.Clean(a.Root)), "cdk.out") {
			dirs = append(dirs, filepath.Dir(filepath.Clean(a.Root)))
		}
		if dir := filepath.Dir(filepath.Join(a.Root, a.Entry)); filepath.Base(dir) == "cdk.out" {
			dirs = append(dirs, filepath.Dir(dir))
		}
	}
	for _, d := range dirs {
		for _, name := range []string{"package-lock.json", "npm-shrinkwrap.json"} {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p
			}
		}
	}
	return ""
}

func bundleReader(lockfile, how string) (*bundle.Reader, error) {
	opts := bundle.Options{}
	if lockfile != "" {
		data, err := os.ReadFile(lockfile)
		if err != nil {
			return nil, InputErr("--lockfile %s: %v", lockfile, errors.Unwrap(err))
		}
		opts.Lockfile, opts.LockfilePath = data, lockfile
	}
	r, err := bundle.NewReader(opts)
	if err != nil {
		if how != "" {
			return nil, InputErr("%v (%s)", err, how)
		}
		return nil, InputErr("%v", err)
	}
	return r, nil
}
