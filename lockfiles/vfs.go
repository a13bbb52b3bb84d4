package lockfiles

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// vfs is one artifact's files, whether they live in a zip (read in place,
// never unpacked) or in a folder. Extractors see it as an fs.FS; every read
// goes through the artifact's budget.
type vfs struct {
	files  map[string]*vfile
	dirs   map[string][]fs.DirEntry
	names  []string // regular files, sorted
	budget *budget
	// links are symbolic links that stayed inside the package: skipped, but
	// counted so a folder of only links is not mistaken for an empty one.
	links int
	// depth is how many archives this tree sits inside (0 for the artifact
	// itself, 1 for a zip inside it): nested jars count from here.
	depth int
	// mavenNames and warn are the run's Options.MavenNames and the
	// artifact's warning sink, for readers that need them (jars).
	mavenNames func(artifactID string) []string
	warn       func(member, msg string)
	// diskRoot is the folder an artifact read from disk sits in (the
	// folder itself, or a file's folder): what has names outside the
	// artifact's own files, see has.
	diskRoot string
	// claimed are the files some reader took (lockfiles, manifests):
	// when none yields a package, the error names them.
	claimed []string
	// incompleteSink receives what leaves the artifact's inventory partial
	// (a requirements include that is missing): a warning, and the
	// artifact no longer complete.
	incompleteSink func(member, msg string)
	// inArchive is set for a tree read from a zip; keep receives the Go
	// executables found in such a tree (Artifact.keepExecutable): one in a
	// folder is cheap to read again.
	inArchive bool
	keep      func(member string, data []byte)
	// npmTrees are the node_modules entries of each package-lock.json the
	// npm reader decoded, so the dependency graph does not decode it again.
	npmTrees map[string][]npmNode
}

// has says whether name can be read, making a file outside the artifact's
// own readable when it is on disk: pip reads a requirements include beside
// a requirements file given alone, or above a folder ("-r ../base.txt"),
// and so must the inventory. Never for an archive (no diskRoot).
func (v *vfs) has(name string) bool {
	if _, ok := v.files[name]; ok {
		return true
	}
	if v.diskRoot == "" {
		return false
	}
	p := filepath.Join(v.diskRoot, filepath.FromSlash(name))
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	v.files[name] = &vfile{name: name, info: fileInfo{name: path.Base(name), size: st.Size(), mode: st.Mode()},
		read: func() ([]byte, error) { return readRealFile(p, v.budget) }}
	return true
}

// incomplete reports part of the artifact that cannot be read.
func (v *vfs) incomplete(member, msg string) {
	if v.incompleteSink != nil {
		v.incompleteSink(member, msg)
	}
}

func (v *vfs) setNPMTree(file string, tree []npmNode) {
	if v.npmTrees == nil {
		v.npmTrees = map[string][]npmNode{}
	}
	v.npmTrees[file] = tree
}

type vfile struct {
	name string
	info fs.FileInfo
	read func() ([]byte, error)
	// stream opens a file on disk for a reader that decodes as it reads
	// (directReader), so a 90 MB lockfile is never held whole; nil for
	// archive members.
	stream func() (io.ReadCloser, error)
	// readDigest reads an archive member and takes its SHA-256 as it
	// inflates when it is large and deflated (nil digest otherwise); nil
	// outside archives.
	readDigest func() ([]byte, *[sha256.Size]byte, error)
}

func (v *vfs) readFile(name string) ([]byte, error) {
	f, ok := v.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return f.read()
}

// zipVFS presents one archive level.
func zipVFS(t *zipTree, b *budget) *vfs {
	v := &vfs{files: make(map[string]*vfile, len(t.files)), dirs: t.dirs, names: t.names, budget: b, inArchive: true}
	for name, m := range t.files {
		m := m
		v.files[name] = &vfile{name: name, info: memberInfo{m},
			read:       func() ([]byte, error) { return m.read(b) },
			readDigest: func() ([]byte, *[sha256.Size]byte, error) { return m.readDigest(b) }}
	}
	return v
}

