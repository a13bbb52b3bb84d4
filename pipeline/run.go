package pipeline

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/fnguard/fnguard/report"
	"github.com/fnguard/fnguard/sbom"
	"github.com/fnguard/fnguard/vulndb"
)

// One entry point per command: cmd/fnguard reads flags and the
// environment into these, makes one call and maps the error to an exit
// status.

// ScanRun is a whole `fnguard scan`: the policy, the scan, the step
// summary and every report.
type ScanRun struct {
	Scan ScanOptions // its Policy is the one Policy loads
	// Policy is where the policy comes from (file, discovery, flags).
	Policy PolicyOptions
	// Outputs are the reports to write, stdout among them or not.
	Outputs []Output
	// Report is how they are rendered; Color applies to a table on stdout.
	Report report.Options
	// Summary, when not "", is a GitHub step summary file the markdown
	// report is appended to.
	Summary string
}

// RunScan scans and writes the reports; pass is the gate's answer, which
// a failing gate does not make an error.
func RunScan(ctx context.Context, stdout io.Writer, r ScanRun) (pass bool, err error) {
	if r.Scan.Policy, err = LoadPolicy(r.Policy); err != nil {
		return false, err
	}
	o, err := Scan(ctx, r.Scan)
	if err != nil {
		return false, err
	}
	color := r.Report.Color
	r.Report.Color = false
	if r.Summary != "" {
		if err := AppendSummary(r.Summary, o, r.Report); err != nil {
			return false, err
		}
	}
	err = WriteAll(stdout, r.Outputs, func(w io.Writer, out Output, toStdout bool) error {
		ro := r.Report
		ro.Color = color && toStdout && out.Format == FormatTable
		return o.Write(w, out.Format, ro)
	})
	return err == nil && o.Verdict.Pass, err
}

// SBOMRun is a whole `fnguard sbom`.
type SBOMRun struct {
	Targets   []string
	Inventory InventoryOptions
	Source    SourceOptions
	// BOM names the application and the tool; its Release is the one the
	// targets define.
	BOM     sbom.Options
	Outputs []Output
	Spec    string // CycloneDX spec version
}

// RunSBOM inventories the targets and writes the SBOM in every output.
func RunSBOM(ctx context.Context, stdout io.Writer, r SBOMRun) error {
	l, err := Load(ctx, r.Targets, r.Inventory, r.Source)
	if err != nil {
		return err
	}
	r.BOM.Release = l.Release
	bom, err := sbom.Build(l.Inventory, r.BOM)
	if err != nil {
		return err
	}
	return WriteAll(stdout, r.Outputs, func(w io.Writer, o Output, _ bool) error {
		return sbom.Encode(w, bom, o.Format, r.Spec)
	})
}

// RunCheck checks the package references (ecosystem/name@version) and
// writes the results; affected says whether any advisory applies.
func RunCheck(ctx context.Context, stdout io.Writer, args []string, db DBOptions, outs []Output) (affected bool, err error) {
	var refs []vulndb.PackageRef
	for _, a := range args {
		r, err := ParsePkgRef(a)
		if err != nil {
			return false, InputErr("%v", err)
		}
		refs = append(refs, r)
	}
	results, affected, err := Check(ctx, refs, db)
	if err != nil {
		return false, err
	}
	err = WriteAll(stdout, outs, func(w io.Writer, o Output, _ bool) error {
		return report.WriteCheck(w, o.Format, results)
	})
	return err == nil && affected, err
}

// UpdateDB brings the database at path up to date and reports what
// changed, each ecosystem's line too unless progress already showed them.
func UpdateDB(ctx context.Context, stdout io.Writer, path string, opts vulndb.UpdateOptions, perEcosystem bool) error {
	if err := EnsureDir(path); err != nil {
		return err
	}
	res, err := vulndb.Update(ctx, path, opts)
	if err != nil {
		return dbErr(err)
	}
	report.WriteUpdate(stdout, res, perEcosystem)
	return nil
}

// ImportDB fills the database at path from a local export (a folder or
// zip in osv.dev's layout); a source that cannot be read is an input error.
// finished, when set, is called once the import is over and before
// anything is written (a terminal's spinner is cleared first).
func ImportDB(ctx context.Context, stdout io.Writer, path, src string, finished func()) error {
	res, err := func() (*vulndb.UpdateResult, error) {
		if finished != nil {
			defer finished()
		}
		if err := EnsureDir(path); err != nil {
			return nil, err
		}
		res, err := vulndb.Import(ctx, path, src)
		if err != nil {
			return nil, InputErr("%v", err)
		}
		return res, nil
	}()
	if err != nil {
		return err
	}
	report.WriteUpdate(stdout, res, true)
	return nil
}

// DBStatus describes the database, never fetching one.
func DBStatus(ctx context.Context, stdout io.Writer, path string, now time.Time) error {
	d, st, err := OpenDB(ctx, DBOptions{Path: path, NoFetch: true})
	if err != nil {
		return err
	}
	defer d.Close()
	// The file's size, as ls shows it: bbolt's data size is smaller.
	size := st.Size
	if fi, err := os.Stat(st.Path); err == nil {
		size = fi.Size()
	}
	return report.WriteDBStatus(stdout, st, size, now)
}
