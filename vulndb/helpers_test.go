package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnguard/fnguard/vulndb/osv"
)

// export is an in-memory export: ecosystem -> ID -> raw record.
type export map[string]map[string][]byte

// loadTestdata reads vulndb/testdata/records/<Eco>/<ID>.json.
func loadTestdata(t testing.TB) export {
	t.Helper()
	ex := export{}
	dirs, err := os.ReadDir(filepath.Join("testdata", "records"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		files, err := os.ReadDir(filepath.Join("testdata", "records", d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			raw, err := os.ReadFile(filepath.Join("testdata", "records", d.Name(), f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			ex.add(d.Name(), raw)
		}
	}
	return ex
}

func (ex export) add(eco string, raw []byte) {
	r, err := osv.Parse(raw)
	if err != nil {
		panic(err)
	}
	if ex[eco] == nil {
		ex[eco] = map[string][]byte{}
	}
	ex[eco][r.ID] = raw
}

func (ex export) clone() export {
	out := export{}
	for e, m := range ex {
		out[e] = map[string][]byte{}
		for id, raw := range m {
			out[e][id] = raw
		}
	}
	return out
}

// modify returns raw with a new modified time and summary, as a source would
// publish a revised record.
func modify(t testing.TB, raw []byte, modified time.Time, summary string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["modified"] = modified.UTC().Format(time.RFC3339)
	m["summary"] = summary
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// write lays the export out on disk as osv.dev does: ecosystems.txt,
// <Eco>/all.zip, and with csv also <Eco>/modified_id.csv and <Eco>/<ID>.json.
func (ex export) write(t testing.TB, dir string, csv bool) {
	t.Helper()
	var ecos []string
	for eco, recs := range ex {
		ecos = append(ecos, eco)
		ed := filepath.Join(dir, eco)
		if err := os.MkdirAll(ed, 0o755); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for id := range recs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var zb bytes.Buffer
		zw := zip.NewWriter(&zb)
		for _, id := range ids {
			w, err := zw.Create(id + ".json")
			if err != nil {
				t.Fatal(err)
			}
			w.Write(recs[id])
		}
		if eco != "Packagist" {
			// Incompressible padding gives the zip a realistic size relative
			// to its few records, so that fetching a handful of them one by
			// one is cheaper than the zip (maxIncremental), as it is for real
			// exports; Packagist stays tiny to exercise the opposite.
			w, err := zw.CreateHeader(&zip.FileHeader{Name: "padding.bin", Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			pad := make([]byte, 48<<10)
			rand.New(rand.NewSource(int64(len(eco)))).Read(pad)
			w.Write(pad)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(ed, "all.zip"), zb.Bytes())
		if !csv {
			continue
		}
		var lines []modifiedEntry
		for _, id := range ids {
			r, err := osv.Parse(recs[id])
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, modifiedEntry{Modified: r.Modified, ID: id})
			writeFile(t, filepath.Join(ed, id+".json"), recs[id])
		}
		writeFile(t, filepath.Join(ed, "modified_id.csv"), csvOf(lines))
	}
	sort.Strings(ecos)
	writeFile(t, filepath.Join(dir, "ecosystems.txt"), []byte(strings.Join(ecos, "\n")+"\n"))
}

// csvOf renders modified_id.csv lines newest first, as osv.dev publishes it.
func csvOf(lines []modifiedEntry) []byte {
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Modified.After(lines[j].Modified) })
	var b bytes.Buffer
	for _, l := range lines {
		fmt.Fprintf(&b, "%s,%s\n", l.Modified.UTC().Format(time.RFC3339Nano), l.ID)
	}
	return b.Bytes()
}

// writeFile replaces a file and moves its mtime forward, so that directory
// sources (validated by size and mtime) see the change even within one tick.
func writeFile(t testing.TB, p string, b []byte) {
	t.Helper()
	var old time.Time
	if fi, err := os.Stat(p); err == nil {
		old = fi.ModTime()
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err == nil && !old.IsZero() && !fi.ModTime().After(old) {
		os.Chtimes(p, old.Add(time.Second), old.Add(time.Second))
	}
}

// server serves an export directory like the osv.dev bucket (ETag,
// Last-Modified, 304s, 404s) and records what it was asked for.
type server struct {
	*httptest.Server
	dir string

	mu      sync.Mutex
	gets    map[string]int // path -> requests answered 200
	cond    map[string]int // path -> conditional requests seen
	notMod  int
	cutAt   int64 // if >= 0, bodies of .zip and .csv files stop after this many bytes
	failAll bool
}

func newServer(t testing.TB, dir string) *server {
	s := &server{dir: dir, cutAt: -1, gets: map[string]int{}, cond: map[string]int{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func (s *server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets = map[string]int{}
	s.cond = map[string]int{}
	s.notMod = 0
}

func (s *server) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[p]
}

func (s *server) totalGets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.gets {
		n += v
	}
	return n
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean(r.URL.Path)
	data, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(p)))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	fi, _ := os.Stat(filepath.Join(s.dir, filepath.FromSlash(p)))
	sum := sha256.Sum256(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	s.mu.Lock()
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		s.cond[p]++
	}
	if s.failAll {
		s.mu.Unlock()
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == w.Header().Get("ETag") {
		s.notMod++
		s.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.gets[p]++
	cut := s.cutAt
	s.mu.Unlock()
	if cut >= 0 && (strings.HasSuffix(p, ".zip") || strings.HasSuffix(p, ".csv")) && cut < int64(len(data)) {
		// Promise the whole body, deliver part of it, drop the connection:
		// what a network failure mid-download looks like to the client.
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:cut])
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
		return
	}
	http.ServeContent(w, r, path.Base(p), fi.ModTime(), bytes.NewReader(data))
}

// snapshot is what a database answers, for comparing before and after.
func snapshot(t testing.TB, dbPath string) map[string]string {
	t.Helper()
	db, err := Open(dbPath)
	if err != nil {
		t.Fatalf("Open after interruption: %v", err)
	}
	defer db.Close()
	out := map[string]string{}
	for _, q := range probes {
		recs, err := db.Records(q[0], q[1])
		if err != nil {
			t.Fatalf("Records(%s, %s): %v", q[0], q[1], err)
		}
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ID+"@"+r.Modified.Format(time.RFC3339)+"@"+r.Summary)
		}
		out[q[0]+"/"+q[1]] = strings.Join(ids, ",")
	}
	st, err := db.Status()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range st.Ecosystems {
		out["count/"+e.Name] = fmt.Sprint(e.Records)
	}
	return out
}

// probes are lookups over the testdata records.
var probes = [][2]string{
	{"npm", "lodash"}, {"npm", "sequelize"}, {"npm", "@sequelize/core"}, {"PyPI", "jw.util"},
	{"PyPI", "plone"}, {"Go", "github.com/sylabs/scs-library-client"}, {"Go", "k8s.io/kubernetes"},
	{"crates.io", "serde_yaml"}, {"crates.io", "dirs"}, {"Maven", "org.apache.logging.log4j:log4j-core"},
	{"RubyGems", "rack"}, {"Packagist", "guzzlehttp/guzzle"},
}

func equalSnap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// noTemps fails if an update left temporary files beside the database.
func noTemps(t testing.TB, dbPath string) {
	t.Helper()
	m, _ := filepath.Glob(dbPath + ".tmp-*")
	if len(m) > 0 {
		t.Errorf("temporary files left behind: %v", m)
	}
}

// sharedOSV locates the offline OSV export beside the repository.
func sharedOSV(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "osv")
	if _, err := os.Stat(filepath.Join(dir, "ecosystems.txt")); err != nil {
		t.Skip("../shared/osv not present: ", err)
	}
	return dir
}

func mustUpdate(t testing.TB, dbPath string, o UpdateOptions) *UpdateResult {
	t.Helper()
	res, err := Update(context.Background(), dbPath, o)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return res
}

func ecoResult(t testing.TB, res *UpdateResult, eco string) EcosystemResult {
	t.Helper()
	for _, e := range res.Ecosystems {
		if e.Ecosystem == eco {
			return e
		}
	}
	t.Fatalf("no result for %s in %+v", eco, res.Ecosystems)
	return EcosystemResult{}
}

var errDiskFull = errors.New("write: no space left on device")

var testEcos = []string{"npm", "PyPI", "Go", "crates.io", "Maven", "RubyGems", "Packagist"}
