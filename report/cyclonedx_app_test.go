package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/fnguard/fnguard/internal/osvtest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/internal/schematest"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/sbom"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// cdxAppRecords are the real OSV records of the bundled example
// (examples/osv/npm/all.zip: minimist, semver) and of testdata/records
// (lodash among them).
func cdxAppRecords(t *testing.T) []*osv.Record {
	t.Helper()
	out := osvtest.ZipRecords(t, "../examples/osv/npm/all.zip")
	files, _ := filepath.Glob(filepath.Join("testdata", "records", "*.json"))
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := osv.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, r)
	}
	return out
}

// cdxAppResult inventories an application and matches it against the records
// as vulndb.Scan does.
func cdxAppResult(t *testing.T, dir string) (*vulndb.Result, *release.Release) {
	t.Helper()
	a, err := app.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	inv, rel, err := release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := cdxAppRecords(t)
	res := &vulndb.Result{Inventory: inv}
	for _, art := range inv.Artifacts {
		for _, p := range art.Packages {
			found, err := osv.MatchPackage(recs, p.Ecosystem, p.Name, p.Version)
			if err != nil {
				t.Fatalf("%s %s: %v", p.Name, p.Version, err)
			}
			for _, f := range found {
				res.Findings = append(res.Findings, &vulndb.Finding{Finding: f, Package: p})
			}
		}
	}
	if len(res.Findings) == 0 {
		t.Fatalf("%s: no findings to report", dir)
	}
	return res, rel
}

func cdxRenderApp(t *testing.T, res *vulndb.Result, rel *release.Release, format, spec string) []byte {
	t.Helper()
	opts := testOptions()
	opts.Release, opts.Spec = rel, spec
	var buf bytes.Buffer
	if err := Write(&buf, format, res, nil, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var cdxAppDirs = []string{"../examples/orders-app", "../sbom/testdata/apps/shared-deps"}

// TestCycloneDXApplicationSchemas: the scan's CycloneDX of an application
// validates in every spec and encoding.
func TestCycloneDXApplicationSchemas(t *testing.T) {
	for _, dir := range cdxAppDirs {
		res, rel := cdxAppResult(t, dir)
		for _, spec := range schematest.Specs {
			if err := schematest.CycloneDXJSON(spec, cdxRenderApp(t, res, rel, FormatCycloneDX, spec)); err != nil {
				t.Errorf("%s: CycloneDX %s JSON schema rejects the report: %v", dir, spec, err)
			}
			err := schematest.CycloneDXXML(spec, cdxRenderApp(t, res, rel, FormatCycloneDXXML, spec))
			if errors.Is(err, schematest.ErrNoXMLLint) {
				t.Log(err)
				continue
			}
			if err != nil {
				t.Errorf("%s: CycloneDX %s XSD rejects the report: %v", dir, spec, err)
			}
		}
	}
}

// TestCycloneDXApplicationShape: the scan's CycloneDX has the SBOM's
// application structure, every vulnerability affects a package component,
// and names the functions that ship it: lodash, shipped by two functions
// and their layer, is one vulnerability entry per advisory naming both.
func TestCycloneDXApplicationShape(t *testing.T) {
	res, rel := cdxAppResult(t, "../sbom/testdata/apps/shared-deps")
	var bom cdx.BOM
	if err := json.Unmarshal(cdxRenderApp(t, res, rel, FormatCycloneDX, "1.6"), &bom); err != nil {
		t.Fatal(err)
	}
	want, err := sbom.Build(res.Inventory, sbom.Options{ToolVersion: testOptions().ToolVersion, Timestamp: testNow, Reproducible: true, Release: rel})
	if err != nil {
		t.Fatal(err)
	}
	same := func(what string, a, b any) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s differs from the SBOM's:\n%s\n%s", what, ja, jb)
		}
	}
	same("metadata.component", bom.Metadata.Component, want.Metadata.Component)
	same("components", bom.Components, want.Components)
	same("dependencies", bom.Dependencies, want.Dependencies)
	if bom.Metadata.Component.BOMRef != sbom.ApplicationRef {
		t.Errorf("metadata.component is %s", bom.Metadata.Component.BOMRef)
	}
	refs := map[string]bool{}
	for _, c := range *bom.Components {
		refs[c.BOMRef] = true
	}
	if bom.Vulnerabilities == nil {
		t.Fatal("no vulnerabilities")
	}
	seen := map[string]int{}
	lodash := 0
	for _, v := range *bom.Vulnerabilities {
		ref := (*v.Affects)[0].Ref
		if !refs[ref] {
			t.Errorf("%s affects %s, not a component", v.ID, ref)
		}
		seen[v.ID+" "+ref]++
		var fns []string
		for _, p := range *v.Properties {
			if p.Name == sbom.PropFunction {
				fns = append(fns, p.Value)
			}
		}
		if ref == "pkg:npm/lodash@4.17.20" {
			lodash++
			if !slices.Equal(fns, []string{"ApiFunction", "WorkerFunction"}) {
				t.Errorf("%s on lodash names functions %v", v.ID, fns)
			}
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s: %d vulnerability entries, want 1", k, n)
		}
	}
	if lodash == 0 {
		t.Error("no lodash advisory matched: the test lost its subject")
	}
}

// Without a release the scan's CycloneDX names no function.
func TestCycloneDXNoReleaseNoFunctions(t *testing.T) {
	res, _ := cdxAppResult(t, "../examples/orders-app")
	data := cdxRenderApp(t, res, nil, FormatCycloneDX, "1.6")
	if bytes.Contains(data, []byte(sbom.PropFunction+`"`)) || bytes.Contains(data, []byte(sbom.ApplicationRef)) {
		t.Error("plain inventory's CycloneDX carries application structure")
	}
	if !bytes.Contains(cdxRenderApp(t, res, nil, FormatCycloneDX, "1.6"), []byte(`"GHSA-`)) {
		t.Error("no vulnerabilities rendered")
	}
}
