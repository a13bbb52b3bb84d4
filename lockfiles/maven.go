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
	"regexp"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/java/groupid"
)

// jarInfo is what fnguard itself reads of one archive level of a jar.
type jarInfo struct {
	chain    string // "lib/a.jar!/BOOT-INF/lib/b.jar"
	hasPom   bool   // a valid pom.properties names the jar (pomProps.valid)
	poms     []pomProps
	nested   bool // holds jars of its own (a fat jar, a war)
	manifest map[string]string
	licenses []string // from the first embedded pom.xml, else Bundle-License
	// pomLicenses are the licences of each META-INF/maven/<g>/<a>/pom.xml
	// by folder: a shaded jar carries its bundled libraries' poms too.
	pomLicenses map[string][]string
	sha256      string
}

// walkJar checks every archive level of a jar before any extractor recurses
// into it (names, sizes, links, depth), so a hostile jar fails with the chain
// that broke it, and records what the Maven fallback needs.
func walkJar(data []byte, chain string, b *budget, depth int, digest *[sha256.Size]byte, visit func(*jarInfo)) error {
	if depth > b.limits.MaxDepth {
		return fmt.Errorf("nesting deeper than %d archives at %s", b.limits.MaxDepth, chain)
	}
	t, err := openZip(inMemory(data), int64(len(data)), b, chain+"!/")
	if err != nil {
		var me *memberErr
		if errors.As(err, &me) {
			return err
		}
		return &memberErr{chain, err}
	}
	// The digest is wanted only at the end: unless it was taken as the jar
	// inflated, it is taken on another core while the members are read (a
	// fat jar's levels are megabytes).
	sum := make(chan [sha256.Size]byte, 1)
	if digest != nil {
		sum <- *digest
	} else {
		go func() { sum <- sha256.Sum256(data) }()
	}
	info := &jarInfo{chain: chain}
	for _, name := range t.names {
		switch {
		case path.Base(name) == "pom.properties":
			// Anywhere in the jar, as scalibr read them: a shaded jar keeps
			// each bundled library's under META-INF/maven.
			pp, err := t.files[name].read(b)
			if err != nil {
				return &memberErr{chain + "!/" + name, err}
			}
			info.poms = append(info.poms, parsePomProps(name, pp))
			info.hasPom = info.hasPom || info.poms[len(info.poms)-1].valid()
		case strings.HasPrefix(name, "META-INF/maven/") && path.Base(name) == "pom.xml":
			pom, err := t.files[name].read(b)
			if err != nil {
				return &memberErr{chain + "!/" + name, err}
			}
			lic := pomLicenses(pom)
			if info.licenses == nil {
				info.licenses = lic
			}
			if len(lic) > 0 {
				if info.pomLicenses == nil {
					info.pomLicenses = map[string][]string{}
				}
				info.pomLicenses[path.Dir(name)] = lic
			}
		case name == "META-INF/MANIFEST.MF":
			mf, err := t.files[name].read(b)
			if err != nil {
				return &memberErr{chain + "!/" + name, err}
			}
			info.manifest = parseManifest(mf)
		case isNestedArchive(name):
			info.nested = true
			inner, err := t.files[name].readLevel(b)
			if err != nil {
				return &memberErr{chain + "!/" + name, err}
			}
			if err := walkJar(inner, chain+"!/"+name, b, depth+1, nil, visit); err != nil {
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
	jarSum := <-sum
	info.sha256 = hex.EncodeToString(jarSum[:])
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

// extractJar lists the packages of a jar from what walkJar read of every
// archive level: one per valid pom.properties, located at it
// ("lib/app.jar!/BOOT-INF/lib/x.jar!/META-INF/maven/g/a/pom.properties")
// with the SHA-256 of the jar holding it; and every level without one
// identified by identifyJar or listed as unidentified.
func extractJar(ctx context.Context, pl plugin, v *vfs, name string, data []byte, digest *[sha256.Size]byte) ([]found, error) {
	var jars []*jarInfo
	if err := walkJar(data, name, v.budget, v.depth+1, digest, func(j *jarInfo) { jars = append(jars, j) }); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &memberErr{name, err}
	}
	var out []found
	for _, j := range jars {
		for _, pp := range j.poms {
			if !pp.valid() {
				continue
			}
			p := &Package{Ecosystem: "Maven", Name: pp.group + ":" + pp.artifact, Version: pp.version, Licenses: j.licenses}
			if lic := j.pomLicenses[path.Dir(pp.member)]; len(lic) > 0 {
				p.Licenses = lic
			}
			p.Hashes = Hashes{}.With("SHA-256", j.sha256)
			out = append(out, found{lenient: p, rank: pl.rank, location: j.chain + "!/" + pp.member, plugin: pl.ex.Name(), sha256: j.sha256})
		}
	}
	// Every jar without pom.properties is listed, identified or not: a jar
	// dropped here would be a dependency no advisory is ever matched to.
	for _, j := range jars {
		if j.hasPom {
			continue
		}
		loc := j.chain + "!/META-INF/MANIFEST.MF"
		if j.manifest == nil {
			loc = j.chain // no manifest: the jar itself is the evidence
		}
		if len(j.poms) > 0 && v.warn != nil {
			v.warn(j.chain+"!/"+j.poms[0].member, "pom.properties without a usable groupId, artifactId and version: the jar is identified as if it had none")
		}
		id := identifyJar(j, v.mavenNames)
		topLevel := !strings.Contains(j.chain, "!/")
		switch {
		case id.problem == "":
		case topLevel && j.application():
			// The function's own fat or executable jar: what it bundles is
			// inventoried on its own, like the handler classes beside it.
			continue
		case topLevel && id.version == "":
			// AWS's Gradle buildZip puts the function's own jar in lib/
			// beside its classpath (lib/app.jar), with no version anywhere.
			if v.warn != nil {
				v.warn(j.chain, "jar without Maven identity ("+id.problem+"): taken to be the function's own code; if it is a library, no advisory is matched to it")
			}
			continue
		case j.nested && id.version == "":
			// A bare container of jars (a war in an ear): its jars are read.
			if v.warn != nil {
				v.warn(j.chain, "jar without Maven identity ("+id.problem+"): only the jars inside it are inventoried")
			}
			continue
		}
		if id.note != "" && v.warn != nil {
			v.warn(loc, id.note)
		}
		out = append(out, found{lenient: id.pkg(j), rank: pl.rank, location: loc, plugin: pl.ex.Name(), sha256: j.sha256})
	}
	return out, nil
}

// application reports whether the jar is an application rather than a
// library: it bundles jars (Spring Boot, a war) or names a main class.
func (j *jarInfo) application() bool {
	return j.nested || j.manifest["Main-Class"] != "" || j.manifest["Start-Class"] != ""
}

// unidentifiedJar starts the VersionError of a jar fnguard could not name:
// such a package is listed and unchecked, never silently clean.
const unidentifiedJar = "unidentified jar"

// jarIdentity is what the evidence says a jar without pom.properties is.
type jarIdentity struct {
	group, artifact, version string
	evidence                 string // "manifest" or "file-name"
	confidence               string // high, medium, low
	problem                  string // set when the jar is not identified
	note                     string // a warning worth showing with an identified jar
}

func (id jarIdentity) pkg(j *jarInfo) *Package {
	p := &Package{Ecosystem: "Maven", Version: id.version, Licenses: j.licenses,
		Evidence: id.evidence, Confidence: id.confidence}
	p.Hashes = Hashes{}.With("SHA-256", j.sha256)
	if id.problem != "" {
		p.Name = id.artifact
		p.VersionError = unidentifiedJar + ": " + id.problem
		return p
	}
	p.Name = id.group + ":" + id.artifact
	return p
}

// mavenToken is what a groupId, artifactId or version may consist of.
var mavenToken = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// identifyJar names a jar without pom.properties from everything it shows:
// the manifest (Implementation-Version/-Title/-Vendor-Id, Bundle-Version,
// Bundle-SymbolicName, Automatic-Module-Name), the file name
// (artifactId-version.jar, as Maven repositories name jars) and, when the
// caller provides it, the Maven names the advisory database knows for the
// artifactId.
//
// The groupId is, in order: a manifest candidate the database also knows
// (high confidence); the one name the database knows for the artifactId
// (Spring 4.3's jars carry no vendor id, log4j 1.x's symbolic name is its
// Java package); a manifest candidate that names the artifact (medium); the
// legacy convention groupId = artifactId of pre-2005 artifacts such as
// commons-collections (low). A database that knows several groups for the
// artifactId, none of which the manifest confirms, leaves the jar
// unidentified rather than guess between them; so does a jar with nothing
// but a file name (report-engine-2.0.jar is nobody's Maven artifact).
func identifyJar(j *jarInfo, names func(string) []string) jarIdentity {
	mf := j.manifest
	file := path.Base(j.chain[strings.LastIndex(j.chain, "!/")+1:])
	stem := strings.TrimSuffix(file, path.Ext(file))
	fileArtifact, fileVersion := stem, ""
	if p, ok := parseJarFileName(file); ok {
		fileArtifact, fileVersion = p.artifact, p.version
	}
	id := jarIdentity{artifact: fileArtifact, confidence: "low", evidence: "file-name"}

	// The version: the file name's when the manifest agrees with it (the
	// manifest's may be an OSGi rendering, 1.33.0 for Maven's 1.33), else
	// the manifest's, else the file name's alone.
	var mvs []string
	for _, k := range []string{"Implementation-Version", "Bundle-Version"} {
		if v := manifestVersion(mf[k]); v != "" {
			mvs = append(mvs, v)
		}
	}
	versionSure := false
	switch {
	case fileVersion != "" && agrees(fileVersion, mvs):
		id.version, id.evidence, versionSure = fileVersion, "manifest", true
	case len(mvs) > 0:
		id.version, id.evidence, versionSure = mvs[0], "manifest", fileVersion == ""
		if fileVersion != "" {
			id.note = fmt.Sprintf("jar file name says version %s, its manifest %s: the manifest's is used, with low confidence", fileVersion, mvs[0])
		}
	case fileVersion != "":
		id.version = fileVersion
	}
	if id.artifact == "" || !mavenToken.MatchString(id.artifact) {
		id.problem = fmt.Sprintf("no pom.properties, and the file name %q names no Maven artifact", file)
		id.artifact = stem
		return id
	}
	if id.version == "" {
		id.problem = "no pom.properties, and neither the manifest nor the file name gives a version"
		return id
	}

	cands := manifestGroups(mf, id.artifact)
	// Evidence says where the version came from (or was confirmed); the
	// manifest may still name the jar when the version is the file name's.
	manifestNames := id.evidence == "manifest" || len(cands) > 0 || firstOf(mf, "Implementation-Title", "Bundle-SymbolicName") != ""
	var known []string
	if names != nil {
		for _, n := range names(id.artifact) {
			if g, a, ok := strings.Cut(n, ":"); ok && mavenToken.MatchString(g) && mavenToken.MatchString(a) {
				known = append(known, n)
			}
		}
	}
	knownGroup := func(g string) (string, bool) {
		for _, n := range known {
			kg, ka, ok := strings.Cut(n, ":")
			if ok && strings.EqualFold(kg, g) && strings.EqualFold(ka, id.artifact) {
				return kg, true
			}
		}
		return "", false
	}
	nameScore := 0
	switch {
	case len(known) > 0:
		for _, c := range cands {
			if g, ok := knownGroup(c.group); ok {
				id.group, nameScore = g, 2
				break
			}
		}
		if id.group != "" {
			break
		}
		var groups []string
		for _, n := range known {
			if g, a, ok := strings.Cut(n, ":"); ok && strings.EqualFold(a, id.artifact) && !containsFold(groups, g) {
				groups = append(groups, g)
			}
		}
		if len(groups) == 1 {
			id.group, nameScore = groups[0], 1
			break
		}
		if len(groups) > 1 && (containsFold(groups, id.artifact) || containsFold(groups, groupid.FromArtifactID(id.artifact))) {
			// A relocated artifact (commons-io:commons-io, later also
			// org.apache.commons:commons-io): the legacy name is the one
			// a jar without metadata most likely predates the move with.
			id.group = id.artifact
			if g := groupid.FromArtifactID(id.artifact); containsFold(groups, g) {
				id.group = g
			}
			break
		}
		if len(groups) > 1 {
			var names []string
			for _, g := range groups {
				names = append(names, g+":"+id.artifact)
			}
			id.problem = fmt.Sprintf("no pom.properties; the advisory database knows %s and the manifest confirms none of them",
				strings.Join(names, ", "))
			return id
		}
		fallthrough
	default:
		if c := firstNaming(cands); c != "" {
			id.group, nameScore = c, 1
		} else if g := groupid.FromArtifactID(id.artifact); g != "" {
			id.group, nameScore = g, 1
		} else if !manifestNames {
			id.problem = fmt.Sprintf("no pom.properties and no manifest identity; the file name alone (%s) names no known Maven artifact", file)
			return id
		} else {
			id.group = id.artifact
		}
	}
	switch {
	case nameScore == 2 && versionSure:
		id.confidence = "high"
	case nameScore == 2 || (nameScore == 1 && versionSure):
		id.confidence = "medium"
	default:
		id.confidence = "low"
	}
	return id
}

// groupCand is a groupId the manifest suggests; names is set when it is
// tied to the artifact (its last element is or starts like the artifactId),
// which is what makes it usable without the database's confirmation.
type groupCand struct {
	group string
	names bool
}

func firstNaming(cands []groupCand) string {
	for _, c := range cands {
		if c.names {
			return c.group
		}
	}
	return ""
}

// manifestGroups lists the groupIds a manifest suggests, strongest first.
// Implementation-Vendor-Id is the groupId as Maven's archiver writes it
// (org.postgresql, org.apache.derby), but Ant builds put a vendor there
// (org.apache for commons-collections). maven-bundle-plugin's symbolic name
// is groupId.artifactId (org.freemarker.freemarker, com.fasterxml.jackson.
// core.jackson-databind), or the groupId alone when it ends in the
// artifactId (org.postgresql); Automatic-Module-Name follows the same habit.
func manifestGroups(mf map[string]string, artifact string) []groupCand {
	var out []groupCand
	add := func(g string, names bool) {
		if g == "" || !strings.Contains(g, ".") || !mavenToken.MatchString(g) {
			return
		}
		for i, c := range out {
			if strings.EqualFold(c.group, g) {
				out[i].names = c.names || names
				return
			}
		}
		out = append(out, groupCand{g, names})
	}
	a := strings.ToLower(artifact)
	related := func(last string) bool {
		last = strings.ToLower(last)
		return strings.HasPrefix(last, a) || strings.HasPrefix(a, last)
	}
	if vid := strings.TrimSpace(mf["Implementation-Vendor-Id"]); vid != "" {
		add(vid, related(vid[strings.LastIndex(vid, ".")+1:]))
	}
	for _, key := range []string{"Bundle-SymbolicName", "Automatic-Module-Name"} {
		n := strings.TrimSpace(strings.Split(mf[key], ";")[0])
		if !strings.Contains(n, ".") {
			continue
		}
		i := strings.LastIndex(n, ".")
		last, rest := n[i+1:], n[:i]
		prev := rest[strings.LastIndex(rest, ".")+1:]
		switch {
		case strings.EqualFold(last, artifact) && strings.Contains(rest, ".") &&
			(strings.ContainsAny(last, "-_") || strings.EqualFold(prev, last)):
			// groupId.artifactId: the last element is no Java package
			// name (jackson-databind) or repeats the one before it
			// (org.freemarker.freemarker).
			add(rest, true)
			add(n, false)
		case strings.EqualFold(last, artifact):
			// A groupId ending in the artifactId (org.apache.ivy, org.postgresql).
			add(n, true)
			add(rest, false)
		default:
			add(n, related(last))
		}
	}
	return out
}

// manifestVersion takes the version out of a manifest value: its first
// word ("10.14.2.0 - (1828579)" is Derby's), refused when it is a build
// placeholder or not a version at all (Bundle-Version 10.14.2000000.???).
func manifestVersion(v string) string {
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	v = f[0]
	if !mavenToken.MatchString(v) || v[0] < '0' || v[0] > '9' {
		return ""
	}
	return v
}

// agrees reports whether a manifest version says the same as the file
// name's: equal, or one extends the other by more dot-separated parts.
func agrees(fileVersion string, mvs []string) bool {
	for _, mv := range mvs {
		if mv == fileVersion || strings.HasPrefix(mv, fileVersion+".") || strings.HasPrefix(fileVersion, mv+".") {
			return true
		}
	}
	return false
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(m[k]); v != "" {
			return v
		}
	}
	return ""
}
