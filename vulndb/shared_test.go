package vulndb

import (
	"archive/zip"
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnguard/fnguard/vulndb/osv"
)

// manifest reads MANIFEST.tsv: ecosystem -> records.
func manifest(t testing.TB, dir string) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		n, _ := strconv.Atoi(fields[1])
		out[fields[0]] = n
	}
	return out
}

// sharedLookups are records the offline export is documented to hold.
var sharedLookups = []struct{ eco, name, id string }{
	{"npm", "lodash", "GHSA-35jh-r3h4-6jhm"},
	{"npm", "event-stream", "GHSA-mh6f-8j2x-4483"},
	{"Maven", "org.apache.logging.log4j:log4j-core", "GHSA-jfh8-c2jp-5v3q"},
	{"RubyGems", "activerecord", "GHSA-hq7p-j377-6v63"},
	{"NuGet", "newtonsoft.json", "GHSA-5crp-9r3c-p9vr"},
	{"Packagist", "guzzlehttp/guzzle", "GHSA-25mq-v84q-4j7r"},
	{"crates.io", "serde_yaml", "RUSTSEC-2018-0005"},
	{"PyPI", "jw.util", "PYSEC-2020-341"},
}

func checkShared(t *testing.T, dbPath, dir string) {
	t.Helper()
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Status()
	if err != nil {
		t.Fatal(err)
	}
	for eco, n := range manifest(t, dir) {
		if e, ok := st.Ecosystem(eco); !ok || e.Records != n {
			t.Errorf("%s: %+v, want %d records (MANIFEST.tsv)", eco, e, n)
		}
	}
	if e, _ := st.Ecosystem("PyPI"); e.Newest.Year() != 2027 {
		t.Errorf("PyPI newest = %v, want PYSEC-2024-115's 2027 date", e.Newest)
	}
	for _, l := range sharedLookups {
		recs, err := db.Records(l.eco, l.name)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			found = found || r.ID == l.id
		}
		if !found {
			t.Errorf("Records(%s, %s): %d records, none %s", l.eco, l.name, len(recs), l.id)
		}
	}
}

func TestSharedOverHTTP(t *testing.T) {
	dir := sharedOSV(t)
	srv := newServer(t, dir)
	p := filepath.Join(t.TempDir(), "osv.db")
	res := mustUpdate(t, p, UpdateOptions{Source: srv.URL, Client: srv.Client()})
	fi, _ := os.Stat(p)
	t.Logf("full update over HTTP: %d bytes fetched, database %d bytes", res.BytesFetched, fi.Size())
	if len(res.Invalid()) != 0 {
		t.Errorf("invalid records in the shared export: %v", res.Invalid())
	}
	checkShared(t, p, dir)

	// The export has no modified_id.csv: the next update asks for each zip
	// conditionally and gets 304s.
	srv.reset()
	res = mustUpdate(t, p, UpdateOptions{Source: srv.URL, Client: srv.Client()})
	for _, e := range res.Ecosystems {
		if e.Mode != ModeUnchanged || !strings.Contains(e.Note, "no modified_id.csv") {
			t.Errorf("second update %s: %+v", e.Ecosystem, e)
		}
	}
	if srv.totalGets() != 0 {
		t.Errorf("second update downloaded %v", srv.gets)
	}
}

func TestSharedImportDir(t *testing.T) {
	dir := sharedOSV(t)
	if testing.Short() {
		t.Skip("slow: imports 45,000 records")
	}
	p := filepath.Join(t.TempDir(), "osv.db")
	if _, err := Import(context.Background(), p, dir); err != nil {
		t.Fatal(err)
	}
	checkShared(t, p, dir)
}

// An incremental update against a copy of real ecosystems with a generated
// modified_id.csv fetches exactly the revised records.
func TestSharedIncremental(t *testing.T) {
	dir := sharedOSV(t)
	src := t.TempDir()
	ex := export{}
	for _, eco := range []string{"RubyGems", "Maven"} {
		zr, err := zip.OpenReader(filepath.Join(dir, eco, "all.zip"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, _ := f.Open()
			raw, _ := io.ReadAll(rc)
			rc.Close()
			ex.add(eco, raw)
		}
		zr.Close()
	}
	ex.write(t, src, true)
	srv := newServer(t, src)
	p := filepath.Join(t.TempDir(), "osv.db")
	// A fixed date after every record of the export: the update's "since"
	// window and 30-day full re-read follow this clock, not the calendar.
	clk := &clock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	opts := UpdateOptions{Source: srv.URL, Client: srv.Client(), Ecosystems: []string{"RubyGems", "Maven"}, Now: clk.now}
	mustUpdate(t, p, opts)

	clk.t = clk.t.Add(time.Hour)
	ex["RubyGems"]["GHSA-hrqr-hxpp-chr3"] = modify(t, ex["RubyGems"]["GHSA-hrqr-hxpp-chr3"], clk.t.Add(-time.Minute), "revised")
	ex.write(t, src, true)
	srv.reset()
	res := mustUpdate(t, p, opts)
	if r := ecoResult(t, res, "RubyGems"); r.Mode != ModeIncremental || r.Changed != 1 || r.Records != 827 {
		t.Errorf("RubyGems: %+v", r)
	}
	// Maven's listing is unchanged since the full read kept its validators.
	if srv.totalGets() != 2 || srv.count("/RubyGems/modified_id.csv") != 1 || srv.count("/RubyGems/GHSA-hrqr-hxpp-chr3.json") != 1 {
		t.Errorf("incremental fetched %v, want RubyGems' listing and one record", srv.gets)
	}
	db, _ := Open(p)
	defer db.Close()
	if r, _ := db.Record("GHSA-hrqr-hxpp-chr3"); r == nil || r.Summary != "revised" {
		t.Errorf("revised record = %+v", r)
	}
}

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// BenchmarkOpenRecords measures what a scan pays: open the database and
// look up a handful of packages.
func BenchmarkOpenRecords(b *testing.B) {
	dir := sharedOSV(b)
	benchOnce.Do(func() {
		d, err := os.MkdirTemp("", "vulndb-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(d, "osv.db")
		_, benchErr = Import(context.Background(), benchPath, dir)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	pkgs := [][2]string{{"npm", "lodash"}, {"npm", "express"}, {"npm", "axios"}, {"PyPI", "django"}, {"PyPI", "requests"}, {"Go", "stdlib"}, {"Maven", "org.apache.logging.log4j:log4j-core"}, {"crates.io", "tokio"}}
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			db, err := Open(benchPath)
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	b.Run("open+npm/lodash", func(b *testing.B) {
		for b.Loop() {
			db, err := Open(benchPath)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Records("npm", "lodash"); err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	b.ResetTimer()
	n := 0
	for b.Loop() {
		db, err := Open(benchPath)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pkgs {
			var recs []*osv.Record
			if recs, err = db.Records(p[0], p[1]); err != nil {
				b.Fatal(err)
			}
			n += len(recs)
		}
		db.Close()
	}
	b.ReportMetric(float64(n)/float64(b.N), "records/op")
}
