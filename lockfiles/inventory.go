package lockfiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles/categories"
)

// Options configure one inventory run.
type Options struct {
	// Layers are layer zips attached to the first path, a function: the
	// function is /var/task and the layers are /opt, as Lambda runs them.
	Layers []string
	// Limits bound each artifact; the zero value means DefaultLimits.
	Limits Limits
	// SBOM reads an existing SBOM given as input. The sbom package provides
	// it; it is injected so the inventory does not depend on the SBOM writer.
	SBOM SBOMReader
	// Bundles finds packages inlined into bundled JavaScript (esbuild,
	// webpack); nil reads no bundles. The bundle package provides it; it is
	// injected so the inventory knows nothing of bundlers.
	Bundles BundleReader
	// MavenNames lists the Maven package names ("groupId:artifactId") the
	// advisory database knows for an artifactId; nil when there is no
	// database. It names jars that carry no pom.properties (Spring 4's
	// jars, log4j 1.x): a groupId the manifest suggests is confirmed by it,
	// and a single name it knows is taken when the manifest says none. The
	// vulndb package provides it (DB.MavenNameLookup); it is injected so
	// the inventory knows nothing of advisories.
	MavenNames func(artifactID string) []string
	// AllowEmpty accepts an artifact that contains code but yields no
	// packages; by default that is an error, because a silent zero is
	// indistinguishable from a scanner that looked in the wrong place.
	AllowEmpty bool
}

// BundleReader finds the packages inlined into an artifact's bundled
// JavaScript. files are the artifact's regular files, sorted. It returns no
// packages and no error for an artifact that holds no bundle; a bundle that
// carries no package evidence is a warning, never a silent empty result.
type BundleReader interface {
	ReadBundles(fsys fs.FS, files []string) ([]*Package, []Warning, error)
}

// SBOMReader recognises and decodes an existing SBOM.
type SBOMReader interface {
	Sniff(data []byte) (format string, ok bool)
	Decode(data []byte, path string) (*Artifact, []Warning, error)
}

// Read inventories every input. The first error stops the run: an inventory
// with a hole in it must not be reported as if it were whole.
func Read(ctx context.Context, paths []string, opts Options) (*Inventory, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if len(opts.Layers) > 0 && len(paths) != 1 {
		return nil, errors.New("--layer attaches layers to one function: give exactly one PATH")
	}
	plugins, err := newPlugins()
	if err != nil {
		return nil, err
	}
	inv := &Inventory{}
	r := &reader{opts: opts, plugins: plugins, inv: inv}
	for _, p := range paths {
		a, err := r.readInput(ctx, p, "")
		if err != nil {
			return nil, err
		}
		inv.Artifacts = append(inv.Artifacts, a)
	}
	for _, l := range opts.Layers {
		a, err := r.readInput(ctx, l, KindLayer)
		if err != nil {
			return nil, err
		}
		a.Parent = paths[0]
		inv.Artifacts = append(inv.Artifacts, a)
	}
	if err := r.checkRoles(inv, paths); err != nil {
		return nil, err
	}
	return inv, nil
}

// checkRoles catches a function and its layers given the wrong way round
// (PATH a layer, --layer a function). Everything is inventoried either way,
// so one zip laid out unlike its role is a warning (a layer may carry a
// README beside nodejs/); PATH laid out as a layer while a --layer is laid
// out as a function is the swap itself, refused so the release is not
// described with the roles reversed.
func (r *reader) checkRoles(inv *Inventory, paths []string) error {
	if len(r.opts.Layers) == 0 {
		return nil
	}
	fn := inv.Artifacts[0]
	fnIsLayer := fn.Kind == KindLayer
	if fnIsLayer && len(r.layerLooksLikeFunction) > 0 {
		return &InputError{Path: paths[0], Msg: fmt.Sprintf("laid out as a Lambda layer (everything under nodejs/, python/, java/, ...), while --layer %s is laid out as a function: the two look swapped; give the function as PATH and the layer with --layer", r.layerLooksLikeFunction[0])}
	}
	if fnIsLayer {
		inv.Warnings = append(inv.Warnings, Warning{Artifact: paths[0],
			Message: "given as the function but laid out as a Lambda layer (everything under nodejs/, python/, java/, ...): is it a layer?"})
	}
	for _, l := range r.layerLooksLikeFunction {
		inv.Warnings = append(inv.Warnings, Warning{Artifact: l,
			Message: "given with --layer but laid out as a function (files at the root, not under nodejs/, python/, java/, ruby/, bin/ or lib/): Lambda mounts a layer at /opt, where the runtime will not find them; were PATH and --layer swapped?"})
	}
	return nil
}

