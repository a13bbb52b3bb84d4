package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clock is a controllable Now for UpdateOptions.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestIncrementalOverHTTP(t *testing.T) {
	src := t.TempDir()
	ex := loadTestdata(t)
	held := ex["npm"]["GHSA-f598-mfpv-gmfx"]
	delete(ex["npm"], "GHSA-f598-mfpv-gmfx")
	ex.write(t, src, true)
	srv := newServer(t, src)
	p := filepath.Join(t.TempDir(), "osv.db")
	clk := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	opts := UpdateOptions{Source: srv.URL, Ecosystems: testEcos, Client: srv.Client(), Now: clk.now}

	res := mustUpdate(t, p, opts)
	for _, e := range res.Ecosystems {
		if e.Mode != ModeFull || e.Added != len(ex[e.Ecosystem]) {
			t.Errorf("first update %s: %+v", e.Ecosystem, e)
		}
	}
	if res.BytesFetched == 0 {
		t.Error("no bytes counted")
	}

	// Nothing changed. The full read kept modified_id.csv's validators, so
	// the first incremental check is already one 304 per ecosystem.
	srv.reset()
	clk.t = clk.t.Add(24 * time.Hour)
	res = mustUpdate(t, p, opts)
	for _, e := range res.Ecosystems {
		if e.Mode != ModeUnchanged {
			t.Errorf("second update %s: %+v", e.Ecosystem, e)
		}
	}
	if n := srv.totalGets(); n != 0 || srv.notMod != len(testEcos) {
		t.Errorf("second update fetched %v (%d 304s)", srv.gets, srv.notMod)
	}

	// Nothing changed again: one conditional request per ecosystem, all 304.
	srv.reset()
	clk.t = clk.t.Add(24 * time.Hour)
	res = mustUpdate(t, p, opts)
	for _, e := range res.Ecosystems {
		if e.Mode != ModeUnchanged {
			t.Errorf("third update %s: %+v", e.Ecosystem, e)
		}
	}
	if n := srv.totalGets(); n != 0 || srv.notMod != len(testEcos) {
		t.Errorf("unchanged update: %d 200s and %d 304s, want 0 and %d", n, srv.notMod, len(testEcos))
	}
	if srv.cond["/npm/modified_id.csv"] != 1 {
		t.Errorf("modified_id.csv was not requested conditionally: %v", srv.cond)
	}

	// One record revised, one added: exactly two record fetches, no zip.
	before := snapshot(t, p)
	clk.t = clk.t.Add(24 * time.Hour)
	ex["npm"]["GHSA-35jh-r3h4-6jhm"] = modify(t, ex["npm"]["GHSA-35jh-r3h4-6jhm"], clk.t.Add(-time.Hour), "revised")
	ex["npm"]["GHSA-f598-mfpv-gmfx"] = modify(t, held, clk.t.Add(-2*time.Hour), "new")
	ex.write(t, src, true)
	srv.reset()
	res = mustUpdate(t, p, opts)
	npm := ecoResult(t, res, "npm")
	if npm.Mode != ModeIncremental || npm.Added != 1 || npm.Changed != 1 || npm.Records != 3 {
		t.Errorf("incremental npm: %+v", npm)
	}
	if srv.count("/npm/all.zip") != 0 || srv.count("/npm/GHSA-35jh-r3h4-6jhm.json") != 1 || srv.count("/npm/GHSA-f598-mfpv-gmfx.json") != 1 || srv.count("/npm/GHSA-p6mc-m468-83gw.json") != 0 {
		t.Errorf("incremental fetched %v", srv.gets)
	}
	after := snapshot(t, p)
	if !strings.Contains(after["npm/lodash"], "revised") || after["npm/sequelize"] == before["npm/sequelize"] || after["PyPI/jw.util"] != before["PyPI/jw.util"] {
		t.Errorf("after incremental: %v", after)
	}
	db, _ := Open(p)
	st, _ := db.Status()
	db.Close()
	if e, _ := st.Ecosystem("npm"); !e.Newest.Equal(clk.t.Add(-time.Hour).Truncate(time.Second)) || !e.Updated.Equal(clk.t) {
		t.Errorf("npm status after incremental: %+v", e)
	}

	// More changes than fetching one by one is worth: the zip instead.
	// Packagist's zip is smaller than one record fetch.
	clk.t = clk.t.Add(24 * time.Hour)
	zipSize, _ := os.Stat(filepath.Join(src, "Packagist", "all.zip"))
	if max := maxIncremental(zipSize.Size()); len(ex["Packagist"]) <= max {
		t.Fatalf("test needs more than %d Packagist records", max)
	}
	for id, raw := range ex["Packagist"] {
		ex["Packagist"][id] = modify(t, raw, clk.t.Add(-time.Minute), "bulk")
	}
	ex.write(t, src, true)
	srv.reset()
	res = mustUpdate(t, p, opts)
	if g := ecoResult(t, res, "Packagist"); g.Mode != ModeFull || g.Changed != len(ex["Packagist"]) || !strings.Contains(g.Note, "changed records") {
		t.Errorf("bulk change: %+v", g)
	}
	if srv.count("/Packagist/all.zip") != 1 || srv.count("/Packagist/GHSA-f2wf-25xc-69c9.json") != 0 {
		t.Errorf("bulk change fetched %v", srv.gets)
	}

	// A record listed but missing from the bucket: fall back to the zip.
	clk.t = clk.t.Add(24 * time.Hour)
	ex["RubyGems"]["GHSA-hrqr-hxpp-chr3"] = modify(t, ex["RubyGems"]["GHSA-hrqr-hxpp-chr3"], clk.t.Add(-time.Minute), "v2")
	ex.write(t, src, true)
	os.Remove(filepath.Join(src, "RubyGems", "GHSA-hrqr-hxpp-chr3.json"))
	res = mustUpdate(t, p, opts)
	if r := ecoResult(t, res, "RubyGems"); r.Mode != ModeFull || r.Changed != 1 || !strings.Contains(r.Note, "not found") {
		t.Errorf("missing listed record: %+v", r)
	}

	// After 30 days without a full read, read the zip again: conditionally,
	// so only npm's zip, which changed since its last full read, comes back.
	clk.t = clk.t.Add(31 * 24 * time.Hour)
	srv.reset()
	res = mustUpdate(t, p, opts)
	for _, e := range res.Ecosystems {
		want := ModeUnchanged
		if e.Ecosystem == "npm" {
			want = ModeFull
		}
		if e.Mode != want || e.Added+e.Changed+e.Removed != 0 || !strings.Contains(e.Note, "30 days") {
			t.Errorf("after 31 days %s: %+v", e.Ecosystem, e)
		}
	}
	if srv.count("/npm/modified_id.csv") != 0 || srv.cond["/npm/all.zip"] != 1 {
		t.Errorf("after 31 days: gets %v cond %v", srv.gets, srv.cond)
	}
	noTemps(t, p)
}

