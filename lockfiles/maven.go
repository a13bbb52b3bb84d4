package lockfiles

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/archive"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/groupid"
	"github.com/google/osv-scalibr/purl"

	scalibr "github.com/google/osv-scalibr/extractor"
)

// jarInfo is what fnguard itself reads of one archive level of a jar.
type jarInfo struct {
	chain    string // "lib/a.jar!/BOOT-INF/lib/b.jar"
	hasPom   bool   // META-INF/maven/**/pom.properties present
	manifest map[string]string
	licenses []string // from the embedded pom.xml, else Bundle-License
	sha256   string
}

// walkJar checks every archive level of a jar before any extractor recurses
// into it (names, sizes, links, depth), so a hostile jar fails with the chain
// that broke it, and records what the Maven fallback needs.
func walkJar(data []byte, chain string, b *budget, depth int, visit func(*jarInfo)) error {
	if depth > b.limits.MaxDepth {
		return fmt.Errorf("nesting deeper than %d archives at %s", b.limits.MaxDepth, chain)
	}
	t, err := openZip(bytes.NewReader(data), int64(len(data)), b, chain+"!/")
	if err != nil {
		var me *memberErr
		if errors.As(err, &me) {
			return err
		}
		return &memberErr{chain, err}
	}
	sum := sha256.Sum256(data)
	info := &jarInfo{chain: chain, sha256: hex.EncodeToString(sum[:])}
	for _, name := range t.names {
		switch {
		case strings.HasPrefix(name, "META-INF/maven/") && path.Base(name) == "pom.properties":
			info.hasPom = true
		case strings.HasPrefix(name, "META-INF/maven/") && path.Base(name) == "pom.xml" && info.licenses == nil:
			pom, err := t.files[name].read(b)
			if err != nil {
				return &memberErr{chain + "!/" + name, err}
			}
			info.licenses = pomLicenses(pom)
		case name == "META-INF/MANIFEST.MF":
			mf, err := t.files[name].read(b)
			if err != nil {
				return &memberErr{chain + "!/" + name, err}
			}
			info.manifest = parseManifest(mf)
		case isNestedArchive(name):
			inner, err := t.files[name].read(b)
			if err != nil {
				return &memberErr{chain + "!/" + name, err}
			}
			if err := walkJar(inner, chain+"!/"+name, b, depth+1, visit); err != nil {
				return err
			}
		}
	}
	if len(info.licenses) == 0 {
		// OSGi's Bundle-License is an SPDX expression or a URL list.
		if bl := strings.TrimSpace(strings.Split(info.manifest["Bundle-License"], ";")[0]); bl != "" && !strings.Contains(bl, ",") {
			info.licenses = []string{normalizeLicense(bl)}
		}
	}
	visit(info)
	return nil
}

// parseManifest reads a JAR manifest's main section: "Name: value" lines,
// continuation lines starting with one space, sections split by blank lines.
func parseManifest(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	last := ""
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break // only the main section describes the jar itself
		}
		if strings.HasPrefix(line, " ") && last != "" {
			out[last] += line[1:]
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			last = ""
			continue
		}
		last = strings.TrimSpace(k)
		if _, dup := out[last]; !dup {
			out[last] = strings.TrimSpace(v)
		}
	}
	return out
}

// extractJar runs scalibr's java archive extractor on a jar, after walkJar
// has bounded it, and replaces its manifest guesses with fnguard's.
func extractJar(ctx context.Context, pl plugin, v *vfs, name string, data []byte) ([]found, error) {
	var jars []*jarInfo
	if err := walkJar(data, name, v.budget, 1, func(j *jarInfo) { jars = append(jars, j) }); err != nil {
		return nil, err
	}
	f := &openFile{Reader: bytes.NewReader(data), info: v.files[name].info}
	inv, err := pl.ex.Extract(ctx, &filesystem.ScanInput{FS: v, Path: name, Info: f.info, Reader: f})
	if err != nil {
		return nil, &memberErr{name, fmt.Errorf("%s: %w", pl.ex.Name(), err)}
	}
	noPom := map[string]*jarInfo{}
	byChain := map[string]*jarInfo{}
	for _, j := range jars {
		byChain[j.chain] = j
		if !j.hasPom {
			noPom[j.chain+"!/META-INF/MANIFEST.MF"] = j
		}
	}
	var out []found
	for _, p := range inv.Packages {
		loc := evidencePath(p, name)
		if _, guessed := noPom[loc]; guessed {
			continue
		}
		j := byChain[innermostArchive(loc)]
		if j == nil {
			return nil, &memberErr{loc, errors.New("java archive extractor named a member outside the checked jars")}
		}
		if len(p.Licenses) == 0 {
			p.Licenses = j.licenses
		}
		out = append(out, found{pkg: p, rank: pl.rank, location: loc, plugin: pl.ex.Name(), sha256: j.sha256})
	}
	for loc, j := range noPom {
		g, a, ver, ok := manifestIdentity(j)
		if !ok {
			continue
		}
		out = append(out, found{pkg: &scalibr.Package{Name: g + ":" + a, Version: ver, PURLType: purl.TypeMaven, Licenses: j.licenses},
			rank: pl.rank, location: loc, plugin: pl.ex.Name(), sha256: j.sha256})
	}
	return out, nil
}

// manifestIdentity guesses Maven coordinates for a jar without
// pom.properties. The version must come from the manifest (a file name alone
// is not evidence: report-engine-2.0.jar is nobody's artifact). The
// artifactId is the file name's when that agrees with the manifest, and the
// groupId is a vendor id or symbolic name only when it names the artifact
// (org.postgresql for postgresql, com.h2database for h2, not org.apache for
// commons-collections); otherwise the legacy convention groupId=artifactId,
// which is how pre-2005 artifacts such as commons-collections are published.
func manifestIdentity(j *jarInfo) (group, artifact, version string, ok bool) {
	mf := j.manifest
	version = firstOf(mf, "Implementation-Version", "Bundle-Version")
	if version == "" || strings.ContainsAny(version, " \t$") {
		return "", "", "", false
	}
	file := path.Base(j.chain[strings.LastIndex(j.chain, "!/")+1:])
	if p := archive.ParseFilename(file); p != nil {
		if p.Version != version && !strings.HasPrefix(version, p.Version+".") {
			return "", "", "", false // file name and manifest disagree: no evidence either way
		}
		artifact = p.ArtifactID
	} else {
		artifact = strings.TrimSuffix(file, path.Ext(file))
	}
	if artifact == "" {
		return "", "", "", false
	}
	for _, key := range []string{"Implementation-Vendor-Id", "Bundle-SymbolicName", "Automatic-Module-Name"} {
		g := strings.TrimSpace(strings.Split(mf[key], ";")[0])
		if g == "" || !strings.Contains(g, ".") {
			continue
		}
		last := g[strings.LastIndex(g, ".")+1:]
		if strings.HasPrefix(last, artifact) || strings.HasPrefix(artifact, last) {
			return g, artifact, version, true
		}
	}
	if g := groupid.FromArtifactID(artifact); g != "" {
		return g, artifact, version, true
	}
	return artifact, artifact, version, true
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(m[k]); v != "" {
			return v
		}
	}
	return ""
}
