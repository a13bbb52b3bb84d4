package osv

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// Range types fnguard evaluates. Any other type (GIT above all) carries no
// evidence about package versions and is skipped, never treated as the end
// of the entry: osv-scanner's `return false` on the first non-version range
// hides the ECOSYSTEM range that follows a GIT range in six PyPI records.
const (
	rangeEcosystem = "ECOSYSTEM"
	rangeSemver    = "SEMVER"
)

// IsWithdrawn reports whether the record was withdrawn. Any timestamp
// counts, even a future one: matching is pure and has no clock, and a
// publisher that set the field has already retracted the claim.
func (r *Record) IsWithdrawn() bool { return r.Withdrawn != nil }

// samePackage decides package identity: equal base ecosystem (case-folded
// for ecosystems fnguard knows) and equal normalised names. Ecosystem
// suffixes only separate two entries when both carry one ("Debian:11" is not
// "Debian:12"), so a bare "Maven" still meets "Maven:https://maven.google.com".
func samePackage(p Package, eco, name string) bool {
	if ecoKey(p.Ecosystem) != ecoKey(eco) {
		return false
	}
	_, sa, okA := strings.Cut(p.Ecosystem, ":")
	_, sb, okB := strings.Cut(eco, ":")
	if okA && okB && sa != sb {
		return false
	}
	key := ecoKey(eco)
	return ecosystem.NormalizeName(key, p.Name) == ecosystem.NormalizeName(key, name)
}

// pkgVersion is a package version prepared once for many records.
type pkgVersion struct {
	key  string // ecosystem as semantic spells it
	raw  string // as the caller gave it
	norm string // NormalizeVersion's result
	eco  semantic.Version
	sem  semantic.Version // SemVer reading, built on first SEMVER range
	lead *string          // leadNumber(norm), on first listed version
	// scan shares work among the packages of one scan; nil shares none.
	scan *Matcher
}

func newPkgVersion(eco, version string) (*pkgVersion, error) {
	return preparePkgVersion(nil, eco, version, false)
}

// preparePkgVersion reads version through the cache when it comes from
// the database (a fix tried for every package of a name); a package's own
// version is read once and caching it would only cost memory.
func preparePkgVersion(scan *Matcher, eco, version string, fromRecord bool) (*pkgVersion, error) {
	key := ecoKey(eco)
	read := func() parseResult {
		n, err := NormalizeVersion(eco, version)
		if err != nil {
			return parseResult{err: err}
		}
		v, err := parseAs(key, false, n)
		if err != nil {
			return parseResult{err: fmt.Errorf("%w: %w", ErrUnparseableVersion, err)}
		}
		return parseResult{v: v, norm: n}
	}
	var r parseResult
	if fromRecord {
		r = scan.cached(parseKey{kind: kindRecordVersion, key: eco, v: version}, read)
	} else {
		r = read()
	}
	if r.err != nil {
		return nil, r.err
	}
	return &pkgVersion{key: key, raw: version, norm: r.norm, eco: r.v, scan: scan}, nil
}

func (pv *pkgVersion) as(semver bool) semantic.Version {
	if !semver {
		return pv.eco
	}
	if pv.sem == nil {
		pv.sem = semantic.ParseSemverVersion(pv.norm)
	}
	return pv.sem
}

// Affects reports whether version of (eco, name) is affected by r. Only
// affected[] entries naming that package count; withdrawn records are not
// special-cased here (MatchPackage skips them). The error wraps
// ErrUnparseableVersion when version is not valid in eco, including
// ecosystems without a known ordering (then also ErrUnsupportedEcosystem).
func Affects(r *Record, eco, name, version string) (bool, error) {
	pv, err := newPkgVersion(eco, version)
	if err != nil {
		return false, err
	}
	return len(affectingEntries(r, eco, name, pv)) > 0, nil
}

// affectingEntries returns the entries of r for the package that contain pv.
func affectingEntries(r *Record, eco, name string, pv *pkgVersion) []*Affected {
	var out []*Affected
	for i := range r.Affected {
		a := &r.Affected[i]
		if samePackage(a.Package, eco, name) && entryAffects(a, pv) {
			out = append(out, a)
		}
	}
	return out
}

