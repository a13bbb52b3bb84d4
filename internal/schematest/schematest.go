// Package schematest validates documents fnguard writes against the
// official CycloneDX (JSON Schema and XSD) and OASIS SARIF 2.1.0 schemas,
// vendored in schemas/ so validation runs on a fresh clone. Only tests
// import it.
package schematest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Specs are the CycloneDX versions fnguard writes.
var Specs = []string{"1.5", "1.6", "1.7"}

// The bom schemas $ref their helpers relative to their $id, so the helpers
// are registered under http://cyclonedx.org/schema/<file name>.
const (
	cdxBase  = "http://cyclonedx.org/schema/"
	sarifURL = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

// ErrNoXMLLint means xmllint (Debian libxml2-utils) is not installed: the
// CI script installs it, a developer machine may not have it.
var ErrNoXMLLint = errors.New("xmllint not found (apt-get install libxml2-utils): XML schema validation skipped")

// Dir is the folder holding the vendored schemas.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "schemas")
}

var (
	once    sync.Once
	cdx     map[string]*jsonschema.Schema
	sarif   *jsonschema.Schema
	loadErr error
)

func load() error {
	once.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		add := func(url, file string) error {
			f, err := os.Open(filepath.Join(Dir(), file))
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
		for _, f := range []string{"spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json", "cryptography-defs.SNAPSHOT.schema.json"} {
			if loadErr = add(cdxBase+f, f); loadErr != nil {
				return
			}
		}
		cdx = map[string]*jsonschema.Schema{}
		for _, v := range Specs {
			url := cdxBase + "bom-" + v + ".schema.json"
			if loadErr = add(url, "bom-"+v+".SNAPSHOT.schema.json"); loadErr != nil {
				return
			}
			if cdx[v], loadErr = c.Compile(url); loadErr != nil {
				return
			}
		}
		if loadErr = add(sarifURL, "sarif-schema-2.1.0.json"); loadErr != nil {
			return
		}
		sarif, loadErr = c.Compile(sarifURL)
	})
	return loadErr
}

func validate(s func() *jsonschema.Schema, data []byte) error {
	if err := load(); err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s().Validate(inst)
}

// CycloneDXJSON returns nil when data validates against the CycloneDX
// spec's JSON schema.
func CycloneDXJSON(spec string, data []byte) error {
	return validate(func() *jsonschema.Schema { return cdx[spec] }, data)
}

// SARIF returns nil when data validates against the SARIF 2.1.0 schema
// (draft-04, which santhosh-tekuri/jsonschema supports).
func SARIF(data []byte) error {
	return validate(func() *jsonschema.Schema { return sarif }, data)
}

// CycloneDXXML returns nil when data validates against the spec's XSD, and
// ErrNoXMLLint when it cannot be checked here.
func CycloneDXXML(spec string, data []byte) error {
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		return ErrNoXMLLint
	}
	dir, err := os.MkdirTemp("", "fnguard-xsd-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f := filepath.Join(dir, "bom.xml")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		return err
	}
	xsd := filepath.Join(Dir(), "bom-"+spec+".SNAPSHOT.xsd")
	if out, err := exec.Command(lint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput(); err != nil {
		return errors.New(strings.TrimSpace(string(out)))
	}
	return nil
}
