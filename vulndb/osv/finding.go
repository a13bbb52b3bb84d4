package osv

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Finding is one issue affecting one package version: every record that
// describes it (GHSA, CVE-derived PYSEC, GO, …) folded together. What the
// records say whatever the version is its Advisory, shared by every
// package version the same records match; severity and fixes are the
// version's own (a record can score or fix one range differently).
type Finding struct {
	*Advisory

	Severity       string  // critical|high|medium|low|unscored
	Score          float64 // CVSS score; 0 when unscored, label-only or malicious
	Vector         string
	SeveritySource string // "CVSS_V3", "CVSS_V4", "CVSS_V2", "database_specific.severity", "Ubuntu", "malicious"; prefixed "alias <ID> " when another grouped record supplied it
	// SeverityType is the type of the vector or label that decided Severity
	// (SeveritySource without the alias prefix): with v3 and v4 vectors on
	// one record the higher base score wins, and Vector/SeverityType say
	// which one that was.
	SeverityType string

	Fixed []string // fixed versions above the scanned one, from the entries that matched, in version order
}

// Advisory is what a group of aliased records says of itself. It is shared
// and must not be changed once built.
type Advisory struct {
	ID         string   // primary ID, always one of Records (see primaryRank)
	Aliases    []string // every other ID of the issue, sorted
	Summary    string
	Malicious  bool // a MAL- record is in the group; always critical
	CWEs       []string
	References []string
	Records    []*Record // the grouped records, primary first
}

// primaryRank orders IDs for the choice of a Finding's primary ID: MAL-
// first (the malicious verdict is the news), then GHSA- (reviewed, carries
// severity and CWEs), then an ecosystem-native ID (PYSEC, GO, RUSTSEC, …),
// then CVE-. Ties go to the lexically smallest ID. The primary is chosen
// among the grouped records only, never a bare alias, so `fnguard show ID`
// always finds it; allowlists should match ID and Aliases alike.
func primaryRank(id string) int {
	switch {
	case strings.HasPrefix(id, "MAL-"):
		return 0
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	case strings.HasPrefix(id, "CVE-"):
		return 3
	}
	return 2
}

