// Package bundle finds the npm packages inlined into bundled JavaScript
// (esbuild, webpack): a deployment package built by CDK's NodejsFunction,
// SAM's esbuild build method or webpack holds one index.js and no
// node_modules, yet ships every library it imports.
//
// Evidence, strongest first: an esbuild metafile, a source map, then what
// the bundle itself says (esbuild's path comments, webpack module ids,
// legal comments, inlined package.json objects). Versions come from the
// package-lock.json the bundle was built from, matched by installed path,
// else from the bundle's own text, else the package is reported with an
// unknown version, never dropped.
package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/lockfiles"
)

// Evidence kinds, as Package.Evidence names them, strongest first.
const (
	EvidenceMetafile     = "metafile"
	EvidenceSourceMap    = "sourcemap"
	EvidenceComment      = "bundle-comment"
	EvidenceWebpack      = "webpack-module"
	EvidencePackageJSON  = "inlined-package-json"
	EvidenceLegalComment = "legal-comment"
)

var strength = map[string]int{
	EvidenceMetafile: 6, EvidenceSourceMap: 5, EvidenceComment: 4, EvidenceWebpack: 3,
	EvidencePackageJSON: 2, EvidenceLegalComment: 1,
}

// NoEvidenceWarning is the warning for a bundle that shows no package at
// all; its Location names the bundle.
const NoEvidenceWarning = "bundle without package evidence: build with sourcemap or metafile"

// Default limits. Lambda unzips to at most 250 MB, so real bundles and maps
// fit; a larger file is refused with an error, never read in part.
const (
	DefaultMaxBundleBytes   = 64 << 20
	DefaultMaxMapBytes      = 256 << 20
	DefaultMaxMetafileBytes = 128 << 20
	DefaultMaxLockfileBytes = 128 << 20
)

// Options configure a Reader.
type Options struct {
	// Lockfile is the package-lock.json (v1, v2 or v3) or
	// npm-shrinkwrap.json the bundles were built from; nil when unknown.
	// Versions are taken from the entry whose installed path matches the
	// bundled path.
	Lockfile []byte
	// LockfilePath names Lockfile in messages.
	LockfilePath string
	// Size limits per file; zero means the default.
	MaxBundleBytes   int64
	MaxMapBytes      int64
	MaxMetafileBytes int64
	MaxLockfileBytes int64
}

// Reader reads bundles; it implements lockfiles.BundleReader and is safe
// for concurrent use (it holds only the parsed lockfile).
type Reader struct {
	opts Options
	lock *lockfile
}

var _ lockfiles.BundleReader = (*Reader)(nil)

// NewReader parses the lockfile once. An unparseable lockfile is an error
// naming it.
func NewReader(opts Options) (*Reader, error) {
	if opts.MaxBundleBytes <= 0 {
		opts.MaxBundleBytes = DefaultMaxBundleBytes
	}
	if opts.MaxMapBytes <= 0 {
		opts.MaxMapBytes = DefaultMaxMapBytes
	}
	if opts.MaxMetafileBytes <= 0 {
		opts.MaxMetafileBytes = DefaultMaxMetafileBytes
	}
	if opts.MaxLockfileBytes <= 0 {
		opts.MaxLockfileBytes = DefaultMaxLockfileBytes
	}
	r := &Reader{opts: opts}
	if opts.Lockfile != nil {
		name := opts.LockfilePath
		if name == "" {
			name = "lockfile"
		}
		if int64(len(opts.Lockfile)) > opts.MaxLockfileBytes {
			return nil, fmt.Errorf("%s: %d bytes, over the limit of %d", name, len(opts.Lockfile), opts.MaxLockfileBytes)
		}
		l, err := parseLockfile(opts.Lockfile, name)
		if err != nil {
			return nil, err
		}
		r.lock = l
	}
	return r, nil
}

// isBundleName: JavaScript output files.
func isBundleName(p string) bool {
	switch path.Ext(p) {
	case ".js", ".mjs", ".cjs":
		return true
	}
	return false
}

func inNodeModules(p string) bool {
	return p == "node_modules" || strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
}

func isMetafileName(p string) bool {
	b := path.Base(p)
	return b == "meta.json" || b == "metafile.json" || strings.HasSuffix(b, ".meta.json") || strings.HasSuffix(b, ".metafile.json")
}

