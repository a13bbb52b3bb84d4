package vulndb

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestDefaultPath(t *testing.T) {
	t.Setenv("FNGUARD_DB", "/x/y.db")
	if got := DefaultPath(); got != "/x/y.db" {
		t.Errorf("DefaultPath with $FNGUARD_DB = %q", got)
	}
	t.Setenv("FNGUARD_DB", "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	t.Setenv("HOME", "/home/u")
	if got := DefaultPath(); !strings.HasSuffix(got, filepath.Join("fnguard", "osv.db")) || got == filepath.Join("fnguard", "osv.db") {
		t.Errorf("DefaultPath = %q, want <user cache dir>/fnguard/osv.db", got)
	}
}

func TestOpenMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "osv.db")
	_, err := Open(p)
	if !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Open(missing) = %v, want ErrNoDatabase naming the path", err)
	}
}

// buildTestDB imports the testdata records and returns the database path.
func buildTestDB(t testing.TB) string {
	t.Helper()
	src := t.TempDir()
	loadTestdata(t).write(t, src, false)
	p := filepath.Join(t.TempDir(), "osv.db")
	mustUpdate(t, p, UpdateOptions{Source: src, Ecosystems: testEcos})
	return p
}

func TestOpenCorrupt(t *testing.T) {
	good := buildTestDB(t)
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	random := make([]byte, 64<<10)
	rand.New(rand.NewSource(1)).Read(random)

	cases := map[string]func(p string){
		"random bytes": func(p string) { os.WriteFile(p, random, 0o644) },
		"empty":        func(p string) { os.WriteFile(p, nil, 0o644) },
		"truncated":    func(p string) { os.WriteFile(p, goodBytes[:len(goodBytes)/2], 0o644) },
		"first page":   func(p string) { os.WriteFile(p, goodBytes[:4096], 0o644) },
		"directory":    func(p string) { os.Mkdir(p, 0o755) },
		"no meta bucket": func(p string) {
			os.WriteFile(p, goodBytes, 0o644)
			editBolt(t, p, func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketMeta) })
		},
		"wrong schema": func(p string) {
			os.WriteFile(p, goodBytes, 0o644)
			editBolt(t, p, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("999")) })
		},
		"no index bucket": func(p string) {
			os.WriteFile(p, goodBytes, 0o644)
			editBolt(t, p, func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketIndex) })
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".db")
			mk(p)
			db, err := Open(p)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q should be one line naming %s", err, p)
			}
			// An update repairs a corrupt file by rebuilding it.
			if name != "directory" {
				src := t.TempDir()
				loadTestdata(t).write(t, src, false)
				mustUpdate(t, p, UpdateOptions{Source: src, Ecosystems: testEcos})
				if got, want := snapshot(t, p), snapshot(t, good); !equalSnap(got, want) {
					t.Errorf("after rebuild: %v, want %v", got, want)
				}
			}
		})
	}
}

