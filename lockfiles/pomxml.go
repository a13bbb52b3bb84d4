package lockfiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/osv"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/purl"
)

// pomXMLName keeps the name of the osv-scalibr extractor this reader
// replaces.
const pomXMLName = "java/pomxml"

// pomXML reads pom.xml (and *.pom) files. It replaces osv-scalibr v0.5.3's
// pomxml extractor, whose line tracker compares every dependency with every
// declaration (quadratic: a 100,000-dependency pom never finished) and
// which links deps.dev's Maven client (grpc, protobuf) for network lookups
// fnguard never makes.
//
// Its Extract reports exactly what that extractor reports offline: the
// project's dependencies after property interpolation (the pom's own
// <properties>, project.groupId/version, parent.groupId/version), merged
// with a parent pom found in the artifact (relativePath, default
// ../pom.xml) and with the profiles that are activeByDefault when there is
// a parent, versions and scopes filled from dependencyManagement, version
// ranges read as their lower bound, one package per groupId:artifactId.
//
// What fnguard inventories (extractFound) adds what scalibr silently drops:
// a dependency whose coordinates use a property it cannot resolve
// (${revision}, or ${project.version} inherited from a parent pom that is
// not in the artifact, which Maven itself resolves) is resolved with
// Maven's inheritance where it can, else listed with a VersionError; and a
// version range is kept as written, so it is listed as unchecked rather
// than checked at its lower bound.
type pomXML struct{ ownExtractor }

func newPOMXML(*cpb.PluginConfig) (filesystem.Extractor, error) { return pomXML{}, nil }

func (pomXML) Name() string { return pomXMLName }
func (pomXML) FileRequired(api filesystem.FileAPI) bool {
	return path.Base(api.Path()) == "pom.xml" || path.Ext(api.Path()) == ".pom"
}

// Extract reports what osv-scalibr's pomxml extractor reports.
func (pomXML) Extract(_ context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	data, err := io.ReadAll(io.LimitReader(in.Reader, DefaultLimits.MaxEntryBytes+1))
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not read input: %w", err)
	}
	if int64(len(data)) > DefaultLimits.MaxEntryBytes {
		return inventory.Inventory{}, fmt.Errorf("larger than %d bytes", DefaultLimits.MaxEntryBytes)
	}
	var pfs pomFS
	if in.FS != nil {
		pfs = scanFS{in.FS}
	}
	pkgs, err := readPOM(pfs, in.Path, data)
	if err != nil {
		return inventory.Inventory{}, err
	}
	var out []*scalibr.Package
	for _, p := range pkgs {
		if p.extra || p.invalid {
			continue
		}
		groups := []string{}
		if p.scope != "" && p.scope != "compile" {
			groups = []string{p.scope}
		}
		out = append(out, &scalibr.Package{
			Name: p.name, Version: rangeLowerBound(p.version), PURLType: purl.TypeMaven,
			Location: scalibr.LocationFromPathAndLine(in.Path, p.line),
			Metadata: &osv.DepGroupMetadata{DepGroupVals: groups},
		})
	}
	return inventory.Inventory{Packages: out}, nil
}

func (pomXML) extractFound(_ context.Context, pl plugin, v *vfs, name string, data []byte, _ *[sha256.Size]byte) ([]found, error) {
	pkgs, err := readPOM(vfsPOM{v}, name, data)
	if err != nil {
		return nil, &memberErr{name, fmt.Errorf("%s: %w", pl.ex.Name(), err)}
	}
	out := make([]found, 0, len(pkgs))
	for _, p := range pkgs {
		if p.invalid {
			continue
		}
		pkg := &Package{Ecosystem: "Maven", Name: p.name, Version: p.version}
		if p.unresolved != "" {
			pkg.VersionError = p.unresolved
		}
		out = append(out, found{lenient: pkg, rank: pl.rank, location: name, plugin: pl.ex.Name()})
	}
	for _, line := range invalidDeps(pkgs) {
		if v.warn != nil {
			v.warn(name, fmt.Sprintf("line %d: a dependency without groupId or artifactId, which Maven rejects: ignored", line))
		}
	}
	return out, nil
}