// A record removed from an ecosystem's zip is removed from the database,
// unless another ecosystem's zip still has it.
func TestFullRemovesRecords(t *testing.T) {
	src := t.TempDir()
	ex := loadTestdata(t)
	// Real exports put a record naming two ecosystems in both zips.
	ex.add("PyPI", ex["npm"]["GHSA-35jh-r3h4-6jhm"])
	ex.write(t, src, false)
	p := filepath.Join(t.TempDir(), "osv.db")
	opts := UpdateOptions{Source: src, Ecosystems: testEcos}
	mustUpdate(t, p, opts)

	delete(ex["npm"], "GHSA-35jh-r3h4-6jhm")
	delete(ex["npm"], "GHSA-p6mc-m468-83gw")
	ex.write(t, src, false)
	res := mustUpdate(t, p, opts)
	if n := ecoResult(t, res, "npm"); n.Mode != ModeFull || n.Removed != 2 || n.Records != 1 {
		t.Errorf("npm after removal: %+v", n)
	}
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, _ := db.Record("GHSA-p6mc-m468-83gw"); r != nil {
		t.Error("removed record still stored")
	}
	if r, _ := db.Record("GHSA-35jh-r3h4-6jhm"); r == nil {
		t.Error("record still in the PyPI zip was removed")
	}
	// It still names npm:lodash, so the lookup still finds it.
	if recs, _ := db.Records("npm", "lodash"); len(recs) != 1 || recs[0].ID != "GHSA-35jh-r3h4-6jhm" {
		t.Errorf("Records(npm, lodash) = %v", recs)
	}
}

