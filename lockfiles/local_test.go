package lockfiles

import (
	"path/filepath"
	"strings"
	"testing"
)

// What a lockfile lists of the project's own code is not a dependency: no
// registry advisory is about it, and listed it either failed the gate as
// unchecked (a workspace without a version, a file: folder, a Go module
// replaced by a folder, a NuGet project reference, a composer path
// repository) or matched a registry
// package's advisories by name (a yarn workspace named like a malicious
// package). Each case beside a real dependency, which stays.
func TestProjectsOwnCodeIsNoDependency(t *testing.T) {
	cases := []struct {
		file, data string
		want       []string
	}{
		{"yarn.lock", `__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  languageName: unknown
  linkType: soft

"portal-shell@workspace:packages/portal-shell":
  version: 0.0.0-use.local
  resolution: "portal-shell@workspace:packages/portal-shell"
  languageName: unknown
  linkType: soft

"left-pad@npm:^1.3.0":
  version: 1.3.0
  resolution: "left-pad@npm:1.3.0"
  languageName: node
  linkType: hard
`, []string{"npm left-pad 1.3.0"}},
		{"pnpm-lock.yaml", `lockfileVersion: '9.0'

packages:

  '@app/helper@file:helper':
    resolution: {directory: helper, type: directory}

  left-pad@1.3.0:
    resolution: {integrity: sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9VHGJlJOzqfRg/3MGmT9Hz1EzMjPs+a5xhjwvy8lJkiFIA==}
`, []string{"npm left-pad 1.3.0"}},
		{"go.mod", "module example.com/app\n\ngo 1.22.0\n\nrequire (\n\texample.com/app/internal/plugin v0.0.0-00010101000000-000000000000\n\tgolang.org/x/text v0.14.0\n)\n\nreplace example.com/app/internal/plugin => ./internal/plugin\n",
			[]string{"Go golang.org/x/text v0.14.0", "Go stdlib 1.22.0"}},
		{"packages.lock.json", `{"version": 1, "dependencies": {"net8.0": {
  "MyCompany.Core": {"type": "Project"},
  "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.1, )", "resolved": "13.0.1", "contentHash": "x"}}}}`,
			[]string{"NuGet Newtonsoft.Json 13.0.1"}},
		{"composer.lock", `{"packages": [{"name": "monolog/monolog", "version": "2.9.1", "type": "library"},
  {"name": "acme/local", "version": "dev-master", "dist": {"type": "path", "url": "./packages/local"}, "type": "library"}],
 "packages-dev": [{"name": "roave/security-advisories", "version": "dev-latest", "type": "metapackage"}]}`,
			[]string{"Packagist monolog/monolog 2.9.1"}},
	}
	for _, c := range cases {
		dir := writeFiles(t, map[string]string{c.file: c.data})
		a, _ := readOne(t, filepath.Join(dir, c.file), Options{})
		wantPkgs(t, a, c.want...)
	}
}

// A package.json that declares dependencies, with nothing that says which
// releases are installed (no lockfile, no node_modules, no bundle naming
// them), read as a function that "ships no third-party packages": clean.
// Each declared dependency is listed unchecked, with its range (an exact
// version is that version); local
// folders are the project's own; with a lockfile the lockfile speaks.
func TestDeclaredNPMDependenciesWithoutLockfile(t *testing.T) {
	pj := `{"name": "fn", "version": "1.0.0", "dependencies": {"axios": "^1.6.0", "shared": "file:../shared"},
		"optionalDependencies": {"fsevents": "2.3.3"}, "devDependencies": {"jest": "^29.0.0"}, "peerDependencies": {"react": "^18"}}`
	dir := writeFiles(t, map[string]string{"fn/package.json": pj, "fn/index.js": "x"})
	a, _ := readOne(t, filepath.Join(dir, "fn"), Options{})
	// An exact version is what the install fetches: it is checked.
	wantPkgs(t, a, "npm axios ", "npm fsevents 2.3.3")
	if p := pkg(t, a, "npm", "axios", ""); p.VersionError != "declared in package.json (^1.6.0) with no lockfile or node_modules: the version installed is unknown" {
		t.Errorf("reason %q", p.VersionError)
	}
	lock := `{"name": "fn", "lockfileVersion": 3, "packages": {"": {"name": "fn"}, "node_modules/axios": {"version": "1.6.2"}}}`
	dir = writeFiles(t, map[string]string{"fn/package.json": pj, "fn/package-lock.json": lock})
	a, _ = readOne(t, filepath.Join(dir, "fn"), Options{})
	wantPkgs(t, a, "npm axios 1.6.2")
}

// A lockfile that lists only the project's own code has no third-party
// package; the error says it was read rather than that nothing was found.
func TestOnlyOwnCodeSaysSo(t *testing.T) {
	lock := `{"name": "root", "lockfileVersion": 3, "packages": {"": {"name": "root", "workspaces": ["packages/*"]},
		"node_modules/docs": {"resolved": "packages/docs", "link": true}, "packages/docs": {"name": "docs"}}}`
	dir := writeFiles(t, map[string]string{"package-lock.json": lock})
	_, err := Read(t.Context(), []string{filepath.Join(dir, "package-lock.json")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "package-lock.json read, but it lists no third-party package (the project's own workspaces and local folders are not dependencies); use --allow-empty") {
		t.Errorf("error %v", err)
	}
}
