package osv

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// rec loads one real record from testdata/records.
func rec(t testing.TB, id string) *Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "records", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	if r.ID != id {
		t.Fatalf("file %s holds %s", id, r.ID)
	}
	return r
}

func recs(t testing.TB, ids ...string) []*Record {
	t.Helper()
	out := make([]*Record, 0, len(ids))
	for _, id := range ids {
		out = append(out, rec(t, id))
	}
	return out
}

// allTestRecords loads every file in testdata/records, sorted by ID.
func allTestRecords(t testing.TB) []*Record {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "records", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no test records: %v", err)
	}
	sort.Strings(names)
	var out []*Record
	for _, n := range names {
		out = append(out, rec(t, strings.TrimSuffix(filepath.Base(n), ".json")))
	}
	return out
}

func findingIDs(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}
