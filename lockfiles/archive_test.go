package lockfiles

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// smallLimits make hostile inputs cheap to build.
var smallLimits = Limits{MaxEntries: 10, MaxTotalBytes: 1 << 20, MaxEntryBytes: 1000, MaxRatio: 250, RatioFloor: 1 << 20, MaxDepth: 2}

var okLock = text("package-lock.json", `{"lockfileVersion":3,"packages":{"":{},"node_modules/ms":{"version":"2.1.3"}}}`)

// TestHostileZips: every archive that could escape the extraction root,
// hide a member, or cost unbounded work fails with one line naming the input
// and the member, as an *InputError.
func TestHostileZips(t *testing.T) {
	zeros := make([]byte, 2<<20) // 2 MiB of zeros deflate ~1000:1
	cases := []struct {
		name   string
		ents   []zent
		limits Limits
		want   []string
		member string // InputError.Member, when the error is about one member
	}{
		{"absolute member", []zent{okLock, text("/etc/passwd", "root")}, Limits{},
			[]string{"hostile archive", `"/etc/passwd" (absolute or .. path)`}, ""},
		{"dotdot member", []zent{okLock, text("../../etc/cron.d/x", "x")}, Limits{},
			[]string{"hostile archive", `"../../etc/cron.d/x" (absolute or .. path)`}, ""},
		{"dotdot in the middle", []zent{okLock, text("node_modules/../../x", "x")}, Limits{},
			[]string{"hostile archive", `"node_modules/../../x"`}, ""},
		{"backslash dotdot", []zent{okLock, text(`..\..\x`, "x")}, Limits{},
			[]string{"hostile archive", `"..\\..\\x" (absolute or .. path)`}, ""},
		{"drive letter", []zent{okLock, text(`C:\Windows\x`, "x")}, Limits{},
			[]string{"hostile archive", "absolute or .. path"}, ""},
		{"duplicate member", []zent{okLock, text("index.js", "a"), text("index.js", "b")}, Limits{},
			[]string{"hostile archive", `"index.js" (duplicate member)`}, ""},
		{"duplicate after cleaning", []zent{okLock, text("a/index.js", "a"), text("a//./index.js", "b")}, Limits{},
			[]string{"duplicate member"}, ""},
		{"symlink escaping", []zent{okLock, link("node_modules/x", "../../../etc")}, Limits{},
			[]string{"hostile archive", `"node_modules/x" (link to "../../../etc" leaves the package)`}, ""},
		{"absolute symlink", []zent{okLock, link("data", "/etc/passwd")}, Limits{},
			[]string{`(link to "/etc/passwd" leaves the package)`}, ""},
		{"declared size over limit", []zent{okLock, text("big.bin", strings.Repeat("x", 2000))}, smallLimits,
			[]string{"big.bin", "entry too large: declares 2000 bytes uncompressed, limit 1000"}, "big.bin"},
		{"compression ratio", []zent{okLock, file("zeros.bin", zeros)}, Limits{},
			[]string{"zeros.bin", "compression ratio", "exceeds 250:1 (zip bomb?)"}, "zeros.bin"},
		{"too many entries", append([]zent{okLock}, manyEntries(11)...), smallLimits,
			[]string{"more than 10 archive members"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeZip(t, "hostile.zip", c.ents...)
			ie := wantInputError(t, readErr(p, Options{Limits: c.limits}), p, c.want...)
			if ie.Member != c.member {
				t.Errorf("member %q, want %q", ie.Member, c.member)
			}
		})
	}
}

func manyEntries(n int) []zent {
	var out []zent
	for i := 0; i < n; i++ {
		out = append(out, text("f"+strings.Repeat("x", i)+".txt", "x"))
	}
	return out
}

// TestSymlinkInside: npm's node_modules/.bin links stay inside the package;
// they are neither followed nor an error.
func TestSymlinkInside(t *testing.T) {
	p := writeZip(t, "f.zip",
		text("node_modules/ms/package.json", `{"name":"ms","version":"2.1.3"}`),
		text("node_modules/ms/index.js", "x"),
		link("node_modules/.bin/ms", "../ms/index.js"),
		link("current", "node_modules"),
		text("index.js", "x"))
	a, inv := readOne(t, p, Options{})
	wantPkgs(t, a, "npm ms 2.1.3")
	if len(inv.Warnings) != 0 {
		t.Errorf("warnings %v", inv.Warnings)
	}
	// In a folder, a link leaving it is a warning, never followed.
	outside := writeTree(t, text("node_modules/secret/package.json", `{"name":"secret","version":"1.0.0"}`))
	dir := writeTree(t, okLock, link("escape", outside), link("node_modules/.bin/ms", "../ms/index.js"))
	a, inv = readOne(t, dir, Options{})
	wantPkgs(t, a, "npm ms 2.1.3")
	if len(inv.Warnings) != 1 || inv.Warnings[0].Location != "escape" || !strings.Contains(inv.Warnings[0].Message, "leaves the folder") {
		t.Errorf("warnings %+v, want one for escape", inv.Warnings)
	}
}

