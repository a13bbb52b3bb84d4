package sbom

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/fnguard/fnguard/internal/schematest"
)

// The embedded id list must be the vendored schema's enum (JSON and XSD),
// or Build may write a license.id the schema rejects.
func TestSPDXListMatchesSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(schematest.Dir(), "spdx.SNAPSHOT.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Enum []string `json:"enum"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	embedded := strings.Fields(spdxIDs)
	if !slices.Equal(embedded, schema.Enum) {
		t.Errorf("spdx_ids.txt (%d ids) differs from the schema enum (%d ids): regenerate it", len(embedded), len(schema.Enum))
	}
	xsd, err := os.ReadFile(filepath.Join(schematest.Dir(), "spdx.SNAPSHOT.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	var fromXSD []string
	for _, m := range regexp.MustCompile(`<xs:enumeration value="([^"]+)"`).FindAllSubmatch(xsd, -1) {
		fromXSD = append(fromXSD, string(m[1]))
	}
	slices.Sort(fromXSD)
	sorted := slices.Sorted(slices.Values(embedded))
	if !slices.Equal(sorted, fromXSD) {
		t.Errorf("JSON and XSD SPDX lists differ (%d vs %d)", len(sorted), len(fromXSD))
	}
}

func TestLicenseChoices(t *testing.T) {
	id := func(s string) cdx.LicenseChoice { return cdx.LicenseChoice{License: &cdx.License{ID: s}} }
	name := func(s string) cdx.LicenseChoice { return cdx.LicenseChoice{License: &cdx.License{Name: s}} }
	expr := func(s string) cdx.LicenseChoice { return cdx.LicenseChoice{Expression: s} }
	for _, c := range []struct {
		in   []string
		want cdx.Licenses
	}{
		{nil, nil},
		{[]string{"MIT"}, cdx.Licenses{id("MIT")}},
		{[]string{"apache-2.0"}, cdx.Licenses{id("Apache-2.0")}},
		{[]string{"MIT OR Apache-2.0"}, cdx.Licenses{expr("MIT OR Apache-2.0")}},
		{[]string{"(MIT AND (BSD-3-Clause OR GPL-2.0-only WITH Classpath-exception-2.0))"},
			cdx.Licenses{expr("(MIT AND (BSD-3-Clause OR GPL-2.0-only WITH Classpath-exception-2.0))")}},
		{[]string{"GPL-2.0+ OR LicenseRef-Proprietary"}, cdx.Licenses{expr("GPL-2.0+ OR LicenseRef-Proprietary")}},
		// Not expressions: unbalanced, dangling operator, unknown id.
		{[]string{"(MIT OR Apache-2.0"}, cdx.Licenses{name("(MIT OR Apache-2.0")}},
		{[]string{"MIT OR"}, cdx.Licenses{name("MIT OR")}},
		{[]string{"MIT OR Acme-1.0"}, cdx.Licenses{name("MIT OR Acme-1.0")}},
		{[]string{"BSD"}, cdx.Licenses{name("BSD")}},
		// Several declarations: a list, the expression kept verbatim as a name.
		{[]string{"MIT", "MIT OR Apache-2.0", " ", "MIT"}, cdx.Licenses{id("MIT"), name("MIT OR Apache-2.0")}},
	} {
		got := licenseChoices(c.in)
		if (got == nil) != (c.want == nil) || (got != nil && !licensesEqual(*got, c.want)) {
			t.Errorf("licenseChoices(%q) = %s, want %s", c.in, dumpLicenses(got), dumpLicenses(&c.want))
		}
	}
}

func licensesEqual(a, b cdx.Licenses) bool {
	return slices.EqualFunc(a, b, func(x, y cdx.LicenseChoice) bool {
		if x.Expression != y.Expression || (x.License == nil) != (y.License == nil) {
			return false
		}
		return x.License == nil || (x.License.ID == y.License.ID && x.License.Name == y.License.Name)
	})
}

func dumpLicenses(ls *cdx.Licenses) string {
	if ls == nil {
		return "nil"
	}
	b, _ := json.Marshal(ls)
	return string(b)
}