func comparePrimary(a, b *Record) int {
	if c := cmp.Compare(primaryRank(a.ID), primaryRank(b.ID)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

type hit struct {
	rec     *Record
	entries []*Affected
}

// MatchPackage matches one package version against the records the store
// returned for its name. Withdrawn records are skipped; a record affects the
// version when any entry for the package does (see Affects). Records that
// are aliases of each other — through their `aliases` lists, transitively,
// including IDs no record here carries — become one Finding. `related` is
// not followed: it links different issues by definition.
//
// The version is validated first, whatever the records: an error wrapping
// ErrUnparseableVersion means the package could not be checked and must be
// reported as such. Findings are sorted by SeverityRank, then ID.
//
// Each call works alone; a scan of many packages shares the work through
// one Matcher.
func MatchPackage(records []*Record, eco, name, version string) ([]Finding, error) {
	return (*Matcher)(nil).Match(records, eco, name, version)
}

// Matcher matches the packages of one scan and shares among them what
// they would each compute again: the Advisory of each group of records (at
// 200,000 packages the aliases, CWEs and references copied into every
// finding were a tenth of the scan's live memory), the database's versions
// read into their ecosystem's ordering (see cached), the index of each long
// `versions` list and whether a record affects a candidate fix. The zero
// value is ready; nil shares nothing. Safe for concurrent use.
type Matcher struct {
	mu sync.Mutex
	m  map[advisoryKey]*Advisory

	listedMu sync.Mutex
	listedIx map[*Affected]*listedIndex
	affMu    sync.Mutex
	aff      map[affectsKey]bool
	parsed   sync.Map // parseKey -> parseResult: see cached
}

type affectsKey struct {
	r                  *Record
	eco, name, version string
}

// pkgVersion prepares a version for matching within this scan;
// fromRecord says it is a record's (see preparePkgVersion).
func (mt *Matcher) pkgVersion(eco, version string, fromRecord bool) (*pkgVersion, error) {
	return preparePkgVersion(mt, eco, version, fromRecord)
}

func (mt *Matcher) listed(e *Affected) *listedIndex {
	mt.listedMu.Lock()
	defer mt.listedMu.Unlock()
	x, ok := mt.listedIx[e]
	if !ok {
		if mt.listedIx == nil {
			mt.listedIx = map[*Affected]*listedIndex{}
		}
		x = newListedIndex(e.Versions)
		mt.listedIx[e] = x
	}
	return x
}

// affects reports whether r affects pv for the package, remembered for
// the scan when mt is not nil.
func (mt *Matcher) affects(r *Record, eco, name string, pv *pkgVersion) bool {
	if mt == nil {
		return len(affectingEntries(r, eco, name, pv)) > 0
	}
	k := affectsKey{r, eco, name, pv.raw}
	mt.affMu.Lock()
	v, ok := mt.aff[k]
	mt.affMu.Unlock()
	if ok {
		return v
	}
	v = len(affectingEntries(r, eco, name, pv)) > 0
	mt.affMu.Lock()
	if mt.aff == nil {
		mt.aff = map[affectsKey]bool{}
	}
	mt.aff[k] = v
	mt.affMu.Unlock()
	return v
}

// advisoryKey names a group by its records, primary first. Groups of more
// records than it holds (rare) are not shared.
type advisoryKey [4]*Record

// Match is MatchPackage, sharing advisories with earlier matches.
func (mt *Matcher) Match(records []*Record, eco, name, version string) ([]Finding, error) {
	pv, err := mt.pkgVersion(eco, version, false)
	if err != nil {
		return nil, err
	}
	byID := map[string]int{}
	var hits []hit
	for _, r := range records {
		if r == nil || r.IsWithdrawn() {
			continue
		}
		entries := affectingEntries(r, eco, name, pv)
		if len(entries) == 0 {
			continue
		}
		if i, dup := byID[r.ID]; dup {
			// The store may hand back two copies; the newer one is authoritative.
			if r.Modified.After(hits[i].rec.Modified) {
				hits[i] = hit{r, entries}
			}
			continue
		}
		byID[r.ID] = len(hits)
		hits = append(hits, hit{r, entries})
	}
	groups := groupAliases(hits)
	findings := make([]Finding, 0, len(groups))
	for _, g := range groups {
		findings = append(findings, buildFinding(mt.advisory(g), g, pv))
	}
	slices.SortFunc(findings, func(a, b Finding) int {
		if c := cmp.Compare(SeverityRank(a.Severity), SeverityRank(b.Severity)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return findings, nil
}

// groupAliases partitions hits into alias groups (union-find over IDs).
func groupAliases(hits []hit) [][]hit {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		root := find(p)
		parent[x] = root
		return root
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[ra] = rb
		}
	}
	for _, h := range hits {
		for _, a := range h.rec.Aliases {
			if a = strings.TrimSpace(a); a != "" {
				union(h.rec.ID, a)
			}
		}
	}
	idx := map[string]int{}
	var groups [][]hit
	for _, h := range hits {
		root := find(h.rec.ID)
		i, ok := idx[root]
		if !ok {
			i = len(groups)
			idx[root] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], h)
	}
	for _, g := range groups {
		slices.SortFunc(g, func(a, b hit) int { return comparePrimary(a.rec, b.rec) })
	}
	return groups
}

// advisory returns the group's Advisory, built once per Matcher.
func (mt *Matcher) advisory(g []hit) *Advisory {
	if mt == nil || len(g) > len(advisoryKey{}) {
		return buildAdvisory(g)
	}
	var k advisoryKey
	for i, h := range g {
		k[i] = h.rec
	}
	mt.mu.Lock()
	adv, ok := mt.m[k]
	mt.mu.Unlock()
	if ok {
		return adv
	}
	adv = buildAdvisory(g)
	mt.mu.Lock()
	defer mt.mu.Unlock()
	if same, ok := mt.m[k]; ok {
		return same // built meanwhile by another goroutine
	}
	if mt.m == nil {
		mt.m = map[advisoryKey]*Advisory{}
	}
	mt.m[k] = adv
	return adv
}

func buildAdvisory(g []hit) *Advisory {
	primary := g[0].rec
	adv := &Advisory{ID: primary.ID, Records: make([]*Record, 0, len(g))}
	ids := map[string]bool{}
	for _, h := range g {
		adv.Records = append(adv.Records, h.rec)
		ids[h.rec.ID] = true
		for _, a := range h.rec.Aliases {
			if a = strings.TrimSpace(a); a != "" {
				ids[a] = true
			}
		}
		if isMalicious(h.rec) {
			adv.Malicious = true
		}
	}
	delete(ids, primary.ID)
	adv.Aliases = sortedKeys(ids)
	adv.Summary = summaryOf(g)

	cwes := map[string]bool{}
	seenRef := map[string]bool{}
	for _, h := range g {
		for _, c := range dbSpecific(h.rec.DatabaseSpecific).CWEIDs {
			if c = strings.TrimSpace(c); c != "" {
				cwes[c] = true
			}
		}
		for _, ref := range h.rec.References {
			if ref.URL != "" && !seenRef[ref.URL] {
				seenRef[ref.URL] = true
				adv.References = append(adv.References, ref.URL)
			}
		}
	}
	adv.CWEs = sortedKeys(cwes)
	return adv
}

func buildFinding(adv *Advisory, g []hit, pv *pkgVersion) Finding {
	f := Finding{Advisory: adv}
	// Highest confidence wins across the group; among equals (v3 and v4
	// vectors are equals) the higher score, then the record nearer the
	// primary. A GO or PYSEC primary thus
	// shows its GHSA alias's CVSS vector instead of "unscored".
	var best scored
	bestFrom := ""
	for _, h := range g {
		s := recordSeverity(h.rec, h.entries)
		if bestFrom == "" || s.better(best) {
			best, bestFrom = s, h.rec.ID
		}
	}
	f.Severity, f.Score, f.Vector = best.label, best.score, best.vector
	if best.conf > confNone {
		f.SeveritySource, f.SeverityType = best.source, best.source
		if bestFrom != adv.ID {
			f.SeveritySource = fmt.Sprintf("alias %s %s", bestFrom, best.source)
		}
	}
	f.Fixed = fixesAbove(g, pv)
	return f
}

// summaryOf prefers a real summary from any record (most PYSEC records have
// none), then the first line of the primary's details.
func summaryOf(g []hit) string {
	for _, h := range g {
		if s := strings.TrimSpace(h.rec.Summary); s != "" {
			return s
		}
	}
	for _, h := range g {
		line, _, _ := strings.Cut(strings.TrimSpace(h.rec.Details), "\n")
		if line = strings.TrimSpace(line); line != "" {
			if r := []rune(line); len(r) > 160 {
				line = string(r[:157]) + "..."
			}
			return line
		}
	}
	return ""
}

// fixesAbove lists the fixed versions of the matched entries that are above
// the scanned version: a fix below it belongs to a branch the version has
// already left and cannot be the remedy.
func fixesAbove(g []hit, pv *pkgVersion) []string {
	type fix struct {
		raw string
		pv  *pkgVersion
	}
	var fixes []fix
	seen := map[string]bool{}
	for _, h := range g {
		for _, a := range h.entries {
			for _, raw := range fixedValues(*a) {
				if seen[raw] {
					continue
				}
				seen[raw] = true
				fv, err := preparePkgVersion(pv.scan, pv.key, raw, true)
				if err != nil {
					continue
				}
				if c, err := fv.eco.Compare(pv.eco); err == nil && c > 0 {
					fixes = append(fixes, fix{raw, fv})
				}
			}
		}
	}
	slices.SortFunc(fixes, func(a, b fix) int {
		c, _ := a.pv.eco.Compare(b.pv.eco)
		return cmp.Or(c, strings.Compare(a.raw, b.raw))
	})
	out := make([]string, 0, len(fixes))
	for _, f := range fixes {
		out = append(out, f.raw)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
