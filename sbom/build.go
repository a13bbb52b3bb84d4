// Package sbom writes an inventory as a CycloneDX SBOM and reads CycloneDX
// SBOMs (fnguard's own or third-party) back as inventory artifacts.
//
// Shape of the SBOM fnguard writes:
//
//   - One component per package URL across all artifacts. A package present
//     in a function and in one of its layers is one component carrying every
//     location and one fnguard:artifact property per artifact, so that an
//     advisory affects exactly one bom-ref. Locations are not qualified by
//     artifact: layer contents live under their own roots (python/, nodejs/,
//     java/lib/), so a location still tells where it was found.
//   - bom-refs: a package's is its purl without qualifiers or subpath, in
//     packageurl-go's normal form (see BOMRef); an artifact's is
//     "fnguard:artifact:" + its path; the synthetic root of several unrelated
//     inputs is "fnguard:root". The prefixes cannot clash with a purl.
//   - metadata.component is the function (or the single top-level input),
//     with its layers nested as components; with several top-level inputs it
//     is a synthetic application with each input nested. With
//     Options.Release it is the application itself, its functions and layers
//     nested (see application.go).
//   - dependencies[] holds an entry for every artifact and for every package
//     of an artifact whose packages carry edges; packages of artifacts
//     without edge evidence get no entry, because an empty entry would claim
//     they depend on nothing.
//   - compositions[] has one entry per artifact (per function and layer for
//     an application): aggregate "complete" when
//     the artifact is marked Complete, else "unknown" (the inventory's false
//     covers both "known partial" and "not known to be whole", so the weaker
//     claim is the honest one). Assemblies list the artifact and its
//     packages; dependencies list the same refs when edges are known.
package sbom

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/internal/identity"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
)

// Property names fnguard writes and reads back.
const (
	PropLocation     = "fnguard:location"
	PropArtifact     = "fnguard:artifact"
	PropCategory     = "fnguard:category"
	PropVersionError = "fnguard:version-error"
	PropKind         = "fnguard:kind"
	PropPath         = "fnguard:path"
	PropRuntime      = "fnguard:runtime"
	PropWarning      = "fnguard:warning"
)

const (
	artifactRefPrefix = "fnguard:artifact:"
	rootRef           = "fnguard:root"
	fallbackRefPrefix = identity.FallbackRefPrefix
)

// serialNamespace scopes reproducible serial numbers to fnguard, so equal
// content hashed by another tool does not yield the same UUID.
var serialNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/fnguard/fnguard/sbom"))

// Options tune Build.
type Options struct {
	// Name overrides metadata.component's name. Default: the first
	// artifact's Component name, else its file base name without ".zip".
	Name string
	// Version is metadata.component's version, for the application Name
	// names; "" keeps the artifact's own (a lockfile's root version).
	Version string
	// ToolVersion is fnguard's version, written in metadata.tools.
	ToolVersion string
	// Timestamp is metadata.timestamp; zero means now.
	Timestamp time.Time
	// Reproducible derives serialNumber from the content (UUID v5) instead
	// of drawing a random UUID v4.
	Reproducible bool
	// Release is the application the inventory was read from (nil for plain
	// artifacts): it becomes metadata.component, with each function and
	// layer a component whose packages sit beneath it.
	Release *release.Release
}

// wallClock dates an SBOM built without a Timestamp; tests replace it so
// none reads the real date.
var wallClock = time.Now

// BOMRef is the bom-ref Build gives the component of pkg (its identity,
// see internal/identity). Callers adding vulnerabilities use it for
// affects[].ref.
func BOMRef(pkg *lockfiles.Package) string {
	return identity.Of(pkg.Ecosystem, pkg.Name, pkg.Version, pkg.PURL).BOMRef
}

func purlKey(s string) (string, bool) { return identity.PURLKey(s) }

func derivePURL(pkg *lockfiles.Package) string {
	return identity.DerivePURL(pkg.Ecosystem, pkg.Name, pkg.Version)
}

func splitNative(eco, native string) (group, name string) { return identity.SplitNative(eco, native) }

func artifactRef(a *lockfiles.Artifact) string { return artifactRefPrefix + a.Path }

// entry is one component: every Package of the inventory sharing a bom-ref.
type entry struct {
	ref  string
	pkgs []*lockfiles.Package
	// fromEdges is set when one of the package's artifacts carries edges,
	// so its (possibly empty) dependency list is evidence.
	fromEdges bool
}

