package sbom

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/internal/schematest"
	"github.com/fnguard/fnguard/lockfiles"
)

// expectedPackages is what a fnguard SBOM of inv must decode to: one package
// per purl with the union of locations, categories and licenses, valid
// hashes, and edges to packages present in the inventory.
func expectedPackages(inv *lockfiles.Inventory, path string) map[string]*lockfiles.Package {
	out := map[string]*lockfiles.Package{}
	present := map[string]bool{}
	for _, a := range inv.Artifacts {
		for _, p := range a.Packages {
			present[p.PURL] = true
		}
	}
	for _, a := range inv.Artifacts {
		for _, p := range a.Packages {
			e := out[p.PURL]
			if e == nil {
				e = &lockfiles.Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version,
					PURL: p.PURL, Artifact: path, VersionError: p.VersionError}
				out[p.PURL] = e
			}
			e.Locations = append(e.Locations, p.Locations...)
			e.Categories = append(e.Categories, p.Categories...)
			for _, l := range p.Licenses {
				if id, ok := spdxID(l); ok {
					l = id
				}
				e.Licenses = append(e.Licenses, l)
			}
			for _, x := range p.Hashes {
				if h, ok := validHash(x.Alg, x.Value()); ok {
					e.Hashes = e.Hashes.With(string(h.Algorithm), h.Value)
				}
			}
			for _, d := range p.DependsOn {
				if present[d] {
					e.DependsOn = append(e.DependsOn, d)
				}
			}
		}
	}
	for _, e := range out {
		e.Locations = sortedUniq(e.Locations)
		e.Categories = sortedUniq(e.Categories)
		e.Licenses = sortedUniq(e.Licenses)
		e.DependsOn = sortedUniq(e.DependsOn)
	}
	return out
}

