package sbom

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
)

const sharedApps = "../../shared/fixtures/apps"

// appCases are real applications: the bundled example (a SAM template over
// the committed examples/orders-function.zip), a small committed SAM app
// built to share packages, and two shared fixture apps.
var appCases = []struct{ name, dir string }{
	{"orders-app", "../examples/orders-app"},
	{"shared-deps", "testdata/apps/shared-deps"},
	{"sam-shopping-cart", sharedApps + "/sam-shopping-cart"},
	{"sam-rabbitmq-layer", sharedApps + "/sam-rabbitmq-layer"},
}

// allApps are appCases plus every other application in the shared
// fixtures (CDK and Serverless included).
func allApps(t *testing.T) []struct{ name, dir string } {
	out := slices.Clone(appCases)
	entries, err := os.ReadDir(sharedApps)
	if err != nil {
		t.Logf("shared fixtures absent (%v): only the committed applications", err)
		return out
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "bundles" && !slices.ContainsFunc(out, func(c struct{ name, dir string }) bool { return c.name == e.Name() }) {
			out = append(out, struct{ name, dir string }{e.Name(), filepath.Join(sharedApps, e.Name())})
		}
	}
	return out
}

func loadApp(t *testing.T, dir string) (*lockfiles.Inventory, *release.Release) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s absent (%v): application SBOM test skipped", dir, err)
	}
	a, err := app.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	inv, rel, err := release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return inv, rel
}

func appOptions(rel *release.Release) Options {
	o := fixedOptions("")
	o.Release = rel
	return o
}

func buildApp(t *testing.T, dir string) (*lockfiles.Inventory, *release.Release, *cdx.BOM) {
	t.Helper()
	inv, rel := loadApp(t, dir)
	bom, err := Build(inv, appOptions(rel))
	if err != nil {
		t.Fatal(err)
	}
	return inv, rel, bom
}

func encode(t *testing.T, bom *cdx.BOM, format, spec string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, bom, format, spec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestApplicationGolden(t *testing.T) {
	for _, c := range appCases {
		t.Run(c.name, func(t *testing.T) {
			_, _, bom := buildApp(t, c.dir)
			got := encode(t, bom, FormatJSON, "1.6")
			file := filepath.Join("testdata", "golden", "app-"+c.name+"-1.6.json")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./sbom -run TestApplicationGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s; inspect and rerun with -update if intended", file)
			}
		})
	}
}

func TestApplicationSchemas(t *testing.T) {
	for _, c := range appCases {
		for _, spec := range specs {
			for format := range formats {
				t.Run(c.name+"/"+spec+"/"+formats[format], func(t *testing.T) {
					_, _, bom := buildApp(t, c.dir)
					validate(t, format, spec, encode(t, bom, format, spec))
				})
			}
		}
	}
}

// depsOf maps each bom-ref to its dependency list; a ref without an entry
// is absent from the map.
func depsOf(bom *cdx.BOM) map[string][]string {
	out := map[string][]string{}
	for _, d := range *bom.Dependencies {
		var on []string
		if d.Dependencies != nil {
			on = append(on, *d.Dependencies...)
		}
		out[d.Ref] = on
	}
	return out
}

func nestedByRef(bom *cdx.BOM) map[string]cdx.Component {
	out := map[string]cdx.Component{}
	if cs := bom.Metadata.Component.Components; cs != nil {
		for _, c := range *cs {
			out[c.BOMRef] = c
		}
	}
	return out
}

