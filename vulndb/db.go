// Package vulndb is fnguard's local OSV advisory store: it mirrors the
// osv.dev export bucket (or an offline copy of it) into one bbolt file that a
// scan can open in milliseconds and query by package without reading the rest.
//
// A reader (or a crash at any point) sees either the old or the new database,
// never a mix. An update that needs no full read of any all.zip (the usual
// case: nothing or a few records changed) writes the live file in one bbolt
// transaction, which becomes visible only when its meta page is fsynced; any
// other update or import builds a complete new file beside the old one and
// renames it over the old one once it is fsynced.
package vulndb

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/internal/inflate"
	"github.com/fnguard/fnguard/vulndb/osv"
)

var (
	// ErrNoDatabase means there is no database file at the path yet.
	ErrNoDatabase = errors.New("no advisory database (run an update)")
	// ErrCorrupt means the file exists but is not a database this version of
	// fnguard can read; an update rebuilds it from scratch.
	ErrCorrupt = errors.New("advisory database is corrupt")
	// ErrLocked means another process holds the database file exclusively
	// for longer than Open is willing to wait.
	ErrLocked = errors.New("advisory database is locked by another process")
)

// SchemaVersion is bumped whenever the bucket layout or the record encoding
// changes; an older or newer file is reported as ErrCorrupt so that an update
// rebuilds it instead of misreading it.
const SchemaVersion = 1

// openTimeout bounds the wait for bbolt's file lock on the temporary files
// an update writes.
const openTimeout = 2 * time.Second

// liveOpenTimeout bounds Open's wait for the live file's lock, which only an
// update writing it in place holds, while it writes what it has already
// fetched. A scan started meanwhile waits for it rather than fail; a writer
// stuck past this makes it fail (ErrLocked, exit 3), never pass.
const liveOpenTimeout = 30 * time.Second

// Bucket and key names. Index keys are eco NUL name NUL id so that all IDs of
// one package are adjacent and a prefix seek finds them without a scan.
var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")
	bucketIndex   = []byte("index")
	bucketEco     = []byte("eco")

	keySchema  = []byte("schema")
	keyUpdated = []byte("updated")

	// Inside each bucketEco/<ecosystem> bucket.
	keySource   = []byte("source")
	keyNewest   = []byte("newest")
	keyLastFull = []byte("last_full")
	keyZipBytes = []byte("zip_bytes")
	keyCount    = []byte("count")
	bucketIDs   = []byte("ids")        // ID -> modified (RFC 3339)
	bucketValid = []byte("validators") // file name relative to the ecosystem -> validators JSON
)

// DefaultPath is $FNGUARD_DB if set, else osv.db in fnguard's user cache dir.
func DefaultPath() string {
	if p := os.Getenv("FNGUARD_DB"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		// No HOME (e.g. a bare container): a relative path is still usable
		// and the user can always pass $FNGUARD_DB.
		dir = "."
	}
	return filepath.Join(dir, "fnguard", "osv.db")
}

// DB is a read-only handle on the store. It is safe for concurrent use.
type DB struct {
	path string
	bolt *bolt.DB

	// A scan asks for the same package once per version present (a large
	// lockfile holds many versions of a name) and for alias records again
	// while scoring: each record is inflated and parsed once per handle.
	// Records are never modified after Parse, so sharing them is safe.
	mu       sync.Mutex
	decoded  map[string]*osv.Record   // ID -> record; nil: not stored
	packages map[string][]*osv.Record // index prefix -> Records' answer
	pages    pageReleaser
}