// dirVFS walks a folder without following links. A link that leaves the
// folder is reported as a warning, not followed: a source checkout may link
// to shared files, but nothing outside the folder is part of what it ships.
func dirVFS(root string, b *budget, warn func(member, msg string)) (*vfs, error) {
	v := &vfs{files: map[string]*vfile{}, dirs: map[string][]fs.DirEntry{".": nil}, budget: b}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if err := b.addEntries(1); err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			v.dirs[rel] = v.dirs[rel]
			parent := path.Dir(rel)
			v.dirs[parent] = append(v.dirs[parent], dirEntry(d.Name()))
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err == nil && !linkStaysInside(rel, filepath.ToSlash(target)) {
				warn(rel, fmt.Sprintf("link to %q leaves the folder: not followed", target))
			}
			v.links++
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			full := p
			f := &vfile{name: rel, info: info, read: func() ([]byte, error) { return readRealFile(full, b) },
				stream: func() (io.ReadCloser, error) { return streamRealFile(full, b) }}
			v.files[rel] = f
			v.names = append(v.names, rel)
			parent := path.Dir(rel)
			v.dirs[parent] = append(v.dirs[parent], fs.FileInfoToDirEntry(info))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(v.names)
	for d, ents := range v.dirs {
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		v.dirs[d] = ents
	}
	return v, nil
}

// streamRealFile opens p to be read through the budget.
func streamRealFile(p string, b *budget) (io.ReadCloser, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{&limitedReader{r: f, left: b.limits.MaxEntryBytes, budget: b}, f}, nil
}

func readRealFile(p string, b *budget) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return readSized(f, size, b)
}

// singleFileVFS holds one file given on the command line (a lockfile or a
// binary), so the same extractors read it.
func singleFileVFS(name string, data []byte, info fs.FileInfo, b *budget) *vfs {
	v := &vfs{files: map[string]*vfile{}, dirs: map[string][]fs.DirEntry{}, budget: b}
	f := &vfile{name: name, info: info, read: func() ([]byte, error) { return data, nil }}
	v.files[name] = f
	v.names = []string{name}
	v.dirs["."] = []fs.DirEntry{fs.FileInfoToDirEntry(info)}
	return v
}

// The fs.FS, fs.ReadDirFS and fs.StatFS that scalibr's extractors need.

func (v *vfs) Open(name string) (fs.File, error) {
	name = cleanFSName(name)
	if f, ok := v.files[name]; ok {
		data, err := f.read()
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &openFile{Reader: bytes.NewReader(data), info: f.info}, nil
	}
	if ents, ok := v.dirs[name]; ok {
		return &openDir{name: name, ents: ents}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (v *vfs) ReadDir(name string) ([]fs.DirEntry, error) {
	name = cleanFSName(name)
	ents, ok := v.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return append([]fs.DirEntry(nil), ents...), nil
}

func (v *vfs) Stat(name string) (fs.FileInfo, error) {
	name = cleanFSName(name)
	if f, ok := v.files[name]; ok {
		return f.info, nil
	}
	if _, ok := v.dirs[name]; ok {
		return dirInfo(name), nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

func cleanFSName(name string) string {
	name = strings.TrimPrefix(filepath.ToSlash(name), "/")
	if name == "" {
		return "."
	}
	return path.Clean(name)
}

// openFile implements io.ReaderAt and io.Seeker, which scalibr requires of
// every opened file (Go binaries and jars are read at random offsets).
type openFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *openFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *openFile) Close() error               { return nil }

type openDir struct {
	name string
	ents []fs.DirEntry
	pos  int
}

func (d *openDir) Stat() (fs.FileInfo, error) { return dirInfo(d.name), nil }
func (d *openDir) Close() error               { return nil }
func (d *openDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *openDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.pos:]
	if n <= 0 {
		d.pos = len(d.ents)
		return append([]fs.DirEntry(nil), rest...), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.pos += n
	return append([]fs.DirEntry(nil), rest[:n]...), nil
}

// fileInfo describes a file given directly, whose real info we have.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.mode }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }
