package lockfiles

import (
	"archive/zip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/fnguard/fnguard/internal/inflate"
)

// Limits bound what reading one artifact may cost. A Lambda deployment
// package is at most 250 MB unzipped (function plus layers), so every real
// package fits well inside them; anything beyond is refused, not truncated.
type Limits struct {
	// MaxEntries is the number of members across all archive levels.
	MaxEntries int
	// MaxTotalBytes is the uncompressed bytes actually read across all levels
	// (nested jars count again when they are opened).
	MaxTotalBytes int64
	// MaxEntryBytes is the declared or actual size of one member.
	MaxEntryBytes int64
	// MaxRatio is the largest uncompressed/compressed ratio accepted for a
	// member of at least RatioFloor bytes; deflate cannot exceed ~1032:1, so
	// bombs sit near that and real files far below.
	MaxRatio   int64
	RatioFloor int64
	// MaxDepth is how many archives may be nested inside the artifact
	// (a Spring Boot fat jar holding a jar holding a jar is depth 3).
	MaxDepth int
}

// DefaultLimits admit every real Lambda package.
var DefaultLimits = Limits{
	MaxEntries:    500_000,
	MaxTotalBytes: 2 << 30,   // 2 GiB read in all
	MaxEntryBytes: 512 << 20, // 512 MiB for one member
	MaxRatio:      250,
	RatioFloor:    1 << 20,
	MaxDepth:      8,
}

// InputError is a problem with an input that makes its inventory untrustable:
// the CLI exits 2 with Error() as the one-line message.
type InputError struct {
	Path   string // the input as given
	Member string // the member inside it, "!/" chained, if any
	Msg    string
	Err    error
}

func (e *InputError) Error() string {
	s := e.Path
	if e.Member != "" {
		s += ": " + escapeControl(e.Member)
	}
	return s + ": " + escapeControl(e.Msg)
}

// escapeControl quotes control characters an archive's member names may
// carry, so an error stays one line on a terminal and in CI logs.
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

func (e *InputError) Unwrap() error { return e.Err }

// budget counts what one artifact has read, across goroutines and levels.
type budget struct {
	limits  Limits
	entries atomic.Int64
	bytes   atomic.Int64
}

// addBytes charges n uncompressed bytes read (or about to be) to the run.
func (b *budget) addBytes(n int64) error {
	if b.bytes.Add(n) > b.limits.MaxTotalBytes {
		return fmt.Errorf("more than %d bytes uncompressed in all", b.limits.MaxTotalBytes)
	}
	return nil
}

func (b *budget) addEntries(n int) error {
	if b.entries.Add(int64(n)) > int64(b.limits.MaxEntries) {
		return fmt.Errorf("more than %d archive members", b.limits.MaxEntries)
	}
	return nil
}

// limitedReader fails once the member or the artifact budget is exceeded,
// so a member that inflates past its declared size cannot run away.
type limitedReader struct {
	r      io.Reader
	left   int64
	budget *budget
}

var errEntryTooLarge = errors.New("entry too large")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errEntryTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if berr := l.budget.addBytes(int64(n)); berr != nil {
		return n, berr
	}
	return n, err
}

// member is one file of an archive, checked and ready to read.
type member struct {
	name string // cleaned, slash-separated, relative
	f    *zip.File
	zr   io.ReaderAt // the archive level f is in
	mode fs.FileMode
}

// zipTree is one archive level: its regular files, the names of its
// directories (explicit or implied) and the links it holds, all checked.
type zipTree struct {
	files map[string]*member
	dirs  map[string][]fs.DirEntry
	names []string // regular files, sorted
}