// TestApplicationGraph checks, on every application, that each function
// depends on exactly its own code's packages (directly or through their
// edges, never through another function's) and its local layers, that
// each layer depends on its own packages, and that a package is one
// component however many functions ship it.
func TestApplicationGraph(t *testing.T) {
	for _, c := range allApps(t) {
		t.Run(c.name, func(t *testing.T) {
			inv, rel, bom := buildApp(t, c.dir)
			// Every shared fixture app, not only the golden ones, must be
			// valid CycloneDX.
			validate(t, FormatJSON, "1.6", encode(t, bom, FormatJSON, "1.6"))
			validate(t, FormatXML, "1.5", encode(t, bom, FormatXML, "1.5"))
			deps := depsOf(bom)
			nested := nestedByRef(bom)
			byPath := map[string]*lockfiles.Artifact{}
			for _, a := range inv.Artifacts {
				byPath[a.Path] = a
			}
			pkgRefs := map[string]bool{}
			for _, comp := range *bom.Components {
				if pkgRefs[comp.BOMRef] {
					t.Errorf("component %s listed twice", comp.BOMRef)
				}
				pkgRefs[comp.BOMRef] = true
			}
			wantPkgs := map[string]bool{}
			for _, a := range inv.Artifacts {
				for _, p := range a.Packages {
					wantPkgs[BOMRef(p)] = true
				}
			}
			if len(wantPkgs) != len(pkgRefs) {
				t.Errorf("%d package components for %d distinct packages", len(pkgRefs), len(wantPkgs))
			}
			closure := func(from []string) map[string]bool {
				seen := map[string]bool{}
				queue := slices.Clone(from)
				for len(queue) > 0 {
					r := queue[0]
					queue = queue[1:]
					if seen[r] || !pkgRefs[r] {
						continue
					}
					seen[r] = true
					queue = append(queue, deps[r]...)
				}
				return seen
			}
			own := func(path string) (refs map[string]bool) {
				refs = map[string]bool{}
				if a := byPath[path]; a != nil {
					for _, p := range a.Packages {
						refs[BOMRef(p)] = true
					}
				}
				return refs
			}
			check := func(what, ref, artifact string, wantLayers []string) {
				t.Helper()
				on, ok := deps[ref]
				if !ok {
					t.Errorf("%s: no dependency entry", what)
					return
				}
				mine := own(artifact)
				var pkgs, layers []string
				for _, r := range on {
					if pkgRefs[r] {
						pkgs = append(pkgs, r)
						if !mine[r] {
							t.Errorf("%s depends on %s, which its code does not ship", what, r)
						}
					} else {
						layers = append(layers, r)
					}
				}
				reach := closure(pkgs)
				for r := range mine {
					if !reach[r] {
						t.Errorf("%s: its package %s is not reachable from it", what, r)
					}
				}
				sort.Strings(wantLayers)
				if strings.Join(layers, " ") != strings.Join(wantLayers, " ") {
					t.Errorf("%s depends on layers %v, want %v", what, layers, wantLayers)
				}
			}
			var fnRefs []string
			for _, f := range rel.Functions {
				ref := functionRefPrefix + f.ID
				fnRefs = append(fnRefs, ref)
				comp, ok := nested[ref]
				if !ok {
					t.Errorf("function %s is not a component under metadata.component", f.ID)
					continue
				}
				if comp.Type != cdx.ComponentTypeApplication || !slices.Equal(props(comp, propFnID), []string{f.ID}) {
					t.Errorf("function %s: type %s, id %v", f.ID, comp.Type, props(comp, propFnID))
				}
				if len(props(comp, propRoleNote)) == 0 && len(props(comp, propRoleStatements)) == 0 {
					t.Errorf("function %s carries no role summary", f.ID)
				}
				var layers []string
				for _, l := range f.LocalLayers {
					layers = append(layers, layerRefPrefix+l.ID)
				}
				if f.Artifact == "" && len(layers) == 0 && f.Code.Type != app.CodeInline {
					if _, ok := deps[ref]; ok {
						t.Errorf("function %s: code not read, yet a dependency entry", f.ID)
					}
					continue
				}
				check("function "+f.ID, ref, f.Artifact, layers)
			}
			for _, l := range rel.Layers {
				ref := layerRefPrefix + l.ID
				if comp, ok := nested[ref]; !ok || comp.Type != cdx.ComponentTypeLibrary {
					t.Errorf("layer %s is not a library component under metadata.component", l.ID)
				}
				if l.Artifact != "" {
					check("layer "+l.ID, ref, l.Artifact, nil)
				}
			}
			sort.Strings(fnRefs)
			if got := deps[ApplicationRef]; !slices.Equal(got, fnRefs) {
				t.Errorf("application depends on %v, want its functions %v", got, fnRefs)
			}
			mc := bom.Metadata.Component
			if mc.BOMRef != ApplicationRef || mc.Type != cdx.ComponentTypeApplication ||
				!slices.Equal(props(*mc, propAppKind), []string{rel.App.Kind}) ||
				!slices.Equal(props(*mc, propAppEntry), []string{rel.App.Entry}) {
				t.Errorf("metadata.component %s %s %v", mc.BOMRef, mc.Type, mc.Properties)
			}
		})
	}
}

