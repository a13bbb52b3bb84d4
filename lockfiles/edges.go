package lockfiles

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// edge is one "package depends on package" a lockfile records. A version
// of "" on the target means the lockfile names the dependency by name only
// (it is unique in the lockfile then).
type edge struct {
	from, fromVersion string
	to, toVersion     string
}

// edgeParsers read the dependency graph out of lockfiles whose extractors
// give only the package list. npm's graph comes from addEdges.
var edgeParsers = map[string]struct {
	eco   string
	parse func([]byte) []edge
}{
	"Gemfile.lock":       {ecosystem.RubyGems, gemfileLockEdges},
	"Cargo.lock":         {ecosystem.CratesIO, cargoLockEdges},
	"composer.lock":      {ecosystem.Packagist, composerLockEdges},
	"poetry.lock":        {ecosystem.PyPI, poetryLockEdges},
	"uv.lock":            {ecosystem.PyPI, uvLockEdges},
	"packages.lock.json": {ecosystem.NuGet, nugetLockEdges},
}

// edgeParser returns the graph reader for a file, if any: by name, and for
// .NET's <app>.deps.json by suffix.
func edgeParser(file string) (string, func([]byte) []edge, bool) {
	if ep, ok := edgeParsers[path.Base(file)]; ok {
		return ep.eco, ep.parse, true
	}
	if strings.HasSuffix(file, ".deps.json") {
		return ecosystem.NuGet, depsJSONEdges, true
	}
	return "", nil, false
}

// addLockEdges fills DependsOn from the lockfiles above, resolving each
// target among the artifact's packages of that ecosystem.
func addLockEdges(v *vfs, a *Artifact) error {
	for _, n := range v.names {
		eco, parse, ok := edgeParser(n)
		if !ok || !projectFile(n) {
			continue
		}
		data, err := v.readFile(n)
		if err != nil {
			return &memberErr{n, err}
		}
		byName := map[string][]*Package{}
		for _, p := range a.Packages {
			if p.Ecosystem == eco {
				k := ecosystem.NormalizeName(eco, p.Name)
				byName[k] = append(byName[k], p)
			}
		}
		find := func(name, version string) *Package {
			cands := byName[ecosystem.NormalizeName(eco, name)]
			for _, p := range cands {
				if version != "" && (p.Version == version || composerVersion(version) == p.Version) {
					return p
				}
			}
			if version == "" && len(cands) == 1 {
				return cands[0]
			}
			return nil
		}
		edges := parse(data)
		for _, e := range edges {
			from, to := find(e.from, e.fromVersion), find(e.to, e.toVersion)
			if to == nil || from == to {
				continue
			}
			var deps *[]string
			switch {
			case from != nil:
				deps = &from.DependsOn
			case a.Component != nil && ecosystem.NormalizeName(eco, e.from) == ecosystem.NormalizeName(eco, a.Component.Name):
				deps = &a.Component.DependsOn // the application's own entry (a .deps.json project)
			default:
				continue
			}
			if !containsString(*deps, to.PURL) {
				*deps = append(*deps, to.PURL)
				sort.Strings(*deps)
			}
		}
		if eco == ecosystem.CratesIO {
			dropLocalCrates(a, n, cargoRootFirst(cargoLocalCrates(data), edges), find)
		}
	}
	return nil
}

// dropLocalCrates takes a Cargo workspace's own crates (no "source" in the
// lockfile) out of the packages: they are the application, not crates.io
// dependencies, and a local crate named like a published one must not be
// matched against that one's advisories. The first becomes the component.
func dropLocalCrates(a *Artifact, lock string, locals []edge, find func(name, version string) *Package) {
	drop := map[*Package]bool{}
	for _, l := range locals {
		p := find(l.from, l.fromVersion)
		if p == nil || len(p.Locations) != 1 || p.Locations[0] != lock {
			continue // also seen elsewhere (a registry crate of that name): keep it
		}
		drop[p] = true
		if a.Component == nil {
			a.Component = &Component{Name: p.Name, Version: p.Version, PURL: p.PURL, DependsOn: p.DependsOn}
		}
	}
	if len(drop) == 0 {
		return
	}
	kept := a.Packages[:0]
	for _, p := range a.Packages {
		if !drop[p] {
			kept = append(kept, p)
		}
	}
	a.Packages = kept
}

