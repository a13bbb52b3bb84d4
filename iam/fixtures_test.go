package iam

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const appsDir = "../../shared/fixtures/apps"

type expectedApp struct {
	Functions []struct {
		LogicalID string `json:"logical_id"`
		Role      *struct {
			LogicalID       string   `json:"logical_id"`
			ManagedPolicies []string `json:"managed_policies"`
			Statements      []struct {
				Effect       string   `json:"effect"`
				Actions      []string `json:"actions"`
				NotActions   []string `json:"not_actions"`
				Resources    []string `json:"resources"`
				NotResources []string `json:"not_resources"`
				Source       string   `json:"source"`
			} `json:"statements"`
			Findings []struct {
				Rule      string `json:"rule"`
				Statement *int   `json:"statement"`
				Detail    string `json:"detail"`
			} `json:"findings"`
		} `json:"role"`
	} `json:"functions"`
}

type gotFinding struct {
	Rule      string
	Statement int
	Detail    string
}

// TestFixtureApps evaluates every function role of the shared fixture apps
// as the expected.json states it and wants exactly the expected findings.
func TestFixtureApps(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(appsDir, "*.expected.json"))
	if len(files) == 0 {
		t.Skipf("no %s/*.expected.json (shared fixtures absent)", appsDir)
	}
	roles, withFindings := 0, 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var app expectedApp
		if err := json.Unmarshal(raw, &app); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, fn := range app.Functions {
			if fn.Role == nil {
				continue
			}
			roles++
			r := &Role{ID: fn.Role.LogicalID, ManagedPolicies: fn.Role.ManagedPolicies}
			for _, s := range fn.Role.Statements {
				r.Statements = append(r.Statements, Statement{
					Effect: s.Effect, Actions: s.Actions, NotActions: s.NotActions,
					Resources: s.Resources, NotResources: s.NotResources, Source: s.Source,
				})
			}
			want := []gotFinding{}
			for _, f := range fn.Role.Findings {
				idx := -1
				if f.Statement != nil {
					idx = *f.Statement
				}
				want = append(want, gotFinding{f.Rule, idx, f.Detail})
			}
			got := []gotFinding{}
			for _, f := range Evaluate(r) {
				got = append(got, gotFinding{f.Rule, f.Statement, f.Detail})
				if f.Statement == -1 && f.Policy != f.Detail {
					t.Errorf("%s %s: managed finding Policy %q, Detail %q", filepath.Base(file), fn.LogicalID, f.Policy, f.Detail)
				}
			}
			if len(want) > 0 {
				withFindings++
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s function %s role %s:\n got %+v\nwant %+v", filepath.Base(file), fn.LogicalID, r.ID, got, want)
			}
		}
	}
	t.Logf("%d fixture files, %d function roles (%d with findings) evaluated", len(files), roles, withFindings)
	if roles == 0 {
		t.Fatal("fixtures hold no function roles: the test would prove nothing")
	}
}