// TestApplicationShared spells out the committed app built for this: lodash
// ships in both functions and in their layer and is one component with
// three dependents; the role summary, the external layer and the inline
// function are laid out as documented.
func TestApplicationShared(t *testing.T) {
	_, _, bom := buildApp(t, "testdata/apps/shared-deps")
	deps := depsOf(bom)
	nested := nestedByRef(bom)
	const lodash = "pkg:npm/lodash@4.17.20"
	want := map[string][]string{
		"fnguard:function:ApiFunction":    {"pkg:npm/express-lite@1.0.0", lodash, "fnguard:layer:SharedLayer"},
		"fnguard:function:WorkerFunction": {"fnguard:layer:SharedLayer", lodash, "pkg:npm/semver@7.5.4"},
		"fnguard:function:PingFunction":   nil,
		"fnguard:layer:SharedLayer":       {lodash, "pkg:npm/uuid@9.0.1"},
		ApplicationRef:                    {"fnguard:function:ApiFunction", "fnguard:function:PingFunction", "fnguard:function:WorkerFunction"},
	}
	for ref, on := range want {
		sort.Strings(on)
		got, ok := deps[ref]
		if !ok || !slices.Equal(got, on) {
			t.Errorf("%s depends on %v (entry: %v), want %v", ref, got, ok, on)
		}
	}
	var dependents []string
	for ref, on := range deps {
		if slices.Contains(on, lodash) {
			dependents = append(dependents, ref)
		}
	}
	sort.Strings(dependents)
	if !slices.Equal(dependents, []string{"fnguard:function:ApiFunction", "fnguard:function:WorkerFunction", "fnguard:layer:SharedLayer"}) {
		t.Errorf("lodash dependents %v", dependents)
	}
	n := 0
	for _, c := range *bom.Components {
		if c.BOMRef == lodash {
			n++
			if got := props(c, PropFunction); !slices.Equal(got, []string{"ApiFunction", "WorkerFunction"}) {
				t.Errorf("lodash shipped by functions %v", got)
			}
			if got := props(c, PropLayer); !slices.Equal(got, []string{"SharedLayer"}) {
				t.Errorf("lodash shipped by layers %v", got)
			}
			if got := props(c, PropArtifact); len(got) != 3 {
				t.Errorf("lodash artifacts %v, want the two functions' and the layer's", got)
			}
		}
	}
	if n != 1 {
		t.Errorf("lodash is %d components, want 1", n)
	}

	api := nested["fnguard:function:ApiFunction"]
	for name, value := range map[string]string{
		propFnArchitecture: "arm64", propFnRuntime: "nodejs20.x", propFnHandler: "index.handler",
		propFnPackageType: "Zip", propFnCodeType: app.CodeDir, propFnCodePath: "fn-a",
		propRoleGenerated: "true", propRoleFindingPrefix + "action-star": "1", propRoleID: "ApiFunctionRole",
	} {
		if got := props(api, name); !slices.Equal(got, []string{value}) {
			t.Errorf("ApiFunction %s = %v, want %s", name, got, value)
		}
	}
	worker := nested["fnguard:function:WorkerFunction"]
	for name, value := range map[string]string{
		propFnCondition: "IsProd", propFnName: "worker-${AWS::StackName}",
		propFnExternalLayer: "arn:aws:lambda:us-east-1:123456789012:layer:vendor-extension:3",
		propRoleRef:         "arn:aws:iam::123456789012:role/shared-worker",
	} {
		if got := props(worker, name); !slices.Equal(got, []string{value}) {
			t.Errorf("WorkerFunction %s = %v, want %s", name, got, value)
		}
	}
	if len(props(worker, propRoleNote)) != 1 || len(props(worker, propRoleStatements)) != 0 {
		t.Errorf("WorkerFunction's unknown role: note %v, statements %v", props(worker, propRoleNote), props(worker, propRoleStatements))
	}
	if worker.Name != "WorkerFunction" || nested["fnguard:function:PingFunction"].Name != "ping" {
		t.Errorf("function names %q, %q", worker.Name, nested["fnguard:function:PingFunction"].Name)
	}
	aggs := map[string]cdx.CompositionAggregate{}
	for _, c := range *bom.Compositions {
		aggs[string((*c.Assemblies)[0])] = c.Aggregate
	}
	for ref, agg := range map[string]cdx.CompositionAggregate{
		"fnguard:function:ApiFunction":    cdx.CompositionAggregateComplete,
		"fnguard:function:WorkerFunction": cdx.CompositionAggregateIncomplete, // external layer unread
		"fnguard:function:PingFunction":   cdx.CompositionAggregateComplete,
		"fnguard:layer:SharedLayer":       cdx.CompositionAggregateComplete,
	} {
		if aggs[ref] != agg {
			t.Errorf("composition of %s: %q, want %q", ref, aggs[ref], agg)
		}
	}
	mc := bom.Metadata.Component
	if mc.Name != "shared-deps" || mc.Version != "" {
		t.Errorf("application named %q %q, want the template's folder", mc.Name, mc.Version)
	}

	// The SBOM read back is the application's packages, and not complete
	// (an external layer was not read).
	data := encode(t, bom, FormatJSON, "1.6")
	art, err := Decode(data, "app.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range art.Packages {
		names = append(names, p.Name+"@"+p.Version)
	}
	if strings.Join(names, " ") != "express-lite@1.0.0 lodash@4.17.20 ms@2.1.3 semver@7.5.4 uuid@9.0.1" || art.Complete {
		t.Errorf("read back %v, complete %v", names, art.Complete)
	}
}

