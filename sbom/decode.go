package sbom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	packageurl "github.com/package-url/packageurl-go"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/internal/jsonpos"
	"github.com/fnguard/fnguard/lockfiles"
)

// DecodeInfo is what Decode learnt beyond the artifact itself.
type DecodeInfo struct {
	Format      string // "json" or "xml"
	SpecVersion string // "1.6", ... ("" when the document does not say)
	Components  int    // components in bom.components, nested ones included
	// Skipped names the components that became no package (no purl of a
	// known ecosystem and none derivable), as name@version or bom-ref.
	Skipped []string
	// Warnings are meant for Inventory.Warnings; Artifact has no field for
	// them, which is why Decode alone drops them.
	Warnings []lockfiles.Warning
}

// Decode reads a CycloneDX SBOM (JSON or XML, told apart by content) as an
// artifact of kind KindSBOM; see DecodeWithInfo. Components that yield no
// package are skipped silently here: callers that surface warnings should
// use DecodeWithInfo.
func Decode(data []byte, path string) (*lockfiles.Artifact, error) {
	a, _, err := DecodeWithInfo(data, path)
	return a, err
}

// DecodeWithInfo reads a CycloneDX SBOM as an artifact of kind KindSBOM:
//
//   - every component in bom.components, nested ones included, becomes a
//     Package when it has a purl of an ecosystem fnguard knows, or a syft
//     package type naming one (then the purl is derived); components sharing
//     a purl (qualifiers ignored) are one Package;
//   - metadata.component becomes Artifact.Component; its DependsOn are the
//     packages reached from it in dependencies[], passing through
//     non-package nodes (the artifact components fnguard nests there);
//   - dependencies[] between package components become DependsOn purls;
//     edges to anything that is not a package are dropped;
//   - locations come from fnguard:location, evidence.occurrences, syft's
//     syft:location:N:path and cdxgen's SrcFile properties;
//   - Complete is true only when the compositions say everything described
//     is complete: some composition with aggregate "complete" covers every
//     package (its own bom-ref, an enclosing component's, or
//     metadata.component's), and no composition with another aggregate
//     names any of them. No compositions, or any doubt, means false.
func DecodeWithInfo(data []byte, path string) (*lockfiles.Artifact, *DecodeInfo, error) {
	bom, info, err := parse(data, path)
	if err != nil {
		return nil, nil, err
	}
	d := decoder{
		path:   path,
		info:   info,
		byKey:  map[string]*lockfiles.Package{},
		refPkg: map[string]*lockfiles.Package{},
		parent: map[string]string{},
	}
	if bom.Components != nil {
		for i := range *bom.Components {
			d.walk(&(*bom.Components)[i], "")
		}
	}

	art := &lockfiles.Artifact{Path: path, Kind: lockfiles.KindSBOM}
	rootRef := ""
	metaRefs := map[string]bool{}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		mc := bom.Metadata.Component
		rootRef = mc.BOMRef
		collectRefs(mc, metaRefs)
		art.Component = &lockfiles.Component{
			Name:    joinNative(ecoOfPURL(mc.PackageURL), mc.Group, mc.Name),
			Version: mc.Version,
			PURL:    mc.PackageURL,
		}
		art.Runtime = propValue(mc.Properties, PropRuntime)
	}

	edges := map[string][]string{}
	if bom.Dependencies != nil {
		for _, dep := range *bom.Dependencies {
			if dep.Dependencies != nil {
				edges[dep.Ref] = append(edges[dep.Ref], *dep.Dependencies...)
			}
		}
	}
	for ref, on := range edges {
		p := d.refPkg[ref]
		if p == nil {
			continue
		}
		for _, r := range on {
			if q := d.refPkg[r]; q != nil && q != p {
				p.DependsOn = append(p.DependsOn, q.PURL)
			}
		}
	}
	if art.Component != nil && rootRef != "" {
		art.Component.DependsOn = d.reach(rootRef, edges, metaRefs)
	}

	for _, k := range sortedKeys(d.byKey) {
		p := d.byKey[k]
		p.Locations = sortedUniq(p.Locations)
		p.Categories = sortedUniq(p.Categories)
		p.Licenses = sortedUniq(p.Licenses)
		p.DependsOn = sortedUniq(p.DependsOn)
		art.Packages = append(art.Packages, p)
	}
	if art.Runtime == "" {
		art.Runtime = runtimeOf(art.Packages)
	}
	art.Complete = d.complete(bom, rootRef, metaRefs)

	if n := len(info.Skipped); n > 0 {
		names := info.Skipped
		if len(names) > 5 {
			names = append(names[:5:5], "...")
		}
		info.Warnings = append(info.Warnings, lockfiles.Warning{
			Artifact: path,
			Message: fmt.Sprintf("%d of %d components skipped: no purl of a known ecosystem (%s)",
				n, info.Components, strings.Join(names, ", ")),
		})
	}
	return art, info, nil
}