func comparePackages(t *testing.T, got []*lockfiles.Package, want map[string]*lockfiles.Package) {
	t.Helper()
	if len(got) != len(want) {
		var purls []string
		for _, p := range got {
			purls = append(purls, p.PURL)
		}
		t.Errorf("decoded %d packages %v, want %d", len(got), purls, len(want))
	}
	for _, g := range got {
		w := want[g.PURL]
		if w == nil {
			t.Errorf("unexpected package %s", g.PURL)
			continue
		}
		switch {
		case g.Ecosystem != w.Ecosystem || g.Name != w.Name || g.Version != w.Version || g.Artifact != w.Artifact:
			t.Errorf("%s: identity %s %q %q %q, want %s %q %q %q", g.PURL, g.Ecosystem, g.Name, g.Version, g.Artifact, w.Ecosystem, w.Name, w.Version, w.Artifact)
		case !slices.Equal(g.Locations, w.Locations):
			t.Errorf("%s: locations %v, want %v", g.PURL, g.Locations, w.Locations)
		case !slices.Equal(g.Categories, w.Categories):
			t.Errorf("%s: categories %v, want %v", g.PURL, g.Categories, w.Categories)
		case !slices.Equal(g.Licenses, w.Licenses):
			t.Errorf("%s: licenses %v, want %v", g.PURL, g.Licenses, w.Licenses)
		case !slices.Equal(g.DependsOn, w.DependsOn):
			t.Errorf("%s: dependsOn %v, want %v", g.PURL, g.DependsOn, w.DependsOn)
		case !slices.Equal(g.Hashes.Sorted(), w.Hashes.Sorted()):
			t.Errorf("%s: hashes %v, want %v", g.PURL, g.Hashes, w.Hashes)
		case g.VersionError != w.VersionError:
			t.Errorf("%s: version error %q, want %q", g.PURL, g.VersionError, w.VersionError)
		}
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	for fixture, mk := range fixtures() {
		for _, spec := range specs {
			for format := range formats {
				t.Run(fixture+"/"+spec+"/"+formats[format], func(t *testing.T) {
					data := encodeFixture(t, fixture, format, spec)
					path := "in/bom." + formats[format]
					art, info, err := DecodeWithInfo(data, path)
					if err != nil {
						t.Fatal(err)
					}
					if art.Kind != lockfiles.KindSBOM || art.Path != path || info.SpecVersion != spec || info.Format != formats[format] {
						t.Errorf("artifact %s %s, info %+v", art.Kind, art.Path, info)
					}
					comparePackages(t, art.Packages, expectedPackages(mk(), path))
					if len(info.Skipped) != 0 {
						t.Errorf("skipped %v", info.Skipped)
					}
					if art.Complete {
						t.Error("the Python layer is not complete, the SBOM must not decode as complete")
					}
					c := art.Component
					if fixture == "function" {
						want := sortedUniq([]string{purlTypesNode, purlLodash, purlPsycopg, purlSQLA, purlPg, purlSequelize})
						if c == nil || c.Name != "orders-api" || c.Version != "1.4.0" || c.PURL != "pkg:npm/orders-api@1.4.0" || !slices.Equal(c.DependsOn, want) {
							t.Errorf("component %+v\nwant deps %v (declared, plus the layers' packages)", c, want)
						}
						if art.Runtime != "nodejs" {
							t.Errorf("runtime %q", art.Runtime)
						}
					} else if c == nil || c.Name != "checkout-service" || len(c.DependsOn) != 8 {
						t.Errorf("synthetic root decoded as %+v", c)
					}
				})
			}
		}
	}
}

func TestDecodeComplete(t *testing.T) {
	for _, spec := range specs {
		for format := range formats {
			inv := functionInventory()
			for _, a := range inv.Artifacts {
				a.Complete = true
			}
			bom := build(t, inv, fixedOptions(""))
			var buf bytes.Buffer
			if err := Encode(&buf, bom, format, spec); err != nil {
				t.Fatal(err)
			}
			art, err := Decode(buf.Bytes(), "x")
			if err != nil {
				t.Fatal(err)
			}
			if !art.Complete {
				t.Errorf("%s %s: all artifacts complete, decoded incomplete", spec, format)
			}
			bom.Compositions = nil
			buf.Reset()
			if err := Encode(&buf, bom, format, spec); err != nil {
				t.Fatal(err)
			}
			if art, _ := Decode(buf.Bytes(), "x"); art.Complete {
				t.Errorf("%s %s: no compositions decoded as complete", spec, format)
			}
		}
	}
}

func readThirdParty(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "thirdparty", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeCdxgen(t *testing.T) {
	data := readThirdParty(t, "cdxgen-node.json")
	validateJSON(t, "1.5", data)
	art, info, err := DecodeWithInfo(data, "sboms/inventory.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*lockfiles.Package{
		"pkg:npm/express@4.17.1": {Ecosystem: "npm", Name: "express", Version: "4.17.1", PURL: "pkg:npm/express@4.17.1",
			Locations: []string{"/app/package-lock.json", "node_modules/express/package.json"}, Licenses: []string{"MIT"},
			DependsOn: []string{"pkg:npm/debug@2.6.9", "pkg:npm/qs@6.7.0"},
			Hashes:    lockfiles.Hashes{}.With("SHA-512", "0c99e01ab6215b06484921407475bc8afa1cbf84b2079e9279e0d27e95a3a3492dd7c6745eae0d7e18a2051055db4dbbe9d3952c72cd97b07ef3ceb30a2cf93c")},
		// Nested, qualifiers stripped.
		"pkg:npm/qs@6.7.0": {Ecosystem: "npm", Name: "qs", Version: "6.7.0", PURL: "pkg:npm/qs@6.7.0", Licenses: []string{"BSD-3-Clause"}},
		// Nested and without a bom-ref: still a package.
		"pkg:npm/debug@2.6.9":                  {Ecosystem: "npm", Name: "debug", Version: "2.6.9", PURL: "pkg:npm/debug@2.6.9", Licenses: []string{"MIT License"}},
		"pkg:npm/%40aws-sdk/client-s3@3.290.0": {Ecosystem: "npm", Name: "@aws-sdk/client-s3", Version: "3.290.0", PURL: "pkg:npm/%40aws-sdk/client-s3@3.290.0", Licenses: []string{"Apache-2.0"}},
		"pkg:npm/mysql@2.18.1":                 {Ecosystem: "npm", Name: "mysql", Version: "2.18.1", PURL: "pkg:npm/mysql@2.18.1"},
	}
	// The debug component has no bom-ref, so express's edge to it cannot
	// resolve.
	want["pkg:npm/express@4.17.1"].DependsOn = []string{"pkg:npm/qs@6.7.0"}
	for _, p := range want {
		p.Artifact = "sboms/inventory.cdx.json"
	}
	comparePackages(t, art.Packages, want)
	if !slices.Equal(info.Skipped, []string{"vendor/bootstrap.min.js@3.3.7", "libc6@2.36-9"}) || info.Components != 7 {
		t.Errorf("skipped %v of %d", info.Skipped, info.Components)
	}
	if len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0].Message, "2 of 7 components skipped") {
		t.Errorf("warnings %+v", info.Warnings)
	}
	c := art.Component
	wantDeps := []string{"pkg:npm/%40aws-sdk/client-s3@3.290.0", "pkg:npm/express@4.17.1", "pkg:npm/mysql@2.18.1"}
	if c == nil || c.Name != "inventory-service" || c.Version != "2.3.1" || !slices.Equal(c.DependsOn, wantDeps) {
		t.Errorf("component %+v, want deps %v", c, wantDeps)
	}
	if art.Complete {
		t.Error("incomplete_first_party_only decoded as complete")
	}
	if art.Runtime != "nodejs" {
		t.Errorf("runtime %q", art.Runtime)
	}
}

