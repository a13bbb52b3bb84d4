package osv

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// osvExport is the offline OSV export shared by fnguard's tests.
var osvExport = filepath.Join("..", "..", "..", "shared", "osv")

// TestEveryExportRecord parses every record of every ecosystem zip and runs
// Affects on each affected entry with that entry's own first introduced and
// fixed values, which must never panic; errors may only wrap
// ErrUnparseableVersion. Overlapping ranges and sibling entries make the
// general outcome data-dependent, so it is counted; the simple shape — the
// package's only entry, one range [X, Y) — is asserted: X affected, Y not.
func TestEveryExportRecord(t *testing.T) {
	eco, err := os.ReadFile(filepath.Join(osvExport, "ecosystems.txt"))
	if err != nil {
		t.Skipf("OSV export not available at %s: %v", osvExport, err)
	}
	if testing.Short() {
		t.Skip("reads every record of the OSV export")
	}
	for _, e := range strings.Fields(string(eco)) {
		zr, err := zip.OpenReader(filepath.Join(osvExport, e, "all.zip"))
		if err != nil {
			t.Fatal(err)
		}
		var records, withdrawn, entries, calls, affected, unparseable, simple int
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(data)
			if err != nil {
				t.Errorf("%s/%s: %v", e, f.Name, err)
				continue
			}
			if r.ID+".json" != f.Name {
				t.Errorf("%s/%s holds id %s", e, f.Name, r.ID)
			}
			records++
			if r.IsWithdrawn() {
				withdrawn++
			}
			for _, a := range r.Affected {
				entries++
				for _, v := range firstEventValues(a) {
					calls++
					ok, err := Affects(r, a.Package.Ecosystem, a.Package.Name, v)
					switch {
					case errors.Is(err, ErrUnparseableVersion):
						unparseable++
					case err != nil:
						t.Errorf("%s %s@%s: %v", r.ID, a.Package.Name, v, err)
					case ok:
						affected++
					}
					_ = Ranges(r, a.Package.Ecosystem, a.Package.Name)
				}
				if x, y, ok := simpleRange(r, a); ok {
					simple++
					in, err1 := Affects(r, a.Package.Ecosystem, a.Package.Name, x)
					out, err2 := Affects(r, a.Package.Ecosystem, a.Package.Name, y)
					if err1 != nil || err2 != nil || !in || out {
						t.Errorf("%s %s: [%s, %s) gives %v/%v (%v, %v)", r.ID, a.Package.Name, x, y, in, out, err1, err2)
					}
				}
			}
		}
		zr.Close()
		if records == 0 {
			t.Errorf("%s: empty zip", e)
		}
		t.Logf("%-9s records=%d withdrawn=%d entries=%d Affects calls=%d affected=%d unparseable=%d simple ranges checked=%d",
			e, records, withdrawn, entries, calls, affected, unparseable, simple)
	}
}

// firstEventValues returns the entry's first introduced (other than "0")
// and first fixed value of its version ranges.
func firstEventValues(a Affected) []string {
	var intro, fixed string
	for _, rg := range a.Ranges {
		if t := strings.ToUpper(rg.Type); t != rangeEcosystem && t != rangeSemver {
			continue
		}
		for _, e := range rg.Events {
			if intro == "" && e.Introduced != "" && e.Introduced != "0" {
				intro = e.Introduced
			}
			if fixed == "" && e.Fixed != "" {
				fixed = e.Fixed
			}
		}
	}
	var out []string
	for _, v := range []string{intro, fixed} {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// simpleRange reports the bounds of an entry that is its package's only
// entry in r and holds exactly one range [introduced X, fixed Y), X != "0",
// both valid versions in the ecosystem, and no versions list.
func simpleRange(r *Record, a Affected) (x, y string, ok bool) {
	n := 0
	for _, b := range r.Affected {
		if samePackage(b.Package, a.Package.Ecosystem, a.Package.Name) {
			n++
		}
	}
	if n != 1 || len(a.Versions) != 0 || len(a.Ranges) != 1 || len(a.Ranges[0].Events) != 2 {
		return "", "", false
	}
	if t := strings.ToUpper(a.Ranges[0].Type); t != rangeEcosystem && t != rangeSemver {
		return "", "", false
	}
	x, y = a.Ranges[0].Events[0].Introduced, a.Ranges[0].Events[1].Fixed
	if x == "" || x == "0" || y == "" {
		return "", "", false
	}
	if c, err := CompareVersions(a.Package.Ecosystem, x, y); err != nil || c >= 0 {
		return "", "", false
	}
	return x, y, true
}