// invalidDeps is carried in the package list by readPOM as entries with
// no name, so both views see them; only fnguard's warns.
func invalidDeps(pkgs []pomPackage) []int {
	var out []int
	for _, p := range pkgs {
		if p.invalid {
			out = append(out, p.line)
		}
	}
	return out
}

// versionRange is scalibr's reading of a version requirement: the first
// bound of a range ("[1.2,2.0)" is 1.2), the version itself otherwise.
var versionRange = regexp.MustCompile(`[[(]?(.*?)(?:,|[)\]]|$)`)

func rangeLowerBound(v string) string {
	m := versionRange.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	return m[1]
}

// pomPackage is one dependency as the pom declares it, resolved.
type pomPackage struct {
	name, version   string
	typ, classifier string
	scope           string
	line            int  // of its <dependency>, or the <parent> for an inherited one
	extra           bool // scalibr drops it (unresolved property)
	unresolved      string
	invalid         bool // no groupId or artifactId: not a package
}

// pomFS is where readPOM looks for a parent pom.
type pomFS interface {
	Stat(name string) (fs.FileInfo, error)
	ReadFile(name string) ([]byte, error)
}

type vfsPOM struct{ v *vfs }

func (f vfsPOM) Stat(name string) (fs.FileInfo, error) { return f.v.Stat(name) }
func (f vfsPOM) ReadFile(name string) ([]byte, error)  { return f.v.readFile(name) }

type scanFS struct{ fsys fs.FS }

func (f scanFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(f.fsys, name) }
func (f scanFS) ReadFile(name string) ([]byte, error) {
	file, err := f.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, DefaultLimits.MaxEntryBytes+1))
	if err == nil && int64(len(data)) > DefaultLimits.MaxEntryBytes {
		err = fmt.Errorf("larger than %d bytes", DefaultLimits.MaxEntryBytes)
	}
	return data, err
}

// maxParents is scalibr's (mavenutil.MaxParent) bound on a parent chain.
const maxParents = 100