type reader struct {
	opts    Options
	plugins []plugin
	inv     *Inventory
	// layerLooksLikeFunction are --layer zips laid out as functions.
	layerLooksLikeFunction []string
}

func (r *reader) warn(artifact string) func(member, msg string) {
	return func(member, msg string) {
		r.inv.Warnings = append(r.inv.Warnings, Warning{Artifact: artifact, Location: member, Message: msg})
	}
}

// inputErr makes any error from reading one input name that input.
func inputErr(p string, err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	var me *memberErr
	if errors.As(err, &me) {
		return &InputError{Path: p, Member: me.member, Msg: me.err.Error(), Err: err}
	}
	return &InputError{Path: p, Msg: err.Error(), Err: err}
}

var zipMagic = [][]byte{[]byte("PK\x03\x04"), []byte("PK\x05\x06"), []byte("PK\x07\x08")}

func isZip(head []byte) bool {
	for _, m := range zipMagic {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

func (r *reader) readInput(ctx context.Context, p, forceKind string) (*Artifact, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, inputErr(p, fmt.Errorf("cannot read: %w", errors.Unwrap(err)))
	}
	b := &budget{limits: r.opts.Limits}
	a := &Artifact{Path: p, Complete: true}
	var v *vfs
	fromZip := false
	switch {
	case st.IsDir():
		a.Kind = KindDirectory
		if v, err = dirVFS(p, b, r.warn(p)); err != nil {
			return nil, inputErr(p, err)
		}
		v.diskRoot = p
	default:
		f, err := os.Open(p)
		if err != nil {
			return nil, inputErr(p, fmt.Errorf("cannot read: %w", errors.Unwrap(err)))
		}
		defer f.Close()
		head := make([]byte, 4096)
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, inputErr(p, err)
		}
		switch {
		case isZip(head) && !isNestedArchive(p):
			t, err := openZip(f, st.Size(), b, "")
			if err != nil {
				return nil, inputErr(p, err)
			}
			v = zipVFS(t, b)
			a.Kind, fromZip = zipKind(v), true
		case r.opts.SBOM != nil && sniffSBOM(r.opts.SBOM, head):
			data, err := readAllLimited(f, b)
			if err != nil {
				return nil, inputErr(p, err)
			}
			sa, warnings, err := r.opts.SBOM.Decode(data, p)
			if err != nil {
				return nil, inputErr(p, err)
			}
			r.inv.Warnings = append(r.inv.Warnings, warnings...)
			sa.Path, sa.Kind = p, KindSBOM
			for _, pkg := range sa.Packages {
				pkg.Artifact = p
				r.finishPackage(pkg, p)
			}
			return sa, nil
		case strings.EqualFold(filepath.Ext(p), ".zip"):
			return nil, inputErr(p, errors.New("not a zip file (content does not start with a zip signature)"))
		default:
			base := filepath.Base(p)
			mode := st.Mode()
			if looksExecutable(head) {
				mode |= 0o111 // given directly, its header says what it is
			}
			// Read when an extractor asks for it, not held for the whole
			// inventory: a 90 MB lockfile is garbage once it is decoded.
			v = singleFileVFS(base, nil, fileInfo{name: base, size: st.Size(), mode: mode}, b)
			v.files[base].read = func() ([]byte, error) { return readRealFile(p, b) }
			v.files[base].stream = func() (io.ReadCloser, error) { return streamRealFile(p, b) }
			v.diskRoot = filepath.Dir(p)
			a.Kind = KindLockfile
			if looksExecutable(head) || isNestedArchive(p) {
				a.Kind = KindFunction
			}
		}
	}
	if forceKind != "" {
		if a.Kind != KindFunction && a.Kind != KindLayer {
			return nil, inputErr(p, errors.New("a layer must be a zip file"))
		}
		if a.Kind == KindFunction && fromZip {
			r.layerLooksLikeFunction = append(r.layerLooksLikeFunction, p)
		}
		a.Kind = forceKind
	}
	if err := r.inventory(ctx, a, v); err != nil {
		return nil, inputErr(p, err)
	}
	return a, nil
}

