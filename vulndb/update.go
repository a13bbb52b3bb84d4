package vulndb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// Mode says how an ecosystem was brought up to date.
type Mode string

const (
	ModeFull        Mode = "full"        // all.zip was read
	ModeIncremental Mode = "incremental" // only records listed as modified were fetched
	ModeUnchanged   Mode = "unchanged"   // the source said nothing changed
)

const (
	// fullEvery forces a periodic full read: modified_id.csv does not list
	// records that were deleted from the source, only changed ones.
	fullEvery = 30 * 24 * time.Hour
	// incrementalMargin widens the modified_id.csv window before the last
	// update, so that records exported late or stamped by a skewed clock are
	// not missed. Records in the window that are already stored with the same
	// "modified" are not fetched again, so the margin costs only CSV lines.
	incrementalMargin = 48 * time.Hour
	// fetchWorkers is the number of records fetched in parallel in an
	// incremental update.
	fetchWorkers = 4
)

// batchRecords bounds the records written per bbolt transaction so that a
// full import does not hold every dirty page in memory. A variable so that
// tests can interrupt between small batches.
var batchRecords = 2000

// maxIncremental is how many records may be fetched one by one before the
// whole all.zip is cheaper. A record fetched alone costs its uncompressed
// JSON (osv.dev records average 2-3 KiB) plus about 1 KiB of request and
// response headers, ~4 KiB, while the zip costs zipBytes in one request; so
// the break-even is zipBytes/4 KiB changed records (about 5,000 for today's
// 22 MB npm zip, 0 for a 3 KB zip, where the zip always wins).
func maxIncremental(zipBytes int64) int {
	return int(zipBytes / incrementalFetchCost)
}

// UpdateOptions configures Update.
type UpdateOptions struct {
	// Source is the export root: an http(s) URL or a local directory in the
	// same layout. Default: osv.dev's public bucket.
	Source string
	// Ecosystems to fetch, in OSV spelling (any case for known ones).
	// Default: ecosystem.All. Ecosystems not listed are kept as they are.
	Ecosystems []string
	// Client for http(s) sources. Default: http.DefaultClient.
	Client *http.Client
	// Progress receives a bar per download on a terminal and one line per
	// ecosystem otherwise. Nil is silent.
	Progress io.Writer
	// OwnSummaries leaves each ecosystem's summary line off Progress when
	// it is not a terminal: the caller reports the UpdateResult itself
	// (`db update` prints it on stdout) and wants it once.
	OwnSummaries bool
	// Now is the clock (tests). Default: time.Now.
	Now func() time.Time
	// Full ignores modified_id.csv and stored validators and reads every
	// all.zip again.
	Full bool
}

// UpdateResult reports what an update or import did.
type UpdateResult struct {
	Path         string
	Source       string
	Ecosystems   []EcosystemResult
	BytesFetched int64
}

// EcosystemResult reports one ecosystem.
type EcosystemResult struct {
	Ecosystem    string
	Mode         Mode
	Added        int // records new to this ecosystem
	Changed      int // records whose content changed
	Removed      int // records no longer in the ecosystem's all.zip
	Records      int // records in the ecosystem afterwards
	BytesFetched int64
	// Invalid lists records that were skipped because they are not valid
	// OSV JSON (or exceed the record size limit); the rest were stored.
	Invalid []InvalidRecord
	// Note says why a full read was done when an incremental one was
	// possible in principle ("no modified_id.csv", "5123 changed records").
	Note string
}

// Invalid returns the invalid records of all ecosystems.
func (r *UpdateResult) Invalid() []InvalidRecord {
	var out []InvalidRecord
	for _, e := range r.Ecosystems {
		out = append(out, e.Invalid...)
	}
	return out
}

// testHook, when set by tests, is called at every step where an update can be
// interrupted; a non-nil error aborts the update there, as a failing disk or
// network would.
var testHook func(step string) error

// Update brings the database at path up to date from opts.Source. On any error
// (network, disk, ctx) the previous database is left exactly as it was.
func Update(ctx context.Context, path string, opts UpdateOptions) (*UpdateResult, error) {
	src, err := newSource(opts.Source, opts.Client)
	if err != nil {
		return nil, err
	}
	ecos := opts.Ecosystems
	if len(ecos) == 0 {
		ecos = ecosystem.All
	}
	var list []string
	seen := map[string]bool{}
	for _, e := range ecos {
		k := ecoKey(strings.TrimSpace(e))
		if k == "" || k == "." || k == ".." || strings.ContainsAny(k, "/\\\x00") {
			return nil, fmt.Errorf("update %s: bad ecosystem name %q", path, e)
		}
		if !seen[k] {
			seen[k] = true
			list = append(list, k)
		}
	}
	return run(ctx, path, src, list, opts)
}