// readPOM resolves a pom's dependencies the way scalibr's pomxml
// extractor (deps.dev's maven.Project Interpolate, MergeParents without a
// registry, ProcessDependencies) does, in one pass over each file, and
// returns them in declaration order, one per groupId:artifactId. The
// dependencies scalibr drops come after, marked extra.
func readPOM(pfs pomFS, file string, data []byte) ([]pomPackage, error) {
	proj, err := decodePOM(data)
	if err != nil {
		return nil, err
	}
	budget := &expandBudget{left: 32*int64(len(data)) + 1<<20}
	var invalid []pomPackage
	// Pass 1, scalibr's project.Interpolate() on the pom alone: what fails
	// here scalibr drops, whatever the parent would have supplied.
	ip1 := newInterp(propertyMap(proj.props, proj.group, proj.version, proj.parent.group, proj.parent.version), budget)
	var deps, dropped []pomDep
	for _, d := range proj.deps {
		if d.group == "" || d.artifact == "" {
			invalid = append(invalid, pomPackage{invalid: true, line: d.line})
			continue
		}
		r, ok := ip1.dep(d)
		if ok {
			deps = append(deps, r)
		} else {
			dropped = append(dropped, d)
		}
	}
	var dm, droppedDM []pomDep
	for _, d := range proj.dm {
		if d.group == "" || d.artifact == "" {
			continue
		}
		if r, ok := ip1.dep(d); ok {
			dm = append(dm, r)
		} else {
			droppedDM = append(droppedDM, d)
		}
	}
	if ip1.err != nil {
		return nil, ip1.err
	}

	// MergeParents: the chain of parents found in the artifact; one that
	// is not ends it, as scalibr has no registry to ask.
	props := proj.props
	group, version := proj.group, proj.version
	cur := proj.parent
	curPath := file
	local := true
	visited := map[[3]string]bool{}
	for n := 1; n < maxParents; n++ {
		if cur.group == "" || cur.artifact == "" || cur.version == "" {
			break
		}
		key := [3]string{cur.group, cur.artifact, cur.version}
		if visited[key] {
			return nil, errors.New("a cycle of parents is detected")
		}
		visited[key] = true
		par := &pomModel{}
		found := false
		if local && pfs != nil {
			if pp := parentPOMPath(pfs, curPath, cur.relativePath); pp != "" {
				pdata, err := pfs.ReadFile(pp)
				if err != nil {
					return nil, fmt.Errorf("failed to load parent at %s: %w", curPath, err)
				}
				p, err := decodePOM(pdata)
				if err != nil {
					return nil, fmt.Errorf("failed to load parent at %s: %s: %w", curPath, pp, err)
				}
				if p.key() == key && p.packaging == "pom" {
					par, found, curPath = p, true, pp
				}
			}
		}
		if !found {
			local = false
		}
		if n == 1 {
			// scalibr merges the default profiles once per parent; merging
			// them again changes nothing (first declarations win).
			for _, prof := range proj.profiles {
				if prof.activeByDefault == "true" {
					props = append(append([]pomProp(nil), props...), prof.props...)
					dm = append(dm, prof.dm...)
					deps = append(deps, prof.deps...)
				}
			}
		}
		if group == "" {
			group = par.group
		}
		if version == "" {
			version = par.version
		}
		props = append(append([]pomProp(nil), par.props...), props...)
		dm = append(dm, par.dm...)
		for _, d := range par.deps {
			d.line = 0 // not declared in this file
			deps = append(deps, d)
		}
		cur = par.parent
	}

	// Pass 2, after the merge, with the merged properties.
	m2 := propertyMap(props, group, version, proj.parent.group, proj.parent.version)
	ip2 := newInterp(m2, budget)
	final := deps[:0:0]
	for _, d := range deps {
		if d.group == "" || d.artifact == "" {
			continue
		}
		if r, ok := ip2.dep(d); ok {
			final = append(final, r)
		} else {
			dropped = append(dropped, d)
		}
	}
	var finalDM []pomDep
	for _, d := range dm {
		if d.group == "" || d.artifact == "" {
			continue
		}
		if r, ok := ip2.dep(d); ok {
			finalDM = append(finalDM, r)
		} else {
			droppedDM = append(droppedDM, d)
		}
	}
	if ip2.err != nil {
		return nil, ip2.err
	}

	// ProcessDependencies: first declaration of a key wins; its version
	// and scope come from dependencyManagement when it has none. Imports
	// (scope import) need a registry: nothing is imported.
	managed := map[depKey]pomDep{}
	for _, d := range finalDM {
		if d.scope == "import" {
			continue
		}
		if _, ok := managed[d.key()]; !ok {
			managed[d.key()] = d
		}
	}
	out, byName := []pomPackage{}, map[string]int{}
	seen := map[depKey]bool{}
	add := func(d pomDep, extra bool, unresolved string) {
		k := d.key()
		if seen[k] {
			return
		}
		seen[k] = true
		if m, ok := managed[k]; ok {
			if d.version == "" {
				d.version = m.version
			}
			if d.scope == "" {
				d.scope = m.scope
			}
		}
		line := d.line
		if line == 0 {
			line = proj.parentLine
		}
		p := pomPackage{name: d.group + ":" + d.artifact, version: d.version, typ: d.typ, classifier: d.classifier,
			scope: strings.TrimSpace(d.scope), line: line, extra: extra, unresolved: unresolved}
		if extra && unresolved == "" && hasPlaceholder(d.version) {
			p.unresolved = unresolvedMsg(d.version)
		}
		if i, ok := byName[p.name]; ok {
			if extra {
				return // scalibr's package of that name stands
			}
			out[i] = p // scalibr keeps the last of a name
			return
		}
		byName[p.name] = len(out)
		out = append(out, p)
	}
	for _, d := range final {
		add(d, false, "")
	}

	// What scalibr drops: resolved with Maven's inheritance (a child
	// without its own groupId or version has its parent's), else listed
	// with the placeholder left.
	if len(dropped) > 0 {
		m3 := propertyMap(props, firstNonEmpty(group, proj.parent.group), firstNonEmpty(version, proj.parent.version),
			proj.parent.group, proj.parent.version)
		if proj.artifact != "" {
			m3["project.artifactId"], m3["pom.artifactId"] = proj.artifact, proj.artifact
		}
		ip3 := newInterp(m3, budget)
		for _, d := range droppedDM {
			if r, _ := ip3.dep(d); r.scope != "import" {
				if _, ok := managed[r.key()]; !ok {
					managed[r.key()] = r
				}
			}
		}
		for _, d := range dropped {
			r, _ := ip3.dep(d)
			unresolved := ""
			for _, s := range []string{r.group, r.artifact} {
				if hasPlaceholder(s) {
					unresolved = fmt.Sprintf("coordinates %s:%s use a property defined neither in this pom nor in a parent pom in the artifact", r.group, r.artifact)
					break
				}
			}
			add(r, true, unresolved)
		}
		if ip3.err != nil {
			return nil, ip3.err
		}
	}
	return append(out, invalid...), nil
}

