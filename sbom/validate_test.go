package sbom

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The schemas are vendored in testdata/schemas (Apache-2.0, LICENSE next to
// them) so validation runs on a fresh clone. The bom schemas $ref their
// helpers relative to their $id, so the helpers are registered under
// http://cyclonedx.org/schema/<file name>.
const schemaBase = "http://cyclonedx.org/schema/"

var specs = []string{"1.5", "1.6", "1.7"}

var (
	schemaOnce sync.Once
	schemaMap  map[string]*jsonschema.Schema
	schemaErr  error
)

func loadSchemas() (map[string]*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		for _, f := range []string{"spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json", "cryptography-defs.SNAPSHOT.schema.json"} {
			if schemaErr = addSchema(c, schemaBase+f, f); schemaErr != nil {
				return
			}
		}
		schemaMap = map[string]*jsonschema.Schema{}
		for _, v := range specs {
			url := schemaBase + "bom-" + v + ".schema.json"
			if schemaErr = addSchema(c, url, "bom-"+v+".SNAPSHOT.schema.json"); schemaErr != nil {
				return
			}
			if schemaMap[v], schemaErr = c.Compile(url); schemaErr != nil {
				return
			}
		}
	})
	return schemaMap, schemaErr
}

func addSchema(c *jsonschema.Compiler, url, file string) error {
	f, err := os.Open(filepath.Join("testdata", "schemas", file))
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return err
	}
	return c.AddResource(url, doc)
}

// jsonValid returns nil when data validates against the spec's JSON schema.
func jsonValid(t *testing.T, spec string, data []byte) error {
	t.Helper()
	m, err := loadSchemas()
	if err != nil {
		t.Fatalf("loading JSON schemas: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return m[spec].Validate(inst)
}

func validateJSON(t *testing.T, spec string, data []byte) {
	t.Helper()
	if err := jsonValid(t, spec, data); err != nil {
		t.Errorf("CycloneDX %s JSON schema rejects output: %v", spec, err)
	}
}

// xmllint returns its path or skips: the CI script installs libxml2-utils,
// a developer machine may not have it.
func xmllint(t *testing.T) string {
	t.Helper()
	p, err := xmllintPath()
	if err != nil {
		t.Skip("xmllint not found (apt-get install libxml2-utils): XML schema validation skipped")
	}
	return p
}

func xmllintPath() (string, error) { return exec.LookPath("xmllint") }

// xmlValid returns nil when data validates against the spec's XSD.
func xmlValid(t *testing.T, lint, spec string, data []byte) error {
	t.Helper()
	f := filepath.Join(t.TempDir(), "bom.xml")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	xsd := filepath.Join("testdata", "schemas", "bom-"+spec+".SNAPSHOT.xsd")
	out, err := exec.Command(lint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		return &xmlError{strings.TrimSpace(string(out))}
	}
	return nil
}

type xmlError struct{ out string }

func (e *xmlError) Error() string { return e.out }

func validateXML(t *testing.T, spec string, data []byte) {
	t.Helper()
	if err := xmlValid(t, xmllint(t), spec, data); err != nil {
		t.Errorf("CycloneDX %s XSD rejects output: %v", spec, err)
	}
}

// validate checks an encoded SBOM against the schema of its format.
func validate(t *testing.T, format, spec string, data []byte) {
	t.Helper()
	if format == FormatJSON {
		validateJSON(t, spec, data)
	} else {
		validateXML(t, spec, data)
	}
}

// The validators must be able to say no, or every validation test passes
// vacuously.
func TestValidatorsReject(t *testing.T) {
	bom, err := Build(functionInventory(), fixedOptions(""))
	if err != nil {
		t.Fatal(err)
	}
	(*bom.Components)[0].Licenses = &cdx.Licenses{{License: &cdx.License{ID: "Not-A-License"}}}
	for _, spec := range specs {
		var buf bytes.Buffer
		if err := Encode(&buf, bom, FormatJSON, spec); err != nil {
			t.Fatal(err)
		}
		if jsonValid(t, spec, buf.Bytes()) == nil {
			t.Errorf("%s JSON schema accepted an unknown SPDX id", spec)
		}
	}
	lint := xmllint(t)
	for _, spec := range specs {
		var buf bytes.Buffer
		if err := Encode(&buf, bom, FormatXML, spec); err != nil {
			t.Fatal(err)
		}
		if xmlValid(t, lint, spec, buf.Bytes()) == nil {
			t.Errorf("%s XSD accepted an unknown SPDX id", spec)
		}
	}
}
