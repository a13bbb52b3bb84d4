package lockfiles

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeFiles is writeTree for text files given by name.
func writeFiles(t *testing.T, files map[string]string) string {
	var ents []zent
	for name, data := range files {
		ents = append(ents, file(name, []byte(data)))
	}
	return writeTree(t, ents...)
}

// pip's includes make one requirements file of several. A requirements
// file given alone once lost every package of its includes (Django from
// -r base.txt, with 26 advisories) and the gate passed; scalibr never read
// the long form --requirement at all. Each package is located in the file
// that lists it.
func TestRequirementIncludes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"app/requirements.txt": "-r base.txt\n--requirement=../shared/common.txt\n--requirement extra/more.txt\nflask==2.0.1\n",
		"app/base.txt":         "Django==3.2  # the ORM\n-r base.txt\n",
		"shared/common.txt":    "-r ../app/extra/deeper.txt\nrequests==2.0.0\n",
		"app/extra/more.txt":   "urllib3==1.26.0\n",
		"app/extra/deeper.txt": "idna==2.8\n",
	})
	for _, target := range []string{filepath.Join(dir, "app", "requirements.txt"), filepath.Join(dir, "app")} {
		a, inv := readOne(t, target, Options{})
		wantPkgs(t, a, "PyPI Django 3.2", "PyPI flask 2.0.1", "PyPI idna 2.8", "PyPI requests 2.0.0", "PyPI urllib3 1.26.0")
		for name, loc := range map[string]string{"Django": "base.txt", "flask": "requirements.txt", "requests": "../shared/common.txt", "urllib3": "extra/more.txt", "idna": "../app/extra/deeper.txt"} {
			for _, p := range a.Packages {
				if p.Name == name && !slices.Equal(p.Locations, []string{loc}) {
					t.Errorf("%s: %s located at %q, want %q", target, name, p.Locations, loc)
				}
			}
		}
		if !a.Complete || len(inv.Warnings) > 0 {
			t.Errorf("%s: complete %v, warnings %+v", target, a.Complete, inv.Warnings)
		}
	}
}

// An include that cannot be read leaves the inventory partial, which the
// gate never calls clean: missing, or given as a URL.
func TestRequirementIncludeMissing(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"requirements.txt": "-r missing.txt\n-r https://example.com/r.txt\nflask==2.0.1\n",
	})
	a, inv := readOne(t, filepath.Join(dir, "requirements.txt"), Options{})
	wantPkgs(t, a, "PyPI flask 2.0.1")
	if a.Complete {
		t.Error("complete with an include missing")
	}
	var msgs []string
	for _, w := range inv.Warnings {
		msgs = append(msgs, w.Location+": "+w.Message)
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{
		"requirements.txt: line 1: -r missing.txt: not found: the packages it lists are not checked",
		"requirements.txt: line 2: -r https://example.com/r.txt: a URL, not read",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q\nlack %q", got, want)
		}
	}
}

func TestRequirementIncludeLines(t *testing.T) {
	got := requirementIncludes([]byte("-rbase.txt\n  -r  a b.txt # note\n--requirement=c.txt\n--requirement\td.txt\n-c constraints.txt\n-r\n--requirements=x\nrequests==1\n"))
	want := []requirementInclude{{"-r", "base.txt", 1}, {"-r", "a b.txt", 2}, {"--requirement", "c.txt", 3}, {"--requirement", "d.txt", 4}}
	if !slices.Equal(got, want) {
		t.Errorf("includes\n got %+v\nwant %+v", got, want)
	}
}

// A dependency installed from git ships its code but is no registry
// release. scalibr names it with purl type "git", which fnguard once
// dropped without a word: the lockfile looked empty. It is listed,
// unchecked, with where it came from.
func TestGitDependenciesListedUnchecked(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"yarn.lock": "# yarn lockfile v1\n\n\nlodash@lodash/lodash#4.17.15:\n  version \"4.17.15\"\n  resolved \"https://codeload.github.com/lodash/lodash/tar.gz/0123456789abcdef0123456789abcdef01234567\"\n\nleft-pad@^1.3.0:\n  version \"1.3.0\"\n  resolved \"https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz\"\n",
	})
	a, _ := readOne(t, filepath.Join(dir, "yarn.lock"), Options{})
	wantPkgs(t, a, "npm left-pad 1.3.0", "npm lodash ")
	p := pkg(t, a, "npm", "lodash", "")
	if want := "installed from git (https://github.com/lodash/lodash#0123456789abcdef0123456789abcdef01234567), not a registry release: no version to match"; p.VersionError != want {
		t.Errorf("reason %q, want %q", p.VersionError, want)
	}
}

func FuzzRequirementIncludes(f *testing.F) {
	f.Add([]byte("-rbase.txt\n--requirement=c.txt # x\n--requirement\td.txt\n-c x.txt\nrequests==1\n"))
	f.Add([]byte("a @ https://x/a-1.tar.gz\n-e git+https://x/b.git#egg=b\nhttps://x/c.whl\n-e .\nd @ file:///w/d.whl\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		for _, inc := range requirementIncludes(data) {
			if inc.line < 1 || inc.line > lines || inc.target == "" || inc.target != strings.TrimSpace(inc.target) || (inc.flag != "-r" && inc.flag != "--requirement") {
				t.Fatalf("include %+v of %d lines", inc, lines)
			}
			_ = includeName("a/requirements.txt", inc.target)
		}
		for _, u := range requirementURLs(data) {
			if u.name == "" || u.url == "" {
				t.Fatalf("URL requirement %+v", u)
			}
		}
	})
}

// scalibr drops, without a word, requirements installed from a URL or a
// version control system: they ship code but are no registry release, so
// they are listed unchecked. The project itself ("-e .", a folder) is not.
func TestRequirementURLsListedUnchecked(t *testing.T) {
	req := "flask==2.0.1\n" +
		"mylib @ https://example.com/dl/mylib-1.2.0.tar.gz\n" +
		"other[extra] @ git+https://github.com/o/other.git@v2\n" +
		"-e git+https://github.com/o/edit.git@abc#egg=editable-pkg\n" +
		"--editable=.\n" +
		"-e ./local\n" +
		"https://example.com/wheels/bare_pkg-3.0-py3-none-any.whl\n" +
		"vendored @ file:///opt/wheels/vendored-1.0-py3-none-any.whl\n" +
		"ownpkg @ file:///src/ownpkg\n"
	dir := writeFiles(t, map[string]string{"requirements.txt": req})
	a, _ := readOne(t, filepath.Join(dir, "requirements.txt"), Options{})
	wantPkgs(t, a, "PyPI flask 2.0.1", "PyPI mylib ", "PyPI other ", "PyPI editable-pkg ", "PyPI bare_pkg ", "PyPI vendored ")
	if p := pkg(t, a, "PyPI", "mylib", ""); p.VersionError != "installed from https://example.com/dl/mylib-1.2.0.tar.gz, not a registry release: no version to match" {
		t.Errorf("reason %q", p.VersionError)
	}
}
