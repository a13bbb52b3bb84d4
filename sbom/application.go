package sbom

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
)

// Shape of an application's SBOM (Options.Release set):
//
//   - metadata.component is the application (type application, bom-ref
//     ApplicationRef), its functions and layers nested beneath it.
//   - A function is a component of type "application": CycloneDX has no
//     function type up to 1.7 (the enum is application, framework, library,
//     container, platform, operating-system, device, device-driver,
//     firmware, file, machine-learning-model, data, cryptographic-asset),
//     and "application" is what the spec calls a deployable unit of software.
//     A local layer is a "library", as in an artifact's SBOM: code functions
//     link against at run time. Their bom-refs are "fnguard:function:<id>"
//     and "fnguard:layer:<id>".
//   - An external layer (an ARN fnguard did not read) is a property of each
//     function using it, not a component: a component without contents
//     reads as "inventoried, nothing found" to every consumer that matches
//     components against advisories. The function's composition says
//     "incomplete" instead, which is the truth.
//   - dependencies: application -> functions (and layers no function uses);
//     function -> the direct packages of its own code (the root package's
//     declared dependencies, else the packages nothing in the code depends
//     on, else all of them) and -> its local layers; layer -> its direct
//     packages; packages as in an artifact's SBOM. A function whose code was
//     not inventoried and which uses no local layer gets no entry, because
//     an empty one would claim it depends on nothing.
//   - Packages stay one component per purl across the whole application,
//     with fnguard:function and fnguard:layer properties naming who ships
//     them.
//   - compositions: one per function and per layer, its packages as
//     assemblies; "complete" when its code's inventory is, "unknown" when
//     not known to be whole, "incomplete" when code or an external layer
//     was not read.

// ApplicationRef is the bom-ref of metadata.component in an application's
// SBOM.
const ApplicationRef = "fnguard:application"

// Properties of an application's SBOM. PropFunction and PropLayer sit on
// package components; the others on the application, function and layer
// components. A function's role summary uses the "fnguard:role:" names.
const (
	PropFunction = "fnguard:function"
	PropLayer    = "fnguard:layer"

	propAppKind       = "fnguard:application:kind"
	propAppEntry      = "fnguard:application:entry"
	propAppStack      = "fnguard:application:stack"
	propAppNote       = "fnguard:application:note"
	propAppUnusedRole = "fnguard:application:unused-role"

	propFnID            = "fnguard:function:id"
	propFnKey           = "fnguard:function:key"
	propFnName          = "fnguard:function:name"
	propFnRuntime       = "fnguard:function:runtime"
	propFnArchitecture  = "fnguard:function:architecture"
	propFnHandler       = "fnguard:function:handler"
	propFnPackageType   = "fnguard:function:package-type"
	propFnCondition     = "fnguard:function:condition"
	propFnCodeType      = "fnguard:function:code-type"
	propFnCodePath      = "fnguard:function:code-path"
	propFnCodeNote      = "fnguard:function:code-note"
	propFnExternalLayer = "fnguard:function:external-layer"
	propFnSource        = "fnguard:function:source"
	propFnNote          = "fnguard:function:note"
	propFnError         = "fnguard:function:error"

	propLayerID       = "fnguard:layer:id"
	propLayerName     = "fnguard:layer:name"
	propLayerRuntime  = "fnguard:layer:compatible-runtime"
	propLayerCodeType = "fnguard:layer:code-type"
	propLayerCodePath = "fnguard:layer:code-path"
	propLayerCodeNote = "fnguard:layer:code-note"
	propLayerSource   = "fnguard:layer:source"
	propLayerError    = "fnguard:layer:error"

	propRoleID             = "fnguard:role:id"
	propRoleARN            = "fnguard:role:arn"
	propRoleGenerated      = "fnguard:role:generated"
	propRoleManagedPolicy  = "fnguard:role:managed-policy"
	propRoleStatements     = "fnguard:role:statements"
	propRoleFindings       = "fnguard:role:findings"
	propRoleFindingPrefix  = "fnguard:role:finding:"
	propRoleSource         = "fnguard:role:source"
	propRoleNote           = "fnguard:role:note"
	propRoleRef            = "fnguard:role:ref"
	functionRefPrefix      = "fnguard:function:"
	layerRefPrefix         = "fnguard:layer:"
	roleUnknownDefaultNote = "execution role unknown: permissions not evaluated"
)

