package sbom

import (
	"bytes"
	"errors"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/fnguard/fnguard/internal/schematest"
)

// The official schemas live in internal/schematest, shared with the report
// tests.
var specs = schematest.Specs

// jsonValid returns nil when data validates against the spec's JSON schema.
func jsonValid(t *testing.T, spec string, data []byte) error {
	t.Helper()
	return schematest.CycloneDXJSON(spec, data)
}

func validateJSON(t *testing.T, spec string, data []byte) {
	t.Helper()
	if err := jsonValid(t, spec, data); err != nil {
		t.Errorf("CycloneDX %s JSON schema rejects output: %v", spec, err)
	}
}

// xmlValid returns nil when data validates against the spec's XSD, and
// skips the test where xmllint is missing (the CI script installs it).
func xmlValid(t *testing.T, spec string, data []byte) error {
	t.Helper()
	err := schematest.CycloneDXXML(spec, data)
	if errors.Is(err, schematest.ErrNoXMLLint) {
		t.Skip(err)
	}
	return err
}

func validateXML(t *testing.T, spec string, data []byte) {
	t.Helper()
	if err := xmlValid(t, spec, data); err != nil {
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
	for _, spec := range specs {
		var buf bytes.Buffer
		if err := Encode(&buf, bom, FormatXML, spec); err != nil {
			t.Fatal(err)
		}
		if xmlValid(t, spec, buf.Bytes()) == nil {
			t.Errorf("%s XSD accepted an unknown SPDX id", spec)
		}
	}
}
