// Package lockfiles turns what a serverless release ships (Lambda function and
// layer zips, unpacked folders, lockfiles, existing SBOMs) into an inventory of
// packages. It knows nothing of advisories.
package lockfiles

import (
	"encoding/hex"
	"slices"
	"strings"
)

// Artifact kinds, as the JSON report names them.
const (
	KindFunction  = "function"
	KindLayer     = "layer"
	KindLockfile  = "lockfile"
	KindDirectory = "directory"
	KindSBOM      = "sbom"
)

// Inventory is everything found in the inputs of one run.
type Inventory struct {
	// Artifacts in input order; a function's layers follow it, with Parent set.
	Artifacts []*Artifact
	// Warnings are problems that did not stop the inventory (an unparseable
	// version, for instance) and must be shown to the user.
	Warnings []Warning
}

// Artifact is one input: a zip, a folder, a lockfile or an SBOM.
type Artifact struct {
	Path    string // as given on the command line
	Kind    string // KindFunction, KindLayer, ...
	Runtime string // nodejs, python, java, go, ruby, dotnet, or "" when unknown
	// Parent is the path of the function a layer is attached to (--layer).
	Parent string
	// Component is the artifact's own application (root package.json, the Go
	// main module, an SBOM's metadata.component): it describes the artifact and
	// is never listed among its dependencies. Nil when nothing names it.
	Component *Component
	Packages  []*Package
	// Complete is false when the inventory of this artifact is known to be
	// partial (an SBOM that says so, for instance).
	Complete bool
	// executables are Go executables inflated from inside an archive, kept
	// for symbol analysis so a bootstrap is not inflated a second time.
	executables map[string][]byte
}

// maxKeptExecutables bounds the bytes of executables kept per artifact; an
// executable beyond it is read again when it is analysed.
const maxKeptExecutables = 256 << 20

func (a *Artifact) keepExecutable(member string, data []byte) {
	total := 0
	for _, d := range a.executables {
		total += len(d)
	}
	if total+len(data) > maxKeptExecutables {
		return
	}
	if a.executables == nil {
		a.executables = map[string][]byte{}
	}
	a.executables[member] = data
}

// TakeExecutable returns the bytes of a Go executable the inventory
// inflated from inside an archive and forgets them; nil when they were not
// kept (a file on disk, or past the bound), for ReadMember to read.
func (a *Artifact) TakeExecutable(member string) []byte {
	data := a.executables[member]
	delete(a.executables, member)
	return data
}

// Component names an artifact's own application.
type Component struct {
	Name    string
	Version string
	PURL    string
	// DependsOn lists the purls of the packages the application declares
	// directly (from package.json, go.mod, pom.xml ...).
	DependsOn []string
	// Hashes of the file that is the application, where there is one (a Go
	// executable).
	Hashes Hashes
}

// Hash is one digest of a file. A lowercase hex digest is held as its
// bytes, half the size: a 200,000-entry package-lock.json carries as many
// SHA-512 integrities, and their hex was a tenth of the scan's live memory.
// Anything else (an SBOM's malformed value) is held as given.
type Hash struct {
	Alg string // CycloneDX algorithm name: "SHA-256", "SHA-512"
	sum string // the digest's bytes when raw, else the value as given
	raw bool
}

// NewHash is alg's digest given in hex.
func NewHash(alg, value string) Hash {
	if b, err := hex.DecodeString(value); err == nil && len(b) > 0 && hex.EncodeToString(b) == value {
		return Hash{Alg: alg, sum: string(b), raw: true}
	}
	return Hash{Alg: alg, sum: value}
}

// Value is the digest in hex, or as it was given when it was not hex.
func (h Hash) Value() string {
	if h.raw {
		return hex.EncodeToString([]byte(h.sum))
	}
	return h.sum
}

// Hashes are a file's digests, at most one per algorithm. A slice and not
// a map: nearly every package has one digest, and a map per package was a
// quarter of the inventory's memory at 200,000 npm packages.
type Hashes []Hash

// Get returns the digest for alg in hex, "" when there is none.
func (h Hashes) Get(alg string) string {
	for _, x := range h {
		if x.Alg == alg {
			return x.Value()
		}
	}
	return ""
}

// With returns h with alg's digest (hex) added, unless h has one already
// or value is empty.
func (h Hashes) With(alg, value string) Hashes {
	if value == "" {
		return h
	}
	return h.WithHash(NewHash(alg, value))
}

// WithHash returns h with x added, unless h has a digest for x.Alg
// already; x is kept as it is held, never converted through hex.
func (h Hashes) WithHash(x Hash) Hashes {
	for _, y := range h {
		if y.Alg == x.Alg && y.sum != "" {
			return h
		}
	}
	return append(h, x)
}

// Sorted returns a copy ordered by algorithm.
func (h Hashes) Sorted() Hashes {
	out := slices.Clone(h)
	slices.SortFunc(out, func(a, b Hash) int { return strings.Compare(a.Alg, b.Alg) })
	return out
}

// Package is one (ecosystem, name, version) found in an artifact. The same
// package seen through several files is one Package with several Locations.
type Package struct {
	Ecosystem string
	Name      string // ecosystem-native form: Maven "group:artifact", npm "@scope/name"
	Version   string
	PURL      string // canonical purl, no qualifiers scalibr adds
	// Locations name the evidence inside the artifact; "!/" steps into a nested
	// archive: "lib/app.jar!/BOOT-INF/lib/x.jar!/META-INF/maven/g/a/pom.properties".
	Locations  []string
	Artifact   string   // Artifact.Path this package came from
	Categories []string // "orm", "db-driver", ...
	Licenses   []string // SPDX ids or expressions as declared
	// Hashes of the file that is the package (jar, wheel, gem, binary).
	Hashes Hashes
	// DependsOn lists the purls of packages this one depends on, where the
	// evidence gives edges (lockfiles, package.json).
	DependsOn []string
	// VersionError is set when the version cannot be parsed in the package's
	// ecosystem, or is unknown: such a package must never be called clean.
	VersionError string
	// Evidence says how the package was identified when that is not its own
	// manifest or a lockfile entry: for bundled JavaScript "metafile",
	// "sourcemap", "bundle-comment", "webpack-module", "legal-comment",
	// "inlined-package-json"; for a jar without pom.properties "manifest",
	// "file-name". "" is the ecosystem's ordinary evidence.
	Evidence string
	// Confidence is "high", "medium" or "low" where the identity is inferred
	// rather than read; "" when it was read.
	Confidence string
}

// Warning is a non-fatal problem found while reading an artifact.
type Warning struct {
	Artifact string
	Location string
	Message  string
}
