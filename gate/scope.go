package gate

import (
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
)

// scanned is what a scan looked at, to tell a stale ignore (its scope was
// scanned and nothing matched) from one meant for another scan.
type scanned struct {
	// known is false when the result carries no inventory: then nothing
	// can be said out of scope, and unmatched ignores are stale as before.
	known     bool
	artifacts []string
	functions map[string][]string // artifact path -> function names
	pkgs      map[string]bool     // "eco|normalised name" and "|normalised name"
	// release is the application scanned, nil for plain artifacts: rule
	// ignores are in scope only when it has the function they name.
	release *release.Release
}

// releaseFunctions is the artifact-to-function-names map ignores are
// matched with: given, plus, for a release, every function's logical id,
// key and literal name under each artifact it ships.
func releaseFunctions(given map[string][]string, r *release.Release) map[string][]string {
	if r == nil {
		return given
	}
	out := map[string][]string{}
	for a, names := range given {
		out[a] = append([]string(nil), names...)
	}
	for _, f := range r.Functions {
		for _, a := range f.Artifacts() {
			for _, n := range functionNames(f) {
				if !slices.Contains(out[a], n) {
					out[a] = append(out[a], n)
				}
			}
		}
	}
	return out
}

// functionNames are the names an ignore may call a function by.
func functionNames(f *release.Function) []string {
	names := []string{f.ID}
	for _, n := range []string{f.Key, f.Label()} {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if f.Name != "" && !strings.Contains(f.Name, "${") && !slices.Contains(names, f.Name) {
		names = append(names, f.Name)
	}
	return names
}

func newScanned(res *vulndb.Result, functions map[string][]string) *scanned {
	sc := &scanned{functions: functions, pkgs: map[string]bool{}, known: res.Inventory != nil}
	add := func(p *lockfiles.Package) {
		eco := ecosystem.Canonical(p.Ecosystem)
		sc.pkgs[eco+"|"+ecosystem.NormalizeName(eco, p.Name)] = true
		sc.pkgs["|"+strings.ToLower(p.Name)] = true
		if !slices.Contains(sc.artifacts, p.Artifact) {
			sc.artifacts = append(sc.artifacts, p.Artifact)
		}
	}
	if res.Inventory != nil {
		for _, a := range res.Inventory.Artifacts {
			sc.artifacts = append(sc.artifacts, a.Path)
			for _, p := range a.Packages {
				add(p)
			}
		}
	}
	for _, f := range res.Findings {
		if f.Package != nil {
			add(f.Package)
		}
	}
	return sc
}

// artifactMatches reports whether an ignore's artifact scope names path.
func artifactMatches(pattern, p string) bool {
	pattern = filepath.ToSlash(strings.TrimPrefix(pattern, "./"))
	p = filepath.ToSlash(p)
	if pattern == p || strings.TrimPrefix(p, "./") == pattern {
		return true
	}
	// Try the pattern against the path's trailing elements, so a policy in
	// the repository names dist/orders.zip however CI spells the path.
	n := strings.Count(pattern, "/") + 1
	parts := strings.Split(p, "/")
	if len(parts) < n {
		return false
	}
	ok, err := path.Match(pattern, strings.Join(parts[len(parts)-n:], "/"))
	return err == nil && ok
}

func (sc *scanned) functionsOf(artifact string) []string {
	if sc == nil {
		return nil
	}
	return sc.functions[artifact]
}

// findingInScope reports whether f's artifact is within ig's artifact and
// function scopes (the package scope is ignoreMatches').
func (sc *scanned) findingInScope(ig Ignore, f *vulndb.Finding) bool {
	if f.Package == nil {
		return ig.Artifact == "" && ig.Function == ""
	}
	if ig.Artifact != "" && !artifactMatches(ig.Artifact, f.Package.Artifact) {
		return false
	}
	if ig.Function != "" && !slices.Contains(sc.functionsOf(f.Package.Artifact), ig.Function) {
		return false
	}
	return true
}

// inScope reports whether anything ig is scoped to was scanned: an
// artifact its artifact scope names, a function its function scope names,
// a package its package scope names. An unscoped ignore is always in scope.
func (sc *scanned) inScope(ig Ignore) bool {
	if ig.Rule != "" {
		// Role rules exist only in applications.
		if sc.release == nil {
			return false
		}
		return ig.Function == "" || slices.ContainsFunc(sc.release.Functions, func(f *release.Function) bool {
			return slices.Contains(functionNames(f), ig.Function)
		})
	}
	if !sc.known {
		return true
	}
	if ig.Artifact != "" && !slices.ContainsFunc(sc.artifacts, func(a string) bool { return artifactMatches(ig.Artifact, a) }) {
		return false
	}
	if ig.Function != "" {
		found := false
		for _, names := range sc.functions {
			found = found || slices.Contains(names, ig.Function)
		}
		if !found {
			return false
		}
	}
	if ig.Package != "" {
		s, err := parseScope(ig.Package)
		if err != nil {
			return true
		}
		key := "|" + strings.ToLower(s.name)
		if s.eco != "" {
			key = s.eco + "|" + ecosystem.NormalizeName(s.eco, s.name)
		}
		if !sc.pkgs[key] {
			return false
		}
	}
	return true
}

// scopeText says where a stale ignore looked, for its note.
func (sc *scanned) scopeText(ig Ignore) string {
	var parts []string
	if ig.Function != "" {
		parts = append(parts, "function "+ig.Function)
	}
	if ig.Artifact != "" {
		parts = append(parts, ig.Artifact)
	}
	if ig.Package != "" {
		parts = append(parts, ig.Package)
	}
	if len(parts) == 0 {
		return "this scan"
	}
	return strings.Join(parts, ", ")
}
