package lockfiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/depsjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/packageslockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gobinary"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gomod"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/gradlelockfile"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagejson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/yarnlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pdmlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/poetrylock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/uvlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/wheelegg"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemspec"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargoauditable"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargolock"
	"github.com/google/osv-scalibr/inventory"
)

// Evidence strength: what is installed outranks what a lockfile says, so a
// package's displayed name comes from its own metadata (PyPI "Jinja2", not
// the "jinja2" a requirements file may spell).
const (
	rankLockfile  = 1
	rankInstalled = 2
)

// plugin is one extractor and where fnguard lets it look.
type plugin struct {
	ex   filesystem.Extractor
	rank int
	// place refines the extractor's own FileRequired with what a deployment
	// package means: lockfiles that packages ship inside their own folders
	// describe those packages' development, not what this artifact runs.
	place func(p string) bool
	// binary plugins read executables: only files that look like one are read.
	binary bool
}

func newPlugins() ([]plugin, error) {
	cfg := &cpb.PluginConfig{}
	type ctor func(*cpb.PluginConfig) (filesystem.Extractor, error)
	specs := []struct {
		new    ctor
		cfg    *cpb.PluginConfig
		rank   int
		place  func(string) bool
		binary bool
	}{
		{newNPMLock, cfg, rankLockfile, projectFile, false}, // fnguard: scalibr's is quadratic (npmlock.go)
		{yarnlock.New, cfg, rankLockfile, projectFile, false},
		{newPNPMLock, cfg, rankLockfile, projectFile, false}, // fnguard: scalibr's is quadratic (pnpmlock.go)
		{packagejson.New, cfg, rankInstalled, installedNodePackage, false},
		{wheelegg.New, cfg, rankInstalled, pythonMetadata, false},
		{newRequirements, cfg, rankLockfile, projectFile, false}, // fnguard: includes made whole (requirements.go)
		{poetrylock.New, cfg, rankLockfile, projectFile, false},
		{newPipfileLock, cfg, rankLockfile, projectFile, false}, // fnguard: scalibr's is quadratic (pipfilelock.go)
		{uvlock.New, cfg, rankLockfile, projectFile, false},
		{pdmlock.New, cfg, rankLockfile, projectFile, false},
		{newJavaArchive, cfg, rankInstalled, anywhere, false}, // fnguard: scalibr's inflates every jar again (jar.go)
		{newPOMXML, cfg, rankLockfile, projectFile, false},    // fnguard: scalibr's is quadratic (pomxml.go)
		{gradlelockfile.New, cfg, rankLockfile, projectFile, false},
		{gobinary.New, cfg, rankInstalled, anywhere, true},
		{gomod.New, cfg, rankLockfile, projectFile, false},
		{gemspec.New, cfg, rankInstalled, gemSpecification, false},
		{gemfilelock.New, cfg, rankLockfile, projectFile, false},
		{depsjson.New, cfg, rankInstalled, anywhere, false},
		{packageslockjson.New, cfg, rankLockfile, projectFile, false},
		{newComposerLock, cfg, rankLockfile, projectFile, false}, // fnguard: scalibr's is quadratic (composerlock.go)
		{cargolock.New, cfg, rankLockfile, projectFile, false},
		{cargoauditable.New, cfg, rankInstalled, anywhere, true},
	}
	out := make([]plugin, 0, len(specs))
	for _, s := range specs {
		ex, err := s.new(s.cfg)
		if err != nil {
			return nil, fmt.Errorf("initialising extractor: %w", err)
		}
		out = append(out, plugin{ex: ex, rank: s.rank, place: s.place, binary: s.binary})
	}
	return out, nil
}

func anywhere(string) bool { return true }

// ownedDirs hold other packages' files: a lockfile or manifest found below
// one of them belongs to that package, not to the artifact.
var ownedDirs = map[string]bool{
	"node_modules": true, "site-packages": true, "dist-packages": true,
	"gems": true, "bower_components": true, ".git": true,
}

