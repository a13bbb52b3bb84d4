package lockfiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/internal/jsonpos"
)

// packageJSON is the part of a package.json fnguard needs, decoded leniently:
// installed packages in the wild carry numbers for versions and arrays for
// dependency maps, and one odd manifest must not hide the rest.
type packageJSON struct {
	Name         string
	Version      string
	VersionError string
	License      []string
	Dependencies []string // names; ranges do not matter once installed
	// Declared are "dependencies" and "optionalDependencies" with their
	// ranges: what an install of this package would fetch.
	Declared map[string]string
}

// rootManifests yields the artifact's own package.json files that parse:
// a function's at its root, a layer's under nodejs/.
func rootManifests(v *vfs) iter.Seq2[string, *packageJSON] {
	return func(yield func(string, *packageJSON) bool) {
		for _, root := range []string{"package.json", "nodejs/package.json"} {
			data, err := v.readFile(root)
			if err != nil {
				continue
			}
			pj, err := parsePackageJSON(data)
			if err != nil {
				continue
			}
			if !yield(root, pj) {
				return
			}
		}
	}
}

func parsePackageJSON(data []byte) (*packageJSON, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	pj := &packageJSON{}
	_ = json.Unmarshal(raw["name"], &pj.Name)
	if v, ok := raw["version"]; ok {
		if err := json.Unmarshal(v, &pj.Version); err != nil {
			pj.Version = truncate(string(v), 80)
			pj.VersionError = "version is not a string"
		}
	}
	pj.License = licenseField(raw["license"], raw["licenses"])
	for _, field := range []string{"dependencies", "optionalDependencies", "peerDependencies"} {
		var deps map[string]json.RawMessage
		if json.Unmarshal(raw[field], &deps) == nil {
			for d, spec := range deps {
				pj.Dependencies = append(pj.Dependencies, d)
				var s string
				if field != "peerDependencies" && json.Unmarshal(spec, &s) == nil {
					if pj.Declared == nil {
						pj.Declared = map[string]string{}
					}
					pj.Declared[d] = s
				}
			}
		}
	}
	sort.Strings(pj.Dependencies)
	return pj, nil
}

// licenseField reads the SPDX expression of "license", or the deprecated
// {"type": ...} object and "licenses" array forms.
func licenseField(license, licenses json.RawMessage) []string {
	var s string
	if json.Unmarshal(license, &s) == nil && s != "" {
		return []string{s}
	}
	var obj struct{ Type string }
	if json.Unmarshal(license, &obj) == nil && obj.Type != "" {
		return []string{obj.Type}
	}
	var arr []struct{ Type string }
	if json.Unmarshal(licenses, &arr) == nil {
		var out []string
		for _, l := range arr {
			if l.Type != "" {
				out = append(out, l.Type)
			}
		}
		return out
	}
	return nil
}

// jsonSyntax reports where a JSON document stops being valid, which
// extractors' own errors ("unexpected end of JSON input") do not say.
func jsonSyntax(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, extra := dec.Token(); extra == io.EOF {
			return nil
		}
		err = errors.New("data after the top-level value")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid JSON: truncated at %s (unexpected end of input)", lineCol(data, int64(len(data))))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the offending byte: point at it.
		return fmt.Errorf("invalid JSON at %s: %v", lineCol(data, max(se.Offset-1, 0)), err)
	}
	return fmt.Errorf("invalid JSON at %s: %v", lineCol(data, dec.InputOffset()), err)
}

func lineCol(data []byte, off int64) string {
	line, col := jsonpos.LineCol(data, off)
	return fmt.Sprintf("line %d, column %d", line, col)
}

// jsonError turns a decode error into one naming the line and column.
func jsonError(data []byte, err error) error {
	line, col, ok := jsonpos.Of(data, err)
	if !ok {
		return jsonSyntax(data)
	}
	return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, err)
}

// tolerate decides what to do when an extractor fails on a file. An
// installed package.json that is valid JSON with odd values still names a
// package: it is kept with a version error (never matched as clean) and a
// warning. Everything else fails the artifact.
func tolerate(extractor, file string, data []byte, err error, warn func(member, msg string)) (bool, []found) {
	if extractor != "javascript/packagejson" {
		return false, nil
	}
	pj, perr := parsePackageJSON(data)
	if perr != nil || pj.Name == "" {
		return false, nil
	}
	return true, []found{{pkg: nil, location: file, plugin: extractor, rank: rankInstalled,
		lenient: &Package{Ecosystem: ecosystem.NPM, Name: pj.Name, Version: pj.Version, VersionError: pj.VersionError, Licenses: pj.License}}}
}

