package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fnguard/fnguard/vulndb"
)

// TestScan runs the whole pipeline on the bundled example: the real
// minimist advisory blocks; a missing database offline and a stale one are
// ClassDatabase, a missing input ClassInput.
func TestScan(t *testing.T) {
	tmp := t.TempDir()
	ex := filepath.Join("..", "examples", "orders-function.zip")
	ctx := context.Background()

	_, err := Scan(ctx, ScanOptions{Targets: []string{ex}, DB: DBOptions{Path: filepath.Join(tmp, "none.db"), Offline: true}})
	if err == nil || ClassOf(err) != ClassDatabase {
		t.Fatalf("offline without a database: %v (class %v)", err, ClassOf(err))
	}

	db := filepath.Join(tmp, "osv.db")
	if _, err := vulndb.Import(ctx, db, filepath.Join("..", "examples", "osv")); err != nil {
		t.Fatal(err)
	}
	// The database's age is measured from when it was imported: the test's
	// clocks are set from that, never from the wall clock.
	d, err := vulndb.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.Status()
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() time.Time { return st.Updated.Add(time.Hour) }
	now := time.Date(2023, 11, 14, 0, 0, 0, 0, time.UTC)
	o, err := Scan(ctx, ScanOptions{Targets: []string{ex}, DB: DBOptions{Path: db, Offline: true}, Now: now, Clock: fresh})
	if err != nil {
		t.Fatal(err)
	}
	if o.Verdict == nil || o.Verdict.Pass || len(o.Result.Findings) != 2 || o.Database == nil {
		t.Fatalf("outcome: %+v", o)
	}

	late := func() time.Time { return st.Updated.Add(30 * 24 * time.Hour) }
	_, err = Scan(ctx, ScanOptions{Targets: []string{ex}, DB: DBOptions{Path: db, Offline: true}, Clock: late})
	if err == nil || ClassOf(err) != ClassDatabase {
		t.Fatalf("stale database: %v (class %v)", err, ClassOf(err))
	}

	_, err = Scan(ctx, ScanOptions{Targets: []string{filepath.Join(tmp, "missing.zip")}, DB: DBOptions{Path: db, Offline: true}, Clock: fresh})
	if err == nil || ClassOf(err) != ClassInput {
		t.Fatalf("missing input: %v (class %v)", err, ClassOf(err))
	}
}