func inOwnedDir(p string) bool {
	for _, el := range strings.Split(path.Dir(p), "/") {
		if ownedDirs[el] {
			return true
		}
	}
	return false
}

// projectFile admits lockfiles and manifests of the artifact itself (at any
// depth, for monorepos), not those shipped inside installed packages.
func projectFile(p string) bool {
	if inOwnedDir(p) {
		return false
	}
	// Composer installs into vendor/<vendor>/<pkg>/ and Go vendors into
	// vendor/: their lockfiles are the vendored packages' own.
	return !strings.HasPrefix(p, "vendor/") && !strings.Contains(p, "/vendor/")
}

// installedNodePackage admits node_modules/<name>/package.json and
// node_modules/@scope/<name>/package.json at any nesting, and nothing else:
// test fixtures and examples inside packages carry package.json files too.
func installedNodePackage(p string) bool {
	els := strings.Split(p, "/")
	if len(els) < 3 || els[len(els)-1] != "package.json" {
		return false
	}
	i := len(els) - 2
	if strings.HasPrefix(els[i-1], "@") {
		i--
	}
	return i >= 1 && els[i-1] == "node_modules" && !strings.HasPrefix(els[i], ".")
}

// pythonMetadata admits installed distributions' metadata, not copies that a
// package keeps as test data.
func pythonMetadata(p string) bool {
	dir := path.Base(path.Dir(p))
	return strings.HasSuffix(dir, ".dist-info") || strings.HasSuffix(dir, ".egg-info") ||
		strings.HasSuffix(p, ".egg-info") // single-file egg-info (Debian style)
}

// gemSpecification admits the gemspecs RubyGems and Bundler install
// (specifications/*.gemspec), not the .gemspec source a gem ships.
func gemSpecification(p string) bool {
	return path.Base(path.Dir(p)) == "specifications"
}

// looksExecutable reports whether data starts like a native executable.
func looksExecutable(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x7fELF")) ||
		bytes.HasPrefix(data, []byte("MZ")) ||
		bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfa, 0xce}) || bytes.HasPrefix(data, []byte{0xce, 0xfa, 0xed, 0xfe}) ||
		bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfa, 0xcf}) || bytes.HasPrefix(data, []byte{0xcf, 0xfa, 0xed, 0xfe})
}

// binaryCandidate picks files worth reading as executables. Lambda's own
// rules say where executables are: the function's bootstrap, a layer's bin/.
// Zips built on Windows lose the executable bit, so those names count alone.
func binaryCandidate(p string, v *vfs) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".py", ".js", ".mjs", ".cjs", ".ts", ".rb", ".sh", ".json", ".txt", ".md", ".html",
		".css", ".map", ".yml", ".yaml", ".xml", ".jar", ".class", ".pyc", ".pyi", ".h", ".c",
		".go", ".lock", ".toml", ".gemspec", ".png", ".jpg", ".gif", ".svg", ".zip", ".gz":
		return false
	}
	if path.Base(p) == "bootstrap" || strings.HasPrefix(p, "bin/") || strings.Contains(p, "/bin/") {
		return true
	}
	f := v.files[p]
	return f != nil && f.info.Mode()&0o111 != 0
}

// fileAPI is what FileRequired sees.
type fileAPI struct {
	p string
	v *vfs
}

func (a fileAPI) Path() string { return a.p }
func (a fileAPI) Stat() (fs.FileInfo, error) {
	return a.v.Stat(a.p)
}

// execAPI presents a binary candidate as executable to FileRequired:
// binaryCandidate already chose it by name and place, and zips made on
// Windows carry no mode bits for scalibr to see.
type execAPI struct{ fileAPI }

func (a execAPI) Stat() (fs.FileInfo, error) {
	fi, err := a.fileAPI.Stat()
	if err != nil {
		return nil, err
	}
	return execInfo{fi}, nil
}