func TestApplicationNameOverride(t *testing.T) {
	inv, rel := loadApp(t, "../examples/orders-app")
	opts := appOptions(rel)
	bom, err := Build(inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	if mc := bom.Metadata.Component; mc.Name != "orders-app" || mc.Version != "" {
		t.Errorf("default name %q version %q", mc.Name, mc.Version)
	}
	opts.Name, opts.Version = "orders", "2.0.0"
	if bom, err = Build(inv, opts); err != nil {
		t.Fatal(err)
	}
	if mc := bom.Metadata.Component; mc.Name != "orders" || mc.Version != "2.0.0" || mc.BOMRef != ApplicationRef {
		t.Errorf("overridden: %q %q %q", mc.Name, mc.Version, mc.BOMRef)
	}
}

// An artifact given beside an application keeps its artifact shape under
// the application instead of disappearing.
func TestApplicationStrayArtifact(t *testing.T) {
	inv, rel := loadApp(t, "../examples/orders-app")
	extra := functionInventory()
	inv = &lockfiles.Inventory{Artifacts: append(slices.Clone(inv.Artifacts), extra.Artifacts...)}
	bom, err := Build(inv, appOptions(rel))
	if err != nil {
		t.Fatal(err)
	}
	deps := depsOf(bom)
	if !slices.Contains(deps[ApplicationRef], artifactRefPrefix+fnPath) {
		t.Errorf("application depends on %v, want the stray function artifact too", deps[ApplicationRef])
	}
	if _, ok := nestedByRef(bom)[artifactRefPrefix+fnPath]; !ok {
		t.Error("stray artifact not nested under the application")
	}
	validate(t, FormatJSON, "1.6", encode(t, bom, FormatJSON, "1.6"))
}

func TestApplicationNames(t *testing.T) {
	for _, c := range []struct {
		a    *app.Application
		want string
	}{
		{&app.Application{Kind: app.KindCDK, Root: "x", Functions: []*app.Function{
			{File: "cdk.out/OrdersStack.template.json"}, {File: "cdk.out/OrdersStackNested1234.nested.template.json"},
			{File: "cdk.out/assembly-Prod/ProdOrdersStack.template.json"}}}, "OrdersStack+ProdOrdersStack"},
		{&app.Application{Kind: app.KindServerless, Root: "svc", Functions: []*app.Function{
			{Key: "create", Name: "todo-api-dev-create"}, {Key: "list", Name: "todo-api-dev-list"}}}, "todo-api-dev"},
		{&app.Application{Kind: app.KindServerless, Root: "services/todo", Entry: ".serverless/cloudformation-template-update-stack.json", Functions: []*app.Function{
			{Key: "create", Name: "custom-name"}}}, "todo"},
		{&app.Application{Kind: app.KindSAM, Root: "apps/cart", Entry: "infra/template.yaml"}, "infra"},
		{&app.Application{Kind: app.KindCloudFormation, Root: "/", Entry: ""}, "application"},
		{&app.Application{Kind: app.KindDeployed, Root: "/home/u/.cache/fnguard", Entry: "arn:aws:lambda:eu-west-1:1:function:orders",
			Functions: []*app.Function{{ID: "orders", Name: "orders"}}}, "orders"},
		{&app.Application{Kind: app.KindDeployed, Root: "/home/u/.cache/fnguard", Entry: "all functions in eu-west-1",
			Functions: []*app.Function{{ID: "a"}, {ID: "b"}}}, "all functions in eu-west-1"},
	} {
		if got, _ := applicationName(c.a); got != c.want {
			t.Errorf("%s %s/%s: %q, want %q", c.a.Kind, c.a.Root, c.a.Entry, got, c.want)
		}
	}
}

// The goldens are JSON a consumer parses: make sure each lists every
// function as a component even for the reader that ignores nesting.
func TestApplicationGoldenParses(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "app-*-1.6.json"))
	if len(files) < 2 {
		t.Fatalf("application goldens missing: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Metadata struct {
				Component struct {
					BOMRef     string `json:"bom-ref"`
					Components []struct {
						BOMRef string `json:"bom-ref"`
					} `json:"components"`
				} `json:"component"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if doc.Metadata.Component.BOMRef != ApplicationRef || len(doc.Metadata.Component.Components) == 0 {
			t.Errorf("%s: metadata.component %s with %d components", f, doc.Metadata.Component.BOMRef, len(doc.Metadata.Component.Components))
		}
	}
}

// Code fnguard did not read (an image, an S3 layer, a deployed function
// whose code could not be fetched) must never look like a function that
// depends on nothing: no dependency entry of its own, an "incomplete"
// composition, and the reason as a property.
func TestApplicationUnread(t *testing.T) {
	s3Layer := &release.Layer{Layer: &app.Layer{ID: "VendorLayer", Code: app.Code{Type: app.CodeS3, Path: "s3://bucket/layer.zip", Note: "not available locally"}}}
	img := &release.Function{Function: &app.Function{ID: "ImageFunction", PackageType: "Image",
		Code:     app.Code{Type: app.CodeImage, Path: "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1", Note: "image: not inspected"},
		RoleNote: "role not in the template: permissions unknown"}}
	broken := &release.Function{Function: &app.Function{ID: "orders", Name: "orders", Error: "code could not be fetched: AccessDenied"},
		LocalLayers: []*release.Layer{s3Layer}}
	rel := &release.Release{App: &app.Application{Kind: app.KindSAM, Root: "svc", Entry: "template.yaml"},
		Functions: []*release.Function{img, broken}, Layers: []*release.Layer{s3Layer}}
	bom, err := Build(&lockfiles.Inventory{}, appOptions(rel))
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range specs {
		for format := range formats {
			validate(t, format, spec, encode(t, bom, format, spec))
		}
	}
	deps := depsOf(bom)
	if on, ok := deps["fnguard:function:ImageFunction"]; ok {
		t.Errorf("image function has a dependency entry %v", on)
	}
	if on := deps["fnguard:function:orders"]; !slices.Equal(on, []string{"fnguard:layer:VendorLayer"}) {
		t.Errorf("broken function depends on %v, want its layer only", on)
	}
	if _, ok := deps["fnguard:layer:VendorLayer"]; ok {
		t.Error("unread layer has a dependency entry")
	}
	for _, c := range *bom.Compositions {
		if c.Aggregate != cdx.CompositionAggregateIncomplete {
			t.Errorf("composition of %s is %s, want incomplete", (*c.Assemblies)[0], c.Aggregate)
		}
	}
	if n := len(*bom.Compositions); n != 3 {
		t.Errorf("%d compositions, want one per function and layer", n)
	}
	nested := nestedByRef(bom)
	if got := props(nested["fnguard:function:orders"], propFnError); len(got) != 1 {
		t.Errorf("error property %v", got)
	}
	if got := props(nested["fnguard:function:ImageFunction"], propFnCodeNote); !slices.Equal(got, []string{"image: not inspected"}) {
		t.Errorf("code note %v", got)
	}
	if got := props(nested["fnguard:function:ImageFunction"], propRoleNote); !slices.Equal(got, []string{"role not in the template: permissions unknown"}) {
		t.Errorf("role note %v", got)
	}
	if _, err := Build(&lockfiles.Inventory{}, fixedOptions("")); err == nil {
		t.Error("an empty inventory without an application built an SBOM")
	}
}