// graph is what Build knows about the inventory's packages, shared by the
// artifact and application shapes.
type graph struct {
	arts     []*lockfiles.Artifact
	aref     map[*lockfiles.Artifact]string
	artRefs  map[*lockfiles.Artifact][]string
	pkgEdges map[*lockfiles.Artifact]bool
	resolve  func(purls []string, self string) []string
	children map[*lockfiles.Artifact][]*lockfiles.Artifact
}

// direct is an artifact's best-known direct dependencies: its root
// package's declared ones, else the roots of its package graph, else all
// its packages. The result is a fresh slice the caller may extend.
func (g *graph) direct(a *lockfiles.Artifact) []string {
	var d []string
	if a.Component != nil {
		d = g.resolve(a.Component.DependsOn, "")
	}
	if len(d) == 0 {
		d = graphRoots(a, g.artRefs[a], g.pkgEdges[a], g.resolve)
	}
	return append([]string(nil), d...)
}

// nest is an artifact's component with the artifacts attached to it nested
// beneath.
func (g *graph) nest(a *lockfiles.Artifact, name string) cdx.Component {
	c := artifactComponent(a, g.aref[a], name)
	kids := g.children[a]
	if len(kids) > 0 {
		nested := make([]cdx.Component, 0, len(kids))
		for _, k := range kids {
			nested = append(nested, g.nest(k, ""))
		}
		sort.Slice(nested, func(i, j int) bool { return nested[i].BOMRef < nested[j].BOMRef })
		c.Components = &nested
	}
	return c
}

// artifactComposition is an artifact's composition entry (see the package
// comment): the artifact and its packages under one aggregate.
func (g *graph) artifactComposition(a *lockfiles.Artifact, self string) cdx.Composition {
	agg := cdx.CompositionAggregateUnknown
	if a.Complete {
		agg = cdx.CompositionAggregateComplete
	}
	parts := append([]string{self}, g.artRefs[a]...)
	c := cdx.Composition{Aggregate: agg, Assemblies: bomRefs(parts)}
	if g.pkgEdges[a] {
		c.Dependencies = bomRefs(parts)
	}
	return c
}

// shape is metadata.component with the graph and compositions of the
// non-package nodes.
type shape struct {
	root  cdx.Component
	deps  []cdx.Dependency
	comps []cdx.Composition
	// ships maps a package bom-ref to the properties naming the functions
	// and layers that ship it.
	ships map[string][]cdx.Property
}