func unresolvedMsg(version string) string {
	return fmt.Sprintf("version %s uses a property defined neither in this pom nor in a parent pom in the artifact", version)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hasPlaceholder is deps.dev's String.ContainsProperty.
func hasPlaceholder(s string) bool {
	i := strings.Index(s, "${")
	return i >= 0 && strings.Contains(s[i+2:], "}")
}

// parentPOMPath is mavenutil.ParentPOMPath: relativePath (default
// ../pom.xml) from the child's folder, a folder meaning its pom.xml.
func parentPOMPath(pfs pomFS, current, relative string) string {
	if relative == "" {
		relative = "../pom.xml"
	}
	p := path.Join(path.Dir(current), relative)
	if p == ".." || strings.HasPrefix(p, "../") {
		return ""
	}
	info, err := pfs.Stat(p)
	if err != nil {
		return ""
	}
	if !info.IsDir() {
		return p
	}
	p = path.Join(p, "pom.xml")
	if _, err := pfs.Stat(p); err == nil {
		return p
	}
	return ""
}

// propertyMap is deps.dev's Project.propertyMap: the pom's properties, the
// last of a name winning, and project.* / pom.* for the coordinates.
func propertyMap(props []pomProp, group, version, parentGroup, parentVersion string) map[string]string {
	m := make(map[string]string, len(props)+12)
	for _, p := range props {
		m[p.name] = p.value
	}
	add := func(k, v string) {
		if v == "" {
			return
		}
		if _, ok := m[k]; !ok {
			m[k] = v
		}
		m["pom."+k] = v
		m["project."+k] = v
	}
	add("groupId", group)
	add("version", version)
	add("parent.groupId", parentGroup)
	add("parent.version", parentVersion)
	return m
}

// Bounds on ${...} expansion: properties may refer to properties, so a
// hostile pom could nest them deeply or double them at every level.
const (
	maxPropertyDepth = 1000
	maxPropertyValue = 1 << 20
)

type expandBudget struct{ left int64 }

// interp is deps.dev's interpolation (maven.String.interpolate) with the
// value of each property computed once: a property's expansion does not
// depend on where it is used, so memoising keeps a pom that refers to one
// property from every dependency linear.
type interp struct {
	m      map[string]string
	memo   map[string]memoValue
	budget *expandBudget
	err    error
}

type memoValue struct {
	s  string
	ok bool
}

func newInterp(m map[string]string, b *expandBudget) *interp {
	return &interp{m: m, memo: map[string]memoValue{}, budget: b}
}

// dep interpolates what deps.dev's Dependency.interpolate does; ok is
// false when any of them keeps an unresolved property.
func (ip *interp) dep(d pomDep) (pomDep, bool) {
	ok := true
	for _, f := range []*string{&d.group, &d.artifact, &d.version, &d.scope, &d.typ, &d.classifier, &d.optional} {
		s, fok := ip.str(*f)
		*f = s
		ok = ok && fok
	}
	return d, ok
}

func (ip *interp) str(s string) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	if ip.err != nil {
		return s, false
	}
	return ip.run(s, map[string]bool{}, 0)
}

