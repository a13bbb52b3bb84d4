package lockfiles

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fnguard/fnguard/internal/ecosystem"
	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/metadata"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/purl"
)

// npmLockName keeps scalibr's extractor name: it is what evidence and
// tests call a package-lock.json reader.
const npmLockName = "javascript/packagelockjson"

// npmLock reads package-lock.json and npm-shrinkwrap.json (v1 nested
// "dependencies", v2/v3 "packages") in one pass over the file. It replaces
// osv-scalibr v0.5.3's packagelockjson extractor, which finds each package's
// line by re-reading the JSON from the start (linefinder.JSONLineFinder.LineOf
// calls gjson.GetBytes per package): quadratic, 235 s for 50,000 packages.
// fnguard's evidence names the file, not the line, so no line is computed.
// Its outputs (names, aliases, versions, link entries skipped, dependency
// groups, git commits) follow scalibr's; it also keeps what scalibr drops:
// the "integrity" hashes and the "license".
type npmLock struct{ ownExtractor }

func newNPMLock(*cpb.PluginConfig) (filesystem.Extractor, error) { return npmLock{}, nil }

func (npmLock) Name() string { return npmLockName }

func (npmLock) FileRequired(api filesystem.FileAPI) bool {
	p := api.Path()
	if b := path.Base(p); b != "package-lock.json" && b != "npm-shrinkwrap.json" {
		return false
	}
	// A lockfile inside node_modules is an installed package's own.
	return !slices.Contains(strings.Split(path.Dir(p), "/"), "node_modules")
}

// NPMLockMetadata is the Metadata of packages read from an npm lockfile.
type NPMLockMetadata struct {
	metadata.JavascriptPackageMetadata
	// Integrity is the entry's Subresource Integrity string, kept as written
	// (a map and hex per package cost 400 bytes each at 200,000 packages).
	Integrity string
}

// PackageHashes returns the integrity hashes keyed by CycloneDX algorithm
// ("SHA-512"), hex-encoded; nil when there are none. It is how the
// inventory takes them over.
func (m *NPMLockMetadata) PackageHashes() Hashes { return npmIntegrity(m.Integrity) }

// skipJSON consumes a value without building it: v2 lockfiles carry the v1
// "dependencies" tree as a copy of "packages".
type skipJSON struct{}

func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// npmLicense is "license": an SPDX expression, or the deprecated
// {"type": ...} object.
type npmLicense []string

func (l *npmLicense) UnmarshalJSON(b []byte) error {
	*l = licenseField(b, nil)
	return nil
}

type npmLockPackage struct {
	Name        string     `json:"name"`
	Version     string     `json:"version"`
	Resolved    string     `json:"resolved"`
	Integrity   string     `json:"integrity"`
	License     npmLicense `json:"license"`
	Link        bool       `json:"link"`
	Dev         bool       `json:"dev"`
	DevOptional bool       `json:"devOptional"`
	Optional    bool       `json:"optional"`
	InBundle    bool       `json:"inBundle"`
	// The names a package requires, for the dependency graph: read here so
	// the lockfile is decoded once (addEdges resolves them by nesting).
	Dependencies         depNames `json:"dependencies"`
	OptionalDependencies depNames `json:"optionalDependencies"`
	PeerDependencies     depNames `json:"peerDependencies"`
}

// depNames is the keys of a JSON object, in order; the version ranges
// they map to are not needed and not built.
type depNames []string

func (d *depNames) UnmarshalJSON(b []byte) error {
	keys, err := objectKeys(b)
	*d = keys
	return err
}

type npmLockDep struct {
	Version      string                `json:"version"`
	Resolved     string                `json:"resolved"`
	Integrity    string                `json:"integrity"`
	Dev          bool                  `json:"dev"`
	Optional     bool                  `json:"optional"`
	Dependencies map[string]npmLockDep `json:"dependencies"`
}

