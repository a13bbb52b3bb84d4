package schematest

import "testing"

// The validators must say no to an invalid document, or every validation
// test that uses them passes vacuously.
func TestRejects(t *testing.T) {
	bad := []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": "one"}`)
	for _, spec := range Specs {
		if CycloneDXJSON(spec, bad) == nil {
			t.Errorf("%s JSON schema accepted a string version", spec)
		}
		ok := []byte(`{"bomFormat": "CycloneDX", "specVersion": "` + spec + `", "version": 1}`)
		if err := CycloneDXJSON(spec, ok); err != nil {
			t.Errorf("%s JSON schema rejected a minimal BOM: %v", spec, err)
		}
	}
	if SARIF([]byte(`{"version": "2.1.0", "runs": [{}]}`)) == nil {
		t.Error("SARIF schema accepted a run without a tool")
	}
	if err := SARIF([]byte(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "fnguard"}}}]}`)); err != nil {
		t.Errorf("SARIF schema rejected a minimal log: %v", err)
	}
	err := CycloneDXXML("1.6", []byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="x"/>`))
	if err == ErrNoXMLLint {
		t.Skip(err)
	}
	if err == nil {
		t.Error("1.6 XSD accepted a non-integer version")
	}
	if err := CycloneDXXML("1.6", []byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"/>`)); err != nil {
		t.Errorf("1.6 XSD rejected a minimal BOM: %v", err)
	}
}
