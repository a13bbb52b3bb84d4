package reach

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// record is the part of an OSV record this package reads itself: enough to
// build the vuln.go.dev indexes, to evaluate toolchain ranges and to know
// whether an advisory names any package at all. The record bytes handed to
// govulncheck are the caller's, unchanged.
type record struct {
	ID        string     `json:"id"`
	Modified  time.Time  `json:"modified"`
	Withdrawn *time.Time `json:"withdrawn,omitempty"`
	Aliases   []string   `json:"aliases,omitempty"`
	Affected  []struct {
		Package struct {
			Name      string `json:"name"`
			Ecosystem string `json:"ecosystem"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges,omitempty"`
		// The vuln.go.dev schema calls the package list "imports".
		EcosystemSpecific struct {
			Imports []struct {
				Path string `json:"path"`
			} `json:"imports,omitempty"`
		} `json:"ecosystem_specific"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced,omitempty"`
		Fixed      string `json:"fixed,omitempty"`
	} `json:"events"`
}

// validID keeps a record id usable as a file name inside the temp DB (no
// separators, no "..") while accepting every id the Go and OSV databases use
// (GO-2021-0113, MAL-2025-2544, GHSA-xxxx-xxxx-xxxx): an ASCII letter or
// digit, then up to 127 of those or ". _ -". Written out rather than as
// the regexp it was, whose {0,127} compiled into a program of thousands of
// instructions at every start of fnguard (1.1 ms, 135 KB).
func validID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if i == 0 || c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// parseRecords decodes and validates the raw records and drops duplicate ids.
// Callers that gather records per module (RecordsFor) naturally produce the
// same record several times (GO-2026-6179 affects both toolchain and
// golang.org/x/mod); the copy with the latest modified time wins so the DB
// stays one file per id, as vuln.go.dev has it.
func parseRecords(raws [][]byte) (map[string]*record, map[string][]byte, error) {
	recs := make(map[string]*record, len(raws))
	bodies := make(map[string][]byte, len(raws))
	for i, raw := range raws {
		var r record
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, nil, fmt.Errorf("reach: record %d: %w", i, err)
		}
		if !validID(r.ID) {
			return nil, nil, fmt.Errorf("reach: record %d: invalid id %q", i, r.ID)
		}
		// govulncheck decodes "modified" as a time.Time and aborts the whole
		// scan on a bad one; catching it here names the culprit.
		if r.Modified.IsZero() {
			return nil, nil, fmt.Errorf("reach: record %s: missing modified time", r.ID)
		}
		if old, ok := recs[r.ID]; ok && !r.Modified.After(old.Modified) {
			continue
		}
		recs[r.ID] = &r
		bodies[r.ID] = raw
	}
	return recs, bodies, nil
}

// Index file shapes of https://go.dev/security/vuln/database#api, as read by
// golang.org/x/vuln/internal/client (schema.go).
type dbMeta struct {
	Modified time.Time `json:"modified"`
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

// moduleVuln deliberately has no "fixed": the client uses it only to skip
// loading entries fixed before the requested version, and govulncheck's
// binary mode requests modules without a version anyway. Leaving it out makes
// the client read every entry listed for the module and decide from the
// entry's own ranges, so correctness does not hinge on re-implementing
// govulncheck's NonSupersededFix.
type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
}

type vulnMeta struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

// writeDB lays recs out under dir the way govulncheck's file:// client reads a
// v1 database: index/db.json, index/modules.json (its presence is how the
// client recognises the v1 layout), index/vulns.json and ID/<ID>.json. The
// client reads the plain .json files, so no .gz copies are written.
func writeDB(dir string, recs map[string]*record, bodies map[string][]byte) error {
	if err := os.MkdirAll(filepath.Join(dir, "index"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "ID"), 0o755); err != nil {
		return err
	}

	ids := make([]string, 0, len(recs))
	for id := range recs {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	var meta dbMeta
	vulns := make([]vulnMeta, 0, len(ids))
	byModule := map[string]*moduleMeta{}
	for _, id := range ids {
		r := recs[id]
		if r.Modified.After(meta.Modified) {
			meta.Modified = r.Modified
		}
		vulns = append(vulns, vulnMeta{ID: id, Modified: r.Modified, Aliases: r.Aliases})
		seen := map[string]bool{}
		for _, a := range r.Affected {
			// OSV exports name the Go ecosystem "Go"; anything else cannot
			// be a Go module even if the name looks like one.
			p := a.Package.Name
			if a.Package.Ecosystem != "Go" || p == "" || seen[p] {
				continue
			}
			seen[p] = true
			m := byModule[p]
			if m == nil {
				m = &moduleMeta{Path: p}
				byModule[p] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: id, Modified: r.Modified})
		}
		if err := os.WriteFile(filepath.Join(dir, "ID", id+".json"), bodies[id], 0o644); err != nil {
			return err
		}
	}
	modules := make([]*moduleMeta, 0, len(byModule))
	for _, m := range byModule {
		modules = append(modules, m)
	}
	sort.Slice(modules, func(i, j int) bool { return modules[i].Path < modules[j].Path })

	for name, v := range map[string]any{"db.json": meta, "modules.json": modules, "vulns.json": vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "index", name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
