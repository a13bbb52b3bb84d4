package osv

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "records", "*.json"))
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"limit":"*"},{"fixed":"1"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		if r.ID == "" {
			t.Fatal("Parse accepted a record without id")
		}
		// Whatever parses must be safe to evaluate.
		for _, a := range r.Affected {
			for _, v := range append(firstEventValues(a), "1.0.0", "0") {
				if _, err := Affects(r, a.Package.Ecosystem, a.Package.Name, v); err != nil && !errors.Is(err, ErrUnparseableVersion) {
					t.Fatalf("Affects: %v", err)
				}
			}
			_ = Ranges(r, a.Package.Ecosystem, a.Package.Name)
			_, _ = MatchPackage([]*Record{r}, a.Package.Ecosystem, a.Package.Name, "1.0.0")
			_, _ = ClearingVersion([]*Record{r}, a.Package.Ecosystem, a.Package.Name, "0.0.1")
		}
	})
}

func FuzzAffects(f *testing.F) {
	records := allTestRecords(f)
	for _, s := range []string{"1.0.0", "v0.3.5", "go1.21rc2", "1!2.0.post1.dev3", "3.6.10.Final", "1.0-SNAPSHOT",
		"7.0.4.1.pre", "13.0.1.0", "0.0.0-0", "1.0.0-alpha.1+build", "", "latest", "\x00", "99999999999999999999999.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, version string) {
		for _, r := range records {
			a := r.Affected[0]
			ok, err := Affects(r, a.Package.Ecosystem, a.Package.Name, version)
			if err != nil {
				if ok || !errors.Is(err, ErrUnparseableVersion) {
					t.Fatalf("%s %q: %v, %v", r.ID, version, ok, err)
				}
				continue
			}
			// A version Affects accepted must be comparable with itself.
			if c, err := CompareVersions(a.Package.Ecosystem, version, version); err != nil || c != 0 {
				t.Fatalf("%s %q: self-compare %d, %v", r.ID, version, c, err)
			}
		}
		_, _ = MatchPackage(records, "npm", "sequelize", version)
		_, _ = ClearingVersion(records, "PyPI", "django", version)
	})
}
