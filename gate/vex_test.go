package gate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func vexFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const cdxVEXJSON = `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
 "components": [{"bom-ref": "lodash-ref", "type": "library", "name": "lodash", "version": "4.17.15", "purl": "pkg:npm/lodash@4.17.15"}],
 "vulnerabilities": [
  {"id": "CVE-2020-8203", "affects": [{"ref": "lodash-ref"}],
   "analysis": {"state": "not_affected", "justification": "code_not_reachable", "detail": "zipObjectDeep is never called"}},
  {"id": "GHSA-35jh-r3h4-6jhm", "affects": [{"ref": "lodash-ref"}], "analysis": {"state": "exploitable"}}
 ]}`

const cdxVEXXML = `<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
 <vulnerabilities><vulnerability>
  <id>GHSA-p6mc-m468-83gw</id>
  <analysis><state>false_positive</state><detail>vendored copy patched</detail></analysis>
  <affects><target><ref>pkg:npm/lodash@4.17.15</ref></target></affects>
 </vulnerability></vulnerabilities>
</bom>`

const openVEXDoc = `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex-1", "author": "sec", "timestamp": "2026-11-01T00:00:00Z", "version": 1,
 "statements": [
  {"vulnerability": {"name": "GHSA-p6mc-m468-83gw", "aliases": ["CVE-2020-8203"]},
   "products": [{"@id": "pkg:oci/orders", "subcomponents": [{"@id": "pkg:npm/lodash"}]}],
   "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
  {"vulnerability": {"name": "GHSA-35jh-r3h4-6jhm"}, "products": [{"@id": "pkg:npm/lodash@4.17.15"}],
   "status": "not_affected", "justification": "inline_mitigations_already_exist"},
  {"vulnerability": {"name": "GHSA-35jh-r3h4-6jhm"}, "products": [{"@id": "pkg:npm/lodash@4.17.15"}],
   "status": "affected"}
 ]}`

// TestVEX: not_affected and false_positive statements let a finding
// through with their justification, in CycloneDX JSON and XML and OpenVEX;
// other states do not; a later OpenVEX statement replaces an earlier one.
func TestVEX(t *testing.T) {
	res := result(t, lodash)
	for _, c := range []struct {
		name, file, content string
		through             []string // IDs let through
		why                 string
	}{
		{"cyclonedx-json", "vex.cdx.json", cdxVEXJSON, []string{"GHSA-p6mc-m468-83gw"}, "VEX not_affected (code_not_reachable) in "},
		{"cyclonedx-xml", "vex.cdx.xml", cdxVEXXML, []string{"GHSA-p6mc-m468-83gw"}, "VEX false_positive in "},
		{"openvex", "vex.openvex.json", openVEXDoc, []string{"GHSA-p6mc-m468-83gw"}, "VEX not_affected (vulnerable_code_not_in_execute_path) in "},
	} {
		t.Run(c.name, func(t *testing.T) {
			vex, err := LoadVEX(vexFile(t, c.file, c.content))
			if err != nil {
				t.Fatal(err)
			}
			v := EvaluateWith(res, Input{Policy: DefaultPolicy(), Now: now, VEX: vex})
			for i, f := range res.Findings {
				d := v.Decisions[i]
				want := slices.Contains(c.through, f.ID)
				if (d.VEXState != "") != want || (want && d.Blocking) {
					t.Errorf("%s: VEX %q blocking %v, want let through %v", f.ID, d.VEXState, d.Blocking, want)
				}
				if want && !slices.ContainsFunc(d.Why, func(w string) bool { return strings.HasPrefix(w, c.why) }) {
					t.Errorf("%s: why %q lacks %q", f.ID, d.Why, c.why)
				}
			}
			if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, "GHSA-p6mc-m468-83gw") && strings.Contains(n, "VEX ") }) {
				t.Errorf("a finding let through by VEX is not shown: %q", v.Notes)
			}
		})
	}
	t.Run("malicious still blocks", func(t *testing.T) {
		resM := result(t, [3]string{"npm", "harbor-container-webhook", "1.7.0"})
		f := resM.Findings[0]
		doc := `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "` + f.ID + `", "products": ["pkg:npm/harbor-container-webhook@1.7.0"], "status": "not_affected", "justification": "component_not_present"}]}`
		vex, err := LoadVEX(vexFile(t, "m.json", doc))
		if err != nil {
			t.Fatal(err)
		}
		v := EvaluateWith(resM, Input{Now: now, VEX: vex})
		if !f.Malicious || !v.Decisions[0].Blocking || v.Pass {
			t.Fatalf("malicious %v let through by VEX: %+v", f.Malicious, v.Decisions[0])
		}
	})
	for _, bad := range []string{"", "[]", `{"a": 1}`, "<html/>", `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {}, "status": "not_affected"}]}`} {
		if _, err := ParseVEX([]byte(bad), "x"); err == nil {
			t.Errorf("ParseVEX(%q) accepted", bad)
		}
	}
}

func FuzzParseVEX(f *testing.F) {
	for _, s := range []string{cdxVEXJSON, cdxVEXXML, openVEXDoc, "{}", "<bom/>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseVEX(data, "fuzz")
		if err != nil {
			return
		}
		for _, s := range st {
			if s.PURL == "" || len(s.IDs) == 0 || (s.State != "not_affected" && s.State != "false_positive") {
				t.Fatalf("statement %+v", s)
			}
		}
	})
}