// Open opens the database read-only. It does not read any record, so its cost
// does not depend on the size of the file.
func Open(path string) (*DB, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoDatabase)
	}
	if err != nil {
		return nil, fmt.Errorf("open advisory database %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file: %w", path, ErrCorrupt)
	}
	removeLeftovers(path)
	db := &DB{path: path, decoded: map[string]*osv.Record{}, packages: map[string][]*osv.Record{}}
	err = guard(path, func() error {
		b, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true, Timeout: liveOpenTimeout})
		if errors.Is(err, bolterrors.ErrTimeout) {
			return fmt.Errorf("%s: %w", path, ErrLocked)
		}
		if err != nil {
			return fmt.Errorf("%s: %v: %w", path, err, ErrCorrupt)
		}
		db.bolt = b
		db.pages.size = fi.Size()
		return b.View(func(tx *bolt.Tx) error {
			// bbolt maps the file lazily, so a truncated file would only fault
			// on first access to a missing page; the high-water mark in the
			// meta page tells us up front.
			if tx.Size() > fi.Size() {
				return fmt.Errorf("%s: truncated (%d of %d bytes): %w", path, fi.Size(), tx.Size(), ErrCorrupt)
			}
			return checkMeta(path, tx)
		})
	})
	if err != nil {
		if db.bolt != nil {
			db.bolt.Close()
		}
		return nil, err
	}
	return db, nil
}

// removeLeftovers deletes the temporary files of updates that were killed,
// so that a machine that only scans after a killed update does not keep
// a database-sized file forever. Only when no update holds the lock: a
// running update's files are in use.
func removeLeftovers(path string) {
	m, _ := filepath.Glob(globEscape(path) + ".tmp-*")
	if len(m) == 0 {
		return
	}
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return // a read-only cache: nothing to clean up with
	}
	defer f.Close()
	if ok, _ := tryLock(f); ok {
		removeTemps(path)
	}
}

func checkMeta(path string, tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("%s: no meta bucket: %w", path, ErrCorrupt)
	}
	v := string(meta.Get(keySchema))
	if v != strconv.Itoa(SchemaVersion) {
		return fmt.Errorf("%s: schema version %q, want %d: %w", path, v, SchemaVersion, ErrCorrupt)
	}
	for _, name := range [][]byte{bucketRecords, bucketIndex, bucketEco} {
		if tx.Bucket(name) == nil {
			return fmt.Errorf("%s: no %s bucket: %w", path, name, ErrCorrupt)
		}
	}
	return nil
}

// guard turns a bbolt panic or a memory fault on the mapped file (a file
// damaged after Open's checks, or truncated underneath us) into ErrCorrupt
// instead of killing the scan.
func guard(path string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v: %w", path, r, ErrCorrupt)
		}
	}()
	return fn()
}

func (db *DB) view(fn func(tx *bolt.Tx) error) error {
	return guard(db.path, func() error { return db.bolt.View(fn) })
}

// Path returns the file the handle was opened on.
func (db *DB) Path() string { return db.path }

// Close releases the file.
func (db *DB) Close() error { return db.bolt.Close() }

// ecoKey is the ecosystem part of index keys: the canonical OSV spelling for
// ecosystems fnguard knows, the base name as written for any other.
func ecoKey(eco string) string {
	if c := ecosystem.Canonical(eco); c != "" {
		return c
	}
	return ecosystem.Base(eco)
}

func indexPrefix(eco, name string) []byte {
	e := ecoKey(eco)
	return []byte(e + "\x00" + ecosystem.NormalizeName(e, name) + "\x00")
}

// indexKeys lists the index keys of a record, one per distinct package it
// names. Parts containing NUL would make prefixes ambiguous and never occur
// in real data, so they are left out of the index.
func indexKeys(r *osv.Record) [][]byte {
	seen := map[string]bool{}
	var keys [][]byte
	for _, a := range r.Affected {
		if a.Package.Name == "" || a.Package.Ecosystem == "" {
			continue
		}
		p := indexPrefix(a.Package.Ecosystem, a.Package.Name)
		if bytes.Count(p, []byte{0}) != 2 || strings.IndexByte(r.ID, 0) >= 0 {
			continue
		}
		k := string(p) + r.ID
		if !seen[k] {
			seen[k] = true
			keys = append(keys, []byte(k))
		}
	}
	return keys
}

// names reports whether the record has an affected entry for the package
// whose index prefix is p.
func names(r *osv.Record, p []byte) bool {
	for _, a := range r.Affected {
		if bytes.Equal(indexPrefix(a.Package.Ecosystem, a.Package.Name), p) {
			return true
		}
	}
	return false
}

