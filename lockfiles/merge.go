package lockfiles

import (
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// merger folds what several extractors saw into one Package per
// (ecosystem, normalised name, version): a package listed in a lockfile and
// installed in node_modules is one package with two locations, while two
// versions of one name stay two packages.
type merger struct {
	artifact string
	byKey    map[string]*merged
	order    []string
}

type merged struct {
	pkg     *Package
	rank    int
	plugins map[string]bool // extractor name -> seen
	files   map[string]bool // evidence paths
}

func newMerger(artifact string) *merger {
	return &merger{artifact: artifact, byKey: map[string]*merged{}}
}

func key(eco, name, version string) string {
	return eco + "\x00" + ecosystem.NormalizeName(eco, name) + "\x00" + version
}

func (m *merger) add(f found) {
	if f.project {
		return // the application itself: Artifact.Component
	}
	if f.lenient != nil {
		m.addPackage(f.lenient, f.rank, f.plugin, f.location)
		return
	}
	eco := ecosystem.FromPURLType(f.pkg.PURLType)
	if eco == "" {
		return // an ecosystem fnguard does not match advisories for
	}
	name, version := f.pkg.Name, f.pkg.Version
	if eco == ecosystem.Maven && (name == "unknown" || name == "unknown:unknown") {
		return // scalibr's placeholder for a jar it could not identify
	}
	if eco == ecosystem.Go {
		// scalibr names the toolchain "go" and strips the "v" that build
		// info and go.mod carry; fnguard keeps versions as the evidence says.
		if name == "go" || name == "stdlib" {
			name, version = "stdlib", strings.TrimPrefix(version, "go")
		} else if version != "" && !strings.HasPrefix(version, "v") {
			version = "v" + version
		}
	}
	p := &Package{Ecosystem: eco, Name: name, Version: version, Licenses: f.pkg.Licenses}
	if f.sha256 != "" {
		p.Hashes = map[string]string{"SHA-256": f.sha256}
	} else if h, ok := f.pkg.Metadata.(interface{ PackageHashes() map[string]string }); ok {
		// An npm lockfile's integrity: the hash of the tarball installed.
		p.Hashes = h.PackageHashes()
	}
	m.addPackage(p, f.rank, f.plugin, f.location)
}

func (m *merger) addPackage(p *Package, rank int, plugin, location string) {
	k := key(p.Ecosystem, p.Name, p.Version)
	e, ok := m.byKey[k]
	if !ok {
		e = &merged{pkg: p, rank: rank, plugins: map[string]bool{}, files: map[string]bool{}}
		m.byKey[k] = e
		m.order = append(m.order, k)
	} else if rank > e.rank {
		// Installed metadata names the package as its authors spell it.
		e.pkg.Name, e.rank = p.Name, rank
		if len(p.Licenses) > 0 {
			e.pkg.Licenses = p.Licenses
		}
	} else if len(e.pkg.Licenses) == 0 {
		e.pkg.Licenses = p.Licenses
	}
	if e.pkg.Hashes == nil && p.Hashes != nil {
		e.pkg.Hashes = p.Hashes
	}
	if ok {
		// Read evidence (Confidence "") beats an inferred identity; among
		// inferred ones the more confident says how it was found.
		if confidenceRank(p.Confidence) > confidenceRank(e.pkg.Confidence) {
			e.pkg.Evidence, e.pkg.Confidence = p.Evidence, p.Confidence
		}
	}
	if p.VersionError != "" && e.pkg.VersionError == "" {
		e.pkg.VersionError = p.VersionError
	}
	e.plugins[plugin] = true
	e.files[location] = true
}

// drop removes the evidence of one file for a package; the package goes
// when nothing else shows it.
func (m *merger) drop(eco, name, version, file string) {
	if e, ok := m.byKey[key(eco, name, version)]; ok {
		delete(e.files, file)
		if len(e.files) == 0 {
			delete(m.byKey, key(eco, name, version))
		}
	}
}

// dropName removes every version of a name seen in one file.
func (m *merger) dropName(eco, name, file string) {
	n := ecosystem.NormalizeName(eco, name)
	for k, e := range m.byKey {
		if e.pkg.Ecosystem == eco && ecosystem.NormalizeName(eco, e.pkg.Name) == n && e.files[file] {
			m.drop(eco, e.pkg.Name, e.pkg.Version, file)
			_ = k
		}
	}
}

// packages returns the merged packages, pinned ones first when a name also
// appears unpinned (an unpinned requirement adds nothing an installed
// version does not already say), sorted for stable output.
func (m *merger) packages() []*Package {
	pinned := map[string]bool{}
	for _, e := range m.byKey {
		if e.pkg.Version != "" {
			pinned[e.pkg.Ecosystem+"\x00"+ecosystem.NormalizeName(e.pkg.Ecosystem, e.pkg.Name)] = true
		}
	}
	var out []*Package
	for _, k := range m.order {
		e, ok := m.byKey[k]
		if !ok {
			continue
		}
		p := e.pkg
		if p.Version == "" {
			// An unpinned requirement beside a pinned one is the same
			// dependency; a bundled copy of unknown version is not (it may be
			// another version), so it stays and keeps its own reason.
			if p.Evidence == "" && pinned[p.Ecosystem+"\x00"+ecosystem.NormalizeName(p.Ecosystem, p.Name)] {
				continue
			}
			if p.VersionError == "" {
				p.VersionError = "no version pinned"
			}
		}
		p.Locations = sortedKeys(e.files)
		p.Licenses = dedupe(p.Licenses)
		p.PURL = PURL(p.Ecosystem, p.Name, p.Version)
		out = append(out, p)
	}
	SortPackages(out)
	return out
}

// SortPackages orders packages by ecosystem, name, version.
func SortPackages(ps []*Package) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Ecosystem != b.Ecosystem {
			return a.Ecosystem < b.Ecosystem
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Version < b.Version
	})
}

func dedupe(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// confidenceRank orders Package.Confidence: "" (read, not inferred) first.
func confidenceRank(c string) int {
	switch c {
	case "":
		return 4
	case "high":
		return 3
	case "medium":
		return 2
	case "low":
		return 1
	}
	return 0
}