func editBolt(t testing.TB, p string, fn func(*bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(p, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestLookups(t *testing.T) {
	db, err := Open(buildTestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cases := []struct {
		eco, name string
		want      []string
	}{
		{"npm", "lodash", []string{"GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"}},
		{"npm", "lodash-es", []string{"GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"}},
		{"npm", "@sequelize/core", []string{"GHSA-f598-mfpv-gmfx"}},
		{"npm", "Lodash", nil}, // npm names are case-sensitive
		{"npm", "left-pad", nil},
		{"NPM", "lodash", []string{"GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"}},
		{"PyPI", "JW_Util", []string{"PYSEC-2020-341"}}, // PEP 503
		{"pypi", "jw-util", []string{"PYSEC-2020-341"}},
		{"PyPI", "Plone", []string{"PYSEC-2006-9"}},                              // withdrawn, still returned
		{"PyPI:3.12", "plone", []string{"PYSEC-2006-9"}},                         // suffix stripped
		{"Go", "github.com/sylabs/scs-library-client", []string{"GO-2023-1497"}}, // two entries, one result
		{"Go", "GitHub.com/sylabs/scs-library-client", nil},
		{"Go", "k8s.io/kubernetes", []string{"GO-2022-0617"}},
		{"crates.io", "serde-yaml", []string{"RUSTSEC-2018-0005"}},
		{"crates.io", "Serde_YAML", []string{"RUSTSEC-2018-0005"}},
		{"Maven", "org.apache.logging.log4j:LOG4J-core", []string{"GHSA-jfh8-c2jp-5v3q"}},
		{"RubyGems", "rack", []string{"GHSA-hrqr-hxpp-chr3"}},
		{"Packagist", "GuzzleHttp/Guzzle", []string{"GHSA-f2wf-25xc-69c9"}},
		{"NuGet", "Newtonsoft.Json", nil},
		{"Debian", "openssl", nil},
	}
	for _, c := range cases {
		recs, err := db.Records(c.eco, c.name)
		if err != nil {
			t.Fatalf("Records(%s, %s): %v", c.eco, c.name, err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, r.ID)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("Records(%s, %s) = %v, want %v", c.eco, c.name, got, c.want)
		}
	}
	r, err := db.Record("GO-2022-0617")
	if err != nil || r == nil || r.Withdrawn == nil || r.Affected[0].Package.Name != "k8s.io/kubernetes" {
		t.Errorf("Record(GO-2022-0617) = %+v, %v", r, err)
	}
	if r, err := db.Record("GHSA-0000-0000-0000"); r != nil || err != nil {
		t.Errorf("Record(absent) = %v, %v; want nil, nil", r, err)
	}
	// Stored bytes are the published bytes: the record decodes to the same
	// JSON as the testdata file.
	raw, _ := os.ReadFile(filepath.Join("testdata", "records", "Go", "GO-2022-0617.json"))
	var stored []byte
	db.view(func(tx *bolt.Tx) error {
		var err error
		stored, err = decompress(tx.Bucket(bucketRecords).Get([]byte("GO-2022-0617")))
		return err
	})
	if !bytes.Equal(stored, raw) {
		t.Error("stored record differs from the published bytes")
	}
}

// A lookup decodes only the records of the package asked for: a damaged
// record elsewhere does not disturb it, and is reported when asked for.
func TestRecordsReadsOnlyItsRecords(t *testing.T) {
	p := buildTestDB(t)
	editBolt(t, p, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).Put([]byte("GHSA-hrqr-hxpp-chr3"), []byte("not deflate"))
	})
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if recs, err := db.Records("npm", "lodash"); err != nil || len(recs) != 2 {
		t.Errorf("Records(npm, lodash) = %d, %v", len(recs), err)
	}
	_, err = db.Records("RubyGems", "rack")
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "GHSA-hrqr-hxpp-chr3") || !strings.Contains(err.Error(), p) {
		t.Errorf("Records(RubyGems, rack) on a damaged record = %v, want ErrCorrupt naming record and file", err)
	}
}

func TestStatus(t *testing.T) {
	db, err := Open(buildTestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Updated.IsZero() || st.Size <= 0 {
		t.Errorf("Status = %+v", st)
	}
	want := map[string]int{"npm": 3, "PyPI": 2, "Go": 2, "crates.io": 2, "Maven": 1, "RubyGems": 1, "Packagist": 1}
	if len(st.Ecosystems) != len(want) {
		t.Errorf("%d ecosystems, want %d", len(st.Ecosystems), len(want))
	}
	var order []string
	for _, e := range st.Ecosystems {
		order = append(order, e.Name)
		if e.Records != want[e.Name] {
			t.Errorf("%s: %d records, want %d", e.Name, e.Records, want[e.Name])
		}
		if !filepath.IsAbs(e.Source) || e.Updated.IsZero() || e.Newest.IsZero() || !e.LastFull.Equal(e.Updated) {
			t.Errorf("%s: %+v", e.Name, e)
		}
	}
	if strings.Join(order, ",") != "npm,PyPI,Maven,Go,RubyGems,Packagist,crates.io" {
		t.Errorf("order %v, want ecosystem.All order", order)
	}
	// Newest is the max modified of the ecosystem's records: the GO
	// withdrawn record was modified 2025-08-05, the other in 2024.
	if e, _ := st.Ecosystem("go"); e.Newest.Format("2006-01-02") != "2025-08-05" {
		t.Errorf("Go newest = %v", e.Newest)
	}
}

func TestUpdateBadEcosystemName(t *testing.T) {
	for _, e := range []string{"../etc", "a/b", ".."} {
		_, err := Update(context.Background(), filepath.Join(t.TempDir(), "osv.db"), UpdateOptions{Source: t.TempDir(), Ecosystems: []string{e}})
		if err == nil {
			t.Errorf("Update with ecosystem %q succeeded", e)
		}
	}
}

// A killed update leaves its temporary copy behind; the next Open removes
// it unless an update is running (holds the lock).
func TestOpenRemovesLeftovers(t *testing.T) {
	dbPath := buildTestDB(t)
	left := dbPath + ".tmp-123"
	if err := os.WriteFile(left, []byte("partial copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock, err := lock(context.Background(), dbPath+".lock", newProgress(nil))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(left); err != nil {
		t.Fatalf("Open removed a file while an update held the lock: %v", err)
	}
	unlock()
	db, err = Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	noTemps(t, dbPath)
}

// A scan asks for a package once per version present: each record is
// decoded once per handle, and Record finds what Records decoded.
func TestRecordsDecodedOnce(t *testing.T) {
	db, err := Open(buildTestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.Records("npm", "lodash")
	if err != nil || len(a) == 0 {
		t.Fatalf("Records: %v, %v", a, err)
	}
	b, _ := db.Records("npm", "lodash")
	if len(a) != len(b) || a[0] != b[0] {
		t.Fatalf("second lookup decoded again: %p vs %p", a[0], b[0])
	}
	a[0] = nil // the caller's slice is its own
	c, _ := db.Records("npm", "lodash")
	if c[0] == nil {
		t.Fatal("a caller's change reached the cache")
	}
	if r, _ := db.Record(c[0].ID); r != c[0] {
		t.Errorf("Record(%s) decoded again", c[0].ID)
	}
	if r, err := db.Record("NOPE-0000"); r != nil || err != nil {
		t.Errorf("Record(missing) = %v, %v", r, err)
	}
}

// A scan opening the database while an in-place update holds it for
// writing waits for the update instead of failing.
func TestOpenWaitsForInPlaceWriter(t *testing.T) {
	db := ecoDB(t, "Go", "GO-2021-0113")
	path := db.Path()
	db.Close()
	w, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var released atomic.Bool
	done := make(chan error, 1)
	go func() {
		d, err := Open(path)
		if err == nil {
			if !released.Load() {
				err = errors.New("Open returned while the writer held the file")
			}
			d.Close()
		}
		done <- err
	}()
	// Longer than the 2 s scans used to wait before failing as locked.
	time.Sleep(2500 * time.Millisecond)
	released.Store(true)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A record's size is not stored: inflate guesses room from the stored size
// and grows it, so records that compress far better than the guess (long
// runs) still come back whole, a reused buffer never shows an earlier
// record's bytes, and the bound holds at exactly maxStoredRecord.
func TestRecordBufGrowsToTheBound(t *testing.T) {
	rb := new(recordBuf)
	text := []byte(`{"id":"GHSA-xxxx","details":"` + strings.Repeat("a", 200_000) + `"}`)
	for _, raw := range [][]byte{text, []byte(`{"id":"X-1"}`), {}, bytes.Repeat([]byte("ab"), 3000)} {
		got, err := rb.inflate(compress(raw))
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("%d bytes: got %d bytes, %v", len(raw), len(got), err)
		}
	}
	atBound := make([]byte, maxStoredRecord)
	if got, err := rb.inflate(compress(atBound)); err != nil || len(got) != maxStoredRecord {
		t.Fatalf("a record of exactly maxStoredRecord bytes: %d bytes, %v", len(got), err)
	}
	_, err := rb.inflate(compress(make([]byte, maxStoredRecord+1)))
	if err == nil || !strings.Contains(err.Error(), "record larger than") {
		t.Fatalf("a record past maxStoredRecord: %v", err)
	}
	cut := compress(text)
	if _, err := rb.inflate(cut[:len(cut)/2]); err == nil {
		t.Fatal("a truncated record inflated without error")
	}
}
