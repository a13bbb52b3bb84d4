package app

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// samOracle transforms a SAM template with aws-sam-translator (local code
// locations replaced by placeholder S3 URIs, as the fixtures' truth was
// made) and prints, for every generated function role, its managed policy
// ARNs (literal ones) and its inline policies' statement actions.
const samOracle = `
import json, sys
from samtranslator.yaml_helper import yaml_parse
from samtranslator.translator.transform import transform
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader

class Loader(ManagedPolicyLoader):
    def __init__(self): pass
    def load(self): return {}

def s3(props, key):
    if isinstance(props, dict) and isinstance(props.get(key), str) and not props[key].startswith("s3://"):
        props[key] = "s3://bucket/key"
def roles_of(path):
  tpl = json.loads(json.dumps(yaml_parse(open(path).read()), default=str))
  s3(tpl.get("Globals", {}).get("Function", {}), "CodeUri")
  for r in tpl["Resources"].values():
      p = r.get("Properties")
      if r.get("Type") == "AWS::Serverless::Function":
          if p is None:
              p = r["Properties"] = {}
          if "CodeUri" not in p and "InlineCode" not in p and p.get("PackageType") != "Image":
              p["CodeUri"] = "s3://bucket/key"
          s3(p, "CodeUri")
      if r.get("Type") == "AWS::Serverless::LayerVersion":
          s3(p, "ContentUri")
  out = transform(tpl, {}, Loader())
  roles = {}
  for rid, r in out["Resources"].items():
      if r["Type"] != "AWS::IAM::Role" or rid not in [k + "Role" for k in tpl["Resources"]]:
          continue
      p = r["Properties"]
      pols = []
      for pol in p.get("Policies") or []:
          for st in pol["PolicyDocument"]["Statement"]:
              a = st.get("Action")
              pols.append("inline:" + pol["PolicyName"] + " " + ",".join(a if isinstance(a, list) else [a]))
      roles[rid] = {"managed": [m for m in p.get("ManagedPolicyArns", []) if isinstance(m, str)], "statements": pols}
  return roles

print(json.dumps({p: roles_of(p) for p in sys.argv[1:]}))
`

type oracleRole struct {
	Managed    []string `json:"managed"`
	Statements []string `json:"statements"`
}

// TestSAMTranslatorOracle checks fnguard's emulation of SAM's generated
// roles against aws-sam-translator itself, when it is installed.
func TestSAMTranslatorOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: external oracle skipped")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: aws-sam-translator oracle skipped")
	}
	if exec.Command(py, "-c", "import samtranslator").Run() != nil {
		t.Skip("aws-sam-translator not installed: oracle skipped")
	}
	templates := []string{filepath.Join("testdata", "sam-policies.yaml")}
	for _, app := range []string{"sam-rabbitmq-layer/template.yaml", "sam-shopping-cart/shoppingcart-service.yaml"} {
		if p := filepath.Join(appsDir, app); isFile(p) {
			templates = append(templates, p)
		}
	}
	cmd := exec.Command(py, append([]string{"-c", samOracle}, templates...)...)
	cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION=us-east-1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws-sam-translator: %v: %s", err, stderrOf(err))
	}
	var all map[string]map[string]oracleRole
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatal(err)
	}
	for _, tpl := range templates {
		t.Run(filepath.Base(tpl), func(t *testing.T) {
			want, ok := all[tpl]
			if !ok {
				t.Fatalf("no oracle output for %s", tpl)
			}
			a, err := Load(tpl)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, f := range a.Functions {
				if f.Role == nil || !f.Role.Generated {
					continue
				}
				seen++
				w, ok := want[f.Role.ID]
				if !ok {
					t.Errorf("%s: fnguard generates %s, aws-sam-translator does not", f.ID, f.Role.ID)
					continue
				}
				if !reflect.DeepEqual(f.Role.ManagedPolicies, orNone(w.Managed)) {
					t.Errorf("%s managed\n got %q\nwant %q", f.ID, f.Role.ManagedPolicies, w.Managed)
				}
				var got []string
				for _, s := range f.Role.Statements {
					got = append(got, s.Source+" "+strings.Join(s.Actions, ","))
				}
				if !reflect.DeepEqual(orNone(got), orNone(w.Statements)) {
					t.Errorf("%s statements\n got %q\nwant %q", f.ID, got, w.Statements)
				}
				for _, n := range f.Notes {
					t.Errorf("%s: %s", f.ID, n)
				}
			}
			if seen != len(want) {
				t.Errorf("fnguard generated %d roles, aws-sam-translator %d", seen, len(want))
			}
		})
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		s := string(ee.Stderr)
		if len(s) > 2000 {
			s = s[len(s)-2000:]
		}
		return s
	}
	return ""
}