// application lays the release out as metadata.component (see the shape
// comment at the top of this file).
func (g *graph) application(rel *release.Release, opts Options) shape {
	var s shape
	s.ships = map[string][]cdx.Property{}
	byPath := map[string]*lockfiles.Artifact{}
	for _, a := range g.arts {
		if _, dup := byPath[a.Path]; !dup && a.Path != "" {
			byPath[a.Path] = a
		}
	}
	claimed := map[*lockfiles.Artifact]bool{}
	used := map[string]bool{ApplicationRef: true}
	uniqueRef := func(r string) string {
		out := r
		for i := 2; used[out]; i++ {
			out = fmt.Sprintf("%s#%d", r, i)
		}
		used[out] = true
		return out
	}
	for _, a := range g.arts {
		used[g.aref[a]] = true
	}

	var nested []cdx.Component
	var appDeps []string

	layerRef := map[*release.Layer]string{}
	var layerComps []cdx.Component
	for _, l := range rel.Layers {
		ref := uniqueRef(layerRefPrefix + l.ID)
		layerRef[l] = ref
		art := byPath[l.Artifact]
		c := layerComponent(l, ref, art)
		layerComps = append(layerComps, c)
		if art != nil {
			claimed[art] = true
			s.deps = append(s.deps, dependency(ref, sortedUniq(g.direct(art))))
			s.comps = append(s.comps, g.artifactComposition(art, ref))
			for _, r := range g.artRefs[art] {
				s.ships[r] = append(s.ships[r], cdx.Property{Name: PropLayer, Value: l.ID})
			}
		} else {
			// Not read (S3, unreachable, failed): known to be missing.
			s.comps = append(s.comps, cdx.Composition{Aggregate: cdx.CompositionAggregateIncomplete, Assemblies: bomRefs([]string{ref}), Dependencies: bomRefs([]string{ref})})
		}
	}

	usedLayers := map[*release.Layer]bool{}
	for _, f := range rel.Functions {
		ref := uniqueRef(functionRefPrefix + f.ID)
		appDeps = append(appDeps, ref)
		art := byPath[f.Artifact]
		nested = append(nested, functionComponent(f, ref, art))

		var on []string
		if art != nil {
			claimed[art] = true
			on = g.direct(art)
		}
		for _, l := range f.LocalLayers {
			usedLayers[l] = true
			if r, ok := layerRef[l]; ok {
				on = append(on, r)
			}
		}
		if art != nil || len(on) > 0 || f.Code.Type == app.CodeInline && f.Error == "" {
			s.deps = append(s.deps, dependency(ref, sortedUniq(on)))
		}

		switch {
		case art != nil && len(f.ExternalLayers) == 0:
			s.comps = append(s.comps, g.artifactComposition(art, ref))
		case inlineOnly(f):
			// Inline code is one source file in the template: nothing
			// else ships with it, so there is nothing left unread.
			s.comps = append(s.comps, cdx.Composition{Aggregate: cdx.CompositionAggregateComplete, Assemblies: bomRefs([]string{ref})})
		default:
			parts := []string{ref}
			if art != nil {
				parts = append(parts, g.artRefs[art]...)
			}
			// What was not read may hold packages and edges alike.
			s.comps = append(s.comps, cdx.Composition{Aggregate: cdx.CompositionAggregateIncomplete, Assemblies: bomRefs(parts), Dependencies: bomRefs(parts)})
		}

		seen := map[string]bool{}
		for _, p := range f.Artifacts() {
			if a := byPath[p]; a != nil {
				for _, r := range g.artRefs[a] {
					if !seen[r] {
						seen[r] = true
						s.ships[r] = append(s.ships[r], cdx.Property{Name: PropFunction, Value: f.ID})
					}
				}
			}
		}
	}
	for i, l := range rel.Layers {
		nested = append(nested, layerComps[i])
		if !usedLayers[l] {
			appDeps = append(appDeps, layerRef[l])
		}
	}

	// Artifacts the release does not account for (inputs given beside the
	// application) keep their artifact shape under the application, nested
	// under their parent when it is one of them too.
	sg := *g
	sg.children = map[*lockfiles.Artifact][]*lockfiles.Artifact{}
	for p, ks := range g.children {
		for _, k := range ks {
			if !claimed[p] && !claimed[k] {
				sg.children[p] = append(sg.children[p], k)
			}
		}
	}
	for _, a := range g.arts {
		if claimed[a] {
			continue
		}
		if p := byPath[a.Parent]; a.Parent != "" && p != nil && p != a && !claimed[p] {
			continue
		}
		nested = append(nested, sg.nest(a, ""))
		appDeps = append(appDeps, g.aref[a])
	}
	for _, a := range g.arts {
		if claimed[a] {
			continue
		}
		on := g.direct(a)
		for _, k := range sg.children[a] {
			on = append(on, g.aref[k])
		}
		s.deps = append(s.deps, dependency(g.aref[a], sortedUniq(on)))
		s.comps = append(s.comps, g.artifactComposition(a, g.aref[a]))
	}
	s.deps = append(s.deps, dependency(ApplicationRef, sortedUniq(appDeps)))

	s.root = applicationComponent(rel.App, opts)
	if len(nested) > 0 {
		s.root.Components = &nested
	}
	return s
}