// cargoRootFirst puts first the local crate no other local crate depends
// on (ripgrep, not globset, the first of its workspace alphabetically):
// the application, which becomes the component.
func cargoRootFirst(locals, edges []edge) []edge {
	local := map[string]bool{}
	for _, l := range locals {
		local[l.from] = true
	}
	needed := map[string]bool{}
	for _, e := range edges {
		if local[e.from] && local[e.to] && e.from != e.to {
			needed[e.to] = true
		}
	}
	out := slices.Clone(locals)
	slices.SortStableFunc(out, func(x, y edge) int {
		return cmp.Compare(boolRank(needed[x.from]), boolRank(needed[y.from]))
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// gemfileLockEdges reads Bundler's specs sections: a spec at four spaces
// ("    rack (2.1.4)") and its dependencies at six ("      rack (~> 2.0)").
func gemfileLockEdges(data []byte) []edge {
	var out []edge
	var from, fromVersion string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "      ") && !strings.HasPrefix(line, "       ") && from != "":
			name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			if name = strings.TrimSuffix(name, "!"); name != "" {
				out = append(out, edge{from: from, fromVersion: fromVersion, to: name})
			}
		case strings.HasPrefix(line, "    ") && !strings.HasPrefix(line, "     "):
			name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
			from, fromVersion = name, strings.Trim(rest, "()") // "" for a blank line: no edges follow
			// Platform gems spell "nokogiri (1.13.0-x86_64-linux)".
			if i := strings.IndexByte(fromVersion, '-'); i > 0 {
				fromVersion = fromVersion[:i]
			}
		default:
			from = ""
		}
	}
	return out
}

func tomlString(line string) string {
	_, v, _ := strings.Cut(line, "=")
	return strings.Trim(strings.TrimSpace(v), `"'`)
}

// composerLockEdges reads packages[] and packages-dev[] with their require
// maps; platform requirements (php, ext-*) are not packages.
func composerLockEdges(data []byte) []edge {
	var lock struct {
		Packages    []composerPackage `json:"packages"`
		PackagesDev []composerPackage `json:"packages-dev"`
	}
	if json.Unmarshal(data, &lock) != nil {
		return nil // the extractor has already judged the file
	}
	var out []edge
	for _, p := range append(lock.Packages, lock.PackagesDev...) {
		if !composerName(p.Name) {
			continue
		}
		for dep := range p.Require {
			if composerName(dep) {
				out = append(out, edge{from: p.Name, fromVersion: p.Version, to: dep})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].from != out[j].from {
			return out[i].from < out[j].from
		}
		return out[i].to < out[j].to
	})
	return out
}

// composerName reports whether s is a package's vendor/name, which platform
// requirements (php, ext-dom) are not.
func composerName(s string) bool {
	v, n, ok := strings.Cut(s, "/")
	return ok && v != "" && n != ""
}

// tomlPackage is what fnguard reads of one [[package]] block of a TOML
// lockfile (Cargo.lock, poetry.lock, uv.lock): the lockfiles are read line
// by line, the way their tools write them, rather than as general TOML.
type tomlPackage struct {
	name, version string
	hasSource     bool
	// deps are the raw text of the block's top-level `dependencies = [...]`
	// array, one segment a line (Cargo: "name [version]", uv: { name = ... }).
	deps []string
	// depTable are the keys of a [package.dependencies] table (poetry).
	depTable []string
}

// tomlPackages reads every [[package]] block; keys of sub-tables such as
// [package.metadata] never count as the package's own name or version.
func tomlPackages(data []byte) []tomlPackage {
	var out []tomlPackage
	var cur *tomlPackage
	sub, inDeps := "", false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "[[package]]":
			out = append(out, tomlPackage{})
			cur, sub, inDeps = &out[len(out)-1], "", false
		case cur == nil:
		case inDeps:
			if line == "]" {
				inDeps = false
			} else {
				cur.deps = append(cur.deps, line)
			}
		case strings.HasPrefix(line, "["):
			sub = line
		case sub == "[package.dependencies]":
			if k, _, ok := strings.Cut(line, "="); ok {
				if k = strings.Trim(strings.TrimSpace(k), `"`); k != "" {
					cur.depTable = append(cur.depTable, k)
				}
			}
		case sub != "":
		case strings.HasPrefix(line, "name = "):
			cur.name = tomlString(line)
		case strings.HasPrefix(line, "version = "):
			cur.version = tomlString(line)
		case strings.HasPrefix(line, "source = "):
			cur.hasSource = true
		case strings.HasPrefix(line, "dependencies = ["):
			rest := strings.TrimPrefix(line, "dependencies = [")
			if inDeps = !strings.HasSuffix(rest, "]"); !inDeps {
				rest = strings.TrimSuffix(rest, "]")
			}
			if rest != "" {
				cur.deps = append(cur.deps, rest)
			}
		}
	}
	return out
}