// Import loads an offline copy into the database at path. src is either a
// directory in the export layout (<Ecosystem>/all.zip, optionally
// ecosystems.txt; only ecosystems fnguard knows are imported) or a single
// all.zip, whose ecosystem is the one its records name most.
func Import(ctx context.Context, path, src string) (*UpdateResult, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, fmt.Errorf("import %s: %v", src, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("import %s: %v", src, err)
	}
	if !fi.IsDir() {
		f, err := os.Open(abs)
		if err != nil {
			return nil, fmt.Errorf("import %s: %v", src, err)
		}
		eco, err := zipEcosystem(f, fi.Size(), abs)
		f.Close()
		if err != nil {
			return nil, err
		}
		return run(ctx, path, &zipFileSource{path: abs, eco: eco}, []string{eco}, UpdateOptions{})
	}
	ds := dirSource(abs)
	candidates := ecosystem.All
	if resp, err := ds.fetch(ctx, "", fileEcosystems, validators{}, maxEcosystemsTxt); err != nil {
		return nil, fmt.Errorf("import %s: %v", src, err)
	} else if !resp.notFound {
		b, err := readAllLimited(resp, maxEcosystemsTxt)
		resp.Close()
		if err != nil {
			return nil, fmt.Errorf("import %s: %v", ds.where("", fileEcosystems), err)
		}
		candidates = parseEcosystems(b)
	}
	var ecos []string
	for _, e := range candidates {
		k := ecosystem.Canonical(e)
		if k == "" || strings.Contains(e, ":") {
			continue
		}
		if fi, err := os.Stat(ds.where(k, fileAllZip)); err == nil && fi.Mode().IsRegular() {
			ecos = append(ecos, k)
		}
	}
	if len(ecos) == 0 {
		return nil, fmt.Errorf("import %s: no <Ecosystem>/all.zip for any ecosystem fnguard knows", src)
	}
	return run(ctx, path, ds, ecos, UpdateOptions{})
}

type updater struct {
	path  string
	src   source
	prog  *progress
	now   time.Time
	force bool
	db    *bolt.DB
	// tx is set when the update writes the live file in place: every
	// change goes into this one transaction, committed at the very end.
	tx *bolt.Tx
	// planning is set while an in-place update reads the live file and
	// fetches what changed, under a shared lock that scans can hold too;
	// the writes wait in pending until the file is locked for writing.
	planning bool
	pending  []func() error
}

// write runs fn, or keeps it for later while the update is planning.
func (u *updater) write(fn func() error) error {
	if u.planning {
		u.pending = append(u.pending, fn)
		return nil
	}
	return fn()
}

// plan fetches what changed in each ecosystem, its writes kept in
// u.pending; it stops at the first error.
func (u *updater) plan(ctx context.Context, ecos []string) ([]*EcosystemResult, error) {
	var results []*EcosystemResult
	for _, eco := range ecos {
		er, err := u.updateEco(ctx, eco)
		if err != nil {
			return nil, err
		}
		results = append(results, er)
	}
	return results, nil
}

// errNeedFull stops an in-place update: an ecosystem needs its whole
// all.zip read, which the copy-and-rename path does.
var errNeedFull = errors.New("a full read is needed")

// inPlaceWait bounds the wait for scans that hold the live file open; past
// it the update builds a copy instead, which needs no lock on the file.
const inPlaceWait = 5 * time.Second

func (u *updater) view(fn func(*bolt.Tx) error) error {
	if u.tx != nil {
		return fn(u.tx)
	}
	return u.db.View(fn)
}

func (u *updater) update(fn func(*bolt.Tx) error) error {
	if u.tx != nil {
		return fn(u.tx)
	}
	return u.db.Update(fn)
}