func (p *npmLockPackage) depGroups() []string {
	var g []string
	if p.InBundle {
		g = []string{"bundled"}
	}
	if p.DevOptional {
		return append(g, "dev", "optional")
	}
	if p.Dev {
		g = append(g, "dev")
	}
	if p.Optional {
		g = append(g, "optional")
	}
	return g
}

func (d *npmLockDep) depGroups() []string {
	switch {
	case d.Dev && d.Optional:
		return []string{"dev", "optional"}
	case d.Dev:
		return []string{"dev"}
	case d.Optional:
		return []string{"optional"}
	}
	return nil
}

// npmLockEntry is one package before packages listed at several paths are
// folded into one.
type npmLockEntry struct {
	name, version, commit string
	groups                []string
	source                metadata.NPMPackageSource
	integrity             string
	licenses              []string
}

// npmNode is one "packages" entry below node_modules, as addEdges needs it:
// where it is installed, what it is, and the names it requires.
type npmNode struct {
	dir, name, version string
	deps               []string
}

// read folds the lockfile and leaves its node_modules entries with the
// vfs for the dependency graph; nil when npm would ignore the file.
func (npmLock) read(in *filesystem.ScanInput, sources bool) (*npmFold, error) {
	// npm ignores package-lock.json where npm-shrinkwrap.json sits beside it.
	if path.Base(in.Path) == "package-lock.json" && in.FS != nil {
		if f, err := in.FS.Open(path.Join(path.Dir(in.Path), "npm-shrinkwrap.json")); err == nil {
			f.Close()
			return nil, nil
		}
	}
	// Decoded from the reader: a copy of a 90 MB lockfile is not needed.
	f, err := foldNPMLock(in.Reader, sources)
	if err != nil {
		return nil, err
	}
	if v, ok := in.FS.(*vfs); ok {
		v.setNPMTree(in.Path, f.tree)
	}
	return f, nil
}

func (l npmLock) readDirect(in *filesystem.ScanInput) ([]*Package, error) {
	f, err := l.read(in, false)
	if f == nil || err != nil {
		return nil, err
	}
	// Each entry is let go as its Package is made: at 200,000 entries the
	// fold and the packages would otherwise be held twice over.
	order := f.order
	f.byKey, f.order = nil, nil
	out := make([]*Package, 0, len(order))
	for i, e := range order {
		order[i] = nil
		if e.commit != "" {
			continue // a git dependency: no registry version to match (as Extract's git purls)
		}
		out = append(out, &Package{Ecosystem: ecosystem.NPM, Name: e.name, Version: e.version,
			Licenses: e.licenses, Hashes: npmIntegrity(e.integrity)})
	}
	return out, nil
}

func (l npmLock) Extract(_ context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	f, err := l.read(in, true)
	if f == nil || err != nil {
		return inventory.Inventory{}, err
	}
	entries := f.order
	out := make([]*scalibr.Package, 0, len(entries))
	for _, e := range entries {
		groups := e.groups
		if groups == nil {
			groups = []string{}
		}
		typ := purl.TypeNPM
		if e.commit != "" {
			typ = purl.TypeGit
		}
		out = append(out, &scalibr.Package{
			Name:     e.name,
			Version:  e.version,
			PURLType: typ,
			Licenses: e.licenses,
			Metadata: &NPMLockMetadata{
				JavascriptPackageMetadata: metadata.JavascriptPackageMetadata{DepGroupVals: groups, Source: e.source},
				Integrity:                 e.integrity,
			},
			Location: scalibr.LocationFromPath(in.Path),
		})
	}
	return inventory.Inventory{Packages: out}, nil
}