func sniffSBOM(s SBOMReader, head []byte) bool {
	_, ok := s.Sniff(head)
	return ok
}

func readAllLimited(rd io.Reader, b *budget) ([]byte, error) {
	return readSized(rd, -1, b)
}

// readSized reads rd through the budget. A file's size, when known, sizes
// the buffer once: io.ReadAll's doubling would allocate twice a 90 MB
// lockfile and keep up to half of it unused. A file that grew since it
// was measured is still read whole.
func readSized(rd io.Reader, size int64, b *budget) ([]byte, error) {
	lr := &limitedReader{r: rd, left: b.limits.MaxEntryBytes, budget: b}
	if size <= 0 || size > b.limits.MaxEntryBytes {
		return io.ReadAll(lr)
	}
	buf := make([]byte, size)
	n, err := io.ReadFull(lr, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return buf[:n], nil // shrank since measured
	}
	if err != nil {
		return nil, err
	}
	rest, err := io.ReadAll(lr)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		buf = append(buf, rest...)
	}
	return buf, nil
}

// layerRoots are the folders Lambda adds to a runtime's search path from
// /opt; a zip holding only these is a layer.
var layerRoots = map[string]bool{"nodejs": true, "python": true, "java": true, "ruby": true, "bin": true, "lib": true, "etc": true, "share": true, "extensions": true}

func zipKind(v *vfs) string {
	for _, n := range v.names {
		top, rest, nested := strings.Cut(n, "/")
		if !nested || !layerRoots[top] {
			return KindFunction
		}
		// /opt/lib holds a layer's native libraries; jars directly in lib/
		// are a Java function's classpath (AWS's Gradle buildZip layout).
		if top == "lib" && !strings.Contains(rest, "/") && isNestedArchive(rest) {
			return KindFunction
		}
	}
	return KindLayer
}

