package iam

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSAMAllTemplatesExpand expands every embedded template with
// placeholder parameters: every parameter marker must be replaced and every
// statement must be usable by Evaluate.
func TestSAMAllTemplatesExpand(t *testing.T) {
	names := SAMPolicyTemplateNames()
	// aws-sam-translator 1.110.0 ships 81; fewer means the generator lost some.
	if len(names) < 81 {
		t.Fatalf("%d SAM policy templates embedded, want all 81 of aws-sam-translator 1.110.0", len(names))
	}
	for _, name := range names {
		params, ok := SAMPolicyTemplateParams(name)
		if !ok {
			t.Fatalf("%s listed but unknown", name)
		}
		vals := map[string]string{}
		for _, p := range params {
			vals[p] = "${PH_" + p + "}"
		}
		stmts, err := ExpandSAMPolicyTemplate(name, vals)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(stmts) == 0 {
			t.Errorf("%s: no statements", name)
		}
		used := map[string]bool{}
		for i, st := range stmts {
			if st.Effect != "Allow" && st.Effect != "Deny" {
				t.Errorf("%s statement %d: effect %q", name, i, st.Effect)
			}
			if len(st.Actions) == 0 && len(st.NotActions) == 0 {
				t.Errorf("%s statement %d: no actions", name, i)
			}
			for _, s := range append(append(append([]string{}, st.Actions...), st.Resources...), st.NotResources...) {
				if strings.Contains(s, "${@") {
					t.Errorf("%s statement %d: unreplaced parameter in %q", name, i, s)
				}
				for _, p := range params {
					if strings.Contains(s, "${PH_"+p+"}") {
						used[p] = true
					}
				}
			}
			for _, a := range st.Actions {
				if len(ExpandActionPattern(a)) == 0 {
					t.Logf("%s statement %d: action %s is not in the IAM action table", name, i, a)
				}
			}
		}
		for _, p := range params {
			// A parameter used only in a Condition leaves no trace here.
			if !used[p] && !anyCondition(stmts) {
				t.Errorf("%s: parameter %s never substituted", name, p)
			}
		}
		if len(params) > 0 {
			if _, err := ExpandSAMPolicyTemplate(name, nil); err == nil || !strings.Contains(err.Error(), params[0]) {
				t.Errorf("%s without parameters: err %v, want one naming %s", name, err, params[0])
			}
		}
	}
	if _, err := ExpandSAMPolicyTemplate("NoSuchPolicy", nil); err == nil {
		t.Error("unknown template: no error")
	}
	if _, ok := SAMPolicyTemplateParams("AWSLambdaBasicExecutionRole"); ok {
		t.Error("a managed policy name taken for a SAM policy template")
	}
}

func anyCondition(stmts []Statement) bool {
	for _, s := range stmts {
		if s.HasCondition {
			return true
		}
	}
	return false
}

// TestSAMGolden compares expansions with aws-sam-translator's own transform
// output (testdata/sam_golden.json, made by internal/gen/gen_sam_golden.py).
func TestSAMGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/sam_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Template   string            `json:"template"`
			Params     map[string]string `json:"params"`
			Statements []Statement       `json:"statements"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range g.Cases {
		seen[c.Template] = true
		got, err := ExpandSAMPolicyTemplate(c.Template, c.Params)
		if err != nil {
			t.Fatalf("%s: %v", c.Template, err)
		}
		if !reflect.DeepEqual(norm(got), norm(c.Statements)) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.Template, norm(got), norm(c.Statements))
		}
	}
	for _, must := range []string{"DynamoDBCrudPolicy", "S3FullAccessPolicy", "SQSPollerPolicy"} {
		if !seen[must] {
			t.Errorf("golden lacks %s", must)
		}
	}
}

func norm(stmts []Statement) []Statement {
	out := make([]Statement, len(stmts))
	for i, s := range stmts {
		s.Actions = append([]string{}, s.Actions...)
		s.NotActions = append([]string{}, s.NotActions...)
		s.Resources = append([]string{}, s.Resources...)
		if len(s.NotResources) == 0 {
			s.NotResources = nil
		}
		out[i] = s
	}
	return out
}

// TestSAMFixtureExpansions checks the SAM policy templates the fixture apps
// use against the statements aws-sam-translator produced for them: a
// template at Policies[N] becomes the inline policy "<Role>Policy<N>".
func TestSAMFixtureExpansions(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(appsDir, "sam-*.expected.json"))
	if len(files) == 0 {
		t.Skipf("no %s/sam-*.expected.json (shared fixtures absent)", appsDir)
	}
	checked := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var app struct {
			Functions []struct {
				Role *struct {
					LogicalID   string            `json:"logical_id"`
					SAMPolicies []json.RawMessage `json:"sam_policies"`
					Statements  []Statement       `json:"statements"`
				} `json:"role"`
			} `json:"functions"`
		}
		if err := json.Unmarshal(raw, &app); err != nil {
			t.Fatal(err)
		}
		for _, fn := range app.Functions {
			if fn.Role == nil {
				continue
			}
			for n, pol := range fn.Role.SAMPolicies {
				var m map[string]map[string]any
				if json.Unmarshal(pol, &m) != nil || len(m) != 1 {
					continue
				}
				for name, ps := range m {
					if _, ok := SAMPolicyTemplateParams(name); !ok {
						continue
					}
					params := map[string]string{}
					for k, v := range ps {
						params[k] = subNormal(t, v)
					}
					got, err := ExpandSAMPolicyTemplate(name, params)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					src := fmt.Sprintf("inline:%sPolicy%d", fn.Role.LogicalID, n)
					var want []Statement
					for _, st := range fn.Role.Statements {
						if st.Source == src {
							st.Source = ""
							want = append(want, st)
						}
					}
					if !reflect.DeepEqual(norm(got), norm(want)) {
						t.Errorf("%s %s %s:\n got %+v\nwant %+v", filepath.Base(file), fn.Role.LogicalID, name, norm(got), norm(want))
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d SAM policy template uses in the fixtures match", checked)
	if checked == 0 {
		t.Fatal("no SAM policy template use found in the fixtures")
	}
}

// subNormal renders the few intrinsics the fixtures pass as parameters.
func subNormal(t *testing.T, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if r, ok := x["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return fmt.Sprintf("${%v.%v}", ga[0], ga[1])
		}
	}
	t.Fatalf("cannot render parameter %v", v)
	return ""
}

// TestSAMTableIsGenerated regenerates the SAM table from the installed
// aws-sam-translator and wants the committed file byte for byte, so a hand
// edit or a stale table cannot pass. Skipped without the python package or
// when its version differs from the one recorded.
func TestSAMTableIsGenerated(t *testing.T) {
	out, err := exec.Command("python3", "-c", "import samtranslator;print(samtranslator.__version__)").Output()
	if err != nil {
		t.Skip("aws-sam-translator not installed (python3 -c 'import samtranslator' failed)")
	}
	if v := strings.TrimSpace(string(out)); !strings.Contains(SAMPolicyTemplateSource(), "aws-sam-translator "+v+" ") {
		t.Skipf("installed aws-sam-translator %s, table made from %q", v, SAMPolicyTemplateSource())
	}
	dir := t.TempDir()
	cmd := exec.Command("python3", "internal/gen/gen_data.py", "--sam-only", "--out", dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(filepath.Join(dir, "sam_policy_templates.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(fresh) != string(samTemplatesJSON) {
		t.Error("data/sam_policy_templates.json differs from the generator's output: rerun go generate ./iam")
	}
}
