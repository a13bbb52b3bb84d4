package app

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// cfnlintDecode prints each template as cfn-lint decodes it (its own YAML
// loader with the short-form tags), scalars as strings.
const cfnlintDecode = `
import json, sys, datetime
from cfnlint.decode import decode
def norm(v):
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, dict): return {str(k): norm(x) for k, x in v.items()}
    if isinstance(v, list): return [norm(x) for x in v]
    if v is None: return None
    return str(v)
out = {}
for p in sys.argv[1:]:
    tpl, matches = decode(p)
    out[p] = norm(tpl) if tpl is not None else None
print(json.dumps(out))
`

// plain turns a normalized node tree into the same shape.
func plain(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for _, p := range pairs(n) {
			m[p[0].Value] = plain(p[1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, plain(c))
		}
		return l
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		return strings.ToLower(n.Value)
	}
	return n.Value
}

// TestCfnLintDecoder checks the YAML reading and short-form tag rewriting
// against cfn-lint's decoder on every fixture template, when cfn-lint is
// installed.
func TestCfnLintDecoder(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: external oracle skipped")
	}
	py, err := exec.LookPath("python3")
	if err != nil || exec.Command(py, "-c", "import cfnlint.decode").Run() != nil {
		t.Skip("cfn-lint not installed: decoder oracle skipped")
	}
	files := []string{filepath.Join("testdata", "sam-policies.yaml")}
	for _, g := range []string{"*/*.yaml", "*/*.yml", "*/cdk.out/*.template.json", "*/.serverless/cloudformation-template-update-stack.json"} {
		m, _ := filepath.Glob(filepath.Join(appsDir, g))
		files = append(files, m...)
	}
	out, err := exec.Command(py, append([]string{"-c", cfnlintDecode}, files...)...).Output()
	if err != nil {
		t.Fatalf("cfn-lint: %v: %s", err, stderrOf(err))
	}
	var want map[string]any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := readBounded(f)
		if err != nil {
			t.Fatal(err)
		}
		root, err := parseDocument(f, data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := plain(root); !reflect.DeepEqual(got, want[f]) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want[f])
			t.Errorf("%s differs from cfn-lint's decoding:\n got %.400s\nwant %.400s", f, g, w)
		}
	}
	if len(files) < 5 {
		t.Logf("only %d templates checked (fixtures absent?)", len(files))
	}
}