func (u *updater) step(ctx context.Context, name string) error {
	if testHook != nil {
		if err := testHook(name); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func run(ctx context.Context, path string, src source, ecos []string, o UpdateOptions) (res *UpdateResult, err error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	u := &updater{path: path, src: src, prog: newProgress(o.Progress), now: now(), force: o.Full}
	u.prog.noSummaries = o.OwnSummaries && !u.prog.tty
	res = &UpdateResult{Path: path, Source: src.String()}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("update %s: %v", path, err)
	}
	unlock, err := lock(ctx, path+".lock", u.prog)
	if err != nil {
		return nil, err
	}
	defer unlock()
	removeTemps(path)
	if err := u.step(ctx, "locked"); err != nil {
		return nil, err
	}
	if !o.Full {
		ok, err := u.inPlace(ctx, ecos, res)
		if err != nil || ok {
			if err != nil {
				return nil, err
			}
			return res, nil
		}
		res.Ecosystems, res.BytesFetched = nil, 0
	}

	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("update %s: %v", path, err)
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if u.db != nil {
			u.db.Close()
		}
		if !done {
			os.Remove(tmpName)
		}
	}()
	if err := copyPrevious(path, tmp, u.prog); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("update %s: %v", tmpName, err)
	}
	// NoSync: the file is private until renamed, and it is synced once,
	// before the rename; per-transaction fsyncs would only slow the build.
	u.db, err = bolt.Open(tmpName, 0o644, &bolt.Options{NoSync: true, Timeout: openTimeout})
	if err != nil {
		return nil, fmt.Errorf("update %s: %v", tmpName, err)
	}
	if err := u.db.Update(initBuckets); err != nil {
		return nil, fmt.Errorf("update %s: %v", tmpName, err)
	}
	if err := u.step(ctx, "copied"); err != nil {
		return nil, err
	}

	for _, eco := range ecos {
		er, err := u.updateEco(ctx, eco)
		if err != nil {
			return nil, err
		}
		res.Ecosystems = append(res.Ecosystems, *er)
		res.BytesFetched += er.BytesFetched
		u.prog.summary(er)
	}

	err = u.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyUpdated, formatTime(u.now))
	})
	if err != nil {
		return nil, fmt.Errorf("update %s: %v", tmpName, err)
	}
	if err := u.step(ctx, "compact"); err != nil {
		return nil, err
	}
	final, err := compact(u.db, path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if !done {
			os.Remove(final)
		}
	}()
	u.db.Close()
	u.db = nil
	os.Remove(tmpName)
	tmpName = final
	if err := u.step(ctx, "rename"); err != nil {
		return nil, err
	}
	if err := os.Rename(tmpName, path); err != nil {
		return nil, fmt.Errorf("update %s: %v", path, err)
	}
	done = true
	// Without syncing the directory, a power loss could forget the rename
	// even though the update reported success.
	syncDir(dir)
	return res, nil
}

// inPlace brings the live database up to date in one bbolt write
// transaction when no ecosystem needs a full read: the common case (nothing
// or a few records changed) then costs what changed, not a copy and a
// compaction of the whole file. bbolt commits by writing new pages and then
// one meta page, fsynced, so a kill at any point leaves the previous state;
// nothing is committed before every ecosystem has been fetched and written.
// Everything is fetched first, under a shared lock; the file is locked for
// writing only to write. It returns false, having changed nothing, when the
// copy-and-rename path
// must do the update: no valid database yet, a full read needed, or scans
// holding the file past inPlaceWait.
func (u *updater) inPlace(ctx context.Context, ecos []string, res *UpdateResult) (bool, error) {
	prev, err := Open(u.path)
	if err != nil {
		if errors.Is(err, ErrNoDatabase) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrLocked) {
			return false, nil
		}
		return false, err
	}
	prev.Close()
	// Plan under a shared lock: read what is stored and fetch what changed
	// while scans keep reading. Only the writes wait for the exclusive lock,
	// so a slow network never holds scans up. The update lock (run) keeps
	// any other update from changing the file between the two.
	ro, err := bolt.Open(u.path, 0, &bolt.Options{ReadOnly: true, Timeout: liveOpenTimeout})
	if err != nil {
		return false, nil
	}
	u.db, u.planning, u.pending = ro, true, nil
	results, err := u.plan(ctx, ecos)
	ro.Close()
	u.db, u.planning = nil, false
	if err != nil {
		u.pending = nil
		if errors.Is(err, errNeedFull) {
			return false, nil
		}
		return false, err
	}

	db, err := bolt.Open(u.path, 0o644, &bolt.Options{Timeout: inPlaceWait})
	if err != nil {
		u.pending = nil
		return false, nil
	}
	tx, err := db.Begin(true)
	if err != nil {
		db.Close()
		u.pending = nil
		return false, nil
	}
	u.db, u.tx = db, tx
	defer func() {
		if u.tx != nil {
			u.tx.Rollback()
		}
		u.db.Close()
		u.db, u.tx, u.pending = nil, nil, nil
	}()
	if err := u.step(ctx, "writing"); err != nil {
		return false, err
	}
	for _, fn := range u.pending {
		if err := fn(); err != nil {
			return false, err
		}
	}
	if err := tx.Bucket(bucketMeta).Put(keyUpdated, formatTime(u.now)); err != nil {
		return false, fmt.Errorf("update %s: %v", u.path, err)
	}
	if err := u.step(ctx, "commit"); err != nil {
		return false, err
	}
	u.tx = nil
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("update %s: %v", u.path, err)
	}
	for _, er := range results {
		res.Ecosystems = append(res.Ecosystems, *er)
		res.BytesFetched += er.BytesFetched
		u.prog.summary(er)
	}
	return true, nil
}