func (r *reader) inventory(ctx context.Context, a *Artifact, v *vfs) error {
	warn := r.warn(a.Path)
	v.mavenNames, v.warn = r.opts.MavenNames, warn
	v.incompleteSink = func(member, msg string) {
		warn(member, msg)
		a.Complete = false
	}
	v.keep = a.keepExecutable
	founds, err := extractAll(ctx, v, r.plugins, warn)
	if err != nil {
		return err
	}
	nested, err := r.nestedZips(ctx, v)
	if err != nil {
		return err
	}
	m := newMerger(a.Path)
	for _, f := range founds {
		m.add(f)
	}
	for _, f := range nested {
		m.add(f)
	}
	if err := r.findComposer(v, m); err != nil {
		return err
	}
	var bundleWarnings []string
	if r.opts.Bundles != nil {
		bundled, warnings, err := r.opts.Bundles.ReadBundles(v, v.names)
		if err != nil {
			return err
		}
		for i := range warnings {
			warnings[i].Artifact = a.Path
			bundleWarnings = append(bundleWarnings, warnings[i].Location+": "+warnings[i].Message)
		}
		if len(warnings) > 0 {
			// A bundle that hides some of what it inlines leaves the
			// inventory partial: it must not read as a whole one.
			a.Complete = false
		}
		r.inv.Warnings = append(r.inv.Warnings, warnings...)
		for _, p := range bundled {
			for _, loc := range p.Locations {
				m.addPackage(p, rankLockfile, loc)
			}
		}
	}
	r.addDeclaredNPM(v, m)
	a.Runtime = detectRuntime(v, founds)
	if a.Kind == KindDirectory {
		// A source tree may hold several applications; only a deployment
		// package is one Lambda runtime.
		a.Runtime = singleRuntime(v, founds)
	}
	a.Component = r.component(v, a, m, founds)
	a.Packages = m.packages()
	a.Packages = r.dropUnshipped(a.Path, a.Packages)
	addLicenses(v, a.Packages)
	for _, p := range a.Packages {
		r.finishPackage(p, a.Path)
	}
	if err := r.addEdges(v, a); err != nil {
		return err
	}
	if err := addLockEdges(v, a); err != nil {
		return err
	}
	if len(a.Packages) == 0 && !r.opts.AllowEmpty {
		if len(v.names) == 0 && v.links == 0 {
			return errors.New("empty: nothing to scan")
		}
		if len(bundleWarnings) > 0 {
			// The bundle is why nothing was found: say so rather than the
			// generic list of what was looked for.
			return fmt.Errorf("contains %d files but no packages were found: %s", len(v.names), strings.Join(bundleWarnings, "; "))
		}
		if len(v.claimed) > 0 {
			// Lockfiles or manifests were read and list nothing but the
			// project's own code (workspaces, local folders).
			names := v.claimed
			if len(names) > 3 {
				names = append(names[:3:3], fmt.Sprintf("%d more", len(v.claimed)-3))
			}
			verb := "it lists"
			if len(v.claimed) > 1 {
				verb = "they list"
			}
			return fmt.Errorf("%s read, but %s no third-party package (the project's own workspaces and local folders are not dependencies); use --allow-empty if this artifact really has no dependencies", strings.Join(names, ", "), verb)
		}
		return fmt.Errorf("contains %d files but no packages were found (looked for npm, PyPI, Maven, Go, RubyGems, NuGet, Packagist and crates.io lockfiles, installed-package manifests, jars, Go/Rust binaries and bundled JavaScript); use --allow-empty if this artifact really has no dependencies", len(v.names))
	}
	return nil
}