// TestEntryLyingAboutItsSize: a member that declares 100 bytes but inflates
// to 1 MiB is refused, not read to its end.
func TestEntryLyingAboutItsSize(t *testing.T) {
	real := bytes.Repeat([]byte(" "), 1<<20)
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(real)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "node_modules/x/package.json", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(real), CompressedSize64: uint64(comp.Len()), UncompressedSize64: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	p := writeFile(t, "liar.zip", buf.Bytes())
	// archive/zip itself refuses to inflate past the declared size; the
	// member limit is the second line of defence behind it.
	for _, lim := range []Limits{smallLimits, {}} {
		err := readErr(p, Options{Limits: lim})
		ie := wantInputError(t, err, p, "node_modules/x/package.json")
		if ie.Member != "node_modules/x/package.json" {
			t.Errorf("member %q", ie.Member)
		}
		if !strings.Contains(err.Error(), "not a valid zip file") && !strings.Contains(err.Error(), "entry too large") {
			t.Errorf("error %q says neither the member is corrupt nor too large", err)
		}
	}
}

// TestNestedJarsTooDeep: jars nested beyond MaxDepth fail naming the chain.
func TestNestedJarsTooDeep(t *testing.T) {
	inner := postgresJar(t)
	for _, n := range []string{"c.jar", "b.jar", "a.jar"} {
		inner = buildZip(t, stored("lib/"+n, inner))
	}
	// app.jar!/lib/a.jar!/lib/b.jar!/lib/c.jar!/<postgres jar content>
	p := writeZip(t, "f.zip", file("app.jar", inner))
	lim := DefaultLimits
	lim.MaxDepth = 2
	wantInputError(t, readErr(p, Options{Limits: lim}), p, "nesting deeper than 2 archives at app.jar!/lib/a.jar!/lib/b.jar")
	// Within the default depth the same chain is read.
	a, _ := readOne(t, p, Options{})
	wantPkgs(t, a, "Maven org.postgresql:postgresql 42.7.3")
	want := "app.jar!/lib/a.jar!/lib/b.jar!/lib/c.jar!/META-INF/maven/org.postgresql/postgresql/pom.properties"
	if l := a.Packages[0].Locations; !slices.Equal(l, []string{want}) {
		t.Errorf("locations %q, want %q", l, want)
	}
}

// TestHostileNestedJar: a hostile member inside a nested jar is named with
// its chain.
func TestHostileNestedJar(t *testing.T) {
	bad := buildZip(t, text("../evil.class", "x"), text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"))
	p := writeZip(t, "f.zip", file("lib/app.jar", buildZip(t, stored("BOOT-INF/lib/bad.jar", bad))))
	wantInputError(t, readErr(p, Options{}), p, `"lib/app.jar!/BOOT-INF/lib/bad.jar!/../evil.class" (absolute or .. path)`)
}

// TestBrokenZips: truncated, empty, not a zip at all.
func TestBrokenZips(t *testing.T) {
	good := buildZip(t, okLock, text("index.js", "x"))
	trunc := writeFile(t, "truncated.zip", good[:len(good)/2])
	wantInputError(t, readErr(trunc, Options{}), trunc, "not a valid zip file (truncated or not a zip)")

	var buf bytes.Buffer
	zip.NewWriter(&buf).Close()
	empty := writeFile(t, "empty.zip", buf.Bytes())
	wantInputError(t, readErr(empty, Options{}), empty, "empty archive, nothing to scan")

	// A nested jar that is truncated names the jar.
	p := writeZip(t, "f.zip", file("lib/x.jar", good[:len(good)-10]))
	wantInputError(t, readErr(p, Options{}), p, "lib/x.jar", "not a valid zip")
}

// TestBadJSONLockfile: an unparseable lockfile fails the artifact, naming
// the lockfile, the line and the column, in a zip, a folder and alone.
func TestBadJSONLockfile(t *testing.T) {
	bad := "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/ms\": {\"version\": \"2.1.3\",}\n  }\n}\n"
	truncated := "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n"
	for _, c := range []struct {
		name, data, where string
	}{
		{"syntax", bad, "line 4, column"},
		{"truncated", truncated, "truncated at line 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			z := writeZip(t, "f.zip", text("package-lock.json", c.data), text("index.js", "x"))
			ie := wantInputError(t, readErr(z, Options{}), z, "package-lock.json", "invalid JSON", c.where)
			if ie.Member != "package-lock.json" {
				t.Errorf("member %q", ie.Member)
			}
			dir := writeTree(t, text("app/package-lock.json", c.data))
			wantInputError(t, readErr(dir, Options{}), dir, "app/package-lock.json", c.where)
			single := writeFile(t, "package-lock.json", []byte(c.data))
			wantInputError(t, readErr(single, Options{}), single, "package-lock.json", c.where)
		})
	}
}