func (e *EcosystemResult) summary() string {
	s := fmt.Sprintf("%s: %s, %d records (+%d ~%d -%d), %s", e.Ecosystem, e.Mode, e.Records, e.Added, e.Changed, e.Removed, humanBytes(e.BytesFetched))
	if len(e.Invalid) > 0 {
		s += fmt.Sprintf(", %d invalid skipped", len(e.Invalid))
	}
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// compact writes src, densely packed, to a new temporary file beside path and
// fsyncs it. Records arrive in zip order, interleaved across ecosystems, which
// leaves bbolt pages half full; and incremental updates leave free pages
// behind. Rewriting costs about as much as copying and halves the file.
func compact(src *bolt.DB, path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("update %s: %v", path, err)
	}
	name := f.Name()
	f.Close()
	dst, err := bolt.Open(name, 0o644, &bolt.Options{NoSync: true, Timeout: openTimeout})
	if err == nil {
		err = bolt.Compact(dst, src, 64<<20)
		if err == nil {
			dst.NoSync = false
			err = dst.Sync()
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("update %s: compact: %v", name, err)
	}
	return name, nil
}

// copyPrevious starts the new file as a consistent copy of the current
// database, so that ecosystems not being updated are carried over. A corrupt
// or outdated file is not copied: the update rebuilds from scratch.
func copyPrevious(path string, dst *os.File, p *progress) error {
	prev, err := Open(path)
	switch {
	case errors.Is(err, ErrNoDatabase):
		return nil
	case errors.Is(err, ErrCorrupt):
		p.printf("%v; rebuilding", err)
		return nil
	case err != nil:
		return err
	}
	defer prev.Close()
	err = prev.view(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(dst)
		return err
	})
	if errors.Is(err, ErrCorrupt) {
		p.printf("%v; rebuilding", err)
		if err := dst.Truncate(0); err != nil {
			return fmt.Errorf("update %s: %v", dst.Name(), err)
		}
		_, err = dst.Seek(0, io.SeekStart)
	}
	if err != nil {
		return fmt.Errorf("update %s: copy %s: %v", dst.Name(), path, err)
	}
	return nil
}

func initBuckets(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
		return err
	}
	for _, b := range [][]byte{bucketRecords, bucketIndex, bucketEco} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

// ecoState is what the previous database knows about one ecosystem.
type ecoState struct {
	known    bool // stored and fetched from the same source
	updated  time.Time
	newest   time.Time
	lastFull time.Time
	zipBytes int64
	valid    map[string]validators
}

func (u *updater) state(eco string) (*ecoState, error) {
	st := &ecoState{valid: map[string]validators{}}
	err := u.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEco).Bucket([]byte(eco))
		if b == nil || string(b.Get(keySource)) != u.src.String() {
			return nil
		}
		st.known = true
		st.updated = parseTime(b.Get(keyUpdated))
		st.newest = parseTime(b.Get(keyNewest))
		st.lastFull = parseTime(b.Get(keyLastFull))
		st.zipBytes, _ = strconv.ParseInt(string(b.Get(keyZipBytes)), 10, 64)
		if vb := b.Bucket(bucketValid); vb != nil {
			return vb.ForEach(func(k, v []byte) error {
				st.valid[string(k)] = decodeValidators(v)
				return nil
			})
		}
		return nil
	})
	return st, err
}