// entryAffects is the OSV evaluation algorithm for one entry: listed in
// versions, or inside any ECOSYSTEM/SEMVER range. An entry with neither
// asserts nothing about versions and matches none (as the spec's pseudocode
// and osv-scanner do): PYSEC-2022-43180 names PyPI avro for a CVE in the
// Rust SDK, so reading it as "every version" would flag every avro user.
func entryAffects(a *Affected, pv *pkgVersion) bool {
	for _, rg := range a.Ranges {
		t := strings.ToUpper(rg.Type)
		if t != rangeEcosystem && t != rangeSemver {
			continue
		}
		if rangeContains(pv.scan, rg, pv.key, t == rangeSemver, pv.as(t == rangeSemver)) {
			return true
		}
	}
	if len(a.Versions) >= minListedIndex && pv.scan != nil {
		return pv.scan.listed(a).contains(pv)
	}
	for _, s := range a.Versions {
		if listedVersionEquals(pv, s) {
			return true
		}
	}
	return false
}

// minListedIndex is the length from which an entry's `versions` are
// indexed rather than read through: PyPI records list every affected
// release, hundreds for a popular project, and every package of the name
// (and every fix ClearingVersion tries) was compared with each.
const minListedIndex = 16

// listedIndex is an entry's `versions` in leadNumber order: the entries a
// version can equal are one run of it, found by binary search. Positions
// rather than strings, so an index costs 4 bytes an entry.
type listedIndex struct {
	versions []string
	order    []int32
}

func newListedIndex(versions []string) *listedIndex {
	x := &listedIndex{versions: versions, order: make([]int32, len(versions))}
	leads := make([]string, len(versions))
	for i, v := range versions {
		x.order[i], leads[i] = int32(i), leadNumber(v)
	}
	slices.SortStableFunc(x.order, func(a, b int32) int { return strings.Compare(leads[a], leads[b]) })
	return x
}

// contains is what listedVersionEquals over every entry says: an entry it
// can hold equal has pv.norm's lead, or is pv.raw itself.
func (x *listedIndex) contains(pv *pkgVersion) bool {
	lead := leadNumber(pv.norm)
	if x.run(lead, func(s string) bool { return listedVersionEquals(pv, s) }) {
		return true
	}
	if rl := leadNumber(pv.raw); rl != lead {
		return x.run(rl, func(s string) bool { return s == pv.raw })
	}
	return false
}

// run reports whether eq holds for an entry of the given lead.
func (x *listedIndex) run(lead string, eq func(string) bool) bool {
	i, _ := slices.BinarySearchFunc(x.order, lead, func(o int32, l string) int {
		return strings.Compare(leadNumber(x.versions[o]), l)
	})
	for ; i < len(x.order); i++ {
		s := x.versions[x.order[i]]
		if leadNumber(s) != lead {
			break
		}
		if eq(s) {
			return true
		}
	}
	return false
}

// listedVersionEquals compares one `versions` entry with pv: the same string,
// or the same version in the ecosystem's ordering (PEP 440 "1.0" == "1.0.0",
// Go "v1.2.3" == "1.2.3"). Entries that are not valid versions there only
// ever match by string.
func listedVersionEquals(pv *pkgVersion, s string) bool {
	if s == pv.raw || s == pv.norm {
		return true
	}
	if pv.lead == nil {
		l := leadNumber(pv.norm)
		pv.lead = &l
	}
	if *pv.lead != leadNumber(s) {
		return false
	}
	v, err := parseListed(pv.scan, pv.key, s)
	if err != nil {
		return false
	}
	c, err := pv.eco.Compare(v)
	return err == nil && c == 0
}

// leadNumber is the first number of a version, ignoring a "v"/"go" prefix
// and a zero PEP 440 epoch: equal leads are a cheap necessary condition for
// equality in every supported ordering, so long `versions` lists are not
// parsed entry by entry.
func leadNumber(s string) string {
	// strings.TrimLeft(strings.ToLower(s), "vgo="), without the copy: no
	// other character lowercases to one of those.
	i := 0
	for i < len(s) && strings.IndexByte("vVgGoO=", s[i]) >= 0 {
		i++
	}
	s = s[i:]
	if rest, ok := strings.CutPrefix(s, "0!"); ok {
		s = rest
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n := strings.TrimLeft(s[:end], "0")
	if end < len(s) && s[end] == '!' {
		// A non-zero epoch outranks the release; keep it distinct.
		return "!" + n
	}
	return n
}

// event kinds in evaluation order for equal versions: a zero-width
// [x, x) range stays empty.
const (
	evIntroduced = iota
	evFixed
	evLastAffected
	evLimit
)

type event struct {
	kind int
	raw  string
	zero bool // introduced "0": before every version
	v    semantic.Version
}

// rangeEvents parses and sorts the events of one range. A value the
// ecosystem cannot parse widens the range rather than narrowing it (an
// introduced becomes "0", an end event is dropped): a gate must fail closed.
func rangeEvents(scan *Matcher, rg Range, key string, semver bool) (evs, limits []event) {
	for _, e := range rg.Events {
		ev := event{kind: evIntroduced, raw: e.Introduced}
		switch {
		case e.Introduced != "":
		case e.Fixed != "":
			ev = event{kind: evFixed, raw: e.Fixed}
		case e.LastAffected != "":
			ev = event{kind: evLastAffected, raw: e.LastAffected}
		case e.Limit != "":
			ev = event{kind: evLimit, raw: e.Limit}
		default:
			continue
		}
		if ev.kind == evIntroduced && ev.raw == "0" {
			ev.zero = true
			evs = append(evs, ev)
			continue
		}
		if ev.kind == evLimit && strings.Contains(ev.raw, "*") {
			limits = append(limits, ev)
			continue
		}
		v, err := parseEventVersion(scan, key, semver, ev.raw)
		if err != nil {
			if ev.kind == evIntroduced {
				ev.zero = true
				evs = append(evs, ev)
			}
			continue
		}
		ev.v = v
		if ev.kind == evLimit {
			limits = append(limits, ev)
		} else {
			evs = append(evs, ev)
		}
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		switch {
		case a.zero && b.zero:
			return 0
		case a.zero:
			return -1
		case b.zero:
			return 1
		}
		if c, err := a.v.Compare(b.v); err == nil && c != 0 {
			return c
		}
		return a.kind - b.kind
	})
	return evs, limits
}

// parseEventVersion reads a version a record supplies. Records are not
// always valid in their own ecosystem: NVD-derived PYSEC entries carry
// "2.9.0-NA" or "2.6.0-cu124", which semantic's legacy PyPI ordering would
// sort below every real release (silently matching nothing). Such values
// are read as their longest valid PEP 440 prefix ("2.9.0").
func parseEventVersion(scan *Matcher, key string, semver bool, raw string) (semantic.Version, error) {
	r := scan.cached(parseKey{kind: kindEvent, key: key, semver: semver, v: raw}, func() parseResult {
		v, err := parseEventUncached(key, semver, raw)
		return parseResult{v: v, err: err}
	})
	return r.v, r.err
}

func parseEventUncached(key string, semver bool, raw string) (semantic.Version, error) {
	if !semver && key == ecosystem.PyPI && !pep440Re.MatchString(raw) {
		fixed := ""
		for i := len(raw) - 1; i > 0; i-- {
			if strings.ContainsRune("-_.+\\", rune(raw[i])) && pep440Re.MatchString(raw[:i]) {
				fixed = raw[:i]
				break
			}
		}
		if fixed == "" {
			return nil, fmt.Errorf("%w: %q", ErrUnparseableVersion, raw)
		}
		raw = fixed
	}
	return parseAs(key, semver, raw)
}

// rangeContains is the spec's IncludedInRanges for one range.
func rangeContains(scan *Matcher, rg Range, key string, semver bool, v semantic.Version) bool {
	evs, limits := rangeEvents(scan, rg, key, semver)
	if len(limits) > 0 {
		before := false
		for _, l := range limits {
			if l.v == nil {
				before = true // "*"
				break
			}
			if c, err := v.Compare(l.v); err == nil && c < 0 {
				before = true
				break
			}
		}
		if !before {
			return false
		}
	}
	vulnerable := false
	for _, e := range evs {
		if e.zero {
			vulnerable = true
			continue
		}
		c, err := v.Compare(e.v)
		if err != nil {
			continue
		}
		switch e.kind {
		case evIntroduced:
			if c >= 0 {
				vulnerable = true
			}
		case evFixed:
			if c >= 0 {
				vulnerable = false
			}
		case evLastAffected:
			if c > 0 {
				vulnerable = false
			}
		}
	}
	return vulnerable
}

// Ranges describes every affected range of (eco, name) in r for a reader:
// one string per interval (">=5.0.0, <5.15.1", "<1.2.3", ">=2.0.0",
// "<=0.2.0", "all versions"), and "=x" per listed version of entries that
// have no ECOSYSTEM/SEMVER range (MAL records, GIT-only entries).
func Ranges(r *Record, eco, name string) []string {
	var out []string
	for _, a := range r.Affected {
		if !samePackage(a.Package, eco, name) {
			continue
		}
		key := ecoKey(a.Package.Ecosystem)
		described := false
		for _, rg := range a.Ranges {
			t := strings.ToUpper(rg.Type)
			if t != rangeEcosystem && t != rangeSemver {
				continue
			}
			described = true
			out = append(out, describeRange(rg, key, t == rangeSemver)...)
		}
		if !described {
			for _, v := range a.Versions {
				out = append(out, "="+v)
			}
		}
	}
	return out
}

func describeRange(rg Range, key string, semver bool) []string {
	evs, limits := rangeEvents(nil, rg, key, semver)
	// Versions must be below some limit, i.e. below the greatest one.
	var limit *event
	for i := range limits {
		l := &limits[i]
		if l.v == nil {
			limit = nil
			break
		}
		if limit == nil {
			limit = l
		} else if c, err := l.v.Compare(limit.v); err == nil && c > 0 {
			limit = l
		}
	}
	var out []string
	var lower *event
	emit := func(upper string, up semantic.Version) {
		var parts []string
		if !lower.zero {
			parts = append(parts, ">="+lower.raw)
		}
		capped := limit != nil
		if capped && up != nil {
			if c, err := up.Compare(limit.v); err == nil && c <= 0 {
				capped = false
			}
		}
		if capped {
			upper = "<" + limit.raw
		}
		if upper != "" {
			parts = append(parts, upper)
		}
		if len(parts) == 0 {
			parts = []string{"all versions"}
		}
		out = append(out, strings.Join(parts, ", "))
		lower = nil
	}
	for i := range evs {
		e := &evs[i]
		switch e.kind {
		case evIntroduced:
			if lower == nil {
				lower = e
			}
		case evFixed:
			if lower != nil {
				emit("<"+e.raw, e.v)
			}
		case evLastAffected:
			if lower != nil {
				emit("<="+e.raw, e.v)
			}
		}
	}
	if lower != nil {
		emit("", nil)
	}
	return out
}

// ClearingVersion returns the smallest version >= current that no given
// (non-withdrawn) record affects for (eco, name): current itself when it is
// already clear, else the lowest `fixed` value above it that also lies
// outside every other record's ranges (a fix for one advisory can fall
// inside another's range). last_affected and limit never name a version
// known to be fixed, so a record that only has those yields ok=false, as
// does an unparseable current version.
func ClearingVersion(records []*Record, eco, name, current string) (version string, ok bool) {
	return (*Matcher)(nil).ClearingVersion(records, eco, name, current)
}

// ClearingVersion is the package-level ClearingVersion, sharing with the
// rest of the scan whether a record affects a candidate fix: every package
// of a name tries the same fixes against the same records.
func (mt *Matcher) ClearingVersion(records []*Record, eco, name, current string) (version string, ok bool) {
	cur, err := mt.pkgVersion(eco, current, false)
	if err != nil {
		return "", false
	}
	live := make([]*Record, 0, len(records))
	for _, r := range records {
		if r != nil && !r.IsWithdrawn() {
			live = append(live, r)
		}
	}
	clears := func(pv *pkgVersion) bool {
		for _, r := range live {
			if mt.affects(r, eco, name, pv) {
				return false
			}
		}
		return true
	}
	if clears(cur) {
		return current, true
	}
	var cands []*pkgVersion
	seen := map[string]bool{}
	for _, r := range live {
		for _, a := range r.Affected {
			if !samePackage(a.Package, eco, name) {
				continue
			}
			for _, f := range fixedValues(a) {
				if seen[f] {
					continue
				}
				seen[f] = true
				pv, err := mt.pkgVersion(eco, f, true)
				if err != nil {
					continue
				}
				if c, err := pv.eco.Compare(cur.eco); err == nil && c > 0 {
					cands = append(cands, pv)
				}
			}
		}
	}
	slices.SortFunc(cands, func(a, b *pkgVersion) int {
		c, _ := a.eco.Compare(b.eco)
		return c
	})
	for _, pv := range cands {
		if clears(pv) {
			return pv.raw, true
		}
	}
	return "", false
}

// fixedValues lists the fixed events of an entry's version ranges.
func fixedValues(a Affected) []string {
	var out []string
	for _, rg := range a.Ranges {
		t := strings.ToUpper(rg.Type)
		if t != rangeEcosystem && t != rangeSemver {
			continue
		}
		for _, e := range rg.Events {
			if e.Fixed != "" {
				out = append(out, e.Fixed)
			}
		}
	}
	return out
}

// Names reports whether an affected entry is about package (eco, name), by
// the same identity rule matching uses.
func (a *Affected) Names(eco, name string) bool { return samePackage(a.Package, eco, name) }

// FixedVersions lists the fixed events r names for a package, in record
// order, each once: what `fnguard check` shows when no version is given.
func FixedVersions(r *Record, eco, name string) []string {
	out := []string{}
	seen := map[string]bool{}
	for i := range r.Affected {
		if !r.Affected[i].Names(eco, name) {
			continue
		}
		for _, rg := range r.Affected[i].Ranges {
			for _, ev := range rg.Events {
				if ev.Fixed != "" && !seen[ev.Fixed] {
					seen[ev.Fixed] = true
					out = append(out, ev.Fixed)
				}
			}
		}
	}
	return out
}
