package vulndb

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// scanDB builds a database whose Go ecosystem holds the given records of
// testdata/scan.
func scanDB(t *testing.T, ids ...string) *DB { return ecoDB(t, "Go", ids...) }

// ecoDB builds a database whose ecosystem eco holds the given records of
// testdata/scan.
func ecoDB(t *testing.T, eco string, ids ...string) *DB {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "export", eco), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "export", eco, "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, id := range ids {
		data, err := os.ReadFile(filepath.Join("testdata", "scan", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	path := filepath.Join(dir, "osv.db")
	if _, err := Import(context.Background(), path, filepath.Join(dir, "export")); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func xtext(version string) *lockfiles.Inventory {
	return &lockfiles.Inventory{Artifacts: []*lockfiles.Artifact{{
		Path: "function.zip", Kind: lockfiles.KindFunction,
		Packages: []*lockfiles.Package{{Ecosystem: "Go", Name: "golang.org/x/text", Version: version,
			PURL: "pkg:golang/golang.org/x/text@" + version, Locations: []string{"bootstrap"}, Artifact: "function.zip"}},
	}}}
}

// With both records stored, the GO and GHSA records are one finding scored
// from the GHSA vector, and the fix clears it.
func TestScanGroupsGoAndGHSA(t *testing.T) {
	db := scanDB(t, "GO-2021-0113", "GHSA-ppp9-7jff-5vj2")
	res, err := Scan(context.Background(), db, xtext("v0.3.5"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("want 1 finding, got %d", len(res.Findings))
	}
	f := res.Findings[0]
	if f.ID != "GHSA-ppp9-7jff-5vj2" || f.Severity != osv.SeverityHigh || f.Score != 7.5 {
		t.Errorf("finding %s %s %.1f, want GHSA-ppp9-7jff-5vj2 high 7.5", f.ID, f.Severity, f.Score)
	}
	if len(res.Fixes) != 1 || res.Fixes[0].Version != "v0.3.7" {
		t.Errorf("fixes %+v, want upgrade to v0.3.7", res.Fixes)
	}
	clean, err := Scan(context.Background(), db, xtext("v0.3.7"))
	if err != nil {
		t.Fatal(err)
	}
	if len(clean.Findings) != 0 {
		t.Errorf("v0.3.7 is fixed, got %d findings", len(clean.Findings))
	}
}

// A GO record matched alone borrows the score of an alias the database
// holds, and says where it came from; without the alias it stays unscored.
func TestBorrowSeverity(t *testing.T) {
	goRec, err := osv.Parse(mustRead(t, "GO-2021-0113"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := osv.MatchPackage([]*osv.Record{goRec}, "Go", "golang.org/x/text", "0.3.5")
	if err != nil || len(fs) != 1 || fs[0].Severity != osv.SeverityUnscored {
		t.Fatalf("GO-2021-0113 alone should be one unscored finding: %+v %v", fs, err)
	}
	f := fs[0]
	if err := borrowSeverity(scanDB(t, "GO-2021-0113"), &f); err != nil {
		t.Fatal(err)
	}
	if f.Severity != osv.SeverityUnscored {
		t.Errorf("no alias stored: severity should stay unscored, got %s", f.Severity)
	}
	if err := borrowSeverity(scanDB(t, "GO-2021-0113", "GHSA-ppp9-7jff-5vj2"), &f); err != nil {
		t.Fatal(err)
	}
	if f.Severity != osv.SeverityHigh || f.SeveritySource != "alias GHSA-ppp9-7jff-5vj2 CVSS_V3" ||
		f.SeverityType != "CVSS_V3" || !strings.HasPrefix(f.Vector, "CVSS:3.1/") {
		t.Errorf("got %s from %q (%q %q), want high from alias GHSA-ppp9-7jff-5vj2 CVSS_V3 with its vector",
			f.Severity, f.SeveritySource, f.SeverityType, f.Vector)
	}
}

// A package whose version cannot be parsed is unchecked, never clean, and
// still gets the records that cover every version.
func TestScanUnparseable(t *testing.T) {
	db := scanDB(t, "GO-2021-0113")
	res, err := Scan(context.Background(), db, xtext("latest"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unchecked) != 1 {
		t.Fatalf("want the package unchecked, got %+v", res.Unchecked)
	}
	if len(res.Findings) != 0 {
		t.Errorf("GO-2021-0113 has a fixed version, so it cannot be asserted for an unknown version: %+v", res.Findings)
	}
}

// An inventory ecosystem the database lacks is an error, not a clean scan.
func TestScanMissingEcosystem(t *testing.T) {
	db := scanDB(t, "GO-2021-0113")
	inv := xtext("v0.3.5")
	inv.Artifacts[0].Packages = append(inv.Artifacts[0].Packages, &lockfiles.Package{Ecosystem: "npm", Name: "lodash", Version: "4.17.15"})
	if _, err := Scan(context.Background(), db, inv); err == nil || !errors.Is(err, ErrEcosystemMissing) {
		t.Fatalf("want ErrEcosystemMissing, got %v", err)
	}
}

func mustRead(t *testing.T, id string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "scan", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A binary govulncheck cannot analyse keeps its findings as "cannot tell"
// (treated as reachable by the gate) instead of failing the whole scan.
func TestReachabilityDegrades(t *testing.T) {
	db := scanDB(t, "GO-2021-0113")
	res, err := Scan(context.Background(), db, xtext("v0.3.5"))
	if err != nil || len(res.Findings) != 1 {
		t.Fatalf("want one finding: %v %v", res, err)
	}
	read := func(artifact, member string) ([]byte, error) {
		if artifact != "function.zip" || member != "bootstrap" {
			t.Errorf("read %s %s, want function.zip bootstrap", artifact, member)
		}
		return []byte("#!/bin/sh\necho not a Go binary\n"), nil
	}
	if err := res.Reachability(context.Background(), read); err != nil {
		t.Fatal(err)
	}
	f := res.Findings[0]
	if f.Reachable != nil || !strings.HasPrefix(f.ReachReason, "symbol analysis failed: ") || strings.Contains(f.ReachReason, "\n") {
		t.Errorf("reachable %v, reason %q; want nil with a one-line failure reason", f.Reachable, f.ReachReason)
	}
}

// Matching spread over goroutines answers exactly what one goroutine does,
// in the same order: findings, unchecked packages and fixes.
func TestMatchAllParallelEqualsSequential(t *testing.T) {
	db := ecoDB(t, "Go", "GHSA-ppp9-7jff-5vj2", "GO-2021-0113", "GO-2023-2185", "GO-2024-2687", "GO-2025-3447")
	var pkgs []*lockfiles.Package
	for i := 0; i < 3*minParallel; i++ {
		name := []string{"stdlib", "golang.org/x/text", "golang.org/x/net", "example.com/none"}[i%4]
		version := fmt.Sprintf("v0.%d.%d", i%40, i%7)
		if name == "stdlib" {
			version = fmt.Sprintf("1.%d.%d", 15+i%10, i%9)
		}
		p := &lockfiles.Package{Ecosystem: "Go", Name: name, Version: version, Artifact: "a.zip"}
		if i%97 == 0 {
			p.Version, p.VersionError = "not-a-version", "not a version"
		}
		pkgs = append(pkgs, p)
	}
	seq, err := matchAll(t.Context(), db, pkgs, 1)
	if err != nil {
		t.Fatal(err)
	}
	par, err := matchAll(t.Context(), db, pkgs, 4)
	if err != nil {
		t.Fatal(err)
	}
	describe := func(ms []matched) (out []string, findings int) {
		for _, m := range ms {
			for _, f := range m.findings {
				out = append(out, fmt.Sprintf("F %s %s@%s %s %v", f.ID, f.Package.Name, f.Package.Version, f.Severity, f.Aliases))
				findings++
			}
			for _, u := range m.unchecked {
				out = append(out, "U "+u.Package.Name+"@"+u.Package.Version+" "+u.Reason)
			}
			if m.fix != nil {
				out = append(out, fmt.Sprintf("X %s@%s -> %s %v", m.fix.Package.Name, m.fix.Package.Version, m.fix.Version, m.fix.Clears))
			}
		}
		return out, findings
	}
	s, n := describe(seq)
	p, _ := describe(par)
	if n < minParallel || !slices.Equal(s, p) {
		t.Fatalf("%d findings sequentially; parallel answers differ: %v", n, !slices.Equal(s, p))
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := matchAll(ctx, db, pkgs, 4); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