// Build turns an inventory into a CycloneDX BOM (spec 1.7 in memory; Encode
// writes older versions). Vulnerabilities may be appended afterwards, with
// affects refs from BOMRef. An inventory without artifacts is an error,
// unless opts.Release describes the application (all its code inline).
func Build(inv *lockfiles.Inventory, opts Options) (*cdx.BOM, error) {
	if opts.Release == nil && (inv == nil || len(inv.Artifacts) == 0) {
		return nil, errors.New("sbom: inventory has no artifacts")
	}
	if inv == nil {
		// An application whose functions all have inline code (or code
		// fnguard cannot read) has nothing to inventory, and is still
		// described.
		inv = &lockfiles.Inventory{}
	}
	ts := opts.Timestamp
	if ts.IsZero() {
		ts = wallClock()
	}

	arts := inv.Artifacts
	aref := make(map[*lockfiles.Artifact]string, len(arts))
	used := map[string]bool{}
	for _, a := range arts {
		r := artifactRef(a)
		for i := 2; used[r]; i++ {
			r = fmt.Sprintf("%s#%d", artifactRef(a), i)
		}
		used[r] = true
		aref[a] = r
	}

	pkgEdges := map[*lockfiles.Artifact]bool{}
	entries := map[string]*entry{}
	artRefs := map[*lockfiles.Artifact][]string{}
	for _, a := range arts {
		seen := map[string]bool{}
		for _, p := range a.Packages {
			if p != nil && len(p.DependsOn) > 0 {
				pkgEdges[a] = true
			}
		}
		for _, p := range a.Packages {
			if p == nil {
				continue
			}
			r := BOMRef(p)
			e := entries[r]
			if e == nil {
				e = &entry{ref: r}
				entries[r] = e
			}
			e.pkgs = append(e.pkgs, p)
			e.fromEdges = e.fromEdges || pkgEdges[a]
			if !seen[r] {
				seen[r] = true
				artRefs[a] = append(artRefs[a], r)
			}
		}
		sort.Strings(artRefs[a])
	}

	resolve := func(purls []string, self string) []string {
		var out []string
		for _, s := range purls {
			k, ok := purlKey(s)
			if !ok {
				k = s
			}
			if entries[k] != nil && k != self {
				out = append(out, k)
			}
		}
		return sortedUniq(out)
	}

	// Components, one per entry, with the artifacts each came from.
	refs := sortedKeys(entries)
	components := make([]cdx.Component, 0, len(refs))
	for _, r := range refs {
		components = append(components, packageComponent(entries[r], aref))
	}

	// Tree of artifacts: layers under the function they are attached to.
	byPath := map[string]*lockfiles.Artifact{}
	for _, a := range arts {
		if _, dup := byPath[a.Path]; !dup {
			byPath[a.Path] = a
		}
	}
	children := map[*lockfiles.Artifact][]*lockfiles.Artifact{}
	var top []*lockfiles.Artifact
	for _, a := range arts {
		if p := byPath[a.Parent]; a.Parent != "" && p != nil && p != a {
			children[p] = append(children[p], a)
		} else {
			top = append(top, a)
		}
	}
	g := &graph{arts: arts, aref: aref, artRefs: artRefs, pkgEdges: pkgEdges, resolve: resolve, children: children}

	var s shape
	if opts.Release != nil {
		s = g.application(opts.Release, opts)
		for i := range components {
			c := &components[i]
			if extra := s.ships[c.BOMRef]; len(extra) > 0 {
				var props []cdx.Property
				if c.Properties != nil {
					props = *c.Properties
				}
				props = uniqProps(append(props, extra...))
				c.Properties = &props
			}
		}
	} else {
		s = g.artifacts(top, opts)
	}
	root, deps, comps := s.root, s.deps, s.comps

	for _, r := range refs {
		e := entries[r]
		if !e.fromEdges {
			continue
		}
		var out []string
		for _, p := range e.pkgs {
			out = append(out, resolve(p.DependsOn, r)...)
		}
		deps = append(deps, dependency(r, sortedUniq(out)))
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Ref < deps[j].Ref })
	sort.Slice(comps, func(i, j int) bool { return (*comps[i].Assemblies)[0] < (*comps[j].Assemblies)[0] })

	bom := cdx.NewBOM()
	tool := cdx.Component{Type: cdx.ComponentTypeApplication, Name: "fnguard", Version: opts.ToolVersion}
	bom.Metadata = &cdx.Metadata{
		Timestamp: ts.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{tool}},
		Component: &root,
	}
	if ws := warningProps(inv.Warnings); len(ws) > 0 {
		bom.Metadata.Properties = &ws
	}
	bom.Components = &components
	bom.Dependencies = &deps
	bom.Compositions = &comps

	if opts.Reproducible {
		// Hash the content as written in the newest spec, serial left out:
		// equal inventories at equal timestamps get equal serials.
		data, err := json.Marshal(bom)
		if err != nil {
			return nil, fmt.Errorf("sbom: hashing content: %w", err)
		}
		bom.SerialNumber = "urn:uuid:" + uuid.NewSHA1(serialNamespace, data).String()
	} else {
		id, err := uuid.NewRandom()
		if err != nil {
			return nil, fmt.Errorf("sbom: serial number: %w", err)
		}
		bom.SerialNumber = "urn:uuid:" + id.String()
	}
	return bom, nil
}