func (u *updater) updateEco(ctx context.Context, eco string) (*EcosystemResult, error) {
	if err := u.step(ctx, "start "+eco); err != nil {
		return nil, err
	}
	res := &EcosystemResult{Ecosystem: eco}
	st, err := u.state(eco)
	if err != nil {
		return nil, fmt.Errorf("update %s: %v", u.path, err)
	}
	switch {
	case u.force:
	case !st.known:
	case u.now.Sub(st.lastFull) >= fullEvery:
		res.Note = "last full read over 30 days ago"
	default:
		ok, err := u.incremental(ctx, eco, st, res)
		if err != nil || ok {
			return res, err
		}
	}
	if u.tx != nil || u.planning {
		return nil, errNeedFull
	}
	return res, u.full(ctx, eco, st, res)
}

// ecoMeta is written after an ecosystem is brought up to date.
type ecoMeta struct {
	full     bool
	zipBytes int64
	newest   time.Time
	valid    map[string]validators // merged into the stored ones
}

func (u *updater) finishEco(eco string, m ecoMeta, res *EcosystemResult) error {
	return u.update(func(tx *bolt.Tx) error {
		b, err := ecoBucket(tx, eco)
		if err != nil {
			return err
		}
		if string(b.Get(keySource)) != u.src.String() {
			// Validators of another source mean nothing for this one.
			if b.Bucket(bucketValid) != nil {
				if err := b.DeleteBucket(bucketValid); err != nil {
					return err
				}
			}
		}
		puts := map[string][]byte{
			string(keySource):  []byte(u.src.String()),
			string(keyUpdated): formatTime(u.now),
		}
		if m.full {
			puts[string(keyLastFull)] = formatTime(u.now)
			puts[string(keyZipBytes)] = []byte(strconv.FormatInt(m.zipBytes, 10))
		}
		if old := parseTime(b.Get(keyNewest)); m.full || m.newest.After(old) {
			puts[string(keyNewest)] = formatTime(m.newest)
		}
		// Stats counts committed pages only; in-place updates have not
		// committed yet. An incremental update adjusts the stored count:
		// walking every ID made a no-change update's memory grow with the
		// database (48 vs 30 MiB at 6x). A full read, or a count that
		// cannot be read, is counted afresh.
		n, cerr := strconv.Atoi(string(b.Get(keyCount)))
		if m.full || cerr != nil {
			n = 0
			c := b.Bucket(bucketIDs).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				n++
			}
		} else {
			n += res.Added - res.Removed
		}
		res.Records = n
		puts[string(keyCount)] = []byte(strconv.Itoa(n))
		for k, v := range puts {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		vb, err := b.CreateBucketIfNotExists(bucketValid)
		if err != nil {
			return err
		}
		for k, v := range m.valid {
			if err := vb.Put([]byte(k), encodeValidators(v)); err != nil {
				return err
			}
		}
		return nil
	})
}

func ecoBucket(tx *bolt.Tx, eco string) (*bolt.Bucket, error) {
	b, err := tx.Bucket(bucketEco).CreateBucketIfNotExists([]byte(eco))
	if err != nil {
		return nil, err
	}
	if _, err := b.CreateBucketIfNotExists(bucketIDs); err != nil {
		return nil, err
	}
	return b, nil
}

// full reads the ecosystem's whole all.zip and makes the stored set equal to it.
func (u *updater) full(ctx context.Context, eco string, st *ecoState, res *EcosystemResult) error {
	res.Mode = ModeFull
	where := u.src.where(eco, fileAllZip)
	var prev validators
	if st.known && !u.force {
		prev = st.valid[fileAllZip]
	}
	// The listing's validators, taken before the zip is read, let the next
	// update learn with one conditional request that nothing changed since
	// (the zip read after them is at least as new as that listing).
	valid := map[string]validators{}
	var prevList validators
	if st.known && !u.force {
		prevList = st.valid[fileModifiedIDs]
	}
	if v, ok := u.listingValidators(ctx, eco, prevList); ok {
		valid[fileModifiedIDs] = v
	}
	resp, err := u.src.fetch(ctx, eco, fileAllZip, prev, maxZipBytes)
	if err != nil {
		return err
	}
	defer resp.Close()
	switch {
	case resp.notFound:
		return fmt.Errorf("%s: not found", where)
	case resp.notModified:
		res.Mode = ModeUnchanged
		return u.finishEco(eco, ecoMeta{newest: st.newest, valid: valid}, res)
	}
	valid[fileAllZip] = resp.valid
	ra, size, err := u.local(ctx, resp, eco, where)
	if err != nil {
		return err
	}
	res.BytesFetched += size
	if f, ok := ra.(*os.File); ok && f != resp.file {
		defer os.Remove(f.Name())
		defer f.Close()
	}
	if err := u.step(ctx, "fetched "+eco); err != nil {
		return err
	}

	w := &writer{u: u, eco: eco}
	seen := map[string]bool{}
	var newest time.Time
	invalid, err := readZip(ra, size, where, func(z zipRecord) error {
		seen[z.rec.ID] = true
		if z.rec.Modified.After(newest) {
			newest = z.rec.Modified
		}
		return w.put(ctx, z, res)
	})
	res.Invalid = invalid
	if err == nil {
		err = w.removeUnseen(ctx, seen, res)
	}
	if err == nil {
		err = w.commit()
	}
	if err != nil {
		w.rollback()
		return err
	}
	return u.finishEco(eco, ecoMeta{full: true, zipBytes: size, newest: newest, valid: valid}, res)
}

