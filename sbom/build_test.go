package sbom

import (
	"bytes"
	"errors"
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/fnguard/fnguard/internal/schematest"
	"github.com/fnguard/fnguard/lockfiles"
)

func build(t *testing.T, inv *lockfiles.Inventory, opts Options) *cdx.BOM {
	t.Helper()
	bom, err := Build(inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	return bom
}

func component(t *testing.T, bom *cdx.BOM, ref string) cdx.Component {
	t.Helper()
	for _, c := range *bom.Components {
		if c.BOMRef == ref {
			return c
		}
	}
	t.Fatalf("no component %q", ref)
	return cdx.Component{}
}

func props(c cdx.Component, name string) []string {
	var out []string
	if c.Properties != nil {
		for _, p := range *c.Properties {
			if p.Name == name {
				out = append(out, p.Value)
			}
		}
	}
	return out
}

func dependsOn(bom *cdx.BOM, ref string) ([]string, bool) {
	for _, d := range *bom.Dependencies {
		if d.Ref == ref {
			if d.Dependencies == nil {
				return nil, true
			}
			return *d.Dependencies, true
		}
	}
	return nil, false
}

func TestBuildMetadata(t *testing.T) {
	bom := build(t, functionInventory(), fixedOptions(""))
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(bom.SerialNumber) {
		t.Errorf("serialNumber %q is not a UUID v5 URN", bom.SerialNumber)
	}
	md := bom.Metadata
	if md.Timestamp != "2024-03-01T11:30:00Z" {
		t.Errorf("timestamp %q, want the fixed time in UTC", md.Timestamp)
	}
	tools := *md.Tools.Components
	if len(tools) != 1 || tools[0].Name != "fnguard" || tools[0].Version != "0.3.0" {
		t.Errorf("tools = %+v", tools)
	}
	root := md.Component
	if root.BOMRef != "fnguard:artifact:"+fnPath || root.Type != cdx.ComponentTypeApplication ||
		root.Name != "orders-api" || root.Version != "1.4.0" || root.PackageURL != "pkg:npm/orders-api@1.4.0" {
		t.Errorf("metadata.component = %+v", root)
	}
	var layers []string
	for _, c := range *root.Components {
		if c.Type != cdx.ComponentTypeLibrary {
			t.Errorf("layer %s has type %s", c.BOMRef, c.Type)
		}
		layers = append(layers, c.Name)
	}
	if !slices.Equal(layers, []string{"node-shared", "python-deps"}) {
		t.Errorf("nested layers = %v", layers)
	}
	if w := *md.Properties; len(w) != 1 || w[0].Name != PropWarning || !strings.Contains(w[0].Value, "left-pad") {
		t.Errorf("warnings not carried: %+v", w)
	}

	named := build(t, functionInventory(), fixedOptions("orders-prod"))
	if named.Metadata.Component.Name != "orders-prod" {
		t.Errorf("--name not applied: %q", named.Metadata.Component.Name)
	}
	if named.SerialNumber == bom.SerialNumber {
		t.Error("different content, same reproducible serial")
	}

	fixed := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	defer func(c func() time.Time) { wallClock = c }(wallClock)
	wallClock = func() time.Time { return fixed }
	now := build(t, functionInventory(), Options{})
	ts, err := time.Parse(time.RFC3339, now.Metadata.Timestamp)
	if err != nil || !ts.Equal(fixed) || !strings.HasSuffix(now.Metadata.Timestamp, "Z") {
		t.Errorf("zero Timestamp gave %q, want now in UTC", now.Metadata.Timestamp)
	}
	again := build(t, functionInventory(), Options{})
	if now.SerialNumber == again.SerialNumber || !strings.Contains(now.SerialNumber, "-4") {
		t.Errorf("non-reproducible serials %s, %s: want distinct v4 UUIDs", now.SerialNumber, again.SerialNumber)
	}
}

func TestBuildComponents(t *testing.T) {
	bom := build(t, multiInventory(), fixedOptions("checkout-service"))

	lodash := component(t, bom, purlLodash)
	if got := props(lodash, PropArtifact); !slices.Equal(got, []string{fnPath, jsLayerPath}) {
		t.Errorf("lodash artifacts = %v: want one component naming both", got)
	}
	if got := props(lodash, PropLocation); !slices.Equal(got, []string{"node_modules/lodash/package.json", "nodejs/node_modules/lodash/package.json"}) {
		t.Errorf("lodash locations = %v", got)
	}
	n := 0
	for _, c := range *bom.Components {
		if c.PackageURL == purlLodash {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d components for lodash, want 1", n)
	}

	jackson := component(t, bom, purlJackson)
	if jackson.Group != "com.fasterxml.jackson.core" || jackson.Name != "jackson-databind" || jackson.Version != "2.9.8" || jackson.Type != cdx.ComponentTypeLibrary {
		t.Errorf("maven coordinates = %q %q %q", jackson.Group, jackson.Name, jackson.Version)
	}
	if got := props(jackson, PropLocation); !slices.Equal(got, []string{"lib/app.jar!/BOOT-INF/lib/jackson-databind-2.9.8.jar"}) {
		t.Errorf("jackson locations = %v", got)
	}
	if h := *jackson.Hashes; len(h) != 1 || h[0].Algorithm != cdx.HashAlgoSHA256 || h[0].Value != sha256Jackson {
		t.Errorf("jackson hashes = %+v", h)
	}

	types := component(t, bom, "pkg:npm/%40types/node@12.12.6")
	if types.Group != "@types" || types.Name != "node" {
		t.Errorf("scoped npm = group %q name %q", types.Group, types.Name)
	}

	sqla := component(t, bom, purlSQLA)
	if sqla.Name != "SQLAlchemy" {
		t.Errorf("PyPI name %q: the native spelling should survive the lower-case purl", sqla.Name)
	}
	if h := *sqla.Hashes; len(h) != 1 || h[0].Value != sha256SQLA {
		t.Errorf("malformed SHA-1 kept or SHA-256 lost: %+v", h)
	}
	if got := props(sqla, PropCategory); !slices.Equal(got, []string{"orm"}) {
		t.Errorf("categories = %v", got)
	}
	if got := props(component(t, bom, purlLeftPad), PropVersionError); len(got) != 1 || !strings.Contains(got[0], "latest") {
		t.Errorf("version error = %v", got)
	}

	lic := func(ref string) cdx.LicenseChoice { return (*component(t, bom, ref).Licenses)[0] }
	if l := lic(purlSQLA); l.License == nil || l.License.ID != "MIT" {
		t.Errorf("lower-case SPDX id not canonicalised: %+v", l)
	}
	if l := lic(purlRC); l.Expression != "(BSD-2-Clause OR MIT OR Apache-2.0)" {
		t.Errorf("expression not kept as expression: %+v", l)
	}
	if l := lic(purlPsycopg); l.License == nil || l.License.ID != "" || l.License.Name != "LGPL with exceptions" {
		t.Errorf("free-text license not a name: %+v", l)
	}
}

// allRefs are the bom-refs a reference may resolve to.
func allRefs(bom *cdx.BOM) map[string]bool {
	refs := map[string]bool{}
	var walk func(c *cdx.Component)
	walk = func(c *cdx.Component) {
		if c.BOMRef != "" {
			refs[c.BOMRef] = true
		}
		if c.Components != nil {
			for i := range *c.Components {
				walk(&(*c.Components)[i])
			}
		}
	}
	walk(bom.Metadata.Component)
	for i := range *bom.Components {
		walk(&(*bom.Components)[i])
	}
	return refs
}

func TestBuildRefsResolve(t *testing.T) {
	for name, inv := range fixtures() {
		bom := build(t, inv(), fixedOptions(""))
		refs := allRefs(bom)
		check := func(where, r string) {
			if !refs[r] {
				t.Errorf("%s: %s %q resolves to no component", name, where, r)
			}
		}
		seen := map[string]bool{}
		for _, d := range *bom.Dependencies {
			check("dependency ref", d.Ref)
			if seen[d.Ref] {
				t.Errorf("%s: two dependency entries for %s", name, d.Ref)
			}
			seen[d.Ref] = true
			if d.Dependencies != nil {
				for _, r := range *d.Dependencies {
					check("dependsOn", r)
				}
			}
		}
		for _, c := range *bom.Compositions {
			for _, list := range []*[]cdx.BOMReference{c.Assemblies, c.Dependencies} {
				if list != nil {
					for _, r := range *list {
						check("composition", string(r))
					}
				}
			}
		}
		if len(refs) != len(*bom.Components)+countNested(bom.Metadata.Component) {
			t.Errorf("%s: bom-refs are not unique", name)
		}
	}
}

func countNested(c *cdx.Component) int {
	n := 1
	if c.Components != nil {
		for i := range *c.Components {
			n += countNested(&(*c.Components)[i])
		}
	}
	return n
}

func TestBuildDependencies(t *testing.T) {
	bom := build(t, functionInventory(), fixedOptions(""))
	root, _ := dependsOn(bom, "fnguard:artifact:"+fnPath)
	want := []string{"fnguard:artifact:" + jsLayerPath, "fnguard:artifact:" + pyLayerPath, purlTypesNode, purlPg, purlSequelize}
	if !slices.Equal(root, want) {
		t.Errorf("root dependsOn = %v\nwant %v (declared deps, unknown purl dropped, plus layers)", root, want)
	}
	if got, _ := dependsOn(bom, purlSequelize); !slices.Equal(got, []string{purlDebug, purlLodash}) {
		t.Errorf("sequelize dependsOn = %v (the edge to %s must be dropped)", got, purlMissing)
	}
	if got, ok := dependsOn(bom, purlLodash); !ok || len(got) != 0 {
		t.Errorf("lodash: leaf of a known graph needs an empty entry, got %v %v", got, ok)
	}
	// The Python layer carries no edges: the layer depends on all of its
	// packages and they get no (falsely empty) entries.
	if got, _ := dependsOn(bom, "fnguard:artifact:"+pyLayerPath); !slices.Equal(got, []string{purlPsycopg, purlSQLA}) {
		t.Errorf("edge-less layer dependsOn = %v", got)
	}
	if _, ok := dependsOn(bom, purlSQLA); ok {
		t.Error("package without edge evidence got a dependency entry")
	}

	// Without the application's own manifest, the roots of the package
	// graph stand in for its direct dependencies.
	inv := functionInventory()
	inv.Artifacts[0].Component = nil
	bom = build(t, inv, fixedOptions(""))
	root, _ = dependsOn(bom, "fnguard:artifact:"+fnPath)
	want = []string{"fnguard:artifact:" + jsLayerPath, "fnguard:artifact:" + pyLayerPath, purlTypesNode, purlLeftPad, purlPg, purlSequelize}
	if !slices.Equal(root, want) {
		t.Errorf("inferred root dependsOn = %v\nwant %v", root, want)
	}
	if bom.Metadata.Component.Name != "orders-fn" {
		t.Errorf("default name %q, want the zip base name", bom.Metadata.Component.Name)
	}
}

func TestBuildSyntheticRoot(t *testing.T) {
	bom := build(t, multiInventory(), fixedOptions("checkout-service"))
	root := bom.Metadata.Component
	if root.BOMRef != rootRef || root.Name != "checkout-service" || root.Type != cdx.ComponentTypeApplication {
		t.Fatalf("root = %+v", root)
	}
	var kids []string
	for _, c := range *root.Components {
		kids = append(kids, c.BOMRef)
		if c.BOMRef == "fnguard:artifact:"+fnPath && (c.Components == nil || len(*c.Components) != 2) {
			t.Error("layers are not nested under their function")
		}
	}
	if !slices.Equal(kids, []string{"fnguard:artifact:" + javaPath, "fnguard:artifact:" + fnPath}) {
		t.Errorf("root components = %v", kids)
	}
	if got, _ := dependsOn(bom, rootRef); !slices.Equal(got, kids) {
		t.Errorf("root dependsOn = %v, want the inputs", got)
	}
	if got, _ := dependsOn(bom, "fnguard:artifact:"+javaPath); !slices.Equal(got, []string{purlJackAnn, purlJackson}) {
		t.Errorf("edge-less function dependsOn = %v, want all its packages", got)
	}
	unnamed := build(t, multiInventory(), fixedOptions(""))
	if unnamed.Metadata.Component.Name != "orders-api" {
		t.Errorf("default synthetic name %q, want the first artifact's", unnamed.Metadata.Component.Name)
	}
}

func TestBuildCompositions(t *testing.T) {
	bom := build(t, functionInventory(), fixedOptions(""))
	byArt := map[string]cdx.Composition{}
	for _, c := range *bom.Compositions {
		byArt[string((*c.Assemblies)[0])] = c
	}
	fn := byArt["fnguard:artifact:"+fnPath]
	if fn.Aggregate != cdx.CompositionAggregateComplete || len(*fn.Assemblies) != 9 || fn.Dependencies == nil {
		t.Errorf("complete function composition = %+v", fn)
	}
	py := byArt["fnguard:artifact:"+pyLayerPath]
	if py.Aggregate != cdx.CompositionAggregateUnknown || py.Dependencies != nil {
		t.Errorf("partial layer composition = %+v", py)
	}
	if !slices.Contains(*py.Assemblies, cdx.BOMReference(purlSQLA)) {
		t.Errorf("layer composition misses its packages: %v", *py.Assemblies)
	}
}

// shuffled returns the inventory with every list permuted except the order
// of artifacts, which names the default root.
func shuffled(inv *lockfiles.Inventory, seed int64) *lockfiles.Inventory {
	r := rand.New(rand.NewSource(seed))
	perm := func(n int, swap func(i, j int)) { r.Shuffle(n, swap) }
	for _, a := range inv.Artifacts {
		perm(len(a.Packages), func(i, j int) { a.Packages[i], a.Packages[j] = a.Packages[j], a.Packages[i] })
		if a.Component != nil {
			d := a.Component.DependsOn
			perm(len(d), func(i, j int) { d[i], d[j] = d[j], d[i] })
		}
		for _, p := range a.Packages {
			for _, l := range [][]string{p.Locations, p.DependsOn, p.Categories, p.Licenses} {
				perm(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
			}
		}
	}
	return inv
}

func TestBuildDeterministic(t *testing.T) {
	for fixture, inv := range fixtures() {
		for _, spec := range specs {
			for format := range formats {
				var outs [][]byte
				for seed := int64(0); seed < 4; seed++ {
					bom := build(t, shuffled(inv(), seed), fixedOptions(""))
					var buf bytes.Buffer
					if err := Encode(&buf, bom, format, spec); err != nil {
						t.Fatal(err)
					}
					outs = append(outs, buf.Bytes())
				}
				for i := 1; i < len(outs); i++ {
					if !bytes.Equal(outs[0], outs[i]) {
						t.Errorf("%s %s %s: output depends on input order", fixture, spec, format)
						break
					}
				}
			}
		}
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(nil, Options{}); err == nil {
		t.Error("nil inventory accepted")
	}
	if _, err := Build(&lockfiles.Inventory{}, Options{}); err == nil {
		t.Error("empty inventory accepted")
	}
}

func TestBOMRef(t *testing.T) {
	bom := build(t, multiInventory(), fixedOptions(""))
	for _, a := range multiInventory().Artifacts {
		for _, p := range a.Packages {
			component(t, bom, BOMRef(p))
		}
	}
	for _, c := range []struct {
		pkg  lockfiles.Package
		want string
	}{
		{lockfiles.Package{PURL: "pkg:maven/g/a@1?type=jar"}, "pkg:maven/g/a@1"},
		{lockfiles.Package{Ecosystem: "Maven", Name: "org.yaml:snakeyaml", Version: "1.26"}, "pkg:maven/org.yaml/snakeyaml@1.26"},
		{lockfiles.Package{Ecosystem: "npm", Name: "@babel/core", Version: "7.0.0"}, "pkg:npm/%40babel/core@7.0.0"},
		{lockfiles.Package{Ecosystem: "Go", Name: "golang.org/x/net", Version: "v0.1.0"}, "pkg:golang/golang.org/x/net@v0.1.0"},
		{lockfiles.Package{Ecosystem: "Hex", Name: "plug", Version: "1.0.0"}, "fnguard:pkg:Hex/plug@1.0.0"},
	} {
		if got := BOMRef(&c.pkg); got != c.want {
			t.Errorf("BOMRef(%+v) = %q, want %q", c.pkg, got, c.want)
		}
	}
}

// A caller appends vulnerabilities after Build; the refs BOMRef gives must
// resolve and the result must still validate.
func TestVulnerabilitiesAppend(t *testing.T) {
	inv := functionInventory()
	bom := build(t, inv, fixedOptions(""))
	seq := inv.Artifacts[0].Packages[0]
	vulns := []cdx.Vulnerability{{
		BOMRef: "vuln:GHSA-wrh9-cjv3-2hpw", ID: "GHSA-wrh9-cjv3-2hpw",
		Source:   &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/GHSA-wrh9-cjv3-2hpw"},
		Analysis: &cdx.VulnerabilityAnalysis{State: cdx.IASExploitable},
		Affects:  &[]cdx.Affects{{Ref: BOMRef(seq)}},
	}}
	bom.Vulnerabilities = &vulns
	if !allRefs(bom)[(*vulns[0].Affects)[0].Ref] {
		t.Fatalf("affects ref %q resolves to nothing", BOMRef(seq))
	}
	for _, spec := range specs {
		for format := range formats {
			var buf bytes.Buffer
			if err := Encode(&buf, bom, format, spec); err != nil {
				t.Fatal(err)
			}
			if format == FormatJSON {
				validateJSON(t, spec, buf.Bytes())
			} else if err := schematest.CycloneDXXML(spec, buf.Bytes()); err != nil && !errors.Is(err, schematest.ErrNoXMLLint) {
				t.Errorf("CycloneDX %s XSD rejects output: %v", spec, err)
			}
		}
	}
}

// An application that is a file (a Go bootstrap) carries its hash on the
// artifact component, and the document still validates.
func TestBuildComponentHash(t *testing.T) {
	inv := functionInventory()
	const sum = "3d020fcbae97622a1100885571bd1b2485081652c3fdbb8836a452ba21098ff1"
	inv.Artifacts[0].Component.Hashes = lockfiles.Hashes{}.With("SHA-256", sum)
	bom, err := Build(inv, fixedOptions(""))
	if err != nil {
		t.Fatal(err)
	}
	hs := bom.Metadata.Component.Hashes
	if hs == nil || len(*hs) != 1 || (*hs)[0].Algorithm != cdx.HashAlgoSHA256 || (*hs)[0].Value != sum {
		t.Fatalf("metadata.component hashes %+v, want the SHA-256", hs)
	}
	for _, spec := range specs {
		var buf bytes.Buffer
		if err := Encode(&buf, bom, FormatJSON, spec); err != nil {
			t.Fatal(err)
		}
		validateJSON(t, spec, buf.Bytes())
	}
}