var (
	quotedStringRe = regexp.MustCompile(`"([^"]*)"`)
	uvNameRe       = regexp.MustCompile(`name\s*=\s*"([^"]+)"`)
)

// cargoLockEdges: Cargo's dependencies are "name" or
// "name version [(source)]" strings.
func cargoLockEdges(data []byte) []edge {
	var out []edge
	for _, p := range tomlPackages(data) {
		for _, seg := range p.deps {
			for _, m := range quotedStringRe.FindAllStringSubmatch(seg, -1) {
				if f := strings.Fields(m[1]); len(f) > 0 && p.name != "" {
					e := edge{from: p.name, fromVersion: p.version, to: f[0]}
					if len(f) > 1 {
						e.toVersion = f[1]
					}
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// cargoLocalCrates lists the packages without a source: the workspace's
// own crates.
func cargoLocalCrates(data []byte) []edge {
	var out []edge
	for _, p := range tomlPackages(data) {
		if p.name != "" && !p.hasSource {
			out = append(out, edge{from: p.name, fromVersion: p.version})
		}
	}
	return out
}

// poetryLockEdges: poetry lists dependencies as a [package.dependencies]
// table ("certifi = ">=2017.4.17""); "python" is the interpreter.
func poetryLockEdges(data []byte) []edge {
	var out []edge
	for _, p := range tomlPackages(data) {
		for _, dep := range p.depTable {
			if p.name != "" && dep != "python" {
				out = append(out, edge{from: p.name, fromVersion: p.version, to: dep})
			}
		}
	}
	return out
}

// uvLockEdges: uv's dependencies are inline tables ({ name = "emoji" });
// optional and dev groups are not what the package needs to run.
func uvLockEdges(data []byte) []edge {
	var out []edge
	for _, p := range tomlPackages(data) {
		for _, seg := range p.deps {
			for _, m := range uvNameRe.FindAllStringSubmatch(seg, -1) {
				if p.name != "" {
					out = append(out, edge{from: p.name, fromVersion: p.version, to: m[1]})
				}
			}
		}
	}
	return out
}

// nugetLockEdges reads packages.lock.json: per target framework, each
// package's resolved version and the ids it depends on (as ranges, so the
// target is found by id).
func nugetLockEdges(data []byte) []edge {
	var lock struct {
		Dependencies map[string]map[string]struct {
			Resolved     string            `json:"resolved"`
			Dependencies map[string]string `json:"dependencies"`
		} `json:"dependencies"`
	}
	if json.Unmarshal(data, &lock) != nil {
		return nil
	}
	var out []edge
	for _, fw := range sortedKeys(lock.Dependencies) {
		pkgs := lock.Dependencies[fw]
		for _, id := range sortedKeys(pkgs) {
			for _, dep := range sortedKeys(pkgs[id].Dependencies) {
				if id != "" && dep != "" {
					out = append(out, edge{from: id, fromVersion: pkgs[id].Resolved, to: dep})
				}
			}
		}
	}
	return out
}

// depsJSONEdges reads a .deps.json's targets: "Name/1.2.3" entries with
// exact dependency versions; the project's own entry is included, for the
// component's edges.
func depsJSONEdges(data []byte) []edge {
	var deps struct {
		Targets map[string]map[string]struct {
			Dependencies map[string]string `json:"dependencies"`
		} `json:"targets"`
	}
	if json.Unmarshal(data, &deps) != nil {
		return nil
	}
	var out []edge
	for _, fw := range sortedKeys(deps.Targets) {
		libs := deps.Targets[fw]
		for _, lib := range sortedKeys(libs) {
			name, version, ok := strings.Cut(lib, "/")
			if !ok || name == "" {
				continue
			}
			for _, dep := range sortedKeys(libs[lib].Dependencies) {
				if dep != "" {
					out = append(out, edge{from: name, fromVersion: version, to: dep, toVersion: libs[lib].Dependencies[dep]})
				}
			}
		}
	}
	return out
}