// listingValidators returns the current validators of modified_id.csv
// without reading it. Any failure only costs the next update one full
// read of the listing.
func (u *updater) listingValidators(ctx context.Context, eco string, prev validators) (validators, bool) {
	resp, err := u.src.fetch(ctx, eco, fileModifiedIDs, prev, maxCSVBytes)
	if err != nil {
		return validators{}, false
	}
	resp.Close()
	if resp.notFound || resp.valid.empty() {
		return validators{}, false
	}
	return resp.valid, true
}

// local returns the zip as a ReaderAt: local files are used in place, remote
// ones are downloaded to a temporary file beside the database (zip needs
// random access, and the database directory is known to be writable and to
// have room for data of this size).
func (u *updater) local(ctx context.Context, resp *response, eco, where string) (io.ReaderAt, int64, error) {
	if resp.file != nil {
		return resp.file, resp.size, nil
	}
	f, err := os.CreateTemp(filepath.Dir(u.path), filepath.Base(u.path)+".tmp-*")
	if err != nil {
		return nil, 0, fmt.Errorf("update %s: %v", u.path, err)
	}
	r, finish := u.prog.track(resp.body, resp.size, eco)
	n, err := io.Copy(f, r)
	finish()
	if err == nil && resp.size >= 0 && n != resp.size {
		err = fmt.Errorf("got %d of %d bytes", n, resp.size)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, fmt.Errorf("GET %s: %v", where, err)
	}
	return f, n, nil
}

// incremental fetches only the records modified_id.csv lists as changed. It
// returns false (and no error) when a full read is the better choice.
func (u *updater) incremental(ctx context.Context, eco string, st *ecoState, res *EcosystemResult) (bool, error) {
	where := u.src.where(eco, fileModifiedIDs)
	resp, err := u.src.fetch(ctx, eco, fileModifiedIDs, st.valid[fileModifiedIDs], maxCSVBytes)
	if err != nil {
		return false, err
	}
	defer resp.Close()
	switch {
	case resp.notFound:
		res.Note = "no " + fileModifiedIDs
		return false, nil
	case resp.notModified:
		res.Mode = ModeUnchanged
		return true, u.write(func() error { return u.finishEco(eco, ecoMeta{newest: st.newest}, res) })
	}
	body := io.Reader(resp.body)
	if resp.file != nil {
		body = resp.file
	}
	cr := &countingReader{r: body}
	max := maxIncremental(st.zipBytes)
	var stored map[string]time.Time
	err = u.view(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketEco).Bucket([]byte(eco)).Bucket(bucketIDs)
		stored = map[string]time.Time{}
		return ids.ForEach(func(k, v []byte) error {
			stored[string(k)] = parseTime(v)
			return nil
		})
	})
	if err != nil {
		return false, fmt.Errorf("update %s: %v", u.path, err)
	}
	need := func(e modifiedEntry) bool {
		t, ok := stored[e.ID]
		return !ok || !t.Equal(e.Modified)
	}
	todo, err := readModifiedIDs(cr, st.updated.Add(-incrementalMargin), max, need)
	res.BytesFetched += cr.n
	if errors.Is(err, errTooMany) {
		res.Note = fmt.Sprintf("over %d changed records", max)
		return false, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, fmt.Errorf("%s: %v", where, err)
	}
	res.Mode = ModeIncremental
	if err := u.step(ctx, "listed "+eco); err != nil {
		return false, err
	}
	recs, missing, err := u.fetchRecords(ctx, eco, todo, res)
	if err != nil {
		return false, err
	}
	if missing != "" {
		// The listing and the files disagree (export in progress); the zip
		// is self-consistent.
		res.Note = missing + " listed but not found"
		res.Invalid = nil
		return false, nil
	}
	if len(todo) == 0 {
		res.Mode = ModeUnchanged
	}
	valid := resp.valid
	return true, u.write(func() error {
		w := &writer{u: u, eco: eco}
		newest := st.newest
		for _, z := range recs {
			if z.rec.Modified.After(newest) {
				newest = z.rec.Modified
			}
			if err := w.put(ctx, z, res); err != nil {
				w.rollback()
				return err
			}
		}
		if err := w.commit(); err != nil {
			return err
		}
		return u.finishEco(eco, ecoMeta{newest: newest, valid: map[string]validators{fileModifiedIDs: valid}}, res)
	})
}

// fetchRecords fetches <eco>/<ID>.json for each entry. Invalid records are
// added to res.Invalid; a record that is not found is reported by name.
func (u *updater) fetchRecords(ctx context.Context, eco string, todo []modifiedEntry, res *EcosystemResult) ([]zipRecord, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]fetchResult, len(todo))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(fetchWorkers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = u.fetchRecord(ctx, eco, todo[i].ID)
				r := &results[i]
				if r.err != nil {
					cancel()
				}
			}
		}()
	}
	for i := range todo {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var out []zipRecord
	for i, r := range results {
		res.BytesFetched += r.n
		switch {
		case r.err != nil:
			return nil, "", r.err
		case r.missing:
			return nil, todo[i].ID, nil
		case r.invalid != nil:
			res.Invalid = append(res.Invalid, *r.invalid)
		case r.z.rec != nil:
			out = append(out, r.z)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	return out, "", nil
}

type fetchResult struct {
	z       zipRecord
	invalid *InvalidRecord
	missing bool
	n       int64
	err     error
}

func (u *updater) fetchRecord(ctx context.Context, eco, id string) (r fetchResult) {
	name := id + ".json"
	where := u.src.where(eco, name)
	resp, err := u.src.fetch(ctx, eco, name, validators{}, maxRecordBytes)
	if err != nil {
		r.err = err
		return r
	}
	defer resp.Close()
	if resp.notFound {
		r.missing = true
		return r
	}
	raw, err := readAllLimited(resp, maxRecordBytes+1)
	r.n = int64(len(raw))
	if err != nil {
		if ctx.Err() != nil {
			r.err = ctx.Err()
		} else {
			r.err = fmt.Errorf("GET %s: %v", where, err)
		}
		return r
	}
	rec, err := osv.Parse(raw)
	switch {
	case len(raw) > maxRecordBytes:
		r.invalid = &InvalidRecord{Name: where, Err: "exceeds the record limit"}
	case err != nil:
		r.invalid = &InvalidRecord{Name: where, Err: err.Error()}
	case rec.ID != id:
		r.invalid = &InvalidRecord{Name: where, Err: fmt.Sprintf("id %q does not match the file name", rec.ID)}
	default:
		r.z = zipRecord{rec: rec, raw: raw}
	}
	return r
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// writer applies record changes to the new file in batches.
type writer struct {
	u   *updater
	eco string
	tx  *bolt.Tx
	n   int
}

func (w *writer) begin() error {
	if w.tx != nil {
		return nil
	}
	if w.u.tx != nil {
		w.tx = w.u.tx
		return nil
	}
	tx, err := w.u.db.Begin(true)
	if err != nil {
		return fmt.Errorf("update %s: %v", w.u.path, err)
	}
	w.tx = tx
	if _, err := ecoBucket(tx, w.eco); err != nil {
		return fmt.Errorf("update %s: %v", w.u.path, err)
	}
	return nil
}

func (w *writer) commit() error {
	if w.tx == nil {
		return nil
	}
	if w.tx == w.u.tx {
		w.tx = nil // committed with the whole update
		return nil
	}
	err := w.tx.Commit()
	w.tx = nil
	if err != nil {
		return fmt.Errorf("update %s: %v", w.u.path, err)
	}
	return nil
}

func (w *writer) rollback() {
	if w.tx != nil && w.tx != w.u.tx {
		w.tx.Rollback()
	}
	w.tx = nil
}

// tick counts one write and commits a batch when it is full. Each commit is
// an interruption point: a batch written to the temporary file is not yet
// visible to anyone.
func (w *writer) tick(ctx context.Context) error {
	w.n++
	if w.n%batchRecords != 0 {
		return ctx.Err()
	}
	if err := w.commit(); err != nil {
		return err
	}
	if err := w.u.step(ctx, "batch "+w.eco); err != nil {
		return err
	}
	return w.begin()
}

// put stores one record as a member of the writer's ecosystem.
func (w *writer) put(ctx context.Context, z zipRecord, res *EcosystemResult) error {
	if err := w.begin(); err != nil {
		return err
	}
	tx := w.tx
	id := []byte(z.rec.ID)
	ids := tx.Bucket(bucketEco).Bucket([]byte(w.eco)).Bucket(bucketIDs)
	recs := tx.Bucket(bucketRecords)
	member := ids.Get(id) != nil
	comp := compress(z.raw)
	old := recs.Get(id)
	same := old != nil && bytes.Equal(old, comp)
	if !same {
		if old != nil {
			if err := w.unindex(old); err != nil {
				return err
			}
		}
		if err := recs.Put(id, comp); err != nil {
			return fmt.Errorf("update %s: %v", w.u.path, err)
		}
		idx := tx.Bucket(bucketIndex)
		for _, k := range indexKeys(z.rec) {
			if err := idx.Put(k, nil); err != nil {
				return fmt.Errorf("update %s: %v", w.u.path, err)
			}
		}
	}
	if err := ids.Put(id, formatTime(z.rec.Modified)); err != nil {
		return fmt.Errorf("update %s: %v", w.u.path, err)
	}
	switch {
	case !member:
		res.Added++
	case !same:
		res.Changed++
	}
	return w.tick(ctx)
}

// unindex removes the index entries of a stored record. A stored value that
// no longer decodes cannot be unindexed; lookups re-check the record, so its
// stale entries are harmless.
func (w *writer) unindex(stored []byte) error {
	raw, err := decompress(stored)
	if err != nil {
		return nil
	}
	rec, err := osv.Parse(raw)
	if err != nil {
		return nil
	}
	idx := w.tx.Bucket(bucketIndex)
	for _, k := range indexKeys(rec) {
		if err := idx.Delete(k); err != nil {
			return fmt.Errorf("update %s: %v", w.u.path, err)
		}
	}
	return nil
}

// removeUnseen drops the ecosystem's membership of records not in its zip,
// and the records themselves once no ecosystem has them.
func (w *writer) removeUnseen(ctx context.Context, seen map[string]bool, res *EcosystemResult) error {
	if err := w.begin(); err != nil {
		return err
	}
	var gone [][]byte
	ids := w.tx.Bucket(bucketEco).Bucket([]byte(w.eco)).Bucket(bucketIDs)
	ids.ForEach(func(k, _ []byte) error {
		if !seen[string(k)] {
			gone = append(gone, bytes.Clone(k))
		}
		return nil
	})
	for _, id := range gone {
		if err := w.remove(id); err != nil {
			return err
		}
		res.Removed++
		if err := w.tick(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) remove(id []byte) error {
	tx := w.tx
	ecos := tx.Bucket(bucketEco)
	if err := ecos.Bucket([]byte(w.eco)).Bucket(bucketIDs).Delete(id); err != nil {
		return fmt.Errorf("update %s: %v", w.u.path, err)
	}
	shared := false
	ecos.ForEachBucket(func(name []byte) error {
		if ids := ecos.Bucket(name).Bucket(bucketIDs); ids != nil && ids.Get(id) != nil {
			shared = true
		}
		return nil
	})
	if shared {
		return nil
	}
	recs := tx.Bucket(bucketRecords)
	if old := recs.Get(id); old != nil {
		if err := w.unindex(old); err != nil {
			return err
		}
	}
	if err := recs.Delete(id); err != nil {
		return fmt.Errorf("update %s: %v", w.u.path, err)
	}
	return nil
}

// lock serialises updaters on a lock file beside the database (the database
// itself is replaced by rename, so it cannot carry the lock). The lock dies
// with its process, so a killed update never blocks the next one.
func lock(ctx context.Context, p string, prog *progress) (func(), error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %v", p, err)
	}
	waited := false
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %v", p, err)
		}
		if ok {
			return func() { f.Close() }, nil
		}
		if !waited {
			prog.printf("waiting for another update of %s", p)
			waited = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// removeTemps deletes temporary files left by updates that were killed.
// Only called with the lock held, so none of them is in use.
func removeTemps(path string) {
	m, _ := filepath.Glob(globEscape(path) + ".tmp-*")
	for _, p := range m {
		os.Remove(p)
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	if filepath.Separator == '\\' {
		r = strings.NewReplacer(`*`, `[*]`, `?`, `[?]`, `[`, `[[]`)
	}
	return r.Replace(s)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