type decoder struct {
	path   string
	info   *DecodeInfo
	byKey  map[string]*lockfiles.Package // purl key -> package
	refPkg map[string]*lockfiles.Package // bom-ref -> package
	parent map[string]string             // bom-ref -> enclosing component's bom-ref
	// pkgAnc holds, per component that became a package, its bom-ref ("" if
	// none) followed by its enclosing components' refs: what a composition
	// may name to cover it.
	pkgAnc [][]string
}

func (d *decoder) walk(c *cdx.Component, parentRef string) {
	d.info.Components++
	if c.BOMRef != "" && parentRef != "" {
		d.parent[c.BOMRef] = parentRef
	}
	if p, key := d.toPackage(c); p != nil {
		if have := d.byKey[key]; have != nil {
			mergeInto(have, p)
			p = have
		} else {
			d.byKey[key] = p
		}
		if c.BOMRef != "" {
			d.refPkg[c.BOMRef] = p
		}
		anc := []string{c.BOMRef}
		for r := parentRef; r != ""; r = d.parent[r] {
			anc = append(anc, r)
			if len(anc) > len(d.parent)+1 {
				break // a reused bom-ref made a loop
			}
		}
		d.pkgAnc = append(d.pkgAnc, anc)
	} else {
		d.info.Skipped = append(d.info.Skipped, componentLabel(c))
	}
	ref := c.BOMRef
	if ref == "" {
		ref = parentRef
	}
	if c.Components != nil {
		for i := range *c.Components {
			d.walk(&(*c.Components)[i], ref)
		}
	}
}

func componentLabel(c *cdx.Component) string {
	switch {
	case c.Name != "" && c.Version != "":
		return c.Name + "@" + c.Version
	case c.Name != "":
		return c.Name
	case c.BOMRef != "":
		return c.BOMRef
	}
	return "(unnamed)"
}

// syftTypes maps syft's syft:package:type to ecosystems, for components
// syft wrote without a purl.
var syftTypes = map[string]string{
	"npm": ecosystem.NPM, "python": ecosystem.PyPI, "java-archive": ecosystem.Maven,
	"go-module": ecosystem.Go, "gem": ecosystem.RubyGems, "dotnet": ecosystem.NuGet,
	"php-composer": ecosystem.Packagist, "rust-crate": ecosystem.CratesIO,
}