// sighting is one piece of evidence that a package is in a bundle.
type sighting struct {
	kind string
	file string // artifact-relative evidence file
	name string
	// mp is set for path evidence (the package's installed path is known).
	mp *modulePath
	// stated is the version the evidence itself states, "" if none.
	stated string
	// lowConfidence: a standalone banner, whose name is a display name.
	lowConfidence bool
}

// ReadBundles finds the packages inlined into the bundles among files (the
// artifact's regular files, slash-separated and relative to fsys). Bundles
// are .js, .mjs and .cjs files outside node_modules: files under
// node_modules are installed packages, read by the ordinary extractors; a
// bundle beside node_modules is read.
//
// Each package is npm, with Evidence the strongest kind that showed it,
// Confidence, a PURL, and Locations naming the evidence files (metafile,
// map, bundle, .LEGAL.txt). A version no evidence gives is "" with
// VersionError "version unknown (...)" saying why.
//
// Warnings (Location = the file, Artifact left to the caller): a bundle that
// looks bundled (see looksBundled) but has no path evidence gets
// NoEvidenceWarning when nothing names a package, or a warning that only
// some packages are visible; a metafile or map that cannot be read or
// describes no shipped bundle. Errors: a file over its size limit, or an
// unreadable file.
func (r *Reader) ReadBundles(fsys fs.FS, files []string) ([]*lockfiles.Package, []lockfiles.Warning, error) {
	shipped := make(map[string]bool, len(files))
	var bundles, metas []string
	for _, f := range files {
		shipped[f] = true
		if inNodeModules(f) {
			continue
		}
		switch {
		case isBundleName(f):
			bundles = append(bundles, f)
		case isMetafileName(f):
			metas = append(metas, f)
		}
	}
	sort.Strings(bundles)
	sort.Strings(metas)
	var warnings []lockfiles.Warning
	warn := func(loc, format string, args ...any) {
		warnings = append(warnings, lockfiles.Warning{Location: loc, Message: fmt.Sprintf(format, args...)})
	}

	// Metafiles: each output is attached to the shipped bundle it is.
	metaFor := map[string][]sighting{} // bundle -> metafile sightings
	hasMeta := map[string]bool{}
	for _, mf := range metas {
		data, err := r.read(fsys, mf, r.opts.MaxMetafileBytes, "metafile")
		if err != nil {
			return nil, nil, err
		}
		m, err := parseMetafile(data)
		if errors.Is(err, errNotMetafile) {
			continue
		}
		if err != nil {
			warn(mf, "esbuild metafile not read: %v", err)
			continue
		}
		r.attachMetafile(mf, m, bundles, metaFor, hasMeta, warn)
	}

	var all []resolved
	for _, b := range bundles {
		s, err := r.readBundle(fsys, b, shipped, metaFor[b], hasMeta[b], warn)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, s...)
	}
	return mergePackages(all), warnings, nil
}

func (r *Reader) read(fsys fs.FS, name string, limit int64, what string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %s of %d bytes, over the limit of %d", name, what, st.Size(), limit)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %s of %d bytes, over the limit of %d", name, what, len(data), limit)
	}
	return data, nil
}

// attachMetafile gives shipped bundles under the metafile's folder the
// inputs of the output each one is (assignOutputs); an output matching
// several bundles equally is credited to none, which is said. When none
// matches but the metafile has one JS output and its folder one bundle, the
// bundle was renamed after the build and is taken. Otherwise the metafile
// describes nothing shipped, which is said.
func (r *Reader) attachMetafile(mf string, m *metafile, bundles []string, metaFor map[string][]sighting, hasMeta map[string]bool, warn func(string, string, ...any)) {
	dir := path.Dir(mf)
	var local []string
	for _, b := range bundles {
		if dir == "." || strings.HasPrefix(b, dir+"/") {
			local = append(local, b)
		}
	}
	use := func(b, out string) {
		hasMeta[b] = true
		for _, in := range m.outputs[out] {
			k, ok := moduleInput(in)
			if !ok {
				continue
			}
			if mp, ok := parseModulePath(k); ok {
				mp := mp
				metaFor[b] = append(metaFor[b], sighting{kind: EvidenceMetafile, file: mf, name: mp.name, mp: &mp})
			}
		}
	}
	owner, conflicts := m.assignOutputs(local, dir)
	for _, b := range local {
		if out, ok := owner[b]; ok {
			use(b, out)
		}
	}
	for _, c := range conflicts {
		if len(c.outputs) == 1 {
			warn(mf, "esbuild metafile output %s matches several shipped bundles equally (%s); its inputs are credited to none of them", c.outputs[0], strings.Join(c.bundles, ", "))
		} else {
			warn(mf, "esbuild metafile outputs %s match shipped bundle %s equally; none of their inputs is credited to it", strings.Join(c.outputs, ", "), c.bundles[0])
		}
	}
	if len(owner) > 0 || len(conflicts) > 0 {
		return
	}
	if len(m.outputs) == 1 && len(local) == 1 {
		for out := range m.outputs {
			use(local[0], out)
		}
		return
	}
	outs := make([]string, 0, len(m.outputs))
	for o := range m.outputs {
		outs = append(outs, o)
	}
	sort.Strings(outs)
	if len(outs) > 3 {
		outs = append(outs[:3], "...")
	}
	warn(mf, "esbuild metafile describes no bundle shipped beside it (outputs %s); its inputs are not reported", strings.Join(outs, ", "))
}