type execInfo struct{ fs.FileInfo }

func (i execInfo) Mode() fs.FileMode { return i.FileInfo.Mode() | 0o111 }

// found is one package as one extractor saw it, before merging.
type found struct {
	pkg      *scalibr.Package
	rank     int
	location string // evidence path, "!/" chained
	plugin   string
	// lenient is set instead of pkg when fnguard read the file itself: with
	// a directReader, or after the extractor refused it (see tolerate).
	lenient *Package
	// sha256 is the hash of the file that is the package (a jar), hex.
	sha256 string
	// goMain is the main module of the Go executable the package came from.
	goMain, goMainVersion, goMainHash string
	// project is set for the application a .deps.json describes ("type":
	// "project"): the artifact's component, never a dependency.
	project bool
}

// digestWanted says whether pl records the SHA-256 of what it reads (a Go
// executable, a jar), which a large deflated member then gets on another
// core while it inflates.
func digestWanted(pl plugin) bool {
	n := pl.ex.Name()
	return n == gobinary.Name || n == javaArchiveName
}

// hexDigest is the SHA-256 of data in hex: the one taken while it inflated
// when there is one.
func hexDigest(data []byte, taken *[sha256.Size]byte) string {
	if taken == nil {
		sum := sha256.Sum256(data)
		taken = &sum
	}
	return hex.EncodeToString(taken[:])
}

// wants says whether pl reads name, as far as can be told before the file
// is read.
func wants(pl plugin, v *vfs, name string) bool {
	if !pl.place(name) {
		return false
	}
	if pl.binary && !binaryCandidate(name, v) {
		return false
	}
	api := fileAPI{p: name, v: v}
	var req filesystem.FileAPI = api
	if pl.binary {
		req = execAPI{api}
	}
	return pl.ex.FileRequired(req)
}

// extractAll runs every plugin over every file of v and returns what they
// found. Any extractor error is an error: a lockfile that cannot be read
// makes the inventory incomplete, and an incomplete inventory must not pass.
func extractAll(ctx context.Context, v *vfs, plugins []plugin, warn func(member, msg string)) ([]found, error) {
	var out []found
	read := v.readFile
	pf := startPrefetch(v, plugins)
	if pf != nil {
		defer pf.close()
		read = pf.read
	}
	for _, name := range v.names {
		// A file several extractors want is inflated once.
		var data []byte
		var digest *[sha256.Size]byte // taken while it inflated, when it was
		for _, pl := range plugins {
			if !wants(pl, v, name) {
				continue
			}
			if !pl.binary && (len(v.claimed) == 0 || v.claimed[len(v.claimed)-1] != name) {
				v.claimed = append(v.claimed, name)
			}
			if dr, ok := pl.ex.(directReader); ok && data == nil && v.files[name].stream != nil {
				// A file on disk is decoded as it is read, never held whole.
				direct, err := streamDirect(dr, v, name)
				if err != nil {
					d, rerr := v.readFile(name)
					if rerr != nil {
						return nil, &memberErr{name, rerr}
					}
					fallback, err := extractErr(pl, name, d, err, warn)
					if err != nil {
						return nil, err
					}
					out = append(out, fallback...)
					continue
				}
				for _, p := range direct {
					out = append(out, found{lenient: p, rank: pl.rank, location: name, plugin: pl.ex.Name()})
				}
				continue
			}
			if data == nil {
				var d []byte
				var err error
				if f := v.files[name]; digestWanted(pl) && f.readDigest != nil && !pf.holds(name) {
					d, digest, err = f.readDigest()
				} else {
					d, err = read(name)
				}
				if err != nil {
					return nil, &memberErr{name, err}
				}
				data = d
			}
			if pl.binary && !looksExecutable(data) {
				continue
			}
			if r, ok := pl.ex.(foundReader); ok {
				fs, err := r.extractFound(ctx, pl, v, name, data, digest)
				if err != nil {
					return nil, err
				}
				out = append(out, fs...)
				continue
			}
			f := &openFile{Reader: bytes.NewReader(data), info: v.files[name].info}
			in := &filesystem.ScanInput{FS: v, Path: name, Root: "", Info: f.info, Reader: f}
			var inv inventory.Inventory
			var direct []*Package
			var err error
			if dr, ok := pl.ex.(directReader); ok {
				direct, err = dr.readDirect(in)
			} else {
				inv, err = pl.ex.Extract(ctx, in)
			}
			if err != nil {
				fallback, err := extractErr(pl, name, data, err, warn)
				if err != nil {
					return nil, err
				}
				out = append(out, fallback...)
				continue
			}
			if direct != nil {
				// What it read is decoded: a 90 MB lockfile need not stay
				// alive while its packages are merged. A later plugin
				// wanting the same file reads it again.
				data, digest = nil, nil
			}
			for _, p := range direct {
				out = append(out, found{lenient: p, rank: pl.rank, location: name, plugin: pl.ex.Name()})
			}
			var goMain, goMainVersion, binHash string
			if pl.ex.Name() == gobinary.Name {
				if bi, err := buildinfo.Read(bytes.NewReader(data)); err == nil {
					goMain, goMainVersion = bi.Main.Path, bi.Main.Version
					binHash = hexDigest(data, digest)
				}
				if v.inArchive && v.keep != nil && len(inv.Packages) > 0 {
					v.keep(name, data)
				}
			}
			for _, p := range inv.Packages {
				md, _ := p.Metadata.(*depsjson.Metadata)
				out = append(out, found{pkg: p, rank: pl.rank, location: evidencePath(p, name), plugin: pl.ex.Name(),
					goMain: goMain, goMainVersion: goMainVersion, goMainHash: binHash, project: md != nil && md.Type == "project"})
			}
		}
	}
	return out, nil
}

