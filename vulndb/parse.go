package vulndb

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/vulndb/osv"

	"github.com/fnguard/fnguard/internal/inflate"
)

// errTooMany stops reading modified_id.csv once fetching the changed records
// one by one would cost more than the whole all.zip.
var errTooMany = errors.New("too many changed records for an incremental update")

// modifiedEntry is one line of modified_id.csv.
type modifiedEntry struct {
	Modified time.Time
	ID       string
}

// readModifiedIDs reads osv.dev's modified_id.csv ("<RFC 3339>,<ID>" lines,
// newest first) up to the first line older than since and returns the lines
// before it for which need is true. It returns errTooMany as soon as more
// than max lines are needed, so that the rest of a large file is never
// downloaded. Lines out of order make the cut-off unsafe, so they are an
// error rather than a guess.
func readModifiedIDs(r io.Reader, since time.Time, max int, need func(modifiedEntry) bool) ([]modifiedEntry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxCSVLine)
	var out []modifiedEntry
	var prev time.Time
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		ts, id, ok := strings.Cut(text, ",")
		if !ok {
			return nil, fmt.Errorf("line %d: want <modified>,<id>", line)
		}
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(ts))
		if err != nil {
			return nil, fmt.Errorf("line %d: bad time %q", line, ts)
		}
		id = strings.TrimSpace(id)
		if !validID(id) {
			return nil, fmt.Errorf("line %d: bad id %q", line, id)
		}
		if !prev.IsZero() && t.After(prev) {
			return nil, fmt.Errorf("line %d: not sorted newest first", line)
		}
		prev = t
		if t.Before(since) {
			return out, nil
		}
		e := modifiedEntry{Modified: t, ID: id}
		if !need(e) {
			continue
		}
		if len(out) >= max {
			return nil, errTooMany
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	return out, nil
}

// validID accepts the characters OSV IDs use. IDs from modified_id.csv become
// URL paths and file names, so anything that could escape the ecosystem
// directory ("..", "/", "\") is refused.
func validID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':':
		default:
			return false
		}
	}
	return true
}

// parseEcosystems reads ecosystems.txt: one ecosystem per line.
func parseEcosystems(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// InvalidRecord is a record that was skipped because it could not be read.
type InvalidRecord struct {
	Name string // zip entry or URL
	Err  string
}

// zipRecord is one record read from an all.zip or fetched alone.
type zipRecord struct {
	rec *osv.Record
	raw []byte
}

// readZip calls fn for each record in an all.zip, in zip order. Records that
// are not valid OSV JSON are returned as invalid and skipped; a damaged zip
// (bad structure, bad checksum, over a limit) is an error naming where.
func readZip(ra io.ReaderAt, size int64, where string, fn func(zipRecord) error) ([]InvalidRecord, error) {
	zr, err := inflate.NewZipReader(ra, size)
	// Entry names are never used as paths, so an "insecure" name is only
	// checked like any other below.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%s: not a valid zip: %v", where, err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, fmt.Errorf("%s: %d entries exceeds the limit of %d", where, len(zr.File), maxZipEntries)
	}
	var invalid []InvalidRecord
	var total int64
	buf := new(bytes.Buffer)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.Contains(f.Name, "/") || path.Ext(f.Name) != ".json" {
			continue
		}
		if f.UncompressedSize64 > maxRecordBytes {
			invalid = append(invalid, InvalidRecord{Name: f.Name, Err: fmt.Sprintf("%d bytes exceeds the record limit", f.UncompressedSize64)})
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return invalid, fmt.Errorf("%s: %s: %v", where, f.Name, err)
		}
		buf.Reset()
		// The header size is attacker-controlled; the reader is bounded too.
		n, err := buf.ReadFrom(io.LimitReader(rc, maxRecordBytes+1))
		rc.Close()
		if err != nil {
			return invalid, fmt.Errorf("%s: %s: %v", where, f.Name, err)
		}
		if n > maxRecordBytes {
			invalid = append(invalid, InvalidRecord{Name: f.Name, Err: "exceeds the record limit"})
			continue
		}
		if total += n; total > maxZipUncompressed {
			return invalid, fmt.Errorf("%s: more than %d bytes uncompressed", where, int64(maxZipUncompressed))
		}
		raw := bytes.Clone(buf.Bytes())
		rec, err := osv.Parse(raw)
		if err != nil {
			invalid = append(invalid, InvalidRecord{Name: f.Name, Err: err.Error()})
			continue
		}
		if !validID(rec.ID) {
			invalid = append(invalid, InvalidRecord{Name: f.Name, Err: fmt.Sprintf("bad id %q", rec.ID)})
			continue
		}
		if err := fn(zipRecord{rec: rec, raw: raw}); err != nil {
			return invalid, err
		}
	}
	return invalid, nil
}

// zipEcosystem names the ecosystem a lone all.zip belongs to: the known
// ecosystem named by the most records (records may also name others).
func zipEcosystem(ra io.ReaderAt, size int64, where string) (string, error) {
	counts := map[string]int{}
	_, err := readZip(ra, size, where, func(z zipRecord) error {
		seen := map[string]bool{}
		for _, a := range z.rec.Affected {
			if e := ecosystem.Canonical(a.Package.Ecosystem); e != "" && !seen[e] {
				seen[e] = true
				counts[e]++
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	best := ""
	for _, e := range ecosystem.All {
		if counts[e] > counts[best] {
			best = e
		}
	}
	if best == "" {
		return "", fmt.Errorf("%s: no record names an ecosystem fnguard knows", where)
	}
	return best, nil
}
