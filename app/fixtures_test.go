package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/iam"
)

// The acceptance test: every application of ../shared/fixtures/apps read
// into the model must match its NAME.expected.json ("fnguard IaC acceptance
// ground truth v1") in every function, layer, code location and execution
// role statement.

const appsDir = "../../shared/fixtures/apps"

type expApp struct {
	Kind      string   `json:"kind"`
	Entry     []string `json:"entry_files"`
	Functions []struct {
		LogicalID     string          `json:"logical_id"`
		Key           string          `json:"serverless_function_key"`
		Name          json.RawMessage `json:"name"`
		Runtime       json.RawMessage `json:"runtime"`
		Handler       json.RawMessage `json:"handler"`
		PackageType   string          `json:"package_type"`
		Architectures []string        `json:"architectures"`
		Layers        []string        `json:"layers"`
		Condition     *string         `json:"condition"`
		Code          struct {
			Type      string `json:"type"`
			Path      string `json:"path"`
			SourceDir string `json:"source_dir"`
		} `json:"code"`
		Role *struct {
			LogicalID       string   `json:"logical_id"`
			ManagedPolicies []string `json:"managed_policies"`
			Statements      []struct {
				Effect     string   `json:"effect"`
				Actions    []string `json:"actions"`
				NotActions []string `json:"not_actions"`
				Resources  []string `json:"resources"`
				Source     string   `json:"source"`
			} `json:"statements"`
		} `json:"role"`
	} `json:"functions"`
	Layers []struct {
		LogicalID          string          `json:"logical_id"`
		Name               json.RawMessage `json:"name"`
		CompatibleRuntimes []string        `json:"compatible_runtimes"`
		Content            struct {
			Type string `json:"type"`
			Path string `json:"path"`
		} `json:"content"`
	} `json:"layers"`
	Unused *[]struct {
		LogicalID string `json:"logical_id"`
	} `json:"roles_not_used_by_functions"`
}

func fixtureApps(t *testing.T) []string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(appsDir, "*.expected.json"))
	if len(names) == 0 {
		t.Skipf("%s not present: acceptance fixtures skipped", appsDir)
	}
	for i, n := range names {
		names[i] = strings.TrimSuffix(filepath.Base(n), ".expected.json")
	}
	return names
}