// graphRoots are an artifact's packages nothing else in it depends on: the
// best guess at direct dependencies when the application's own manifest is
// unknown. Without edges, or when a cycle leaves no root, all packages.
func graphRoots(a *lockfiles.Artifact, refs []string, edges bool, resolve func([]string, string) []string) []string {
	if !edges {
		return refs
	}
	inArt := map[string]bool{}
	for _, r := range refs {
		inArt[r] = true
	}
	targeted := map[string]bool{}
	for _, p := range a.Packages {
		if p == nil {
			continue
		}
		for _, d := range resolve(p.DependsOn, BOMRef(p)) {
			targeted[d] = true
		}
	}
	var roots []string
	for _, r := range refs {
		if !targeted[r] {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		return refs
	}
	return roots
}

func dependency(ref string, on []string) cdx.Dependency {
	d := cdx.Dependency{Ref: ref}
	if len(on) > 0 {
		d.Dependencies = &on
	}
	return d
}

func bomRefs(refs []string) *[]cdx.BOMReference {
	out := make([]cdx.BOMReference, len(refs))
	for i, r := range refs {
		out[i] = cdx.BOMReference(r)
	}
	return &out
}

func defaultName(a *lockfiles.Artifact) string {
	if a.Component != nil && a.Component.Name != "" {
		return a.Component.Name
	}
	base := path.Base(strings.ReplaceAll(strings.TrimRight(a.Path, `/\`), `\`, "/"))
	if base == "." || base == "/" || base == "" {
		return "unnamed"
	}
	if strings.EqualFold(path.Ext(base), ".zip") {
		base = base[:len(base)-len(".zip")]
	}
	return base
}

func artifactComponent(a *lockfiles.Artifact, ref, name string) cdx.Component {
	c := cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: ref}
	if a.Kind == lockfiles.KindLayer {
		// A layer is shared code the function links against at run time.
		c.Type = cdx.ComponentTypeLibrary
	}
	if a.Component != nil {
		c.Name = a.Component.Name
		c.Version = a.Component.Version
		if _, ok := purlKey(a.Component.PURL); ok {
			c.PackageURL = a.Component.PURL
		}
		var hs []cdx.Hash
		for _, x := range a.Component.Hashes.Sorted() {
			if h, ok := validHash(x.Alg, x.Value()); ok {
				hs = append(hs, h)
			}
		}
		if len(hs) > 0 {
			c.Hashes = &hs
		}
	}
	if c.Name == "" {
		c.Name = defaultName(a)
	}
	if name != "" && name != c.Name {
		// The artifact's own purl names the application it declares; under
		// another name it would contradict the component.
		c.Name, c.PackageURL = name, ""
	}
	props := []cdx.Property{{Name: PropKind, Value: a.Kind}, {Name: PropPath, Value: a.Path}}
	if a.Runtime != "" {
		props = append(props, cdx.Property{Name: PropRuntime, Value: a.Runtime})
	}
	sortProps(props)
	c.Properties = &props
	return c
}

func packageComponent(e *entry, aref map[*lockfiles.Artifact]string) cdx.Component {
	pkgs := append([]*lockfiles.Package(nil), e.pkgs...)
	sort.SliceStable(pkgs, func(i, j int) bool {
		if pkgs[i].Artifact != pkgs[j].Artifact {
			return pkgs[i].Artifact < pkgs[j].Artifact
		}
		return pkgs[i].PURL < pkgs[j].PURL
	})
	first := pkgs[0]
	eco := ecosystem.Canonical(first.Ecosystem)
	c := cdx.Component{Type: cdx.ComponentTypeLibrary, BOMRef: e.ref}
	c.Group, c.Name = splitNative(eco, first.Name)
	var licenses []string
	var props []cdx.Property
	hashes := map[cdx.Hash]bool{}
	for _, p := range pkgs {
		if c.Version == "" {
			c.Version = p.Version
		}
		if c.PackageURL == "" {
			if _, ok := purlKey(p.PURL); ok {
				c.PackageURL = p.PURL
			}
		}
		if c.Name == "" {
			c.Group, c.Name = splitNative(eco, p.Name)
		}
		licenses = append(licenses, p.Licenses...)
		for _, x := range p.Hashes {
			if h, ok := validHash(x.Alg, x.Value()); ok {
				hashes[h] = true
			}
		}
		if p.Artifact != "" {
			props = append(props, cdx.Property{Name: PropArtifact, Value: p.Artifact})
		}
		for _, l := range p.Locations {
			props = append(props, cdx.Property{Name: PropLocation, Value: l})
		}
		for _, cat := range p.Categories {
			props = append(props, cdx.Property{Name: PropCategory, Value: cat})
		}
		if p.VersionError != "" {
			props = append(props, cdx.Property{Name: PropVersionError, Value: p.VersionError})
		}
	}
	if c.PackageURL == "" {
		if _, ok := purlKey(derivePURL(first)); ok {
			c.PackageURL = derivePURL(first)
		}
	}
	if c.Name == "" {
		// The schema requires a name; the purl is the best one left.
		c.Name = e.ref
	}
	c.Licenses = licenseChoices(licenses)
	if len(hashes) > 0 {
		hs := make([]cdx.Hash, 0, len(hashes))
		for h := range hashes {
			hs = append(hs, h)
		}
		sort.Slice(hs, func(i, j int) bool {
			if hs[i].Algorithm != hs[j].Algorithm {
				return hs[i].Algorithm < hs[j].Algorithm
			}
			return hs[i].Value < hs[j].Value
		})
		c.Hashes = &hs
	}
	props = uniqProps(props)
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

// hashLengths are the hex lengths CycloneDX accepts per algorithm; a digest
// of another length or alphabet would make the whole SBOM fail validation,
// so it is left out rather than written.
var hashLengths = map[cdx.HashAlgorithm]int{
	cdx.HashAlgoMD5: 32, cdx.HashAlgoSHA1: 40, cdx.HashAlgoSHA256: 64,
	cdx.HashAlgoSHA384: 96, cdx.HashAlgoSHA512: 128, cdx.HashAlgoSHA3_256: 64,
	cdx.HashAlgoSHA3_384: 96, cdx.HashAlgoSHA3_512: 128, cdx.HashAlgoBlake2b_256: 64,
	cdx.HashAlgoBlake2b_384: 96, cdx.HashAlgoBlake2b_512: 128, cdx.HashAlgoBlake3: 64,
}

func validHash(alg, value string) (cdx.Hash, bool) {
	squash := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "")) }
	for a, n := range hashLengths {
		if squash(string(a)) != squash(alg) {
			continue
		}
		v := strings.ToLower(strings.TrimSpace(value))
		if len(v) != n || strings.Trim(v, "0123456789abcdef") != "" {
			return cdx.Hash{}, false
		}
		return cdx.Hash{Algorithm: a, Value: v}, true
	}
	return cdx.Hash{}, false
}

func warningProps(ws []lockfiles.Warning) []cdx.Property {
	var out []cdx.Property
	for _, w := range ws {
		var parts []string
		for _, s := range []string{w.Artifact, w.Location, w.Message} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) > 0 {
			out = append(out, cdx.Property{Name: PropWarning, Value: strings.Join(parts, ": ")})
		}
	}
	return uniqProps(out)
}

func sortProps(ps []cdx.Property) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Value < ps[j].Value
	})
}

func uniqProps(ps []cdx.Property) []cdx.Property {
	sortProps(ps)
	out := ps[:0]
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return out
}

func sortedUniq(ss []string) []string {
	sort.Strings(ss)
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// artifacts lays plain inputs out as metadata.component: the single
// top-level artifact with its layers nested, or a synthetic application
// holding several.
func (g *graph) artifacts(top []*lockfiles.Artifact, opts Options) shape {
	var s shape
	name := opts.Name
	if name == "" {
		name = defaultName(g.arts[0])
	}
	if len(top) == 1 {
		s.root = g.nest(top[0], name)
	} else {
		s.root = cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: rootRef, Name: name}
		nested := make([]cdx.Component, 0, len(top))
		var topRefs []string
		for _, a := range top {
			nested = append(nested, g.nest(a, ""))
			topRefs = append(topRefs, g.aref[a])
		}
		sort.Slice(nested, func(i, j int) bool { return nested[i].BOMRef < nested[j].BOMRef })
		s.root.Components = &nested
		s.deps = append(s.deps, dependency(rootRef, sortedUniq(topRefs)))
	}
	if opts.Version != "" && opts.Version != s.root.Version {
		s.root.Version, s.root.PackageURL = opts.Version, ""
	}

	// Artifact nodes: declared direct deps, else the roots of the package
	// graph, else (no edges at all) every package; plus attached layers.
	for _, a := range g.arts {
		direct := g.direct(a)
		for _, k := range g.children[a] {
			direct = append(direct, g.aref[k])
		}
		s.deps = append(s.deps, dependency(g.aref[a], sortedUniq(direct)))
	}
	for _, a := range g.arts {
		s.comps = append(s.comps, g.artifactComposition(a, g.aref[a]))
	}
	return s
}
