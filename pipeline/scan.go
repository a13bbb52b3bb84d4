package pipeline

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"

	"time"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/report"
	"github.com/fnguard/fnguard/vulndb"
)

// ScanOptions are everything Scan needs; zero values are the defaults.
type ScanOptions struct {
	Targets   []string
	Inventory InventoryOptions
	// Source says where applications and deployed functions come from.
	Source SourceOptions
	DB     DBOptions
	// Policy decides; nil is gate.DefaultPolicy().
	Policy *gate.Policy
	// BaselineFile (an earlier JSON report or a CycloneDX file) lets the
	// findings it lists through.
	BaselineFile string
	// VEXFiles (CycloneDX VEX, OpenVEX) let through the findings their
	// statements say do not affect the package.
	VEXFiles []string
	// Now is the policy's clock: whether an ignore has expired. Zero means
	// the wall clock. cmd/fnguard sets it from SOURCE_DATE_EPOCH.
	Now time.Time
	// Clock measures the database's age; nil is time.Now. It is never
	// SOURCE_DATE_EPOCH: a reproducible timestamp must not make a stale
	// database look fresh.
	Clock func() time.Time
}

// Outcome is a finished scan: what was found and what the gate decided.
type Outcome struct {
	Result   *vulndb.Result
	Verdict  *gate.Verdict
	Database *vulndb.Status
	// Release is the application the targets defined; nil for artifacts.
	Release *release.Release
}

// Scan inventories the targets, matches them against the advisory database,
// runs Go reachability and decides under the policy. Every error carries a
// Class (see ClassOf); a failing gate is not an error: see Outcome.Verdict.
func Scan(ctx context.Context, opts ScanOptions) (*Outcome, error) {
	gin, err := loadGateInputs(opts)
	if err != nil {
		return nil, err
	}
	// A path that does not exist fails before a first run fetches a
	// database it would not need.
	for _, t := range opts.Targets {
		if isDeployedTarget(t, opts.Source) {
			continue
		}
		if _, err := os.Stat(t); err != nil {
			return nil, InputErr("%s: cannot read: %v", t, errors.Unwrap(err))
		}
	}
	// The database is opened next: a jar without pom.properties is named
	// as the advisories name it, which needs the database's Maven names.
	d, st, err := OpenDB(ctx, opts.DB)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var lookupErr error
	if opts.Inventory.MavenNames == nil {
		// Read the Maven index only when a jar needs naming: most scans
		// have none, and the index's pages would only add to memory.
		var once sync.Once
		var names func(string) []string
		opts.Inventory.MavenNames = func(artifactID string) []string {
			once.Do(func() { names, lookupErr = d.MavenNameLookup() })
			if lookupErr != nil {
				return nil
			}
			return names(artifactID)
		}
	}
	l, err := Load(ctx, opts.Targets, opts.Inventory, opts.Source)
	if err != nil {
		return nil, err
	}
	if lookupErr != nil {
		return nil, dbErr(lookupErr)
	}
	return scanWith(ctx, d, st, l, opts, gin)
}

func scanWith(ctx context.Context, d *vulndb.DB, st *vulndb.Status, l *Loaded, opts ScanOptions, gin gate.Input) (*Outcome, error) {
	in := l.Inventory
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	if err := gate.CheckDatabaseAge(st.Updated, opts.Policy, clock()); err != nil {
		return nil, dbErr(err)
	}
	res, err := vulndb.Scan(ctx, d, in)
	if err != nil {
		if errors.Is(err, vulndb.ErrEcosystemMissing) {
			return nil, dbErr(err)
		}
		return nil, err
	}
	arts := map[string]*lockfiles.Artifact{}
	for _, a := range in.Artifacts {
		arts[a.Path] = a
	}
	if err := res.Reachability(ctx, func(artifact, member string) ([]byte, error) {
		if a := arts[artifact]; a != nil {
			if data := a.TakeExecutable(member); data != nil {
				return data, nil
			}
		}
		return lockfiles.ReadMember(artifact, member, lockfiles.Limits{})
	}); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = clock()
	}
	// The gate names each artifact's functions from the release itself.
	gin.Policy, gin.Now, gin.Release = opts.Policy, now, l.Release
	v := gate.EvaluateWith(res, gin)
	return &Outcome{Result: res, Verdict: v, Database: st, Release: l.Release}, nil
}

// Write renders the outcome in one of ScanFormats (report.Write).
func (o *Outcome) Write(w io.Writer, format string, opts report.Options) error {
	if opts.Release == nil {
		opts.Release = o.Release
	}
	return report.Write(w, format, o.Result, o.Verdict, opts)
}

// loadGateInputs reads the baseline and VEX files the options name; a file
// that cannot be read is an input error, found before anything is scanned.
func loadGateInputs(opts ScanOptions) (gate.Input, error) {
	var in gate.Input
	var err error
	if opts.BaselineFile != "" {
		if in.Baseline, err = gate.LoadBaseline(opts.BaselineFile); err != nil {
			return in, InputErr("%v", err)
		}
	}
	if len(opts.VEXFiles) > 0 {
		if in.VEX, err = gate.LoadVEX(opts.VEXFiles...); err != nil {
			return in, InputErr("%v", err)
		}
	}
	return in, nil
}