// foldNPMLock reads a lockfile into one entry per name and version (or
// commit), in a stable order.
//
// The file is read as a stream of tokens: each "packages" entry is decoded
// and folded on its own, so memory holds one entry's decoding at a time
// rather than a map of all of them, and the v1 "dependencies" copy that v2
// files carry is skipped without being built.
func foldNPMLock(r io.Reader, sources bool) (*npmFold, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("could not extract: %w", err)
	}
	if tok == nil {
		return nil, errors.New("could not extract: decoded null JSON value")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("could not extract: lockfile is a JSON %s, not an object", jsonKind(tok))
	}
	f := &npmFold{byKey: map[string]*npmLockEntry{}, sources: sources}
	var v1 map[string]npmLockDep
	sawPackages := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("could not extract: %w", err)
		}
		switch key {
		case "packages":
			if err := f.streamPackages(dec); err != nil {
				return nil, fmt.Errorf("could not extract: packages: %w", err)
			}
			sawPackages, v1 = true, nil
		case "dependencies":
			if sawPackages {
				err = dec.Decode(new(skipJSON))
			} else {
				err = dec.Decode(&v1)
			}
			if err != nil {
				return nil, fmt.Errorf("could not extract: dependencies: %w", err)
			}
		default:
			if err := dec.Decode(new(skipJSON)); err != nil {
				return nil, fmt.Errorf("could not extract: %w", err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, fmt.Errorf("could not extract: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("could not extract: data after the top-level value")
	}
	if !sawPackages {
		f.addDeps(v1, 0)
	}
	return f, nil
}

func (f *npmFold) streamPackages(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("a JSON %s, not an object", jsonKind(tok))
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var p npmLockPackage
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		f.addPackage(k.(string), &p)
	}
	_, err = dec.Token() // '}'
	return err
}

func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

type npmFold struct {
	byKey map[string]*npmLockEntry
	order []*npmLockEntry
	tree  []npmNode // v2/v3 entries below node_modules, for the graph
	// sources is set when each entry's source is wanted (scalibr's
	// metadata); the inventory does not use it, and classifying 200,000
	// resolved URLs is not free.
	sources bool
	// strs and lics intern what entries repeat (a name at each of its
	// versions, versions, licences, required names): the decoder makes a
	// string per occurrence, and the packages keep them.
	strs map[string]string
	lics map[string][]string
}

func (f *npmFold) str(s string) string {
	if c, ok := f.strs[s]; ok {
		return c
	}
	if f.strs == nil {
		f.strs = map[string]string{}
	}
	f.strs[s] = s
	return s
}

// licenses interns a licence list. The shared slices are full (len ==
// cap), so an append to one never writes into another package's.
func (f *npmFold) licenses(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	k := strings.Join(l, "\x00")
	if c, ok := f.lics[k]; ok {
		return c
	}
	if f.lics == nil {
		f.lics = map[string][]string{}
	}
	c := slices.Clip(l)
	for i := range c {
		c[i] = f.str(c[i])
	}
	f.lics[k] = c
	return c
}

// names interns required names in place.
func (f *npmFold) names(deps []string) []string {
	for i, d := range deps {
		deps[i] = f.str(d)
	}
	return deps
}

func (f *npmFold) source(resolved, commit string) metadata.NPMPackageSource {
	if !f.sources {
		return metadata.Unknown
	}
	return npmSource(resolved, commit)
}

// add folds a package seen at another path into the first: the dependency
// groups merge (no group at either place means a production dependency) and
// the most trusted source wins.
func (f *npmFold) add(key string, e *npmLockEntry) {
	old, ok := f.byKey[key]
	if !ok {
		f.byKey[key] = e
		f.order = append(f.order, e)
		return
	}
	if len(old.groups) == 0 || len(e.groups) == 0 {
		old.groups = nil
	} else {
		g := append(append([]string{}, old.groups...), e.groups...)
		slices.Sort(g)
		old.groups = slices.Compact(g)
	}
	if npmSourceRank(e.source) > npmSourceRank(old.source) {
		old.source = e.source
	}
	if old.integrity == "" {
		old.integrity = e.integrity
	}
	if old.licenses == nil {
		old.licenses = e.licenses
	}
}

func (f *npmFold) addPackage(p string, d *npmLockPackage) {
	if p == "" || d.Link {
		return // the project itself; a link points at a workspace folder listed on its own
	}
	if !strings.Contains(p, "node_modules/") {
		// A workspace or a file: folder ("packages/api", "../lib"): the
		// project's own code, which no registry advisory is about (a
		// workspace named like a malicious package matched its MAL- record).
		return
	}
	name := d.Name
	if name == "" {
		name = npmNameFromPath(p)
	}
	name = f.str(name)
	version := f.str(d.Version)
	if i := strings.LastIndex(p, "node_modules/"); i >= 0 {
		n := name
		if d.Name == "" {
			n = f.str(p[i+len("node_modules/"):])
		}
		deps := append(append(d.Dependencies, d.OptionalDependencies...), d.PeerDependencies...)
		f.tree = append(f.tree, npmNode{dir: p, name: n, version: version, deps: f.names(deps)})
	}
	commit := npmCommit(d.Resolved)
	if commit == "" && d.Version != "" {
		commit = npmCommit(d.Version)
	}
	key := name + "@" + version
	if commit != "" {
		key = name + "@" + commit
	}
	f.add(key, &npmLockEntry{
		name: name, version: version, commit: commit,
		groups:    d.depGroups(),
		source:    f.source(d.Resolved, commit),
		integrity: d.Integrity,
		licenses:  f.licenses(d.License),
	})
}

// maxNPMDepth bounds v1 nesting: npm's own trees stay far below it, and a
// hostile file must not exhaust the stack.
const maxNPMDepth = 1000

func (f *npmFold) addDeps(deps map[string]npmLockDep, depth int) {
	if depth > maxNPMDepth {
		return
	}
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		d := deps[name]
		if d.Dependencies != nil {
			f.addDeps(d.Dependencies, depth+1)
		}
		version, final, commit := d.Version, d.Version, ""
		// An alias: "npm:string-width@^4.2.0" installs string-width.
		if strings.HasPrefix(d.Version, "npm:") {
			if i := strings.LastIndex(d.Version, "@"); i > 4 {
				name, final = d.Version[4:i], d.Version[i+1:]
			}
		}
		if strings.HasPrefix(d.Version, "file:") {
			if !isTarball(d.Version) {
				continue // a local folder: the project's own code
			}
			final = "" // a local tarball has no registry version
		} else {
			commit = npmCommit(d.Version)
			if commit == "" && d.Resolved != "" {
				commit = npmCommit(d.Resolved)
			}
			if commit != "" {
				final, version = "", commit
			}
		}
		f.add(name+"@"+version, &npmLockEntry{
			name: name, version: final, commit: commit,
			groups:    d.depGroups(),
			source:    f.source(d.Resolved, commit),
			integrity: d.Integrity,
		})
	}
}

