package bundle

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles"
)

// resolved is a package identified in one bundle, version decided.
type resolved struct {
	sighting
	version, versionErr string
}

// resolve decides the packages of one bundle. Path evidence names package
// instances (one per installed path); weak evidence adds names it does not
// cover and supplies versions where path evidence has none.
func (r *Reader) resolve(strong, weak []sighting) []resolved {
	var out []resolved
	type inst struct {
		s     sighting
		chain string
	}
	byKey := map[string]*inst{}
	var order []string
	strongNames := map[string]int{} // name -> instances
	for _, s := range strong {
		// One instance per installed path; pnpm's store paths are reduced
		// to node_modules/<name>, so there the version (from the store
		// folder) tells express's path-to-regexp 0.1.12 from a direct 6.2.0.
		k := s.mp.chain + "\x00" + s.mp.version
		if s.mp.chain == "" {
			k = "\x00" + s.name + "\x00" + s.mp.version
		}
		if e, ok := byKey[k]; ok {
			if strength[s.kind] > strength[e.s.kind] {
				e.s = s
			}
			continue
		}
		byKey[k] = &inst{s: s, chain: s.mp.chain}
		order = append(order, k)
		strongNames[s.name]++
	}
	weakVersions := map[string][]string{} // name -> distinct stated versions
	for _, w := range weak {
		if w.stated != "" && !contains(weakVersions[w.name], w.stated) {
			weakVersions[w.name] = append(weakVersions[w.name], w.stated)
		}
	}
	for _, k := range order {
		e := byKey[k]
		res := resolved{sighting: e.s}
		res.name = e.s.name
		if le, ok := r.lookupPath(e.s.mp); ok {
			res.name, res.version = le.name, le.version
		} else if e.s.mp.version != "" {
			res.version = e.s.mp.version
		} else if vs := weakVersions[e.s.name]; len(vs) == 1 && strongNames[e.s.name] == 1 {
			res.version = vs[0]
		} else {
			res.versionErr = r.unknownWhy(e.s, len(vs))
		}
		out = append(out, res)
	}
	// Weak-only names: one package per stated version, or one unversioned;
	// the strongest weak kind naming it is its evidence. A sighting without
	// a version backs every stated version of its name.
	byKey2 := map[string]*resolved{}
	var order2 []string
	for _, w := range weak {
		if strongNames[w.name] > 0 || (w.stated == "" && len(weakVersions[w.name]) > 0) {
			continue
		}
		key := w.name + "\x00" + w.stated
		if e, ok := byKey2[key]; ok {
			if better(w, e.sighting) {
				e.kind, e.file, e.lowConfidence = w.kind, w.file, w.lowConfidence
			}
			continue
		}
		byKey2[key] = &resolved{sighting: w, version: w.stated}
		order2 = append(order2, key)
	}
	for _, w := range weak {
		if w.stated != "" || strongNames[w.name] > 0 {
			continue
		}
		for _, v := range weakVersions[w.name] {
			if e := byKey2[w.name+"\x00"+v]; e != nil && better(w, e.sighting) {
				e.kind, e.file, e.lowConfidence = w.kind, w.file, w.lowConfidence
			}
		}
	}
	for _, k := range order2 {
		res := *byKey2[k]
		if res.version == "" {
			if r.lock != nil {
				if vs := r.lock.byName[res.name]; len(vs) == 1 {
					res.version = vs[0]
				}
			}
			if res.version == "" {
				res.versionErr = r.unknownWhy(res.sighting, 0)
			}
		}
		out = append(out, res)
	}
	return out
}

// better: a stronger kind, or the same kind with a confident name.
func better(a, b sighting) bool {
	return strength[a.kind] > strength[b.kind] || (a.kind == b.kind && b.lowConfidence && !a.lowConfidence)
}

func (r *Reader) lookupPath(mp *modulePath) (lockEntry, bool) {
	if r.lock == nil || mp == nil {
		return lockEntry{}, false
	}
	if mp.full != "" {
		if e, ok := r.lock.byPath[mp.full]; ok {
			return e, true
		}
	}
	if mp.chain != "" {
		if e, ok := r.lock.byPath[mp.chain]; ok {
			return e, true
		}
	}
	return lockEntry{}, false
}

func (r *Reader) unknownWhy(s sighting, weakVersions int) string {
	what := "the bundle names " + s.name + " but no version"
	if s.mp != nil && s.mp.chain != "" {
		what = "the bundle holds " + s.mp.chain + " but states no version"
	}
	if weakVersions > 1 {
		what += fmt.Sprintf("; its text states %d versions of %s and cannot tell which is which", weakVersions, s.name)
	}
	switch {
	case r.lock == nil:
		return "version unknown (" + what + "; no lockfile given)"
	case s.mp != nil && s.mp.chain != "":
		return fmt.Sprintf("version unknown (%s; lockfile %s has no entry %s)", what, r.lock.path, s.mp.chain)
	case len(r.lock.byName[s.name]) > 1:
		return fmt.Sprintf("version unknown (%s; lockfile %s has %d versions: %s)", what, r.lock.path, len(r.lock.byName[s.name]), strings.Join(r.lock.byName[s.name], ", "))
	default:
		return fmt.Sprintf("version unknown (%s; lockfile %s has no package %s)", what, r.lock.path, s.name)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// mergePackages folds what every bundle showed into one Package per (name,
// version), with the strongest evidence and every evidence file.
func mergePackages(all []resolved) []*lockfiles.Package {
	type acc struct {
		pkg   *lockfiles.Package
		kind  string
		low   bool
		files map[string]bool
	}
	byKey := map[string]*acc{}
	var keys []string
	for _, s := range all {
		k := s.name + "\x00" + s.version
		a, ok := byKey[k]
		if !ok {
			a = &acc{pkg: &lockfiles.Package{Ecosystem: ecosystem.NPM, Name: s.name, Version: s.version, VersionError: s.versionErr},
				kind: s.kind, low: s.lowConfidence, files: map[string]bool{}}
			byKey[k] = a
			keys = append(keys, k)
		} else if strength[s.kind] > strength[a.kind] || (s.kind == a.kind && a.low && !s.lowConfidence) {
			a.kind, a.low = s.kind, s.lowConfidence
		}
		a.files[s.file] = true
	}
	out := make([]*lockfiles.Package, 0, len(keys))
	for _, k := range keys {
		a := byKey[k]
		p := a.pkg
		p.Evidence = a.kind
		p.Confidence = confidence(a.kind, a.low)
		p.PURL = lockfiles.PURL(p.Ecosystem, p.Name, p.Version)
		for f := range a.files {
			p.Locations = append(p.Locations, f)
		}
		sort.Strings(p.Locations)
		out = append(out, p)
	}
	lockfiles.SortPackages(out)
	return out
}

// confidence: paths recorded by the bundler are what it bundled; an
// inlined package.json or an esbuild legal-comment path names the package
// but cannot say it was bundled whole; a banner's name is a display name.
func confidence(kind string, low bool) string {
	switch {
	case low:
		return "low"
	case strength[kind] >= strength[EvidenceWebpack]:
		return "high"
	default:
		return "medium"
	}
}