func inlineOnly(f *release.Function) bool {
	if f.Code.Type != app.CodeInline || f.Error != "" || len(f.ExternalLayers) > 0 {
		return false
	}
	for _, l := range f.LocalLayers {
		if l.Artifact == "" {
			return false
		}
	}
	return true
}

// applicationComponent is metadata.component for the application.
func applicationComponent(a *app.Application, opts Options) cdx.Component {
	name, stacks := applicationName(a)
	if opts.Name != "" {
		name = opts.Name
	}
	c := cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: ApplicationRef, Name: name, Version: opts.Version}
	var props []cdx.Property
	add := func(n, v string) {
		if v != "" {
			props = append(props, cdx.Property{Name: n, Value: v})
		}
	}
	if a != nil {
		add(propAppKind, a.Kind)
		add(propAppEntry, filepath.ToSlash(a.Entry))
		for _, s := range stacks {
			add(propAppStack, s)
		}
		for _, n := range a.Notes {
			add(propAppNote, n)
		}
		for _, r := range a.UnusedRoles {
			add(propAppUnusedRole, r)
		}
	}
	props = uniqProps(props)
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

// applicationName names an application from its definition: the CDK
// stack(s) whose templates define its functions, the Serverless service's
// stack (<service>-<stage>, from the functions' generated names), a
// deployed function's name or the regions read, else the folder holding
// the definition. stacks lists the CDK stacks.
func applicationName(a *app.Application) (name string, stacks []string) {
	if a == nil {
		return "application", nil
	}
	switch a.Kind {
	case app.KindCDK:
		seen := map[string]bool{}
		files := []string{}
		for _, f := range a.Functions {
			files = append(files, f.File)
		}
		for _, l := range a.Layers {
			files = append(files, l.File)
		}
		for _, f := range files {
			base := path.Base(filepath.ToSlash(f))
			st, ok := strings.CutSuffix(base, ".template.json")
			// Nested stacks are parts of their parent's deployment.
			if !ok || st == "" || strings.HasSuffix(st, ".nested") || seen[st] {
				continue
			}
			seen[st] = true
			stacks = append(stacks, st)
		}
		sort.Strings(stacks)
		if len(stacks) > 0 {
			return strings.Join(stacks, "+"), stacks
		}
	case app.KindServerless:
		if s := serverlessStack(a); s != "" {
			return s, nil
		}
	case app.KindDeployed:
		// Root is fnguard's cache: the targets are the only name there is.
		if len(a.Functions) == 1 {
			f := a.Functions[0]
			if f.Name != "" {
				return f.Name, nil
			}
			return f.ID, nil
		}
		if a.Entry != "" {
			return a.Entry, nil
		}
		return "application", nil
	}
	dir := a.Root
	if a.Entry != "" {
		dir = filepath.Join(a.Root, filepath.Dir(a.Entry))
		if a.Kind == app.KindServerless && strings.HasPrefix(filepath.ToSlash(a.Entry), ".serverless/") {
			dir = a.Root
		}
	}
	if abs, err := filepath.Abs(dir); err == nil && dir != "" {
		dir = abs
	}
	if b := filepath.Base(dir); dir != "" && b != "." && b != string(filepath.Separator) {
		return b, nil
	}
	return "application", nil
}

// serverlessStack is "<service>-<stage>" when every function with a key has
// the generated name "<service>-<stage>-<key>" with the same prefix.
func serverlessStack(a *app.Application) string {
	stack := ""
	for _, f := range a.Functions {
		if f.Key == "" || strings.Contains(f.Name, "${") {
			continue
		}
		p, ok := strings.CutSuffix(f.Name, "-"+f.Key)
		if !ok || p == "" || (stack != "" && p != stack) {
			return ""
		}
		stack = p
	}
	return stack
}