func (r *Reader) readBundle(fsys fs.FS, b string, shipped map[string]bool, meta []sighting, hasMeta bool, warn func(string, string, ...any)) ([]resolved, error) {
	code, err := r.read(fsys, b, r.opts.MaxBundleBytes, "bundle")
	if err != nil {
		return nil, err
	}
	facts := scanCode(code)
	var strong []sighting
	strong = append(strong, meta...)
	pathEvidence := hasMeta

	// The source map: the one the bundle names, else <bundle>.map.
	mapFile, mapData := "", []byte(nil)
	if u := sourceMappingURL(code); strings.HasPrefix(u, "data:") {
		data, err := decodeDataURL(u, r.opts.MaxMapBytes)
		if err != nil {
			warn(b, "inline source map not read: %v", err)
		} else {
			mapFile, mapData = b, data
		}
	} else if u != "" && !strings.Contains(u, "://") {
		if p := path.Join(path.Dir(b), strings.SplitN(u, "?", 2)[0]); shipped[p] {
			mapFile = p
		}
	}
	if mapFile == "" && shipped[b+".map"] {
		mapFile = b + ".map"
	}
	if mapFile != "" && mapData == nil {
		if mapData, err = r.read(fsys, mapFile, r.opts.MaxMapBytes, "source map"); err != nil {
			return nil, err
		}
	}
	// With the metafile, the map adds nothing but error: it lists every
	// input esbuild read, while a map also names the sources of inputs that
	// shipped maps of their own (@babel/parser's point into Babel's
	// monorepo, "node_modules/@babel/babel-helper-string-parser", a package
	// that does not exist).
	if mapData != nil && !hasMeta {
		srcs, err := parseSourceMap(mapData)
		if err != nil {
			warn(mapFile, "source map not read: %v", err)
		} else {
			pathEvidence = true
			for _, s := range srcs {
				if mp, ok := parseModulePath(stripScheme(s)); ok {
					mp := mp
					if r.originalSource(s, &mp) {
						continue
					}
					strong = append(strong, sighting{kind: EvidenceSourceMap, file: mapFile, name: mp.name, mp: &mp})
				}
			}
		}
	}

	// Non-minified esbuild output carries a path comment per module, so
	// with its comments present, none under node_modules means none
	// bundled. A stray comment elsewhere proves nothing (esbuildComments).
	if facts.esbuildComments() {
		pathEvidence = true
	}
	for _, p := range facts.pathComments {
		if mp, ok := parseModulePath(p); ok {
			mp := mp
			strong = append(strong, sighting{kind: EvidenceComment, file: b, name: mp.name, mp: &mp})
		}
	}
	for _, p := range facts.webpackModules {
		if mp, ok := parseModulePath(p); ok {
			mp := mp
			pathEvidence = true
			strong = append(strong, sighting{kind: EvidenceWebpack, file: b, name: mp.name, mp: &mp})
		}
	}

	// What the text says about names and versions.
	var weak []sighting
	addLegal := func(file string, text []byte) {
		for _, e := range legalBlock(text) {
			names := map[string]bool{}
			for _, p := range e.paths {
				if n, ok := legalPackage(p); ok {
					names[n] = true
				}
			}
			for n := range names {
				s := sighting{kind: EvidenceLegalComment, file: file, name: n}
				if len(names) == 1 {
					if v := commentVersion(n, e.comments); v != "" {
						s.stated = v
					}
				}
				weak = append(weak, s)
			}
		}
	}
	addLegal(b, code)
	if lt := b + ".LEGAL.txt"; shipped[lt] {
		data, err := r.read(fsys, lt, r.opts.MaxBundleBytes, "legal comments file")
		if err != nil {
			return nil, err
		}
		addLegal(lt, data)
		for _, bn := range banners(data) {
			weak = append(weak, r.bannerSighting(lt, bn)...)
		}
	}
	for _, bn := range banners(code) {
		weak = append(weak, r.bannerSighting(b, bn)...)
	}
	if lt := b + ".LICENSE.txt"; shipped[lt] {
		data, err := r.read(fsys, lt, r.opts.MaxBundleBytes, "license comments file")
		if err != nil {
			return nil, err
		}
		for _, bn := range banners(data) {
			weak = append(weak, r.bannerSighting(lt, bn)...)
		}
	}
	for _, p := range inlinedPackages(code) {
		if r.lock != nil && p.name == r.lock.root {
			continue // the application's own package.json
		}
		weak = append(weak, sighting{kind: EvidencePackageJSON, file: b, name: p.name, stated: p.version})
	}

	out := r.resolve(strong, weak)
	// Minified code that names packages it inlines (a legal comment, an
	// inlined package.json) is a bundle whatever its size: an ESM one has
	// no runtime helper to say so, and it hides the rest.
	if !pathEvidence && (looksBundled(facts, len(code)) || facts.minified && len(out) > 0) {
		if len(out) == 0 {
			warn(b, "%s", NoEvidenceWarning)
		} else {
			names := map[string]bool{}
			for _, s := range out {
				names[s.name] = true
			}
			warn(b, "bundle is minified without source map or metafile: %d package(s) identified only from legal comments or inlined package.json, others it bundles cannot be seen: build with sourcemap or metafile", len(names))
		}
	}
	return out, nil
}