// streamDirect runs a directReader over a file of v opened as a stream.
func streamDirect(dr directReader, v *vfs, name string) ([]*Package, error) {
	rc, err := v.files[name].stream()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return dr.readDirect(&filesystem.ScanInput{FS: v, Path: name, Info: v.files[name].info, Reader: rc})
}

// extractErr turns an extractor's failure on name into the inventory's
// error, or into what fnguard reads itself when the failure is one it
// tolerates (see tolerate).
func extractErr(pl plugin, name string, data []byte, err error, warn func(member, msg string)) ([]found, error) {
	if ok, fallback := tolerate(pl.ex.Name(), name, data, err, warn); ok {
		return fallback, nil
	}
	if strings.HasSuffix(name, ".json") {
		if jerr := jsonSyntax(data); jerr != nil {
			return nil, &memberErr{name, jerr}
		}
	}
	return nil, &memberErr{name, fmt.Errorf("%s: %w", pl.ex.Name(), err)}
}

// evidencePath turns a scalibr location into fnguard's "!/" chain. The java
// archive extractor joins nested member names with "/" and lists the chain
// in Related; everything else names the file it read.
func evidencePath(p *scalibr.Package, file string) string {
	if len(p.Location.Related) == 0 {
		return file
	}
	last := p.Location.Related[len(p.Location.Related)-1].PathOrEmpty()
	if last == "" {
		return file
	}
	// Every earlier Related entry (and the descriptor) is an archive in the
	// chain; rewrite the boundaries from the outermost inward.
	chain := []string{file}
	for _, r := range p.Location.Related[:len(p.Location.Related)-1] {
		chain = append(chain, r.PathOrEmpty())
	}
	out := ""
	prev := ""
	for i, a := range chain {
		rel := a
		if i > 0 {
			rel = strings.TrimPrefix(a, prev+"/")
			out += "!/"
		}
		out += rel
		prev = a
	}
	return out + "!/" + strings.TrimPrefix(last, prev+"/")
}
