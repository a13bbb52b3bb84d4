package lockfiles

import (
	"slices"
	"sort"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/packageslockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"

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
	pkg   *Package
	rank  int
	files pathSet // evidence paths
}

// pathSet is a set of evidence paths. Nearly every package has one or two,
// and a map per package was a third of the inventory's memory at 200,000
// packages; a slice holds the few, a map takes over past smallSet.
type pathSet struct {
	list []string
	big  map[string]bool
}

const smallSet = 16

func (s *pathSet) add(p string) {
	if s.big != nil {
		s.big[p] = true
		return
	}
	for _, q := range s.list {
		if q == p {
			return
		}
	}
	if len(s.list) < smallSet {
		s.list = append(s.list, p)
		return
	}
	s.big = make(map[string]bool, 2*smallSet)
	for _, q := range s.list {
		s.big[q] = true
	}
	s.big[p] = true
	s.list = nil
}

func (s *pathSet) has(p string) bool {
	if s.big != nil {
		return s.big[p]
	}
	for _, q := range s.list {
		if q == p {
			return true
		}
	}
	return false
}

func (s *pathSet) del(p string) {
	if s.big != nil {
		delete(s.big, p)
		return
	}
	for i, q := range s.list {
		if q == p {
			s.list = append(s.list[:i], s.list[i+1:]...)
			return
		}
	}
}

func (s *pathSet) len() int {
	if s.big != nil {
		return len(s.big)
	}
	return len(s.list)
}

func (s *pathSet) sorted() []string {
	if s.big != nil {
		return sortedKeys(s.big)
	}
	out := append([]string(nil), s.list...)
	sort.Strings(out)
	return out
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
		m.addPackage(f.lenient, f.rank, f.location)
		return
	}
	eco := ecosystem.FromPURLType(f.pkg.PURLType)
	if eco == "" && f.pkg.PURLType == "git" {
		// A dependency installed from a git repository (yarn's
		// "user/repo#ref", a Cargo git source): its code is shipped, but
		// it is no registry release, so no version can be matched. It
		// is listed unchecked, never dropped.
		if eco = pluginEcosystem(f.plugin); eco != "" {
			why := "installed from git, not a registry release: no version to match"
			if sc := f.pkg.SourceCode; sc != nil && sc.Repo != "" {
				src := sc.Repo
				if sc.Commit != "" {
					src += "#" + sc.Commit
				}
				why = "installed from git (" + src + "), not a registry release: no version to match"
			}
			m.addPackage(&Package{Ecosystem: eco, Name: f.pkg.Name, VersionError: why}, f.rank, f.location)
			return
		}
	}
	if eco == "" {
		return // an ecosystem fnguard does not match advisories for
	}
	if localPackage(eco, f.plugin, f.pkg.Name, f.pkg.Version) {
		return // the project's own code: no registry advisory is about it
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
	verr := ""
	if md, ok := f.pkg.Metadata.(*requirements.Metadata); ok && version != "" && !pinnedRequirement(md.VersionComparator, version) {
		// scalibr reads "requests>=2.0" as version 2.0 (and "<=2.0" as
		// 2.0 too); pip installs the newest release a range allows, so a
		// range names no version that could be matched.
		verr = "no version pinned (" + md.VersionComparator + version + ")"
		version = ""
	}
	p := &Package{Ecosystem: eco, Name: name, Version: version, Licenses: f.pkg.Licenses, VersionError: verr}
	if f.sha256 != "" {
		p.Hashes = Hashes{}.With("SHA-256", f.sha256)
	} else if h, ok := f.pkg.Metadata.(interface{ PackageHashes() Hashes }); ok {
		// An npm lockfile's integrity: the hash of the tarball installed.
		p.Hashes = h.PackageHashes()
	}
	m.addPackage(p, f.rank, f.location)
}