func TestInvalidRecordsReported(t *testing.T) {
	src := t.TempDir()
	ex := loadTestdata(t)
	ex.write(t, src, false)
	// Rewrite npm/all.zip with two broken entries among the good ones.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for id, raw := range ex["npm"] {
		w, _ := zw.Create(id + ".json")
		w.Write(raw)
	}
	w, _ := zw.Create("BROKEN-1.json")
	w.Write([]byte(`{"id": "BROKEN-1", "modified": `))
	w, _ = zw.Create("NOID-1.json")
	w.Write([]byte(`{"modified": "2024-01-01T00:00:00Z"}`))
	w, _ = zw.Create("README.md") // not a record: ignored
	w.Write([]byte("hello"))
	zw.Close()
	writeFile(t, filepath.Join(src, "npm", "all.zip"), zb.Bytes())

	p := filepath.Join(t.TempDir(), "osv.db")
	var out bytes.Buffer
	res := mustUpdate(t, p, UpdateOptions{Source: src, Ecosystems: testEcos, Progress: &out})
	npm := ecoResult(t, res, "npm")
	if npm.Records != 3 || len(npm.Invalid) != 2 {
		t.Fatalf("npm: %+v", npm)
	}
	names := npm.Invalid[0].Name + " " + npm.Invalid[1].Name
	if !strings.Contains(names, "BROKEN-1.json") || !strings.Contains(names, "NOID-1.json") || len(res.Invalid()) != 2 {
		t.Errorf("invalid = %+v", npm.Invalid)
	}
	if !strings.Contains(out.String(), "npm: full, 3 records (+3 ~0 -0)") || !strings.Contains(out.String(), "2 invalid skipped") {
		t.Errorf("progress output:\n%s", out.String())
	}
	// One quiet line per ecosystem when not on a terminal.
	if n := strings.Count(out.String(), "\n"); n != len(testEcos) {
		t.Errorf("%d progress lines, want %d:\n%s", n, len(testEcos), out.String())
	}
	// A caller that reports the result itself gets no summary lines.
	out.Reset()
	mustUpdate(t, p, UpdateOptions{Source: src, Ecosystems: testEcos, Progress: &out, OwnSummaries: true, Full: true})
	if strings.Contains(out.String(), "records (") {
		t.Errorf("summaries on progress with OwnSummaries:\n%s", out.String())
	}
}

func TestBadZip(t *testing.T) {
	ex := loadTestdata(t)
	good := t.TempDir()
	ex.write(t, good, false)
	zipBytes, _ := os.ReadFile(filepath.Join(good, "npm", "all.zip"))
	for name, content := range map[string][]byte{
		"not a zip": []byte("<html>503 Service Unavailable</html>"),
		"truncated": zipBytes[:len(zipBytes)-30],
		"empty":     nil,
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "osv.db")
			mustUpdate(t, p, UpdateOptions{Source: good, Ecosystems: testEcos})
			before := snapshot(t, p)
			src := t.TempDir()
			ex.write(t, src, false)
			writeFile(t, filepath.Join(src, "npm", "all.zip"), content)
			for _, via := range []string{"dir", "http"} {
				o := UpdateOptions{Source: src, Ecosystems: testEcos, Full: true}
				want := filepath.Join(src, "npm", "all.zip")
				if via == "http" {
					srv := newServer(t, src)
					o.Source, o.Client = srv.URL, srv.Client()
					want = srv.URL + "/npm/all.zip"
				}
				_, err := Update(context.Background(), p, o)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s: Update = %v, want an error naming %s", via, err, want)
				}
				if got := snapshot(t, p); !equalSnap(got, before) {
					t.Errorf("%s: database changed by a failed update", via)
				}
				noTemps(t, p)
			}
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	src := t.TempDir()
	loadTestdata(t).write(t, src, false)
	srv := newServer(t, src)
	p := filepath.Join(t.TempDir(), "osv.db")
	o := UpdateOptions{Source: srv.URL, Ecosystems: testEcos, Client: srv.Client()}
	mustUpdate(t, p, o)
	before := snapshot(t, p)
	srv.failAll = true
	o.Full = true
	_, err := Update(context.Background(), p, o)
	if err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("Update against a failing server = %v", err)
	}
	o.Ecosystems = []string{"NuGet"} // absent from the export
	srv.failAll = false
	_, err = Update(context.Background(), p, o)
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/NuGet/all.zip: not found") {
		t.Errorf("Update of a missing ecosystem = %v", err)
	}
	if !equalSnap(snapshot(t, p), before) {
		t.Error("failed updates changed the database")
	}
}