func (d *decoder) toPackage(c *cdx.Component) (*lockfiles.Package, string) {
	p := &lockfiles.Package{Artifact: d.path}
	native := ""
	if c.PackageURL != "" {
		pu, err := packageurl.FromString(c.PackageURL)
		if err != nil {
			return nil, ""
		}
		p.Ecosystem = ecosystem.FromPURLType(pu.Type)
		if p.Ecosystem == "" || pu.Name == "" {
			return nil, ""
		}
		p.Version = pu.Version
		fromPURL := nameFromPURL(p.Ecosystem, pu)
		native = joinNative(p.Ecosystem, c.Group, c.Name)
		// The purl may have been case-folded; keep the component's spelling
		// when it names the same package.
		if !strings.EqualFold(ecosystem.NormalizeName(p.Ecosystem, native), ecosystem.NormalizeName(p.Ecosystem, fromPURL)) {
			native = fromPURL
		}
		p.PURL = c.PackageURL
		if len(pu.Qualifiers) > 0 || pu.Subpath != "" {
			p.PURL, _ = purlKey(c.PackageURL)
		}
	} else {
		p.Ecosystem = syftTypes[propValue(c.Properties, "syft:package:type")]
		native = joinNative(p.Ecosystem, c.Group, c.Name)
		if p.Ecosystem == "" || native == "" {
			return nil, ""
		}
		if p.Ecosystem == ecosystem.Maven && !strings.Contains(native, ":") {
			return nil, "" // an artifactId alone does not name a Maven package
		}
	}
	if p.Version == "" {
		p.Version = c.Version
	}
	p.Name = native
	if p.PURL == "" {
		p.PURL = derivePURL(p)
	}
	key, ok := purlKey(p.PURL)
	if !ok {
		return nil, ""
	}
	p.Licenses = licenseStrings(c.Licenses)
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			p.Hashes = p.Hashes.With(string(h.Algorithm), h.Value)
		}
	}
	var verrs []string
	if c.Properties != nil {
		for _, pr := range *c.Properties {
			switch {
			case pr.Name == PropLocation, pr.Name == "SrcFile",
				strings.HasPrefix(pr.Name, "syft:location:") && strings.HasSuffix(pr.Name, ":path"):
				p.Locations = append(p.Locations, pr.Value)
			case pr.Name == PropCategory:
				p.Categories = append(p.Categories, pr.Value)
			case pr.Name == PropVersionError:
				verrs = append(verrs, pr.Value)
			}
		}
	}
	p.VersionError = strings.Join(sortedUniq(verrs), "; ")
	if c.Evidence != nil && c.Evidence.Occurrences != nil {
		for _, o := range *c.Evidence.Occurrences {
			if o.Location != "" {
				p.Locations = append(p.Locations, o.Location)
			}
		}
	}
	return p, key
}

func mergeInto(dst, src *lockfiles.Package) {
	dst.Locations = append(dst.Locations, src.Locations...)
	dst.Categories = append(dst.Categories, src.Categories...)
	dst.Licenses = append(dst.Licenses, src.Licenses...)
	for _, x := range src.Hashes {
		dst.Hashes = dst.Hashes.WithHash(x)
	}
	if dst.VersionError == "" {
		dst.VersionError = src.VersionError
	}
}

// nameFromPURL is the ecosystem-native name a purl spells.
func nameFromPURL(eco string, pu packageurl.PackageURL) string {
	if pu.Namespace == "" {
		return pu.Name
	}
	if eco == ecosystem.Maven {
		return pu.Namespace + ":" + pu.Name
	}
	return pu.Namespace + "/" + pu.Name
}

// joinNative is the inverse of splitNative.
func joinNative(eco, group, name string) string {
	if group == "" || name == "" {
		return name
	}
	switch eco {
	case ecosystem.Maven:
		return group + ":" + name
	case ecosystem.NPM:
		if !strings.HasPrefix(group, "@") {
			group = "@" + group
		}
		return group + "/" + name
	case ecosystem.Go, ecosystem.Packagist:
		return group + "/" + name
	}
	return name
}

func ecoOfPURL(s string) string {
	pu, err := packageurl.FromString(s)
	if err != nil {
		return ""
	}
	return ecosystem.FromPURLType(pu.Type)
}

func propValue(ps *[]cdx.Property, name string) string {
	if ps == nil {
		return ""
	}
	for _, p := range *ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func collectRefs(c *cdx.Component, into map[string]bool) {
	if c.BOMRef != "" {
		into[c.BOMRef] = true
	}
	if c.Components != nil {
		for i := range *c.Components {
			collectRefs(&(*c.Components)[i], into)
		}
	}
}

// reach lists the purls of the packages the root depends on, looking through
// the nodes of metadata.component's tree (function -> layer -> packages).
func (d *decoder) reach(root string, edges map[string][]string, through map[string]bool) []string {
	var out []string
	seen := map[string]bool{root: true}
	queue := []string{root}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		for _, r := range edges[ref] {
			if seen[r] {
				continue
			}
			seen[r] = true
			if p := d.refPkg[r]; p != nil {
				out = append(out, p.PURL)
			} else if through[r] {
				queue = append(queue, r)
			}
		}
	}
	return sortedUniq(out)
}

