package bundle

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/lockfiles"
)

const appsDir = "../../shared/fixtures/apps"

func needShared(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared fixtures not present (%s): %v", p, err)
	}
}

// dirFiles lists a folder's regular files as an artifact does.
func dirFiles(t *testing.T, dir string) (fs.FS, []string) {
	t.Helper()
	fsys := os.DirFS(dir)
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return fsys, files
}

func newReader(t *testing.T, lockPath string) *Reader {
	t.Helper()
	opts := Options{}
	if lockPath != "" {
		data, err := os.ReadFile(lockPath)
		if err != nil {
			t.Fatal(err)
		}
		opts.Lockfile, opts.LockfilePath = data, lockPath
	}
	r, err := NewReader(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type wantPkg struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	LockPath  string `json:"lock_path"`
	Evidence  struct {
		MinifiedLicenseBlock bool `json:"minified_license_block"`
		MinifiedPackageJSON  bool `json:"minified_embedded_package_json"`
	} `json:"evidence"`
}

type bundlesTruth struct {
	Bundles []struct {
		Handler  string            `json:"handler"`
		Forms    map[string]string `json:"forms"`
		Packages []wantPkg         `json:"packages"`
	} `json:"bundles"`
}

// got renders packages as "name@version" ("name@?" when unknown).
func got(ps []*lockfiles.Package) []string {
	var out []string
	for _, p := range ps {
		v := p.Version
		if v == "" {
			v = "?"
		}
		out = append(out, p.Name+"@"+v)
	}
	sort.Strings(out)
	return out
}

func checkPackage(t *testing.T, p *lockfiles.Package, evidence string) {
	t.Helper()
	if p.Ecosystem != "npm" || len(p.Locations) == 0 || p.PURL == "" || p.Confidence == "" {
		t.Errorf("%s: incomplete package %+v", p.Name, p)
	}
	if evidence != "" && p.Evidence != evidence {
		t.Errorf("%s: evidence %q, want %q", p.Name, p.Evidence, evidence)
	}
	if p.Version == "" && !strings.HasPrefix(p.VersionError, "version unknown (") {
		t.Errorf("%s: no version and VersionError %q", p.Name, p.VersionError)
	}
	if p.Version != "" && p.VersionError != "" {
		t.Errorf("%s@%s: VersionError %q", p.Name, p.Version, p.VersionError)
	}
}

// TestBundleForms: every handler x form of bundles/expected.json yields
// exactly its packages: with the lockfile every version; without it the
// versions the bundle's own text states (moment's banner, axios's
// package.json) and "version unknown" for the rest.
func TestBundleForms(t *testing.T) {
	dir := filepath.Join(appsDir, "bundles")
	needShared(t, filepath.Join(dir, "expected.json"))
	var truth bundlesTruth
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	if len(truth.Bundles) != 3 {
		t.Fatalf("expected.json lists %d handlers, want 3", len(truth.Bundles))
	}
	// Versions the bundle text itself states, per README: moment's legal
	// comment (plain, sourcemap and metafile forms keep the EOF block too)
	// and axios's inlined package.json.
	stated := map[string]bool{"moment": true, "axios": true}
	withLock := newReader(t, filepath.Join(dir, "package-lock.json"))
	noLock := newReader(t, "")
	forms := map[string]string{"plain": EvidenceComment, "sourcemap": EvidenceSourceMap, "metafile": EvidenceMetafile, "minified": ""}
	n := 0
	for _, h := range truth.Bundles {
		for form, evidence := range forms {
			if h.Forms[form] == "" {
				t.Fatalf("%s: no form %s in expected.json", h.Handler, form)
			}
			formDir := filepath.Join(dir, filepath.Dir(h.Forms[form]))
			fsys, files := dirFiles(t, formDir)
			for _, lock := range []bool{true, false} {
				r := noLock
				if lock {
					r = withLock
				}
				var want []string
				for _, p := range h.Packages {
					if form == "minified" && !p.Evidence.MinifiedLicenseBlock && !p.Evidence.MinifiedPackageJSON {
						continue
					}
					v := p.Version
					if !lock && !stated[p.Name] {
						v = "?"
					}
					want = append(want, p.Name+"@"+v)
				}
				sort.Strings(want)
				pkgs, warnings, err := r.ReadBundles(fsys, files)
				if err != nil {
					t.Fatalf("%s/%s: %v", h.Handler, form, err)
				}
				if g := got(pkgs); strings.Join(g, " ") != strings.Join(want, " ") {
					t.Errorf("%s/%s lock=%v:\n got  %v\n want %v", h.Handler, form, lock, g, want)
				}
				for _, p := range pkgs {
					checkPackage(t, p, evidence)
				}
				if form == "minified" {
					if len(warnings) != 1 || warnings[0].Location != "index.js" || !strings.Contains(warnings[0].Message, "build with sourcemap or metafile") {
						t.Errorf("%s/minified: warnings %+v, want one saying the bundle is only partly visible", h.Handler, warnings)
					}
				} else if len(warnings) != 0 {
					t.Errorf("%s/%s: unexpected warnings %+v", h.Handler, form, warnings)
				}
				n++
			}
		}
	}
	if n != 24 {
		t.Errorf("checked %d handler x form x lockfile cases, want 24", n)
	}
}

// TestBundlesFolder reads the whole bundles folder as one artifact (20
// packages: the README's table says 14 for authorizer, its list has 15): the
// same packages from several bundles merge, src/*.js (unbundled handlers)
// add nothing and warn about nothing.
func TestBundlesFolder(t *testing.T) {
	dir := filepath.Join(appsDir, "bundles")
	needShared(t, filepath.Join(dir, "expected.json"))
	var truth bundlesTruth
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	union := map[string]bool{}
	for _, h := range truth.Bundles {
		for _, p := range h.Packages {
			union[p.Name+"@"+p.Version] = true
		}
	}
	var want []string
	for k := range union {
		want = append(want, k)
	}
	sort.Strings(want)
	r := newReader(t, filepath.Join(dir, "package-lock.json"))
	fsys, files := dirFiles(t, dir)
	pkgs, warnings, err := r.ReadBundles(fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	if g := got(pkgs); len(want) != 20 || strings.Join(g, " ") != strings.Join(want, " ") {
		t.Errorf("got %v\nwant %v", g, want)
	}
	for _, p := range pkgs {
		checkPackage(t, p, "")
		if p.Version == "" {
			t.Errorf("%s: no version with the lockfile", p.Name)
		}
		if p.Name == "lodash" && (p.Evidence != EvidenceMetafile || len(p.Locations) != 3) {
			t.Errorf("lodash: evidence %s locations %v, want metafile and 3 files", p.Evidence, p.Locations)
		}
	}
	if len(warnings) != 3 {
		t.Errorf("warnings %+v, want one per minified bundle", warnings)
	}
}

type appTruth struct {
	Functions []struct {
		LogicalID string `json:"logical_id"`
		Code      struct {
			Path  string   `json:"path"`
			Files []string `json:"files"`
		} `json:"code"`
		Packages []wantPkg `json:"packages"`
	} `json:"functions"`
}

func readAppTruth(t *testing.T, app string) appTruth {
	t.Helper()
	p := filepath.Join(appsDir, app+".expected.json")
	needShared(t, p)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var a appTruth
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCDKNodejsFunction: the sourcemap and metafile variants yield exactly
// the 79 packages, versions from the app's root package-lock.json, the
// nested @smithy/service-error-classification 2.1.5 included. The
// minified-only variant yields what its text shows (the inlined
// package.json of four AWS SDK clients and aws-xray-sdk-core), each with
// the true version, and says it cannot see the rest. CDK's LogRetention
// handler (minified, nothing bundled) yields nothing and no warning.
func TestCDKNodejsFunction(t *testing.T) {
	lock := filepath.Join(appsDir, "cdk-ts-nodejsfunction", "package-lock.json")
	needShared(t, lock)
	r := newReader(t, lock)
	checked := 0
	for _, app := range []string{"cdk-ts-nodejsfunction", "cdk-ts-nodejsfunction-sourcemap", "cdk-ts-nodejsfunction-metafile"} {
		truth := readAppTruth(t, app)
		for _, fn := range truth.Functions {
			fsys, files := dirFiles(t, filepath.Join(appsDir, app, fn.Code.Path))
			if strings.Join(files, " ") != strings.Join(fn.Code.Files, " ") {
				t.Fatalf("%s %s: files %v, expected.json says %v", app, fn.LogicalID, files, fn.Code.Files)
			}
			pkgs, warnings, err := r.ReadBundles(fsys, files)
			if err != nil {
				t.Fatalf("%s %s: %v", app, fn.LogicalID, err)
			}
			var want []string
			versions := map[string]bool{}
			for _, p := range fn.Packages {
				want = append(want, p.Name+"@"+p.Version)
				versions[p.Name+"@"+p.Version] = true
			}
			sort.Strings(want)
			g := got(pkgs)
			evidence := ""
			switch {
			case strings.HasSuffix(app, "-sourcemap"):
				evidence = EvidenceSourceMap
			case strings.HasSuffix(app, "-metafile"):
				evidence = EvidenceMetafile
			}
			for _, p := range pkgs {
				checkPackage(t, p, evidence)
			}
			switch {
			case len(fn.Packages) == 0:
				if len(pkgs) != 0 || len(warnings) != 0 {
					t.Errorf("%s %s: plain handler gave %v, warnings %+v", app, fn.LogicalID, g, warnings)
				}
			case evidence != "":
				if len(want) != 79 || strings.Join(g, " ") != strings.Join(want, " ") {
					t.Errorf("%s %s: %d packages, want %d\n got  %v\n want %v", app, fn.LogicalID, len(g), len(want), g, want)
				}
				if len(warnings) != 0 {
					t.Errorf("%s %s: warnings %+v", app, fn.LogicalID, warnings)
				}
			default:
				wantSeen := []string{"@aws-sdk/client-dynamodb@3.616.0", "@aws-sdk/client-sso-oidc@3.616.0", "@aws-sdk/client-sso@3.616.0", "@aws-sdk/client-sts@3.616.0", "aws-xray-sdk-core@3.9.0"}
				if strings.Join(g, " ") != strings.Join(wantSeen, " ") {
					t.Errorf("%s %s: got %v, want %v", app, fn.LogicalID, g, wantSeen)
				}
				for _, s := range g {
					if !versions[s] {
						t.Errorf("%s %s: %s is not in the truth", app, fn.LogicalID, s)
					}
				}
				if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "5 package(s)") {
					t.Errorf("%s %s: warnings %+v, want one saying only 5 packages are visible", app, fn.LogicalID, warnings)
				}
			}
			checked++
		}
	}
	if checked != 9 {
		t.Errorf("checked %d functions, want 9", checked)
	}
}
