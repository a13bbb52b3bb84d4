package release

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/bundle"
	"github.com/fnguard/fnguard/lockfiles"
)

const appsDir = "../../shared/fixtures/apps"

type expectedPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Optional  bool   `json:"optional"`
}

type expectedApp struct {
	Functions []struct {
		LogicalID     string            `json:"logical_id"`
		Packages      []expectedPackage `json:"packages"`
		LayerPackages []expectedPackage `json:"layer_packages"`
	} `json:"functions"`
	Layers []struct {
		LogicalID string            `json:"logical_id"`
		SAMID     string            `json:"sam_logical_id"`
		Packages  []expectedPackage `json:"packages"`
	} `json:"layers"`
}

func pkgKey(eco, name, version string) string {
	return eco + " " + strings.ToLower(name) + "@" + version
}

// appLockfile is the lockfile a CDK app's bundles were resolved against:
// the project's own, or for the fixture variants the one they name.
func appLockfile(dir string) string {
	for _, p := range []string{filepath.Join(dir, "package-lock.json"), filepath.Join(dir, "..", "cdk-ts-nodejsfunction", "package-lock.json")} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// TestFixtureApplicationPackages inventories every fixture application and
// checks that each function ships exactly its expected packages, its own
// code and its layers' apart.
func TestFixtureApplicationPackages(t *testing.T) {
	eachFixtureApp(t, func(t *testing.T, name string, want *expectedApp) {
		dir := filepath.Join(appsDir, name)
		a, err := app.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		var opts Options
		bopts := bundle.Options{}
		if lock := appLockfile(dir); lock != "" {
			if bopts.Lockfile, err = os.ReadFile(lock); err != nil {
				t.Fatal(err)
			}
			bopts.LockfilePath = lock
		}
		br, err := bundle.NewReader(bopts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Inventory.Bundles = br
		inv, rel, err := Inventory(context.Background(), a, opts)
		if err != nil {
			t.Fatal(err)
		}
		byArtifact := map[string]*lockfiles.Artifact{}
		for _, art := range inv.Artifacts {
			byArtifact[art.Path] = art
		}
		keys := func(arts ...string) (out []string) {
			seen := map[string]bool{}
			for _, p := range arts {
				if art := byArtifact[p]; art != nil {
					for _, pkg := range art.Packages {
						k := pkgKey(pkg.Ecosystem, pkg.Name, pkg.Version)
						if !seen[k] {
							seen[k] = true
							out = append(out, k)
						}
					}
				}
			}
			sort.Strings(out)
			return out
		}
		// compare reduces both sides to what must match: a package the
		// ground truth marks optional (no metadata ships) may be reported
		// under any version, or not at all, as long as it is not hidden
		// behind a wrong name.
		compare := func(pkgs []expectedPackage, got []string) (want, have []string) {
			optional := map[string]bool{}
			for _, p := range pkgs {
				if p.Optional {
					optional[p.Ecosystem+" "+strings.ToLower(p.Name)+"@"] = true
					continue
				}
				want = append(want, pkgKey(p.Ecosystem, p.Name, p.Version))
			}
			for _, g := range got {
				if optional[g[:strings.Index(g, "@")+1]] {
					continue
				}
				have = append(have, g)
			}
			sort.Strings(want)
			return want, have
		}
		// Without a map, a metafile or path comments, a minified bundle
		// shows only what licence comments and inlined package.json name:
		// fnguard must then report a subset with the right versions and
		// say the bundle lacks evidence, never claim the whole set.
		partial := func(artifact string) bool {
			art := byArtifact[artifact]
			if art == nil || art.Complete {
				return false
			}
			for _, w := range inv.Warnings {
				if w.Artifact == artifact {
					return true // incomplete, and saying why
				}
			}
			t.Errorf("%s is incomplete without a warning saying why", artifact)
			return true
		}
		same := func(what string, pkgs []expectedPackage, got []string, artifact string) {
			t.Helper()
			want, have := compare(pkgs, got)
			if partial(artifact) {
				in := map[string]bool{}
				for _, w := range want {
					in[w] = true
				}
				for _, h := range have {
					if !in[h] {
						t.Errorf("%s: %s is not in the ground truth", what, h)
					}
				}
				t.Logf("%s: bundle without full evidence: %d of %d packages found", what, len(have), len(want))
				return
			}
			if strings.Join(want, "\n") != strings.Join(have, "\n") {
				t.Errorf("%s ships\n  %v\nwant\n  %v", what, have, want)
			}
		}
		fns := map[string]*Function{}
		for _, f := range rel.Functions {
			fns[f.ID] = f
		}
		for _, wf := range want.Functions {
			f := fns[wf.LogicalID]
			if f == nil {
				t.Errorf("function %s not found", wf.LogicalID)
				continue
			}
			same("function "+wf.LogicalID, wf.Packages, keys(f.Artifact), f.Artifact)
			var layerArts []string
			for _, l := range f.LocalLayers {
				layerArts = append(layerArts, l.Artifact)
			}
			same("layers of function "+wf.LogicalID, wf.LayerPackages, keys(layerArts...), "")
		}
		layers := map[string]*Layer{}
		for _, l := range rel.Layers {
			layers[l.ID] = l
		}
		for _, wl := range want.Layers {
			l := layers[wl.LogicalID]
			if l == nil && wl.SAMID != "" {
				l = layers[wl.SAMID]
			}
			if l == nil {
				t.Errorf("layer %s not found", wl.LogicalID)
				continue
			}
			same("layer "+wl.LogicalID, wl.Packages, keys(l.Artifact), l.Artifact)
		}
	})
}

// roleFinding is compared by the source of its statement, not its index:
// for attached AWS::IAM::Policy blocks the ground truth keeps
// aws-sam-translator's output order, which fnguard does not reproduce (it
// keeps the template's order).
type roleFinding struct {
	Rule      string `json:"rule"`
	Detail    string `json:"detail"`
	Statement int    `json:"statement"`
	Source    string `json:"source,omitempty"`
}

type expectedRoles struct {
	Functions []struct {
		LogicalID string `json:"logical_id"`
		Role      *struct {
			LogicalID  string        `json:"logical_id"`
			Findings   []roleFinding `json:"findings"`
			Statements []struct {
				Source string `json:"source"`
			} `json:"statements"`
		} `json:"role"`
	} `json:"functions"`
}

// TestFixtureRoleFindings checks the whole chain for every fixture function:
// the role resolved from the definition, judged by the rules, gives exactly
// the expected findings.
func TestFixtureRoleFindings(t *testing.T) {
	type finding = roleFinding
	eachFixtureApp(t, func(t *testing.T, name string, want *expectedRoles) {
		a, err := app.Load(filepath.Join(appsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		_, rel, err := Inventory(context.Background(), a, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*Function{}
		for _, f := range rel.Functions {
			got[f.ID] = f
		}
		for _, wf := range want.Functions {
			f := got[wf.LogicalID]
			if f == nil {
				t.Errorf("function %s not found", wf.LogicalID)
				continue
			}
			if wf.Role == nil {
				if f.Role != nil {
					t.Errorf("function %s: role %s resolved, want none", wf.LogicalID, f.Role.ID)
				}
				continue
			}
			if f.Role == nil {
				t.Errorf("function %s: role unresolved (%s), want %s", wf.LogicalID, f.RoleNote, wf.Role.LogicalID)
				continue
			}
			var have []finding
			for _, x := range f.Role.Findings {
				if x.Statement >= 0 {
					have = append(have, finding{Rule: x.Rule, Detail: x.Detail, Source: f.Role.Statements[x.Statement].Source})
				} else {
					have = append(have, finding{Rule: x.Rule, Statement: -1})
				}
			}
			var exp []finding
			for _, x := range wf.Role.Findings {
				if x.Rule == "admin-managed-policy" || x.Rule == "full-access-managed-policy" {
					exp = append(exp, finding{Rule: x.Rule, Statement: -1})
				} else {
					exp = append(exp, finding{Rule: x.Rule, Detail: x.Detail, Source: wf.Role.Statements[x.Statement].Source})
				}
			}
			if fmt := func(fs []finding) string { b, _ := json.Marshal(fs); return string(b) }; fmt(have) != fmt(exp) {
				t.Errorf("function %s role findings\n  %s\nwant\n  %s", wf.LogicalID, fmt(have), fmt(exp))
			}
		}
	})
}

// eachFixtureApp runs fn as a subtest for every fixture application, with
// its expected.json decoded into a W.
func eachFixtureApp[W any](t *testing.T, fn func(t *testing.T, name string, want *W)) {
	entries, err := os.ReadDir(appsDir)
	if err != nil {
		t.Skipf("shared fixtures absent (%v): application acceptance tests skipped", err)
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "bundles" {
			continue
		}
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(appsDir, name+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			want := new(W)
			if err := json.Unmarshal(data, want); err != nil {
				t.Fatal(err)
			}
			fn(t, name, want)
		})
	}
}