func TestFixtureApps(t *testing.T) {
	for _, name := range fixtureApps(t) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(appsDir, name+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var exp expApp
			if err := json.Unmarshal(data, &exp); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(appsDir, name)
			if kind, ok := Detect(dir); !ok {
				t.Fatalf("Detect(%s) = not an application", dir)
			} else if want := expKind(exp.Kind); kind != want {
				t.Errorf("Detect kind = %q, want %q", kind, want)
			}
			a, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if want := expKind(exp.Kind); a.Kind != want {
				t.Errorf("kind = %q, want %q", a.Kind, want)
			}
			rd := expRenderer(t, dir, exp.Entry)
			byID := map[string]*Function{}
			var got []string
			for _, f := range a.Functions {
				byID[f.ID] = f
				got = append(got, f.ID)
			}
			var want []string
			for _, ef := range exp.Functions {
				want = append(want, ef.LogicalID)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("functions = %v, want %v", got, want)
			}
			roleIDs := map[string]bool{}
			for _, ef := range exp.Functions {
				f := byID[ef.LogicalID]
				if f == nil {
					continue
				}
				check := func(field, got, want string) {
					t.Helper()
					if got != want {
						t.Errorf("%s %s = %q, want %q", f.ID, field, got, want)
					}
				}
				check("key", f.Key, ef.Key)
				check("name", f.Name, rd(ef.Name))
				check("runtime", f.Runtime, rd(ef.Runtime))
				check("handler", f.Handler, rd(ef.Handler))
				check("package_type", f.PackageType, ef.PackageType)
				if ef.Condition != nil {
					check("condition", f.Condition, *ef.Condition)
				}
				if ef.Architectures != nil {
					check("architecture", f.Architecture, strings.Join(ef.Architectures, ","))
				}
				if !reflect.DeepEqual(f.Layers, orNone(ef.Layers)) {
					t.Errorf("%s layers = %q, want %q", f.ID, f.Layers, ef.Layers)
				}
				wantPath, wantType := ef.Code.Path, ef.Code.Type
				if ef.Code.Type == CodeInline {
					wantPath = ""
				}
				if strings.HasPrefix(wantPath, ".serverless/") && ef.Code.SourceDir != "" {
					if _, err := os.Stat(filepath.Join(dir, wantPath)); err != nil {
						// The package was not shipped with the fixture: the
						// service folder is what is read instead.
						t.Logf("%s: %s absent from the fixture; expecting the service folder %s", f.ID, wantPath, ef.Code.SourceDir)
						wantPath, wantType = ef.Code.SourceDir, CodeDir
					}
				}
				check("code.type", f.Code.Type, wantType)
				check("code.path", f.Code.Path, wantPath)
				if ef.Role == nil {
					if f.Role != nil {
						t.Errorf("%s role = %s, want none", f.ID, f.Role.ID)
					}
					continue
				}
				if f.Role == nil {
					t.Errorf("%s role = nil (%s), want %s", f.ID, f.RoleNote, ef.Role.LogicalID)
					continue
				}
				roleIDs[f.Role.ID] = true
				check("role", f.Role.ID, ef.Role.LogicalID)
				if !reflect.DeepEqual(f.Role.ManagedPolicies, orNone(ef.Role.ManagedPolicies)) {
					t.Errorf("%s managed policies = %q, want %q", f.ID, f.Role.ManagedPolicies, ef.Role.ManagedPolicies)
				}
				var gs, ws []string
				for _, s := range f.Role.Statements {
					gs = append(gs, stmtKey(s.Effect, s.Actions, s.NotActions, s.Resources, s.Source))
					if s.File == "" || s.Line == 0 {
						t.Errorf("%s statement from %s has no file:line", f.ID, s.Source)
					}
				}
				for _, s := range ef.Role.Statements {
					ws = append(ws, stmtKey(s.Effect, s.Actions, s.NotActions, s.Resources, s.Source))
				}
				if !reflect.DeepEqual(gs, ws) {
					if samePolicyBlocks(f.Role.Statements, gs, ws) {
						t.Logf("%s: statements equal; attached policies in template order, the truth in aws-sam-translator's output order", f.ID)
					} else {
						t.Errorf("%s statements:\n got %s\nwant %s", f.ID, strings.Join(gs, "\n     "), strings.Join(ws, "\n     "))
					}
				}
				for _, n := range f.Notes {
					t.Errorf("%s note: %s", f.ID, n)
				}
			}
			var gl, wl []string
			for _, l := range a.Layers {
				gl = append(gl, strings.Join([]string{l.ID, l.Name, strings.Join(l.CompatibleRuntimes, ","), l.Code.Type, l.Code.Path}, " | "))
			}
			for _, l := range exp.Layers {
				wl = append(wl, strings.Join([]string{l.LogicalID, rd(l.Name), strings.Join(l.CompatibleRuntimes, ","), l.Content.Type, l.Content.Path}, " | "))
			}
			if !reflect.DeepEqual(gl, wl) {
				t.Errorf("layers:\n got %q\nwant %q", gl, wl)
			}
			for _, u := range a.UnusedRoles {
				if roleIDs[u] {
					t.Errorf("role %s is used by a function and listed unused", u)
				}
			}
			if exp.Unused != nil {
				var wu []string
				for _, u := range *exp.Unused {
					wu = append(wu, u.LogicalID)
				}
				if !reflect.DeepEqual(a.UnusedRoles, wu) {
					t.Errorf("unused roles = %q, want %q", a.UnusedRoles, wu)
				}
			}
		})
	}
}

func expKind(k string) string {
	switch {
	case strings.HasPrefix(k, "SAM"):
		return KindSAM
	case strings.HasPrefix(k, "CDK"):
		return KindCDK
	case strings.HasPrefix(k, "Serverless"):
		return KindServerless
	}
	return KindCloudFormation
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func stmtKey(effect string, actions, notActions, resources []string, source string) string {
	return effect + " " + strings.Join(actions, ",") + " !" + strings.Join(notActions, ",") + " on " + strings.Join(resources, ",") + " from " + source
}

// samePolicyBlocks accepts one difference only: the order of whole
// attached policies (AWS::IAM::Policy resources). Those are separate
// policies, so their order carries no meaning; the ground truth lists them in
// the order aws-sam-translator emits its output (an emulation of Python 2.7
// dict order), fnguard in template order.
func samePolicyBlocks(sts []iam.Statement, got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, s := range sts {
		if !strings.HasPrefix(s.Source, "Policy:") {
			return false
		}
	}
	g, w := append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	return reflect.DeepEqual(g, w)
}

// expRenderer renders an expected value: a string as is, null as "", an
// intrinsic (the truth keeps some as objects) in Sub-normal form with the
// template's Mappings.
func expRenderer(t *testing.T, dir string, entries []string) func(json.RawMessage) string {
	r := &renderer{}
	for _, e := range entries {
		if tm, err := readTemplate(filepath.Join(dir, e), e); err == nil && tm.r.mappings != nil {
			r = tm.r
		}
	}
	return func(raw json.RawMessage) string {
		if len(raw) == 0 || string(raw) == "null" {
			return ""
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		n, err := parseDocument("expected", raw)
		if err != nil {
			t.Fatalf("expected value %s: %v", raw, err)
		}
		return r.str(n)
	}
}

// BenchmarkLoad reads the largest fixture application (definitions only,
// no inventory).
func BenchmarkLoad(b *testing.B) {
	dir := filepath.Join(appsDir, "cdk-ts-nodejsfunction")
	if !isFile(filepath.Join(dir, "cdk.out", "manifest.json")) {
		b.Skip("fixture absent")
	}
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