// openZip reads the central directory of one archive level and checks every
// member name, size and link before anything is inflated.
func openZip(r io.ReaderAt, size int64, b *budget, chain string) (*zipTree, error) {
	zr, err := inflate.NewZipReader(r, size)
	if err != nil {
		switch {
		case errors.Is(err, zip.ErrFormat):
			return nil, fmt.Errorf("not a valid zip file (truncated or not a zip): %w", err)
		case errors.Is(err, zip.ErrInsecurePath):
			// Go only returns this with GODEBUG=zipinsecurepath=0; our own
			// check below names the member, so carry on to it.
		default:
			return nil, fmt.Errorf("cannot read zip: %w", err)
		}
	}
	if len(zr.File) == 0 {
		return nil, errors.New("empty archive, nothing to scan")
	}
	if err := b.addEntries(len(zr.File)); err != nil {
		return nil, err
	}
	t := &zipTree{files: map[string]*member{}, dirs: map[string][]fs.DirEntry{}}
	var unsafe []string
	for _, f := range zr.File {
		name, ok := cleanMemberName(f.Name)
		if !ok {
			unsafe = append(unsafe, fmt.Sprintf("%q (absolute or .. path)", chain+f.Name))
			continue
		}
		mode := f.Mode()
		if mode&fs.ModeSymlink != 0 {
			target, err := readLink(f, b)
			if err != nil {
				return nil, &memberErr{chain + f.Name, err}
			}
			if !linkStaysInside(name, target) {
				unsafe = append(unsafe, fmt.Sprintf("%q (link to %q leaves the package)", chain+f.Name, target))
			}
			// A link inside the package (npm's node_modules/.bin) names a
			// file that is read where it really is; never follow it.
			continue
		}
		if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
			t.addDir(name)
			continue
		}
		if err := checkSizes(f, b.limits); err != nil {
			return nil, &memberErr{chain + f.Name, err}
		}
		if _, dup := t.files[name]; dup {
			// Two members with one name: which one Lambda unpacks last
			// depends on the unzipper, so neither can be trusted.
			unsafe = append(unsafe, fmt.Sprintf("%q (duplicate member)", chain+f.Name))
			continue
		}
		t.files[name] = &member{name: name, f: f, zr: r, mode: mode}
		t.addDir(path.Dir(name))
		t.names = append(t.names, name)
	}
	if len(unsafe) > 0 {
		return nil, fmt.Errorf("hostile archive: unsafe members %s", strings.Join(unsafe, ", "))
	}
	sort.Strings(t.names)
	for _, name := range t.names {
		dir := path.Dir(name)
		t.dirs[dir] = append(t.dirs[dir], fileEntry{t.files[name]})
	}
	for d, ents := range t.dirs {
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		t.dirs[d] = ents
	}
	return t, nil
}

// memberErr names the archive member a problem was found in.
type memberErr struct {
	member string
	err    error
}

func (e *memberErr) Error() string { return e.member + ": " + e.err.Error() }
func (e *memberErr) Unwrap() error { return e.err }

func (t *zipTree) addDir(dir string) {
	for dir != "." && dir != "/" && dir != "" {
		if _, ok := t.dirs[dir]; ok {
			return
		}
		t.dirs[dir] = nil
		parent := path.Dir(dir)
		if _, ok := t.dirs[parent]; !ok {
			t.dirs[parent] = nil
		}
		t.dirs[parent] = append(t.dirs[parent], dirEntry(path.Base(dir)))
		dir = parent
	}
	if _, ok := t.dirs["."]; !ok {
		t.dirs["."] = nil
	}
}

// cleanMemberName rejects what could land outside the extraction root on any
// unzipper: absolute paths, drive letters, ".." elements, NUL bytes. A
// backslash is a separator to Windows unzippers, so it is treated as one.
func cleanMemberName(name string) (string, bool) {
	if plainName(name) {
		return name, true
	}
	return cleanName(name)
}