// nodePackageDir returns the install directory of a node_modules manifest:
// "node_modules/a/node_modules/@s/b/package.json" -> ".../@s/b".
func nodePackageDir(manifest string) string { return path.Dir(manifest) }

// resolveNode finds the package a dependency name resolves to from dir,
// the way Node does: dir/node_modules/name, then each ancestor's.
func resolveNode(installed map[string]*Package, dir, name string) *Package {
	var buf [256]byte
	for {
		// Installed dirs are clean paths: a name that is not ("../x")
		// matches none. The candidate is built in a scratch buffer (a map
		// lookup by string(bytes) does not allocate): this runs for every
		// edge of a 200,000-package tree.
		cand := buf[:0]
		if dir != "." && dir != "" {
			cand = append(append(cand, dir...), '/')
		}
		cand = append(append(cand, "node_modules/"...), name...)
		if p, ok := installed[string(cand)]; ok {
			return p
		}
		if dir == "." || dir == "/" || dir == "" {
			return nil
		}
		// Step out of the enclosing node_modules folder.
		i := strings.LastIndex(dir, "node_modules")
		if i < 0 {
			dir = "."
			continue
		}
		dir = strings.TrimSuffix(dir[:i], "/")
		if dir == "" {
			dir = "."
		}
	}
}

// addEdges fills DependsOn for npm packages from installed manifests or,
// failing those, the lockfile's packages map, both resolved by node_modules
// nesting; and Component.DependsOn from the root manifest.
func (r *reader) addEdges(v *vfs, a *Artifact) error {
	// One node per install dir, in the order found; the maps are sized
	// up front: at 200,000 packages their growth was a tenth of this pass.
	type node struct {
		dir  string
		p    *Package
		deps []string
	}
	var nodes []node
	size := len(a.Packages)
	installed := make(map[string]*Package, size) // install dir -> package
	byNameVersion := make(map[string]*Package, size)
	for _, p := range a.Packages {
		if p.Ecosystem != ecosystem.NPM {
			continue
		}
		byNameVersion[p.Name+"@"+p.Version] = p
	}
	for _, p := range a.Packages {
		if p.Ecosystem != ecosystem.NPM {
			continue
		}
		for _, loc := range p.Locations {
			if !installedNodePackage(loc) {
				continue
			}
			data, err := v.readFile(loc)
			if err != nil {
				return &memberErr{loc, err}
			}
			pj, err := parsePackageJSON(data)
			if err != nil {
				return &memberErr{loc, err}
			}
			dir := nodePackageDir(loc)
			if len(p.Licenses) == 0 {
				p.Licenses = pj.License
			}
			if _, dup := installed[dir]; !dup {
				nodes = append(nodes, node{dir, p, pj.Dependencies})
			}
			installed[dir] = p
		}
	}
	// A lockfile describes the same tree when node_modules is not shipped;
	// the npm reader kept its entries (v.npmTrees) as it decoded it.
	for _, n := range v.names {
		tree, ok := v.npmTrees[n]
		if !ok {
			continue
		}
		root := path.Dir(n)
		for _, e := range tree {
			dir := path.Clean(e.dir) // allocates only when the key is not clean
			if root != "." {
				dir = path.Join(root, e.dir)
			}
			if _, ok := installed[dir]; ok {
				continue
			}
			p := byNameVersion[e.name+"@"+e.version]
			if p == nil {
				continue
			}
			installed[dir] = p
			nodes = append(nodes, node{dir, p, e.deps})
		}
	}
	for _, n := range nodes {
		p := n.p
		// A few edges are checked for repeats by scanning; a package with
		// many (a hostile one may list 100,000) by a set.
		var seen map[string]bool
		if len(p.DependsOn)+len(n.deps) > 32 {
			seen = make(map[string]bool, len(p.DependsOn)+len(n.deps))
			for _, d := range p.DependsOn {
				seen[d] = true
			}
		}
		for _, name := range n.deps {
			t := resolveNode(installed, n.dir, name)
			if t == nil || t == p {
				continue
			}
			if seen != nil {
				if seen[t.PURL] {
					continue
				}
				seen[t.PURL] = true
			} else if slices.Contains(p.DependsOn, t.PURL) {
				continue
			}
			p.DependsOn = append(p.DependsOn, t.PURL)
		}
		sort.Strings(p.DependsOn)
	}
	if a.Component != nil {
		for root, pj := range rootManifests(v) {
			for _, name := range pj.Dependencies {
				if t := resolveNode(installed, path.Dir(root), name); t != nil {
					a.Component.DependsOn = append(a.Component.DependsOn, t.PURL)
				}
			}
			sort.Strings(a.Component.DependsOn)
			break
		}
	}
	return nil
}
