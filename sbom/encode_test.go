package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestEncodeValidates(t *testing.T) {
	for fixture := range fixtures() {
		for _, spec := range specs {
			for format := range formats {
				t.Run(fixture+"/"+spec+"/"+formats[format], func(t *testing.T) {
					validate(t, format, spec, encodeFixture(t, fixture, format, spec))
				})
			}
		}
	}
}

func TestEncodeSpecVersion(t *testing.T) {
	bom := build(t, functionInventory(), fixedOptions(""))
	for spec, want := range map[string]string{"": "1.6", "1.5": "1.5", "1.7": "1.7"} {
		var buf bytes.Buffer
		if err := Encode(&buf, bom, FormatJSON, spec); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			SpecVersion string `json:"specVersion"`
			Metadata    struct {
				Tools map[string]json.RawMessage `json:"tools"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.SpecVersion != want {
			t.Errorf("spec %q wrote specVersion %q, want %q", spec, doc.SpecVersion, want)
		}
		if _, ok := doc.Metadata.Tools["components"]; !ok {
			t.Errorf("spec %q: tools not in the 1.5+ components form", spec)
		}
		xml := new(bytes.Buffer)
		if err := Encode(xml, bom, FormatXML, spec); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(xml.String(), `xmlns="http://cyclonedx.org/schema/bom/`+want+`"`) {
			t.Errorf("spec %q: XML namespace is not %s", spec, want)
		}
	}
	// Encoding an older version works on a copy.
	if bom.SpecVersion.String() != "1.7" {
		t.Errorf("Encode modified the BOM: spec now %s", bom.SpecVersion)
	}
}

func TestEncodeErrors(t *testing.T) {
	bom := build(t, functionInventory(), fixedOptions(""))
	for _, c := range []struct{ format, spec string }{
		{"spdx-json", "1.6"}, {FormatJSON, "1.4"}, {FormatXML, "2.0"},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, bom, c.format, c.spec); err == nil {
			t.Errorf("Encode(%q, %q) accepted", c.format, c.spec)
		} else if buf.Len() != 0 {
			t.Errorf("Encode(%q, %q) wrote output before failing", c.format, c.spec)
		}
	}
	if err := Encode(new(bytes.Buffer), nil, FormatJSON, ""); err == nil {
		t.Error("nil BOM accepted")
	}
}

func TestSniff(t *testing.T) {
	long := `{"metadata": {"x": "` + strings.Repeat("a", 9000) + `"}, "bomFormat": "CycloneDX"}`
	for _, c := range []struct {
		name, data, want string
		ok               bool
	}{
		{"json", `{"bomFormat":"CycloneDX","specVersion":"1.6"}`, "json", true},
		{"json spaced", "\ufeff\n  {\n \"bomFormat\" :\t\"CycloneDX\" }", "json", true},
		{"json schema only", `{"$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json"}`, "json", true},
		{"xml", `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"/>`, "xml", true},
		{"spdx json", `{"spdxVersion": "SPDX-2.3", "bomFormat": "SPDX"}`, "", false},
		{"other xml", `<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0"/>`, "", false},
		{"package.json", `{"name": "bomFormat", "description": "CycloneDX"}`, "", false},
		{"zip", "PK\x03\x04bomFormat", "", false},
		{"empty", "", "", false},
		{"beyond window", long, "", false},
	} {
		got, ok := Sniff([]byte(c.data))
		if got != c.want || ok != c.ok {
			t.Errorf("%s: Sniff = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