func (ip *interp) run(s string, resolving map[string]bool, depth int) (string, bool) {
	if depth > maxPropertyDepth {
		if ip.err == nil {
			ip.err = fmt.Errorf("properties refer to properties more than %d deep", maxPropertyDepth)
		}
		return s, false
	}
	resolved := true
	var dst strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			break
		}
		dst.WriteString(s[:i])
		s = s[i:]
		key := s[2:j]
		if resolving[key] {
			resolved = false // a cycle
			break
		}
		if value, ok := ip.m[key]; ok {
			mv, seen := ip.memo[key]
			if !seen {
				resolving[key] = true
				mv.s, mv.ok = ip.run(value, resolving, depth+1)
				resolving[key] = false
				ip.memo[key] = mv
			}
			if !mv.ok {
				resolved = false
			}
			dst.WriteString(mv.s)
		} else {
			dst.WriteString(s[:j+1])
			resolved = false
		}
		s = s[j+1:]
		if dst.Len() > maxPropertyValue {
			if ip.err == nil {
				ip.err = fmt.Errorf("a property expands to more than %d bytes", maxPropertyValue)
			}
			return "", false
		}
	}
	dst.WriteString(s)
	ip.budget.left -= int64(dst.Len())
	if ip.budget.left < 0 && ip.err == nil {
		ip.err = errors.New("property expansion exceeds 32 times the pom's size")
	}
	return dst.String(), resolved
}

// pomModel is what readPOM needs of a pom.
type pomModel struct {
	group, artifact, version, packaging string
	parent                              pomParent
	props                               []pomProp
	dm, deps                            []pomDep
	profiles                            []pomProfile
	parentLine                          int // of the first <parent> tag
}

type pomParent struct {
	group, artifact, version, relativePath string
}

// key is mavenutil.ProjectKey: coordinates defaulted from <parent>.
func (p *pomModel) key() [3]string {
	g, v := p.group, p.version
	if g == "" {
		g = p.parent.group
	}
	if v == "" {
		v = p.parent.version
	}
	return [3]string{g, p.artifact, v}
}

type pomProp struct{ name, value string }

type pomDep struct {
	group, artifact, version, typ, classifier, scope, optional string
	line                                                       int
}

type depKey struct{ group, artifact, typ, classifier string }

// key is deps.dev's Dependency.Key: no type means jar.
func (d pomDep) key() depKey {
	t := d.typ
	if t == "" {
		t = "jar"
	}
	return depKey{d.group, d.artifact, t, d.classifier}
}

type pomProfile struct {
	activeByDefault string
	props           []pomProp
	dm, deps        []pomDep
}

// pomDecoder reads a pom in one pass with encoding/xml, as deps.dev's
// maven.Project decodes it: elements matched by local name, text trimmed,
// booleans checked where deps.dev checks them. Lines are counted as the
// input offset advances, never from the start again.
type pomDecoder struct {
	d          *xml.Decoder
	data       []byte
	off        int64
	line       int
	parentLine int
	scanned    int64 // bytes counted for line breaks: at most len(data)
}

func decodePOM(data []byte) (*pomModel, error) { return newPOMDecoder(data).decode() }

func newPOMDecoder(data []byte) *pomDecoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = pomCharsetReader
	d.Entity = xml.HTMLEntity
	return &pomDecoder{d: d, data: data, line: 1}
}

func (pd *pomDecoder) decode() (*pomModel, error) {
	for {
		tok, err := pd.next()
		if err == io.EOF {
			return nil, errors.New("no XML element: not a pom")
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			p := &pomModel{}
			if err := pd.project(p, se); err != nil {
				return nil, err
			}
			p.parentLine = pd.parentLine
			return p, nil
		}
	}
}

// lineAt is the line of the byte before offset off (after a start tag,
// the line of its ">"). Offsets only grow, so each byte is counted once.
func (pd *pomDecoder) lineAt(off int64) int {
	if off > int64(len(pd.data)) {
		off = int64(len(pd.data)) // a transcoded file runs past its bytes
	}
	if off > pd.off {
		pd.line += bytes.Count(pd.data[pd.off:off], []byte{'\n'})
		pd.scanned += off - pd.off
		pd.off = off
	}
	return pd.line
}