// functionComponent is one function with its definition and role summary
// as properties.
func functionComponent(f *release.Function, ref string, art *lockfiles.Artifact) cdx.Component {
	c := cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: ref, Name: f.Label()}
	var props []cdx.Property
	add := func(n, v string) {
		if v != "" {
			props = append(props, cdx.Property{Name: n, Value: v})
		}
	}
	add(propFnID, f.ID)
	add(propFnKey, f.Key)
	add(propFnName, f.Name)
	add(propFnRuntime, f.Runtime)
	add(propFnArchitecture, f.Architecture)
	add(propFnHandler, f.Handler)
	add(propFnPackageType, f.PackageType)
	add(propFnCondition, f.Condition)
	add(propFnCodeType, f.Code.Type)
	add(propFnCodePath, filepath.ToSlash(f.Code.Path))
	add(propFnCodeNote, f.Code.Note)
	add(PropArtifact, f.Artifact)
	for _, l := range f.ExternalLayers {
		add(propFnExternalLayer, l)
	}
	add(propFnSource, source(f.File, f.Line))
	for _, n := range f.Notes {
		add(propFnNote, n)
	}
	add(propFnError, f.Error)
	props = append(props, roleProperties(f)...)
	props = uniqProps(props)
	c.Properties = &props
	if art != nil {
		c.Hashes = componentHashes(art)
	}
	return c
}

// roleProperties summarise a function's execution role; the full
// statements are in the JSON report.
func roleProperties(f *release.Function) []cdx.Property {
	var props []cdx.Property
	add := func(n, v string) {
		if v != "" {
			props = append(props, cdx.Property{Name: n, Value: v})
		}
	}
	r := f.Role
	if r == nil {
		note := f.RoleNote
		if note == "" {
			note = roleUnknownDefaultNote
		}
		add(propRoleNote, note)
		add(propRoleRef, f.RoleRef)
		return props
	}
	add(propRoleID, r.ID)
	if r.ARN != nil {
		add(propRoleARN, *r.ARN)
	}
	add(propRoleGenerated, strconv.FormatBool(r.Generated))
	for _, p := range r.ManagedPolicies {
		add(propRoleManagedPolicy, p)
	}
	add(propRoleStatements, strconv.Itoa(len(r.Statements)))
	add(propRoleFindings, strconv.Itoa(len(r.Findings)))
	byRule := map[string]int{}
	for _, fd := range r.Findings {
		byRule[fd.Rule]++
	}
	for _, rule := range sortedKeys(byRule) {
		add(propRoleFindingPrefix+rule, strconv.Itoa(byRule[rule]))
	}
	add(propRoleSource, source(r.File, r.Line))
	add(propRoleRef, f.RoleRef)
	return props
}

// layerComponent is one local layer.
func layerComponent(l *release.Layer, ref string, art *lockfiles.Artifact) cdx.Component {
	name := l.Name
	if name == "" || strings.Contains(name, "${") {
		name = l.ID
	}
	c := cdx.Component{Type: cdx.ComponentTypeLibrary, BOMRef: ref, Name: name}
	var props []cdx.Property
	add := func(n, v string) {
		if v != "" {
			props = append(props, cdx.Property{Name: n, Value: v})
		}
	}
	add(propLayerID, l.ID)
	add(propLayerName, l.Name)
	for _, rt := range l.CompatibleRuntimes {
		add(propLayerRuntime, rt)
	}
	add(propLayerCodeType, l.Code.Type)
	add(propLayerCodePath, filepath.ToSlash(l.Code.Path))
	add(propLayerCodeNote, l.Code.Note)
	add(PropArtifact, l.Artifact)
	add(propLayerSource, source(l.File, l.Line))
	add(propLayerError, l.Error)
	props = uniqProps(props)
	c.Properties = &props
	if art != nil {
		c.Hashes = componentHashes(art)
	}
	return c
}

func componentHashes(a *lockfiles.Artifact) *[]cdx.Hash {
	if a.Component == nil {
		return nil
	}
	var hs []cdx.Hash
	for _, x := range a.Component.Hashes.Sorted() {
		if h, ok := validHash(x.Alg, x.Value()); ok {
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		return nil
	}
	return &hs
}

func source(file string, line int) string {
	if file == "" {
		return ""
	}
	file = filepath.ToSlash(file)
	if line > 0 {
		return file + ":" + strconv.Itoa(line)
	}
	return file
}