func (d *decoder) complete(bom *cdx.BOM, rootRef string, metaRefs map[string]bool) bool {
	if bom.Compositions == nil {
		return false
	}
	described := map[string]bool{}
	for r := range metaRefs {
		described[r] = true
	}
	for _, anc := range d.pkgAnc {
		for _, r := range anc {
			if r != "" {
				described[r] = true
			}
		}
	}
	covered := map[string]bool{}
	for _, c := range *bom.Compositions {
		if c.Assemblies == nil {
			continue
		}
		for _, r := range *c.Assemblies {
			if c.Aggregate == cdx.CompositionAggregateComplete {
				covered[string(r)] = true
			} else if described[string(r)] {
				return false
			}
		}
	}
	rootCovered := rootRef != "" && covered[rootRef]
	if len(d.pkgAnc) == 0 {
		return rootCovered
	}
	for _, anc := range d.pkgAnc {
		ok := rootCovered
		for _, r := range anc {
			ok = ok || (r != "" && covered[r])
		}
		if !ok {
			return false
		}
	}
	return true
}

var runtimes = map[string]string{
	ecosystem.NPM: "nodejs", ecosystem.PyPI: "python", ecosystem.Maven: "java",
	ecosystem.Go: "go", ecosystem.RubyGems: "ruby", ecosystem.NuGet: "dotnet",
}

// runtimeOf guesses the runtime when the SBOM does not state it: only when
// all packages belong to one ecosystem that maps to a Lambda runtime.
func runtimeOf(pkgs []*lockfiles.Package) string {
	rt := ""
	for _, p := range pkgs {
		r := runtimes[p.Ecosystem]
		if r == "" || (rt != "" && r != rt) {
			return ""
		}
		rt = r
	}
	return rt
}

// parse decodes the document, with errors that name the file and, where the
// decoder knows it, the line and column.
func parse(data []byte, path string) (*cdx.BOM, *DecodeInfo, error) {
	format, ok := Sniff(data)
	if !ok {
		trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
		switch {
		case len(trimmed) > 0 && trimmed[0] == '{':
			format = "json"
		case len(trimmed) > 0 && trimmed[0] == '<':
			format = "xml"
		default:
			return nil, nil, fmt.Errorf("sbom: %s: not a CycloneDX document (neither JSON nor XML)", path)
		}
	}
	bom := new(cdx.BOM)
	info := &DecodeInfo{Format: format}
	switch format {
	case "json":
		body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if err := json.Unmarshal(body, bom); err != nil {
			return nil, nil, jsonError(path, body, err)
		}
		if bom.BOMFormat != cdx.BOMFormat {
			return nil, nil, fmt.Errorf("sbom: %s: not a CycloneDX document: bomFormat is %q, want %q", path, bom.BOMFormat, cdx.BOMFormat)
		}
		if bom.SpecVersion > 0 {
			info.SpecVersion = bom.SpecVersion.String()
		}
	case "xml":
		dec := xml.NewDecoder(bytes.NewReader(data))
		xmlErr := func(err error) error {
			line, col := dec.InputPos()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line, col = se.Line, 0
			}
			return posError(path, "XML", line, col, err)
		}
		var start xml.StartElement
		for {
			tok, err := dec.Token()
			if err != nil {
				return nil, nil, xmlErr(err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				start = se
				break
			}
		}
		v, ok := strings.CutPrefix(start.Name.Space, "http://cyclonedx.org/schema/bom/")
		if !ok || start.Name.Local != "bom" {
			return nil, nil, fmt.Errorf("sbom: %s: not a CycloneDX document: root element <%s> in namespace %q", path, start.Name.Local, start.Name.Space)
		}
		if err := dec.DecodeElement(bom, &start); err != nil {
			return nil, nil, xmlErr(err)
		}
		info.SpecVersion = v
	}
	return bom, info, nil
}

func jsonError(path string, data []byte, err error) error {
	line, col, _ := jsonpos.Of(data, err) // 0, 0: no position
	return posError(path, "JSON", line, col, err)
}

func posError(path, kind string, line, col int, err error) error {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	switch {
	case line > 0 && col > 0:
		return fmt.Errorf("sbom: %s: line %d, column %d: invalid CycloneDX %s: %s", path, line, col, kind, msg)
	case line > 0:
		return fmt.Errorf("sbom: %s: line %d: invalid CycloneDX %s: %s", path, line, kind, msg)
	}
	return fmt.Errorf("sbom: %s: invalid CycloneDX %s: %s", path, kind, msg)
}