func (pd *pomDecoder) next() (xml.Token, error) {
	tok, err := pd.d.Token()
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("line %d: %s", se.Line, se.Msg)
		}
		if err == io.EOF {
			return nil, err
		}
		return nil, fmt.Errorf("line %d: %w", pd.lineAt(pd.d.InputOffset()), err)
	}
	if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "parent" && pd.parentLine == 0 {
		pd.parentLine = pd.lineAt(pd.d.InputOffset())
	}
	return tok, nil
}

// children calls fn for each child element; fn consumes it whole.
func (pd *pomDecoder) children(fn func(xml.StartElement) error) error {
	for {
		tok, err := pd.next()
		if err == io.EOF {
			return errors.New("unexpected end of file")
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func (pd *pomDecoder) skip() error {
	return pd.children(func(xml.StartElement) error { return pd.skip() })
}

// text is what encoding/xml decodes into a string: the element's own
// character data, nested elements skipped; trimmed like maven.String.
func (pd *pomDecoder) text() (string, error) {
	var b []byte
	for {
		tok, err := pd.next()
		if err == io.EOF {
			return "", errors.New("unexpected end of file")
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.StartElement:
			if err := pd.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return strings.TrimSpace(string(b)), nil
		}
	}
}

// boolText is maven's TruthyBool/FalsyBool: true, false, empty or a
// placeholder; anything else fails the pom, as it fails deps.dev's decode.
func (pd *pomDecoder) boolText(se xml.StartElement) (string, error) {
	line := pd.lineAt(pd.d.InputOffset())
	s, err := pd.text()
	if err != nil {
		return "", err
	}
	if strings.Contains(s, "${") && strings.Contains(s, "}") {
		return s, nil
	}
	if l := strings.ToLower(s); l == "true" || l == "false" || l == "" {
		return l, nil
	}
	return "", fmt.Errorf("line %d: <%s> is %q, not true or false", line, se.Name.Local, truncate(s, 40))
}

func (pd *pomDecoder) project(p *pomModel, _ xml.StartElement) error {
	return pd.children(func(se xml.StartElement) error {
		var err error
		switch se.Name.Local {
		case "groupId":
			p.group, err = pd.text()
		case "artifactId":
			p.artifact, err = pd.text()
		case "version":
			p.version, err = pd.text()
		case "packaging":
			p.packaging, err = pd.text()
		case "parent":
			err = pd.children(func(se xml.StartElement) error {
				var err error
				switch se.Name.Local {
				case "groupId":
					p.parent.group, err = pd.text()
				case "artifactId":
					p.parent.artifact, err = pd.text()
				case "version":
					p.parent.version, err = pd.text()
				case "relativePath":
					p.parent.relativePath, err = pd.text()
				default:
					err = pd.skip()
				}
				return err
			})
		case "properties":
			err = pd.properties(&p.props)
		case "dependencyManagement":
			err = pd.management(&p.dm)
		case "dependencies":
			err = pd.dependencies(&p.deps)
		case "repositories":
			err = pd.repositories()
		case "profiles":
			err = pd.children(func(se xml.StartElement) error {
				if se.Name.Local != "profile" {
					return pd.skip()
				}
				var prof pomProfile
				if err := pd.profile(&prof); err != nil {
					return err
				}
				p.profiles = append(p.profiles, prof)
				return nil
			})
		case "build":
			err = pd.build()
		default:
			err = pd.skip()
		}
		return err
	})
}

func (pd *pomDecoder) properties(props *[]pomProp) error {
	return pd.children(func(se xml.StartElement) error {
		v, err := pd.text()
		*props = append(*props, pomProp{se.Name.Local, v})
		return err
	})
}

func (pd *pomDecoder) management(dm *[]pomDep) error {
	return pd.children(func(se xml.StartElement) error {
		if se.Name.Local != "dependencies" {
			return pd.skip()
		}
		return pd.dependencies(dm)
	})
}

func (pd *pomDecoder) dependencies(deps *[]pomDep) error {
	return pd.children(func(se xml.StartElement) error {
		if se.Name.Local != "dependency" {
			return pd.skip()
		}
		d := pomDep{line: pd.lineAt(pd.d.InputOffset())}
		err := pd.children(func(se xml.StartElement) error {
			var err error
			switch se.Name.Local {
			case "groupId":
				d.group, err = pd.text()
			case "artifactId":
				d.artifact, err = pd.text()
			case "version":
				d.version, err = pd.text()
			case "type":
				d.typ, err = pd.text()
			case "classifier":
				d.classifier, err = pd.text()
			case "scope":
				d.scope, err = pd.text()
			case "optional":
				d.optional, err = pd.boolText(se)
			default:
				err = pd.skip()
			}
			return err
		})
		*deps = append(*deps, d)
		return err
	})
}

// repositories are only checked: deps.dev rejects a non-boolean
// <enabled>, and so the whole pom.
func (pd *pomDecoder) repositories() error {
	return pd.children(func(se xml.StartElement) error {
		if se.Name.Local != "repository" {
			return pd.skip()
		}
		return pd.children(func(se xml.StartElement) error {
			if se.Name.Local != "releases" && se.Name.Local != "snapshots" {
				return pd.skip()
			}
			return pd.children(func(se xml.StartElement) error {
				if se.Name.Local != "enabled" {
					return pd.skip()
				}
				_, err := pd.boolText(se)
				return err
			})
		})
	})
}

func (pd *pomDecoder) profile(prof *pomProfile) error {
	return pd.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "activation":
			return pd.children(func(se xml.StartElement) error {
				if se.Name.Local != "activeByDefault" {
					return pd.skip()
				}
				v, err := pd.boolText(se)
				prof.activeByDefault = v
				return err
			})
		case "properties":
			return pd.properties(&prof.props)
		case "dependencyManagement":
			return pd.management(&prof.dm)
		case "dependencies":
			return pd.dependencies(&prof.deps)
		case "repositories":
			return pd.repositories()
		}
		return pd.skip()
	})
}