func TestLimitedBody(t *testing.T) {
	for _, c := range []struct {
		body  string
		limit int64
		fail  bool
	}{{"12345", 5, false}, {"123456", 5, true}, {"", 0, false}, {"1", 0, true}} {
		lb := &limitedBody{rc: nopCloser{strings.NewReader(c.body)}, n: c.limit, what: "u"}
		var buf bytes.Buffer
		_, err := buf.ReadFrom(lb)
		if (err != nil) != c.fail {
			t.Errorf("%q limit %d: err %v", c.body, c.limit, err)
		}
		if !c.fail && buf.String() != c.body {
			t.Errorf("%q limit %d: read %q", c.body, c.limit, buf.String())
		}
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func TestImport(t *testing.T) {
	ex := loadTestdata(t)
	src := t.TempDir()
	ex.write(t, src, false)
	ref := buildTestDB(t)

	// A directory, as copied to an air-gapped machine.
	p := filepath.Join(t.TempDir(), "osv.db")
	res, err := Import(context.Background(), p, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ecosystems) != len(testEcos) {
		t.Errorf("imported %d ecosystems, want %d", len(res.Ecosystems), len(testEcos))
	}
	if !equalSnap(snapshot(t, p), snapshot(t, ref)) {
		t.Error("Import(dir) differs from Update(dir)")
	}
	// Unchanged files are recognised on a second import.
	res, err = Import(context.Background(), p, src)
	if err != nil || ecoResult(t, res, "npm").Mode != ModeUnchanged {
		t.Errorf("re-import: %+v, %v", res, err)
	}

	// A single all.zip: the ecosystem comes from the records.
	p2 := filepath.Join(t.TempDir(), "osv.db")
	res, err = Import(context.Background(), p2, filepath.Join(src, "crates.io", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ecosystems) != 1 || res.Ecosystems[0].Ecosystem != "crates.io" || res.Ecosystems[0].Records != 2 {
		t.Errorf("Import(zip) = %+v", res.Ecosystems)
	}
	db, _ := Open(p2)
	if recs, _ := db.Records("crates.io", "serde_yaml"); len(recs) != 1 {
		t.Errorf("Records after Import(zip) = %v", recs)
	}
	db.Close()

	// ecosystems.txt listing ecosystems fnguard does not inventory.
	os.WriteFile(filepath.Join(src, "ecosystems.txt"), []byte("Debian:12\nnpm\nAlpine\n"), 0o644)
	p3 := filepath.Join(t.TempDir(), "osv.db")
	res, err = Import(context.Background(), p3, src)
	if err != nil || len(res.Ecosystems) != 1 || res.Ecosystems[0].Ecosystem != "npm" {
		t.Errorf("Import with foreign ecosystems.txt = %+v, %v", res, err)
	}

	notZip := filepath.Join(t.TempDir(), "all.zip")
	os.WriteFile(notZip, []byte("PK garbage"), 0o644)
	if _, err := Import(context.Background(), p3, notZip); err == nil || !strings.Contains(err.Error(), notZip) {
		t.Errorf("Import(not a zip) = %v", err)
	}
	if _, err := Import(context.Background(), p3, t.TempDir()); err == nil {
		t.Error("Import(empty dir) succeeded")
	}
}

// Readers keep working through an update: they hold the old file.
func TestReaderDuringUpdate(t *testing.T) {
	p := buildTestDB(t)
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := t.TempDir()
	ex := loadTestdata(t)
	delete(ex["npm"], "GHSA-p6mc-m468-83gw")
	ex.write(t, src, false)
	mustUpdate(t, p, UpdateOptions{Source: src, Ecosystems: testEcos})
	if recs, err := db.Records("npm", "lodash"); err != nil || len(recs) != 2 {
		t.Errorf("old handle: %d, %v", len(recs), err)
	}
	db2, _ := Open(p)
	defer db2.Close()
	if recs, err := db2.Records("npm", "lodash"); err != nil || len(recs) != 1 {
		t.Errorf("new handle: %d, %v", len(recs), err)
	}
}

func TestUpdateWaitsForLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "osv.db")
	unlock, err := lock(context.Background(), p+".lock", newProgress(nil))
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	loadTestdata(t).write(t, src, false)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	_, err = Update(ctx, p, UpdateOptions{Source: src, Ecosystems: testEcos, Progress: &out})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(out.String(), "waiting for another update") {
		t.Errorf("Update while locked = %v, output %q", err, out.String())
	}
	unlock()
	mustUpdate(t, p, UpdateOptions{Source: src, Ecosystems: testEcos})
}

func TestProgressNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if newProgress(w).tty {
		t.Error("a pipe was taken for a terminal")
	}
	var _ http.RoundTripper // keep net/http for helpers in this file's build
}

// An update that changes nothing, or a few records, writes the live file in
// place (same inode) instead of copying and compacting the whole database.
func TestUpdateInPlace(t *testing.T) {
	ex := loadTestdata(t)
	src := t.TempDir()
	ex.write(t, src, true)
	p := filepath.Join(t.TempDir(), "osv.db")
	clk := &clock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	opts := UpdateOptions{Source: src, Ecosystems: testEcos, Now: clk.now}
	mustUpdate(t, p, opts)
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	res := mustUpdate(t, p, opts)
	for _, e := range res.Ecosystems {
		if e.Mode != ModeUnchanged {
			t.Errorf("%s: %+v", e.Ecosystem, e)
		}
	}
	after, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("an update that changed nothing replaced the file")
	}
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := db.Status()
	db.Close()
	if !st.Updated.Equal(clk.t) {
		t.Errorf("updated = %v, want %v", st.Updated, clk.t)
	}
	noTemps(t, p)
}