// TestBadVersions: installed manifests with a number for a version or an
// unparseable string are kept, with a VersionError and a warning each, and
// the rest is still read.
func TestBadVersions(t *testing.T) {
	z := writeZip(t, "f.zip",
		text("package.json", `{"name":"app","version":"not-a-version","dependencies":{"numeric":"*","weird":"*","ms":"*"}}`),
		text("node_modules/numeric/package.json", `{"name":"numeric","version":1.5}`),
		text("node_modules/weird/package.json", `{"name":"weird","version":"1.0.0-💥+build.-..-"}`),
		text("node_modules/ms/package.json", `{"name":"ms","version":"2.1.3"}`),
		text("index.js", "x"))
	a, inv := readOne(t, z, Options{})
	wantPkgs(t, a, "npm ms 2.1.3", "npm numeric 1.5", "npm weird 1.0.0-💥+build.-..-")
	if e := pkg(t, a, "npm", "numeric", "1.5").VersionError; e != "version is not a string" {
		t.Errorf("numeric version error %q", e)
	}
	if e := pkg(t, a, "npm", "weird", "1.0.0-💥+build.-..-").VersionError; e != "not a semantic version" {
		t.Errorf("weird version error %q", e)
	}
	if e := pkg(t, a, "npm", "ms", "2.1.3").VersionError; e != "" {
		t.Errorf("ms version error %q", e)
	}
	locs := map[string]string{}
	for _, w := range inv.Warnings {
		if w.Artifact != z {
			t.Errorf("warning for %q", w.Artifact)
		}
		locs[w.Location] = w.Message
	}
	for loc, want := range map[string]string{
		"node_modules/numeric/package.json": `npm package numeric: unparseable version "1.5": version is not a string`,
		"node_modules/weird/package.json":   `npm package weird: unparseable version "1.0.0-💥+build.-..-": not a semantic version`,
		"package.json":                      `application app: unparseable version "not-a-version"`,
	} {
		if !strings.HasPrefix(locs[loc], want) {
			t.Errorf("warning at %s = %q, want %q", loc, locs[loc], want)
		}
	}
	if len(inv.Warnings) != 3 {
		t.Errorf("%d warnings, want 3: %+v", len(inv.Warnings), inv.Warnings)
	}
	if a.Component == nil || a.Component.Name != "app" || a.Component.PURL != "pkg:npm/app" {
		t.Errorf("component %+v", a.Component)
	}
}

// TestReadMemberRefusesEscapes: ReadMember applies the same checks.
func TestReadMemberRefusesEscapes(t *testing.T) {
	dir := writeTree(t, okLock)
	for _, m := range []string{"../etc/passwd", "/etc/passwd", `..\x`} {
		if _, err := ReadMember(dir, m, Limits{}); err == nil {
			t.Errorf("ReadMember(%q): no error", m)
		}
	}
	got, err := ReadMember(dir, "package-lock.json", Limits{})
	if err != nil || string(got) != string(okLock.data) {
		t.Errorf("ReadMember: %q %v", got, err)
	}
	z := writeZip(t, "f.zip", okLock)
	if _, err := ReadMember(z, "nope.json", Limits{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing member: %v", err)
	}
}

// TestOpenZipBudget checks openZip directly: the entry count spans levels
// and a refused archive reads nothing.
func TestOpenZipBudget(t *testing.T) {
	data := buildZip(t, manyEntries(6)...)
	b := &budget{limits: smallLimits}
	if _, err := openZip(bytes.NewReader(data), int64(len(data)), b, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := openZip(bytes.NewReader(data), int64(len(data)), b, "x.jar!/"); err == nil || !strings.Contains(err.Error(), "more than 10 archive members") {
		t.Errorf("second level over the shared budget: %v", err)
	}
	if b.bytes.Load() != 0 {
		t.Errorf("opening read %d bytes of content", b.bytes.Load())
	}
}

// TestReadNeverWritesOutside: reading a hostile zip creates nothing.
func TestReadNeverWritesOutside(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "h.zip")
	os.WriteFile(p, buildZip(t, text("../pwned", "x"), okLock), 0o644)
	_, _ = Read(context.Background(), []string{p}, Options{})
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temp dir holds %d entries after Read", len(ents))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "pwned")); err == nil {
		t.Error("Read unpacked a member outside the artifact")
	}
}

