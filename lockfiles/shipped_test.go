package lockfiles

import (
	"strings"
	"testing"
)

// A lockfile beside node_modules names more than ships: what only the
// lockfile names is dropped, with a warning; without node_modules the
// lockfile is all the evidence there is and every entry stays.
func TestLockfileOnlyPackagesNotShipped(t *testing.T) {
	lock := file("package-lock.json", td(t, "npm/package-lock.v3.json"))
	installed := []zent{
		file("package.json", td(t, "npm/installed/package.json")),
		file("node_modules/debug/package.json", td(t, "npm/installed/node_modules/debug/package.json")),
		file("node_modules/debug/node_modules/ms/package.json", td(t, "npm/installed/node_modules/debug/node_modules/ms/package.json")),
		file("node_modules/ms/package.json", td(t, "npm/installed/node_modules/ms/package.json")),
		text("index.js", "exports.handler = async () => 1;\n"),
	}
	// is-number is in the lockfile but not installed (built with --omit=dev).
	a, inv := readOne(t, writeZip(t, "fn.zip", append(installed, lock)...), Options{})
	wantPkgs(t, a, "npm debug 4.3.4", "npm ms 2.1.2", "npm ms 2.1.3")
	if len(inv.Warnings) != 1 || inv.Warnings[0].Location != "package-lock.json" || !strings.Contains(inv.Warnings[0].Message, "1 packages listed here are not installed") {
		t.Errorf("want one warning naming package-lock.json, got %+v", inv.Warnings)
	}
	a, _ = readOne(t, writeZip(t, "lock.zip", lock, text("index.js", "1\n")), Options{})
	wantPkgs(t, a, "npm debug 4.3.4", "npm is-number 7.0.0", "npm ms 2.1.2", "npm ms 2.1.3")
}

// go.mod's go directive is a minimum; beside an executable the toolchain
// in its build info is the standard library that ships.
func TestGoModStdlibBesideBinary(t *testing.T) {
	bin := helloGoBinary(t)
	gomod := text("go.mod", "module example.com/hello\n\ngo 1.17\n\nrequire golang.org/x/mod v0.42.0\n")
	a, _ := readOne(t, writeZip(t, "fn.zip", exe("bootstrap", bin), gomod), Options{})
	for _, p := range a.Packages {
		if p.Name == "stdlib" && p.Version == "1.17" {
			t.Errorf("go.mod's minimum Go version reported as the shipped standard library: %+v", p)
		}
	}
	if pkg(t, a, "Go", "golang.org/x/mod", "v0.42.0") == nil {
		t.Error("module lost")
	}
	src, _ := readOne(t, writeZip(t, "src.zip", gomod), Options{})
	found := false
	for _, p := range src.Packages {
		found = found || (p.Name == "stdlib" && p.Version == "1.17")
	}
	if !found {
		t.Errorf("without a binary go.mod is all the evidence: want stdlib 1.17, got %v", pkgKeys(src))
	}
}