// Records returns every stored record with an affected entry for the package,
// sorted by ID. It reads only the index range of that package and the records
// it lists.
func (db *DB) Records(eco, name string) ([]*osv.Record, error) {
	prefix := indexPrefix(eco, name)
	db.mu.Lock()
	out, ok := db.packages[string(prefix)]
	db.mu.Unlock()
	if ok {
		return slices.Clone(out), nil
	}
	// Records are inflated and parsed outside db.mu, so matching on several
	// goroutines does not queue behind one decoder; bbolt's read
	// transactions run side by side.
	err := db.view(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		c := tx.Bucket(bucketIndex).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			r, err := db.sharedRecord(recs, string(k[len(prefix):]))
			if err != nil {
				return err
			}
			// The check keeps lookups exact even if an index entry outlived a
			// change of the record (it cannot today; it is cheap insurance).
			if r != nil && names(r, prefix) {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	db.pages.touched(db.bolt, 0) // the seek; record reads counted themselves
	if prev, ok := db.packages[string(prefix)]; ok {
		out = prev // another goroutine answered first: one answer for all
	}
	db.packages[string(prefix)] = out
	return slices.Clone(out), nil
}

// sharedRecord is record for callers not holding db.mu: the cache is
// consulted and filled under it, the record decoded without it. Two
// goroutines may decode the same record; the first stored is kept.
func (db *DB) sharedRecord(recs *bolt.Bucket, id string) (*osv.Record, error) {
	db.mu.Lock()
	r, ok := db.decoded[id]
	db.mu.Unlock()
	if ok {
		return r, nil
	}
	v := recs.Get([]byte(id))
	r, err := db.decodeRecord(id, v)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if prev, ok := db.decoded[id]; ok {
		return prev, nil
	}
	db.decoded[id] = r
	db.pages.touched(db.bolt, len(v))
	return r, nil
}

// Record returns the record with the given ID, or nil if it is not stored.
func (db *DB) Record(id string) (*osv.Record, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if r, ok := db.decoded[id]; ok {
		return r, nil
	}
	var r *osv.Record
	err := db.view(func(tx *bolt.Tx) error {
		var err error
		r, err = db.record(tx.Bucket(bucketRecords), id)
		return err
	})
	return r, err
}

// record decodes one stored record, or returns it from the cache; db.mu is
// held.
func (db *DB) record(recs *bolt.Bucket, id string) (*osv.Record, error) {
	if r, ok := db.decoded[id]; ok {
		return r, nil
	}
	v := recs.Get([]byte(id))
	r, err := db.decodeRecord(id, v)
	if err != nil {
		return nil, err
	}
	db.decoded[id] = r
	db.pages.touched(db.bolt, len(v))
	return r, nil
}

func (db *DB) decodeRecord(id string, v []byte) (*osv.Record, error) {
	if v == nil {
		return nil, nil
	}
	rb := recordBufs.Get().(*recordBuf)
	defer recordBufs.Put(rb)
	raw, err := rb.inflate(v)
	if err != nil {
		return nil, fmt.Errorf("%s: record %s: %v: %w", db.path, id, err, ErrCorrupt)
	}
	// Parse copies what it keeps: the buffer goes back to the pool.
	r, err := osv.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: record %s: %v: %w", db.path, id, err, ErrCorrupt)
	}
	return r, nil
}

// Status describes what the database holds.
type Status struct {
	Path       string
	Size       int64     // file size in bytes
	Updated    time.Time // last successful update or import of any ecosystem
	Ecosystems []EcosystemStatus
}

// EcosystemStatus describes one ecosystem's records.
type EcosystemStatus struct {
	Name     string
	Records  int
	Source   string    // URL or directory/file it was last fetched from
	Updated  time.Time // when fnguard last brought it up to date
	Newest   time.Time // the latest "modified" among its records
	LastFull time.Time // when the whole all.zip was last read
}

// Ecosystem returns the status of one ecosystem (any spelling), if stored.
func (s *Status) Ecosystem(name string) (EcosystemStatus, bool) {
	k := ecoKey(name)
	for _, e := range s.Ecosystems {
		if e.Name == k {
			return e, true
		}
	}
	return EcosystemStatus{}, false
}

// Status reads the meta data; it does not touch records.
func (db *DB) Status() (*Status, error) {
	s := &Status{Path: db.path}
	err := db.view(func(tx *bolt.Tx) error {
		s.Size = tx.Size()
		s.Updated = parseTime(tx.Bucket(bucketMeta).Get(keyUpdated))
		return tx.Bucket(bucketEco).ForEachBucket(func(name []byte) error {
			b := tx.Bucket(bucketEco).Bucket(name)
			n, _ := strconv.Atoi(string(b.Get(keyCount)))
			s.Ecosystems = append(s.Ecosystems, EcosystemStatus{
				Name:     string(name),
				Records:  n,
				Source:   string(b.Get(keySource)),
				Updated:  parseTime(b.Get(keyUpdated)),
				Newest:   parseTime(b.Get(keyNewest)),
				LastFull: parseTime(b.Get(keyLastFull)),
			})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sortEcosystems(s.Ecosystems)
	return s, nil
}

// sortEcosystems puts known ecosystems in ecosystem.All order, others after
// them by name, so status output is stable.
func sortEcosystems(es []EcosystemStatus) {
	rank := func(n string) int {
		for i, e := range ecosystem.All {
			if e == n {
				return i
			}
		}
		return len(ecosystem.All)
	}
	sort.Slice(es, func(i, j int) bool {
		ri, rj := rank(es[i].Name), rank(es[j].Name)
		if ri != rj {
			return ri < rj
		}
		return es[i].Name < es[j].Name
	})
}

func parseTime(b []byte) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, string(b))
	return t
}

func formatTime(t time.Time) []byte {
	return []byte(t.UTC().Format(time.RFC3339Nano))
}

// Records are stored as raw DEFLATE with a preset dictionary (see
// flateDict): no gzip header (18 bytes per record saved; bbolt's page
// structure already guards integrity) and no zstd in the standard library.
var flatePool = sync.Pool{New: func() any {
	w, _ := inflate.NewWriterDict(nil, inflate.DefaultCompression, []byte(flateDict))
	return w
}}

func compress(raw []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(raw) / 3)
	w := flatePool.Get().(*inflate.Writer)
	w.Reset(&buf)
	w.Write(raw)
	w.Close()
	flatePool.Put(w)
	return buf.Bytes()
}

// maxStoredRecord bounds decompression of a stored value: a damaged or
// hostile file must not make a lookup allocate without limit.
const maxStoredRecord = maxRecordBytes

func decompress(v []byte) ([]byte, error) {
	var rb recordBuf
	raw, err := rb.inflate(v)
	if err != nil {
		return nil, err
	}
	return raw, nil
}

// recordBuf is the preset dictionary followed by room for one record: the
// decoder reaches back into the dictionary as into earlier output. Pooled,
// because a scan reads records one after another.
type recordBuf struct{ b []byte }

var (
	recordBufs = sync.Pool{New: func() any { return new(recordBuf) }}
	dictBytes  = []byte(flateDict)
)

// inflate decompresses a stored value into rb and returns the record, which
// stays valid until rb's next use. A record's size is not stored, so the
// room is a guess from the stored size, made larger when the record does
// not fit (records inflate to 3-8 times their stored size, so a second
// pass is rare); it is bounded by maxStoredRecord.
func (rb *recordBuf) inflate(v []byte) ([]byte, error) {
	dict := dictBytes
	limit := len(dict) + maxStoredRecord + 1
	for want := len(dict) + max(8*len(v), 4<<10); ; want *= 4 {
		buf := rb.b[:cap(rb.b)]
		if len(buf) < min(want, limit) {
			buf = make([]byte, min(want, limit))
			rb.b = buf
		}
		buf = buf[:min(len(buf), limit)]
		n, err := inflate.DecodeDict(buf, dict, v)
		switch {
		case err == nil && n <= maxStoredRecord:
			return buf[len(dict) : len(dict)+n], nil
		case err == nil || errors.Is(err, inflate.ErrOutputFull) && len(buf) == limit:
			return nil, fmt.Errorf("record larger than %d bytes", maxStoredRecord)
		case !errors.Is(err, inflate.ErrOutputFull):
			return nil, err
		}
	}
}