func cleanName(name string) (string, bool) {
	n := strings.ReplaceAll(name, `\`, "/")
	if n == "" || strings.HasPrefix(n, "/") || strings.ContainsRune(n, 0) {
		return "", false
	}
	if len(n) >= 2 && n[1] == ':' {
		return "", false
	}
	for _, el := range strings.Split(n, "/") {
		if el == ".." {
			return "", false
		}
	}
	c := path.Clean(n)
	if c == "." {
		return "", false
	}
	return c, true
}

// plainName reports whether name is already what cleanMemberName would
// make of it: relative, slash-separated elements none of which is empty,
// "." or "..", no backslash, NUL or drive letter. Nearly every member of
// a jar is (thousands of class files), and needs no copy.
func plainName(name string) bool {
	if name == "" || len(name) >= 2 && name[1] == ':' {
		return false
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) {
			switch name[i] {
			case 0, '\\':
				return false
			case '/':
			default:
				continue
			}
		}
		switch name[start:i] {
		case "", ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}

func linkStaysInside(name, target string) bool {
	t := strings.ReplaceAll(target, `\`, "/")
	if t == "" || strings.HasPrefix(t, "/") || (len(t) >= 2 && t[1] == ':') {
		return false
	}
	j := path.Join(path.Dir(name), t)
	return j != ".." && !strings.HasPrefix(j, "../")
}

func readLink(f *zip.File, b *budget) (string, error) {
	if f.UncompressedSize64 > 4096 {
		return "", errors.New("symbolic link target longer than 4096 bytes")
	}
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(&limitedReader{r: rc, left: 4096, budget: b})
	if err != nil {
		return "", err
	}
	return string(data), nil
}

func checkSizes(f *zip.File, l Limits) error {
	u, c := f.UncompressedSize64, f.CompressedSize64
	if u > uint64(l.MaxEntryBytes) {
		return fmt.Errorf("entry too large: declares %d bytes uncompressed, limit %d", u, l.MaxEntryBytes)
	}
	if u >= uint64(l.RatioFloor) && (c == 0 || u/c > uint64(l.MaxRatio)) {
		return fmt.Errorf("compression ratio %d:1 exceeds %d:1 (zip bomb?)", u/max(c, 1), l.MaxRatio)
	}
	return nil
}

// read inflates one member under the member and artifact limits into a
// slice of its declared size (checkSizes bounded it), so nothing is grown
// or zeroed twice; a member that inflates past its declared size fails.
func (m *member) read(b *budget) ([]byte, error) {
	if m.f.Method == zip.Deflate {
		return m.inflate(b, nil)
	}
	rc, err := m.f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	lr := &limitedReader{r: rc, left: b.limits.MaxEntryBytes, budget: b}
	buf := make([]byte, m.f.UncompressedSize64)
	if _, err := io.ReadFull(lr, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, errShorter(len(buf))
		}
		return nil, err
	}
	var one [1]byte
	if n, err := lr.Read(one[:]); n > 0 {
		return nil, errLonger(len(buf))
	} else if err != nil && err != io.EOF {
		return nil, err
	}
	return buf, nil
}

// inflate reads a deflated member with the whole-member decoder: it
// cannot write past the declared size, so the budget is charged that
// size up front.
func (m *member) inflate(b *budget, follow func([]byte)) ([]byte, error) {
	if err := b.addBytes(int64(m.f.UncompressedSize64)); err != nil {
		return nil, err
	}
	buf := make([]byte, m.f.UncompressedSize64)
	switch err := inflate.ReadZipMember(m.zr, m.f, buf, follow); {
	case err == nil:
		return buf, nil
	case errors.Is(err, inflate.ErrOutputFull):
		return nil, errLonger(len(buf))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, errShorter(len(buf))
	default:
		return nil, err
	}
}

// followMin is the size from which a member's digest is taken as it
// inflates: below it, handing the pieces over costs more than hashing after.
const followMin = 1 << 20

// readDigest is read, with the SHA-256 of a large deflated member taken on
// another core while it inflates; for any other member the digest is nil
// and the caller takes it.
func (m *member) readDigest(b *budget) ([]byte, *[sha256.Size]byte, error) {
	if m.f.Method != zip.Deflate || m.f.UncompressedSize64 < followMin {
		data, err := m.read(b)
		return data, nil, err
	}
	h := sha256.New()
	data, err := m.inflate(b, func(p []byte) { h.Write(p) })
	if err != nil {
		return nil, nil, err
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return data, &sum, nil
}

// sliceStoredBytes is the size from which a stored member is sliced.
const sliceStoredBytes = 64 << 10

// inMemory is an archive level already in memory (a jar inside a zip): a
// large nested archive stored in it uncompressed is walked as a slice of
// it (readLevel), not a copy.
type inMemory []byte

func (m inMemory) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m)) {
		return 0, io.EOF
	}
	n := copy(p, m[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readLevel is read for a member that is itself an archive, to be walked
// and dropped while its parent is alive (a fat jar's nested jars): a large
// one stored uncompressed in an in-memory level is a CRC-checked slice of
// it, not a copy. Only walks use it: bytes kept past the walk (a Go
// executable for reachability, a parser's sub-slice) would keep the whole
// level alive, so everything else reads a copy.
func (m *member) readLevel(b *budget) ([]byte, error) {
	data, ok := m.stored()
	if !ok {
		return m.read(b)
	}
	if err := b.addBytes(int64(len(data))); err != nil {
		return nil, err
	}
	if err := inflate.Check(m.zr, m.f, data); err != nil {
		return nil, err
	}
	return data, nil
}

// stored returns the bytes of a large uncompressed member of an in-memory
// level, when they lie whole within it; the slice shares the level's
// memory, which nothing writes to. Whatever else goes the long way and
// fails there as archive/zip fails.
func (m *member) stored() ([]byte, bool) {
	level, ok := m.zr.(inMemory)
	if !ok || m.f.Method != zip.Store || m.f.CompressedSize64 != m.f.UncompressedSize64 || m.f.UncompressedSize64 < sliceStoredBytes {
		return nil, false
	}
	off, err := m.f.DataOffset()
	if err != nil || off < 0 || m.f.CompressedSize64 > uint64(len(level)) || uint64(off) > uint64(len(level))-m.f.CompressedSize64 {
		return nil, false
	}
	return level[off : off+int64(m.f.CompressedSize64) : off+int64(m.f.CompressedSize64)], true
}

func errShorter(n int) error {
	return fmt.Errorf("member shorter than its declared %d bytes (corrupt or truncated)", n)
}

func errLonger(n int) error {
	return fmt.Errorf("member longer than its declared %d bytes: %w", n, errEntryTooLarge)
}

// fileEntry and dirEntry present the tree to fs.WalkDir and extractors.
type fileEntry struct{ m *member }

func (e fileEntry) Name() string               { return path.Base(e.m.name) }
func (e fileEntry) IsDir() bool                { return false }
func (e fileEntry) Type() fs.FileMode          { return e.m.mode.Type() }
func (e fileEntry) Info() (fs.FileInfo, error) { return memberInfo{e.m}, nil }

type dirEntry string

func (d dirEntry) Name() string               { return string(d) }
func (d dirEntry) IsDir() bool                { return true }
func (d dirEntry) Type() fs.FileMode          { return fs.ModeDir }
func (d dirEntry) Info() (fs.FileInfo, error) { return dirInfo(d), nil }

type memberInfo struct{ m *member }

func (i memberInfo) Name() string       { return path.Base(i.m.name) }
func (i memberInfo) Size() int64        { return int64(i.m.f.UncompressedSize64) }
func (i memberInfo) Mode() fs.FileMode  { return i.m.mode }
func (i memberInfo) ModTime() time.Time { return i.m.f.Modified }
func (i memberInfo) IsDir() bool        { return false }
func (i memberInfo) Sys() any           { return nil }

type dirInfo string

func (d dirInfo) Name() string       { return path.Base(string(d)) }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (d dirInfo) ModTime() time.Time { return time.Time{} }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }

// archiveExts are the members opened as nested archives: what the JVM loads
// from inside a jar. Zips inside a deployment package are data to Lambda,
// but code its functions unpack at run time; nestedZips reads them.
var archiveExts = []string{".jar", ".war", ".ear"}

func isNestedArchive(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	for _, e := range archiveExts {
		if ext == e {
			return true
		}
	}
	return false
}