// TestErrorOneLineWithNewlineInMemberName: a member name is attacker
// data; a newline in it must not split the one-line error the CLI prints.
func TestErrorOneLineWithNewlineInMemberName(t *testing.T) {
	p := writeZip(t, "f.zip", okLock, text("evil\nname.bin", strings.Repeat("x", 2000)))
	err := readErr(p, Options{Limits: smallLimits})
	if err == nil {
		t.Fatal("no error")
	}
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

// TestReadMemberDoesNotFollowLinks: ReadMember on a folder applies Read's
// rule that links are never followed, so it cannot read outside it.
func TestReadMemberDoesNotFollowLinks(t *testing.T) {
	outside := writeTree(t, text("secret.txt", "outside"))
	dir := writeTree(t, okLock, link("escape", outside))
	got, err := ReadMember(dir, "escape/secret.txt", Limits{})
	if err == nil {
		t.Errorf("ReadMember read %q through a link leaving the folder", got)
	}
}

// A nested archive stored uncompressed in an in-memory level is walked as
// a slice of it, and still held to its CRC-32 and the artifact budget; an
// ordinary read of it is a copy, which nothing can pin the level with.
func TestStoredMemberOfAnInMemoryLevel(t *testing.T) {
	content := bytes.Repeat([]byte("class file bytes "), sliceStoredBytes/16)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, err := w.CreateHeader(&zip.FileHeader{Name: "BOOT-INF/lib/x.jar", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	level := buf.Bytes()

	read := func(data []byte, limits Limits) ([]byte, error) {
		tree, err := openZip(inMemory(data), int64(len(data)), &budget{limits: limits}, "")
		if err != nil {
			t.Fatal(err)
		}
		return tree.files["BOOT-INF/lib/x.jar"].readLevel(&budget{limits: limits})
	}
	got, err := read(level, DefaultLimits)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read: %d bytes, %v", len(got), err)
	}
	if i := bytes.Index(level, content); i < 0 || &got[0] != &level[i] {
		t.Error("the member was copied, not sliced out of its level")
	}
	tree, err := openZip(inMemory(level), int64(len(level)), &budget{limits: DefaultLimits}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := tree.files["BOOT-INF/lib/x.jar"].read(&budget{limits: DefaultLimits}); err != nil || !bytes.Equal(c, content) || &c[0] == &got[0] {
		t.Errorf("an ordinary read shares the level's memory (or fails: %v)", err)
	}
	small := DefaultLimits
	small.MaxTotalBytes = int64(len(content)) - 1
	if _, err := read(level, small); err == nil || !strings.Contains(err.Error(), "bytes uncompressed in all") {
		t.Errorf("over the artifact budget: %v", err)
	}
	damaged := bytes.Clone(level)
	damaged[bytes.Index(damaged, content)+10] ^= 1
	if _, err := read(damaged, DefaultLimits); !errors.Is(err, zip.ErrChecksum) {
		t.Errorf("damaged stored member: %v, want zip.ErrChecksum", err)
	}
}

// A large deflated member's digest, taken while it inflates, is the
// digest of what it inflated to; a small one's is left to the caller.
func TestReadDigest(t *testing.T) {
	big := make([]byte, followMin+12345)
	for i := range big {
		big[i] = byte(i * 7 / 13)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"bootstrap": big, "small.txt": []byte("small")} {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	tree, err := openZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), &budget{limits: DefaultLimits}, "")
	if err != nil {
		t.Fatal(err)
	}
	data, digest, err := tree.files["bootstrap"].readDigest(&budget{limits: DefaultLimits})
	if err != nil || !bytes.Equal(data, big) || digest == nil || *digest != sha256.Sum256(big) {
		t.Errorf("large member: %d bytes, digest %x, %v", len(data), digest, err)
	}
	data, digest, err = tree.files["small.txt"].readDigest(&budget{limits: DefaultLimits})
	if err != nil || string(data) != "small" || digest != nil {
		t.Errorf("small member: %q, digest %x, %v", data, digest, err)
	}
}