// originalSource recognises a source map entry that names no installed
// file: the TypeScript source of a package that shipped a map of its own,
// which esbuild composes into the bundle's. @babel/parser's map points into
// Babel's monorepo ("node_modules/@babel/babel-helper-string-parser/src/
// index.ts"), a package that exists nowhere. Only a lockfile can tell: an
// entry it has no folder for, whose file is TypeScript. A JavaScript file
// it lacks stays (a stale lockfile must not hide what was bundled).
func (r *Reader) originalSource(src string, mp *modulePath) bool {
	if r.lock == nil {
		return false
	}
	switch path.Ext(src) {
	case ".ts", ".tsx", ".mts", ".cts":
	default:
		return false
	}
	if strings.HasSuffix(src, ".d.ts") {
		return false
	}
	_, ok := r.lookupPath(mp)
	return !ok && len(r.lock.byName[mp.name]) == 0
}

// looksBundled decides whether a file without path evidence is a bundle
// (then silence would hide its packages) rather than a plain handler that
// imports nothing: a bundler runtime helper that wraps one module inside
// another (esbuild's __commonJS/__esm, webpack's __webpack_require__), or
// minified code (most bytes on lines of 1000+ characters) of 32 KiB or
// more. A small minified handler with only external imports (CDK's
// LogRetention function: 3 KiB) is not one.
func looksBundled(f codeFacts, size int) bool {
	return f.marker != "" || (f.minified && size >= 32<<10)
}

func stripScheme(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		return s[i+3:] // webpack://app/./node_modules/x
	}
	return s
}

// bannerSighting turns "name vX" into evidence. A banner's name is a
// display name ("jQuery"): with a lockfile it must name a locked package
// (case-insensitively); without one it is kept in lower case, with low
// confidence.
func (r *Reader) bannerSighting(file string, bn banner) []sighting {
	name := strings.ToLower(bn.name)
	if r.lock != nil {
		found := r.lock.byFold[name]
		if found == "" || found == r.lock.root {
			return nil
		}
		name = found
	} else if !validName(name) {
		return nil
	}
	return []sighting{{kind: EvidenceLegalComment, file: file, name: name, stated: bn.version, lowConfidence: true}}
}