func TestDecodeSyft(t *testing.T) {
	data := readThirdParty(t, "syft-python.xml")
	if err := schematest.CycloneDXXML("1.6", data); err != nil && !errors.Is(err, schematest.ErrNoXMLLint) {
		t.Errorf("fixture is not valid CycloneDX: %v", err)
	}
	art, info, err := DecodeWithInfo(data, "report.cdx.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*lockfiles.Package{
		"pkg:pypi/requests@2.25.1": {Ecosystem: "PyPI", Name: "requests", Version: "2.25.1", PURL: "pkg:pypi/requests@2.25.1",
			Locations: []string{"/requests-2.25.1.dist-info/METADATA", "/requests-2.25.1.dist-info/RECORD"},
			Licenses:  []string{"Apache-2.0"}, DependsOn: []string{"pkg:pypi/pyyaml@5.3.1", "pkg:pypi/urllib3@1.26.4"}},
		"pkg:pypi/urllib3@1.26.4": {Ecosystem: "PyPI", Name: "urllib3", Version: "1.26.4", PURL: "pkg:pypi/urllib3@1.26.4",
			Locations: []string{"/urllib3-1.26.4.dist-info/METADATA"}, Licenses: []string{"MIT"}},
		// No purl: the ecosystem comes from syft's package type.
		"pkg:pypi/pyyaml@5.3.1": {Ecosystem: "PyPI", Name: "PyYAML", Version: "5.3.1", PURL: "pkg:pypi/pyyaml@5.3.1",
			Locations: []string{"/PyYAML-5.3.1.dist-info/METADATA"}},
	}
	for _, p := range want {
		p.Artifact = "report.cdx.xml"
	}
	comparePackages(t, art.Packages, want)
	// jackson-core has no group, so no Maven coordinates; /bootstrap is a file.
	if !slices.Equal(info.Skipped, []string{"jackson-core@2.12.0", "/bootstrap"}) {
		t.Errorf("skipped %v", info.Skipped)
	}
	if !art.Complete {
		t.Error("complete root composition decoded as incomplete")
	}
	if c := art.Component; c == nil || c.Name != "report-fn.zip" || !slices.Equal(c.DependsOn, []string{"pkg:pypi/requests@2.25.1"}) {
		t.Errorf("component %+v", c)
	}
	if art.Runtime != "python" {
		t.Errorf("runtime %q", art.Runtime)
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       []string
	}{
		{"truncated json", "{\n  \"bomFormat\": \"CycloneDX\",\n  \"components\": [\n    {\"name\": \"x\",", []string{"line 4", "unexpected end of JSON input"}},
		{"json syntax", "{\n\"bomFormat\": \"CycloneDX\",\n\"version\": 1,,\n}", []string{"line 3, column 14", "invalid character"}},
		{"json type", "{\"bomFormat\": \"CycloneDX\",\n\"components\": \"lodash\"}", []string{"line 2", "cannot unmarshal"}},
		{"not cyclonedx json", `{"spdxVersion": "SPDX-2.3", "name": "x"}`, []string{"not a CycloneDX document", `bomFormat is ""`}},
		{"xml syntax", "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n<component type=\"library\"><name>a</nme>\n</components></bom>", []string{"line 4", "invalid CycloneDX XML"}},
		{"truncated xml", "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">\n<components>", []string{"line 3", "unexpected EOF"}},
		{"foreign xml", `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion></project>`, []string{"not a CycloneDX document", "maven"}},
		{"binary", "PK\x03\x04\x14\x00", []string{"neither JSON nor XML"}},
	} {
		_, err := Decode([]byte(c.data), "dist/bad.cdx")
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "dist/bad.cdx") || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q should be one line naming the path", c.name, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not mention %q", c.name, msg, w)
			}
		}
	}
}

// The edges a third-party SBOM gives between duplicate components (same
// purl, different bom-refs) end on the one merged package.
func TestDecodeMergesDuplicatePURLs(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
"components":[
 {"type":"library","bom-ref":"a","name":"minimist","version":"1.2.0","purl":"pkg:npm/minimist@1.2.0","properties":[{"name":"fnguard:location","value":"node_modules/minimist/package.json"}]},
 {"type":"library","bom-ref":"b","name":"minimist","version":"1.2.0","purl":"pkg:npm/minimist@1.2.0?download_url=x","properties":[{"name":"fnguard:location","value":"node_modules/mkdirp/node_modules/minimist/package.json"}]},
 {"type":"library","bom-ref":"c","name":"mkdirp","version":"0.5.1","purl":"pkg:npm/mkdirp@0.5.1"}],
"dependencies":[{"ref":"c","dependsOn":["b","c"]}]}`
	validateJSON(t, "1.6", []byte(doc))
	art, err := Decode([]byte(doc), "merged.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(art.Packages) != 2 {
		t.Fatalf("%d packages, want 2", len(art.Packages))
	}
	sort.Slice(art.Packages, func(i, j int) bool { return art.Packages[i].Name < art.Packages[j].Name })
	if got := art.Packages[0].Locations; len(got) != 2 {
		t.Errorf("merged locations %v", got)
	}
	if got := art.Packages[1].DependsOn; !slices.Equal(got, []string{"pkg:npm/minimist@1.2.0"}) {
		t.Errorf("edges %v: want the merged package, no self-edge", got)
	}
	if art.Component != nil || art.Complete {
		t.Errorf("no metadata, no compositions: component %+v complete %v", art.Component, art.Complete)
	}
}