// npmLockfiles are the npm lockfile names a project keeps beside its
// node_modules.
var npmLockfiles = map[string]bool{"package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true, "pnpm-lock.yaml": true}

// dropUnshipped removes what the evidence names but the artifact does not
// carry. A lockfile lists devDependencies and other platforms' optional
// packages that `npm ci --omit=dev` never installs: where node_modules sits
// beside the lockfile, a package only the lockfile names is not part of the
// artifact. And go.mod's go directive is a minimum, not the toolchain:
// beside a real executable it would add a bogus old standard library.
func (r *reader) dropUnshipped(artifact string, pkgs []*Package) []*Package {
	installedRoots := map[string]bool{}
	binaryStdlib := false
	for _, p := range pkgs {
		for _, loc := range p.Locations {
			if p.Ecosystem == ecosystem.NPM && installedNodePackage(loc) {
				root := strings.TrimSuffix(loc[:strings.Index(loc, "node_modules/")], "/")
				if root == "" {
					root = "."
				}
				installedRoots[root] = true
			}
			if p.Ecosystem == ecosystem.Go && p.Name == "stdlib" && path.Base(loc) != "go.mod" {
				binaryStdlib = true
			}
		}
	}
	onlyFrom := func(p *Package, from func(loc string) bool) bool {
		for _, loc := range p.Locations {
			if !from(loc) {
				return false
			}
		}
		return len(p.Locations) > 0
	}
	dropped := map[string]int{}
	out := pkgs[:0]
	for _, p := range pkgs {
		switch {
		case p.Ecosystem == ecosystem.NPM && onlyFrom(p, func(loc string) bool {
			return npmLockfiles[path.Base(loc)] && installedRoots[path.Dir(loc)]
		}):
			for _, loc := range p.Locations {
				dropped[loc]++
			}
			continue
		case p.Ecosystem == ecosystem.Go && p.Name == "stdlib" && binaryStdlib && onlyFrom(p, func(loc string) bool { return path.Base(loc) == "go.mod" }):
			continue
		}
		out = append(out, p)
	}
	for _, lock := range sortedKeys(dropped) {
		r.inv.Warnings = append(r.inv.Warnings, Warning{Artifact: artifact, Location: lock,
			Message: fmt.Sprintf("%d packages listed here are not installed in node_modules (dev or other-platform dependencies): not part of this artifact", dropped[lock])})
	}
	return out
}

// finishPackage validates the version and attaches categories.
func (r *reader) finishPackage(p *Package, artifact string) {
	p.Artifact = artifact
	if p.PURL == "" {
		p.PURL = PURL(p.Ecosystem, p.Name, p.Version)
	}
	if p.VersionError == "" {
		if err := ValidateVersion(p.Ecosystem, p.Version); err != nil {
			p.VersionError = err.Error()
		}
	}
	if p.VersionError != "" {
		loc := ""
		if len(p.Locations) > 0 {
			loc = p.Locations[0]
		}
		msg := fmt.Sprintf("%s package %s: unparseable version %q: %s", p.Ecosystem, p.Name, truncate(p.Version, 80), p.VersionError)
		if strings.HasPrefix(p.VersionError, unidentifiedJar) {
			msg = fmt.Sprintf("jar %s not identified, listed unchecked: %s", truncate(p.Name, 80), strings.TrimPrefix(p.VersionError, unidentifiedJar+": "))
		}
		r.inv.Warnings = append(r.inv.Warnings, Warning{Artifact: artifact, Location: loc, Message: msg})
	}
	p.Categories = categories.Lookup(p.Ecosystem, p.Name)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func readChain(v *vfs, chain string) ([]byte, error) {
	parts := strings.Split(chain, "!/")
	data, err := v.readFile(parts[0])
	if err != nil {
		return nil, &memberErr{parts[0], err}
	}
	for i := 1; i < len(parts); i++ {
		t, err := openZip(inMemory(data), int64(len(data)), v.budget, strings.Join(parts[:i], "!/")+"!/")
		if err != nil {
			return nil, err
		}
		m, ok := t.files[parts[i]]
		if !ok {
			return nil, &memberErr{strings.Join(parts[:i+1], "!/"), fs.ErrNotExist}
		}
		if data, err = m.read(v.budget); err != nil {
			return nil, &memberErr{strings.Join(parts[:i+1], "!/"), err}
		}
	}
	return data, nil
}

// detectRuntime names the Lambda runtime from what the artifact holds
// outside its dependency folders: a node function may carry a .py helper in
// node_modules, but its own handler is JavaScript.
func detectRuntime(v *vfs, founds []found) string {
	goBinary, has := runtimes(v, founds)
	if goBinary {
		return "go"
	}
	for _, rt := range []string{"java", "dotnet", "python", "ruby", "nodejs", "provided"} {
		if has[rt] {
			return rt
		}
	}
	return ""
}

// singleRuntime is the runtime of a folder: a source checkout may hold a
// Node service, a Maven module and Ruby scripts side by side, and naming
// one of them (by detectRuntime's priority) would be arbitrary. It is ""
// unless exactly one runtime shows (a bootstrap beside code is that code's
// custom runtime, not a second one).
func singleRuntime(v *vfs, founds []found) string {
	goBinary, has := runtimes(v, founds)
	if goBinary {
		has["go"] = true
	}
	for _, n := range v.names {
		if inOwnedDir(n) || strings.HasPrefix(n, "vendor/") || strings.Contains(n, "/vendor/") {
			continue
		}
		// Project manifests a deployment package does not carry.
		switch path.Base(n) {
		case "pom.xml", "build.gradle", "build.gradle.kts", "gradle.lockfile":
			has["java"] = true
		case "go.mod":
			has["go"] = true
		case "package-lock.json", "yarn.lock", "pnpm-lock.yaml":
			has["nodejs"] = true
		case "pyproject.toml", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock":
			has["python"] = true
		case "packages.lock.json":
			has["dotnet"] = true
		}
	}
	if len(has) > 1 {
		delete(has, "provided")
	}
	if len(has) != 1 {
		return ""
	}
	for rt := range has {
		return rt
	}
	return ""
}

// runtimes lists the runtimes whose code or dependencies the tree holds
// outside dependency folders, and whether a Go executable is among founds.
func runtimes(v *vfs, founds []found) (goBinary bool, has map[string]bool) {
	for _, f := range founds {
		if f.plugin == "go/binary" && f.pkg != nil && (f.pkg.Name == "go" || f.pkg.Name == "stdlib") {
			goBinary = true
		}
	}
	has = map[string]bool{}
	for _, n := range v.names {
		top, _, _ := strings.Cut(n, "/")
		switch top {
		case "nodejs":
			has["nodejs"] = true
		case "python":
			has["python"] = true
		case "java":
			has["java"] = true
		case "ruby":
			has["ruby"] = true
		}
		if path.Base(n) == "bootstrap" {
			has["provided"] = true
		}
		if strings.HasSuffix(n, ".deps.json") || strings.HasSuffix(n, ".runtimeconfig.json") {
			has["dotnet"] = true
		}
		if inOwnedDir(n) || strings.Contains(n, ".dist-info/") || strings.Contains(n, ".egg-info/") {
			if strings.HasPrefix(n, "node_modules/") {
				has["nodejs"] = true
			}
			if strings.Contains(n, "/gems/") {
				has["ruby"] = true
			}
			continue
		}
		switch strings.ToLower(path.Ext(n)) {
		case ".js", ".mjs", ".cjs":
			has["nodejs"] = true
		case ".py":
			has["python"] = true
		case ".class", ".jar":
			has["java"] = true
		case ".rb":
			has["ruby"] = true
		case ".dll":
			has["dotnet"] = true
		}
		switch path.Base(n) {
		case "package.json":
			has["nodejs"] = true
		case "requirements.txt":
			has["python"] = true
		case "Gemfile", "Gemfile.lock":
			has["ruby"] = true
		}
	}
	return goBinary, has
}

// addDeclaredNPM lists, when nothing else in the artifact names an npm
// package, the dependencies its package.json declares: without a lockfile,
// node_modules or a bundle that names them, the build installs releases
// nobody can tell, and a function that "ships no third-party packages"
// read as clean. Each is unchecked, with its range; local folders are the
// project's own code.
func (r *reader) addDeclaredNPM(v *vfs, m *merger) {
	if m.has(ecosystem.NPM) {
		return
	}
	for root, pj := range rootManifests(v) {
		names := slices.Sorted(maps.Keys(pj.Declared))
		for _, name := range names {
			spec := pj.Declared[name]
			if localPackage(ecosystem.NPM, "", name, spec) {
				continue
			}
			if ValidateVersion(ecosystem.NPM, spec) == nil {
				// An exact version ("4.17.21", not "^4.17.21") is what an
				// install fetches.
				m.addPackage(&Package{Ecosystem: ecosystem.NPM, Name: name, Version: spec}, rankLockfile, root)
				continue
			}
			m.addPackage(&Package{Ecosystem: ecosystem.NPM, Name: name,
				VersionError: "declared in " + root + " (" + truncate(spec, 80) + ") with no lockfile or node_modules: the version installed is unknown"}, rankLockfile, root)
		}
	}
}

// component finds the artifact's own application and removes it from the
// packages: the root package.json, the Go main module.
func (r *reader) component(v *vfs, a *Artifact, m *merger, founds []found) *Component {
	for root, pj := range rootManifests(v) {
		if pj.Name == "" {
			continue
		}
		c := &Component{Name: pj.Name, Version: pj.Version, PURL: PURL(ecosystem.NPM, pj.Name, pj.Version)}
		if err := ValidateVersion(ecosystem.NPM, pj.Version); pj.Version != "" && err != nil {
			r.inv.Warnings = append(r.inv.Warnings, Warning{Artifact: a.Path, Location: root,
				Message: fmt.Sprintf("application %s: unparseable version %q: %s", truncate(pj.Name, 80), truncate(pj.Version, 80), err)})
			c.PURL = PURL(ecosystem.NPM, pj.Name, "")
		}
		m.drop(ecosystem.NPM, pj.Name, pj.Version, root)
		return c
	}
	for _, f := range founds {
		if f.project {
			return &Component{Name: f.pkg.Name, Version: f.pkg.Version, PURL: PURL(ecosystem.NuGet, f.pkg.Name, f.pkg.Version)}
		}
	}
	for _, f := range founds {
		if f.goMain == "" {
			continue
		}
		m.dropName(ecosystem.Go, f.goMain, f.location)
		ver := f.goMainVersion
		if ver == "(devel)" {
			ver = ""
		}
		return &Component{Name: f.goMain, Version: ver, PURL: PURL(ecosystem.Go, f.goMain, ver),
			Hashes: Hashes{}.With("SHA-256", f.goMainHash)}
	}
	if c, file, eco := projectComponent(v); c != nil {
		m.drop(eco, c.Name, c.Version, file)
		return c
	}
	return nil
}

// sortedKeys is a small helper for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadMember returns the bytes of one file of an artifact: a zip member
// ("bootstrap", "a.jar!/b.jar" chains too), a file below a folder, or the
// file itself when the artifact is a single file. It applies the same limits
// and checks as Read, for callers that need a file again (a Go binary for
// symbol analysis).
func ReadMember(artifact, member string, limits Limits) ([]byte, error) {
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	b := &budget{limits: limits}
	st, err := os.Stat(artifact)
	if err != nil {
		return nil, inputErr(artifact, err)
	}
	if st.IsDir() {
		// A member inside an archive of the folder ("vendor/x.zip!/bin/tool")
		// is read from that archive, as Read found it.
		member, inner, nested := strings.Cut(member, "!/")
		clean, ok := cleanMemberName(member)
		if !ok {
			return nil, inputErr(artifact, fmt.Errorf("unsafe member %q", member))
		}
		// Read never follows links; neither does ReadMember.
		p := artifact
		for _, el := range strings.Split(clean, "/") {
			p = filepath.Join(p, el)
			if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				return nil, inputErr(artifact, &memberErr{member, errors.New("is or passes through a symbolic link: not followed")})
			}
		}
		data, err := readRealFile(filepath.Join(artifact, filepath.FromSlash(clean)), b)
		if err != nil {
			return nil, inputErr(artifact, &memberErr{member, err})
		}
		if nested {
			v := singleFileVFS(clean, data, fileInfo{name: clean, size: int64(len(data))}, b)
			if data, err = readChain(v, clean+"!/"+inner); err != nil {
				return nil, inputErr(artifact, err)
			}
		}
		return data, nil
	}
	f, err := os.Open(artifact)
	if err != nil {
		return nil, inputErr(artifact, err)
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if !isZip(head[:n]) || isNestedArchive(artifact) {
		if member != filepath.Base(artifact) {
			return nil, inputErr(artifact, fmt.Errorf("%s: no such member", member))
		}
		return readRealFile(artifact, b)
	}
	t, err := openZip(f, st.Size(), b, "")
	if err != nil {
		return nil, inputErr(artifact, err)
	}
	v := zipVFS(t, b)
	data, err := readChain(v, member)
	if err != nil {
		return nil, inputErr(artifact, err)
	}
	return data, nil
}