// build is only checked, as deps.dev decodes pluginManagement's plugins.
func (pd *pomDecoder) build() error {
	return pd.children(func(se xml.StartElement) error {
		if se.Name.Local != "pluginManagement" {
			return pd.skip()
		}
		return pd.children(func(se xml.StartElement) error {
			if se.Name.Local != "plugins" {
				return pd.skip()
			}
			return pd.children(func(se xml.StartElement) error {
				if se.Name.Local != "plugin" {
					return pd.skip()
				}
				return pd.children(func(se xml.StartElement) error {
					switch se.Name.Local {
					case "inherited":
						_, err := pd.boolText(se)
						return err
					case "dependencies":
						var deps []pomDep
						return pd.dependencies(&deps)
					}
					return pd.skip()
				})
			})
		})
	})
}

// pomCharsetReader decodes the single-byte encodings poms are written in
// besides UTF-8 (encoding/xml calls it for any other declared encoding).
// Labels follow the WHATWG table scalibr's decoder used: ISO-8859-1 and
// US-ASCII mean windows-1252.
func pomCharsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "unicode-1-1-utf-8":
		return input, nil
	case "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
		"iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252":
		return &singleByteReader{r: input, table: &windows1252}, nil
	case "csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9":
		return &singleByteReader{r: input, table: &latin9}, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported", label)
}

// singleByteReader turns a single-byte encoding into UTF-8.
type singleByteReader struct {
	r     io.Reader
	table *[256]rune
	buf   []byte // converted, not yet returned
	out   []byte // buf's backing array
	in    [4096]byte
}

func (s *singleByteReader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		n, err := s.r.Read(s.in[:])
		s.out = s.out[:0]
		for _, c := range s.in[:n] {
			s.out = utf8.AppendRune(s.out, s.table[c])
		}
		s.buf = s.out
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

var windows1252, latin9 = func() (w, l [256]rune) {
	for i := range w {
		w[i], l[i] = rune(i), rune(i)
	}
	// windows-1252's 0x80-0x9F; the five it leaves undefined map to C1.
	hi := []rune{0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
		0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178}
	for i, r := range hi {
		w[0x80+i] = r
	}
	for c, r := range map[int]rune{0xA4: 0x20AC, 0xA6: 0x0160, 0xA8: 0x0161, 0xB4: 0x017D, 0xB8: 0x017E, 0xBC: 0x0152, 0xBD: 0x0153, 0xBE: 0x0178} {
		l[c] = r
	}
	return
}()