// localPackage recognises what a lockfile lists that is the project's own
// code rather than a registry release: a yarn berry workspace (version
// 0.0.0-use.local), a yarn file: folder, a Go module replaced by a local
// folder (named after its path), a NuGet project reference (the only
// packages.lock.json entry without a resolved version).
func localPackage(eco, plugin, name, version string) bool {
	switch eco {
	case ecosystem.NPM:
		return version == "0.0.0-use.local" || strings.HasPrefix(version, "file:") && !isTarball(version) ||
			strings.HasPrefix(version, "link:") || strings.HasPrefix(version, "portal:") || strings.HasPrefix(version, "workspace:")
	case ecosystem.Go:
		return strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/")
	case ecosystem.NuGet:
		return version == "" && plugin == packageslockjson.Name
	}
	return false
}

// pluginEcosystem is the ecosystem a scalibr extractor reads, from its
// name's language part ("javascript/yarnlock").
func pluginEcosystem(plugin string) string {
	switch lang, _, _ := strings.Cut(plugin, "/"); lang {
	case "javascript":
		return ecosystem.NPM
	case "python":
		return ecosystem.PyPI
	case "rust":
		return ecosystem.CratesIO
	case "ruby":
		return ecosystem.RubyGems
	case "php":
		return ecosystem.Packagist
	case "go":
		return ecosystem.Go
	case "java":
		return ecosystem.Maven
	case "dotnet":
		return ecosystem.NuGet
	}
	return ""
}

// pinnedRequirement says whether a requirements.txt line pins one release:
// "==" or "===" and a version without a wildcard ("==1.4.*" is a range)
// or a further clause ("==1.4,!=1.4.1" is read by scalibr as one version).
func pinnedRequirement(comparator, version string) bool {
	return (comparator == "==" || comparator == "===") && !strings.ContainsAny(version, "*,<>=!~; ")
}

func (m *merger) addPackage(p *Package, rank int, location string) {
	k := key(p.Ecosystem, p.Name, p.Version)
	e, ok := m.byKey[k]
	if !ok {
		e = &merged{pkg: p, rank: rank}
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
	e.files.add(location)
}

// drop removes the evidence of one file for a package; the package goes
// when nothing else shows it.
func (m *merger) drop(eco, name, version, file string) {
	if e, ok := m.byKey[key(eco, name, version)]; ok {
		e.files.del(file)
		if e.files.len() == 0 {
			delete(m.byKey, key(eco, name, version))
		}
	}
}

// has says whether any package of eco was found.
func (m *merger) has(eco string) bool {
	for _, e := range m.byKey {
		if e.pkg.Ecosystem == eco {
			return true
		}
	}
	return false
}

// dropName removes every version of a name seen in one file.
func (m *merger) dropName(eco, name, file string) {
	n := ecosystem.NormalizeName(eco, name)
	for k, e := range m.byKey {
		if e.pkg.Ecosystem == eco && ecosystem.NormalizeName(eco, e.pkg.Name) == n && e.files.has(file) {
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
		p.Locations = e.files.sorted()
		p.Licenses = dedupe(p.Licenses)
		p.PURL = PURL(p.Ecosystem, p.Name, p.Version)
		out = append(out, p)
	}
	slices.SortFunc(out, comparePackages)
	return out
}

// SortPackages orders packages by ecosystem, name, version; packages equal
// in all three keep their order.
func SortPackages(ps []*Package) {
	slices.SortStableFunc(ps, comparePackages)
}

// comparePackages orders by ecosystem, name, version. The merger's
// packages never tie (each is one key), so they are sorted unstably: a
// stable sort of 200,000 packages cost three times as much.
func comparePackages(a, b *Package) int {
	if c := strings.Compare(a.Ecosystem, b.Ecosystem); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.Version, b.Version)
}

func dedupe(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	if len(ss) == 1 {
		if s := strings.TrimSpace(ss[0]); s != "" {
			if s == ss[0] {
				return ss
			}
			return []string{s}
		}
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
