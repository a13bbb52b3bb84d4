package lockfiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/purl"
)

// foundReader is a fnguard reader that reports packages to the inventory
// directly, with what a scalibr Package cannot carry (a VersionError, a
// hash, a warning); extractAll calls it instead of Extract.
type foundReader interface {
	// digest is data's SHA-256 when it was taken as the file inflated.
	extractFound(ctx context.Context, pl plugin, v *vfs, name string, data []byte, digest *[sha256.Size]byte) ([]found, error)
}

// javaArchiveName keeps the name of the osv-scalibr extractor this reader
// replaces.
const javaArchiveName = "java/archive"

// javaArchive reads jars (and wars, ears) in the one pass walkJar already
// makes over every archive level. It replaces osv-scalibr v0.5.3's java
// archive extractor, which inflated every jar a second time and linked
// deps.dev's Maven client (grpc, protobuf) into the binary. Its outputs are
// that extractor's with ExtractFromFilename and HashJars off: one package
// per valid pom.properties (groupId, artifactId and version present and
// without spaces, placeholders kept as written); a jar level without one is
// identified by fnguard's manifest and file-name fallback (identifyJar) and
// is listed even when it cannot be named.
type javaArchive struct{ ownExtractor }

func newJavaArchive(*cpb.PluginConfig) (filesystem.Extractor, error) { return javaArchive{}, nil }

func (javaArchive) Name() string { return javaArchiveName }

// FileRequired admits what scalibr's extractor admitted at the top level;
// inside a jar only what the JVM loads is opened (isNestedArchive).
func (javaArchive) FileRequired(api filesystem.FileAPI) bool {
	if !isJavaArchive(api.Path()) {
		return false
	}
	_, err := api.Stat()
	return err == nil
}

var javaArchiveExts = []string{".jar", ".war", ".ear", ".jmod", ".par", ".sar", ".jpi", ".hpi", ".lpkg", ".nar"}

func isJavaArchive(p string) bool {
	ext := path.Ext(p)
	for _, e := range javaArchiveExts {
		if strings.EqualFold(ext, e) {
			return true
		}
	}
	return false
}

func (javaArchive) extractFound(ctx context.Context, pl plugin, v *vfs, name string, data []byte, digest *[sha256.Size]byte) ([]found, error) {
	return extractJar(ctx, pl, v, name, data, digest)
}

// Extract reads one jar on its own, under DefaultLimits: a jar fnguard
// could not name is a package with its file name and no version.
func (j javaArchive) Extract(ctx context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	data, err := io.ReadAll(io.LimitReader(in.Reader, DefaultLimits.MaxEntryBytes+1))
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("%s: %w", in.Path, err)
	}
	if int64(len(data)) > DefaultLimits.MaxEntryBytes {
		return inventory.Inventory{}, fmt.Errorf("%s: larger than %d bytes", in.Path, DefaultLimits.MaxEntryBytes)
	}
	v := &vfs{budget: &budget{limits: DefaultLimits}}
	fs, err := extractJar(ctx, plugin{ex: j, rank: rankInstalled}, v, in.Path, data, nil)
	if err != nil {
		return inventory.Inventory{}, err
	}
	var out []*scalibr.Package
	for _, f := range fs {
		p := f.lenient
		out = append(out, &scalibr.Package{Name: p.Name, Version: p.Version, PURLType: purl.TypeMaven,
			Licenses: p.Licenses, Location: scalibr.LocationFromPath(f.location)})
	}
	return inventory.Inventory{Packages: out}, nil
}

// pomProps is one pom.properties, as Maven's archiver writes it into every
// jar it builds (META-INF/maven/<groupId>/<artifactId>/pom.properties).
type pomProps struct {
	member                   string // its name inside the jar
	group, artifact, version string
}

// valid is scalibr's rule: all three present, none with a space. A
// placeholder left in by a broken build (version=${project.version}) is
// kept: the version check then lists the package as unchecked.
func (p pomProps) valid() bool {
	return p.group != "" && !strings.Contains(p.group, " ") &&
		p.artifact != "" && !strings.Contains(p.artifact, " ") &&
		p.version != "" && !strings.Contains(p.version, " ")
}

// parsePomProps reads groupId, artifactId and version the way scalibr did:
// "key=value" lines, both sides trimmed, the last of a key winning; other
// lines (comments, "key: value") are ignored.
func parsePomProps(member string, data []byte) pomProps {
	p := pomProps{member: member}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		k, val, ok := strings.Cut(strings.TrimSpace(string(line)), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "groupId":
			p.group = strings.TrimSpace(val)
		case "artifactId":
			p.artifact = strings.TrimSpace(val)
		case "version":
			p.version = strings.TrimSpace(val)
		}
	}
	return p
}

// jarFileName is what a jar's file name says: Maven repositories name jars
// artifactId-version.jar, and so do Gradle's and Maven's copy tasks.
type jarFileName struct {
	artifact, version string
}

// Version-looking tails, as scalibr's ParseFilename (v0.5.3) accepts them:
// a digit (1.2.3, 4-2_3), "build" and a digit, or r/rc and a number not
// followed by a letter (r12, rc4, but not rc1asd).
var (
	versionBuild   = regexp.MustCompile(`^build[0-9]`)
	versionRelease = regexp.MustCompile(`^rc?[0-9]+([^a-zA-Z]|$)`)
)

func looksLikeVersion(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9' || versionBuild.MatchString(s) || versionRelease.MatchString(s)
}

// parseJarFileName splits a jar's file name into artifactId and version at
// the first "-" followed by something version-like (guava-31.1-jre.jar),
// else at the first "_" or "." so followed; ok is false when no version is
// found (app.jar). It reproduces scalibr's ParseFilename, which fnguard no
// longer links.
func parseJarFileName(p string) (jarFileName, bool) {
	base := path.Base(p)
	stem := strings.TrimSuffix(base, path.Ext(base))
	if strings.Contains(stem, "-") {
		for i := 0; i < len(stem); i++ {
			if stem[i] == '-' && looksLikeVersion(stem[i+1:]) {
				return jarFileName{stem[:i], stem[i+1:]}, true
			}
		}
	}
	for _, sep := range []string{"_", "."} {
		if i := strings.Index(stem, sep); i >= 0 && looksLikeVersion(stem[i+1:]) {
			return jarFileName{stem[:i], stem[i+1:]}, true
		}
	}
	return jarFileName{artifact: stem}, false
}