// isTarball says whether a file: dependency is a packed archive (a copy of
// some release, unchecked) rather than a folder (the project's own code).
func isTarball(spec string) bool {
	s := strings.ToLower(spec)
	return strings.HasSuffix(s, ".tgz") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".tar")
}

// npmNameFromPath: "node_modules/a/node_modules/@s/b" -> "@s/b".
func npmNameFromPath(p string) string {
	name := path.Base(p)
	if scope := path.Base(path.Dir(p)); strings.HasPrefix(scope, "@") {
		return scope + "/" + name
	}
	return name
}

// npmIntegrity turns Subresource Integrity strings ("sha512-<base64>", several
// separated by spaces) into CycloneDX algorithm -> hex. Algorithms CycloneDX
// does not name and undecodable values are left out: a missing hash changes
// no verdict.
func npmIntegrity(s string) Hashes {
	if s == "" {
		return nil
	}
	var out Hashes
	for _, f := range strings.Fields(s) {
		alg, b64, ok := strings.Cut(f, "-")
		if !ok {
			continue
		}
		if i := strings.IndexByte(b64, '?'); i >= 0 {
			b64 = b64[:i] // SRI options
		}
		name, size := "", 0
		switch alg {
		case "sha1":
			name, size = "SHA-1", 20
		case "sha256":
			name, size = "SHA-256", 32
		case "sha384":
			name, size = "SHA-384", 48
		case "sha512":
			name, size = "SHA-512", 64
		default:
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != size {
			continue
		}
		out = out.WithHash(Hash{Alg: name, sum: string(raw), raw: true})
	}
	return out
}

func npmSourceRank(s metadata.NPMPackageSource) int {
	switch s {
	case metadata.PublicRegistry:
		return 3
	case metadata.Other:
		return 2
	case metadata.Local:
		return 1
	}
	return 0
}

// npmSource classifies "resolved" as scalibr's DeterminePackageSource does.
func npmSource(resolved, commit string) metadata.NPMPackageSource {
	isHTTP := false
	if u, err := url.Parse(resolved); err == nil {
		isHTTP = (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) && u.Host != ""
	}
	if isHTTP && strings.Contains(strings.ToLower(resolved), "npm") {
		return metadata.PublicRegistry
	}
	if isHTTP || npmIsGit(resolved, commit) {
		return metadata.Other
	}
	return metadata.Local
}

func npmIsGit(raw, commit string) bool {
	if commit != "" {
		return true
	}
	l := strings.ToLower(raw)
	for _, p := range []string{"git+", "git://", "git@", "ssh://", "github:", "gitlab:", "bitbucket:"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return strings.HasSuffix(l, ".git") || strings.Contains(l, ".git#")
}

// Commit patterns as in osv-scalibr's javascript/internal/commitextractor
// (Apache-2.0), which is internal to scalibr.
var npmCommitRes = []*regexp.Regexp{
	regexp.MustCompile(`(?:^|.+@)(?:git(?:\+(?:ssh|https))?|ssh)://.+#(\w+)$`),
	regexp.MustCompile(`(?:^|.+@)https://.+\.git#(\w+)$`),
	regexp.MustCompile(`https://codeload\.github\.com(?:/[\w-.]+)+/tar\.gz/(\w+)`),
	regexp.MustCompile(`https://gitlab\.com(?:/[\w-.]+)+/-/archive/(\w+)`),
	regexp.MustCompile(`.+[#&]commit[:=](\w+)$`),
	regexp.MustCompile(`^(?:github|gitlab|bitbucket):.+#(\w+)$`),
}

// npmCommit returns the git commit a version or resolved URL pins, if any.
func npmCommit(s string) string {
	// Every pattern needs one of these; registry tarball URLs, nearly all
	// of a lockfile, skip the regular expressions.
	if !strings.Contains(s, "#") && !strings.Contains(s, "commit") && !strings.Contains(s, "github.com") &&
		!strings.Contains(s, "gitlab.com") && !strings.Contains(s, "bitbucket.org") {
		return ""
	}
	for _, re := range npmCommitRes {
		if m := re.FindStringSubmatch(s); m != nil {
			return m[1]
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	switch u.Host {
	case "bitbucket.org", "github.com", "gitlab.com":
	default:
		return ""
	}
	if u.RawQuery == "" {
		return u.Fragment
	}
	return u.Query().Get("ref")
}

// objectKeys returns the keys of a JSON object that encoding/json has
// already checked is valid; null gives none. It walks the bytes once,
// skipping values by nesting depth, instead of building a map.
func objectKeys(b []byte) ([]string, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil, nil
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var keys []string
	depth := 0
	expectKey := true
	for i := 1; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			j, escaped := i+1, false
			for ; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					escaped = true
					j++
				}
			}
			if j >= len(b) {
				return nil, errors.New("unterminated string")
			}
			if depth == 0 && expectKey {
				k := string(b[i+1 : j])
				// encoding/json decodes escapes and turns invalid UTF-8
				// into U+FFFD; only a plain key is its bytes.
				if escaped || !utf8.Valid(b[i+1:j]) {
					if err := json.Unmarshal(b[i:j+1], &k); err != nil {
						return nil, err
					}
				}
				keys = append(keys, k)
				expectKey = false
			}
			i = j
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 0 {
				expectKey = true
			}
		}
	}
	return keys, nil
}
