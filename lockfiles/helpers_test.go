package lockfiles

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Helpers shared by the unit tests. Everything here builds its inputs from
// lockfiles/testdata (see testdata/README.md) or inline bytes, so the tests
// run on a fresh clone without /work/shared.

// td returns the bytes of a file under testdata/.
func td(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// zent is one zip member to write.
type zent struct {
	name   string
	data   []byte
	mode   fs.FileMode // 0 means a regular 0644 file
	method uint16      // zip.Store or zip.Deflate (default)
	dir    bool
}

func file(name string, data []byte) zent { return zent{name: name, data: data} }
func text(name, data string) zent        { return zent{name: name, data: []byte(data)} }
func exe(name string, data []byte) zent  { return zent{name: name, data: data, mode: 0o755} }
func link(name, target string) zent {
	return zent{name: name, data: []byte(target), mode: fs.ModeSymlink | 0o777}
}
func stored(name string, data []byte) zent { return zent{name: name, data: data, method: zip.Store} }

// buildZip writes members in order, exactly as given: names are not
// cleaned, so hostile names reach the reader as they would in a real zip.
func buildZip(t testing.TB, ents ...zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range ents {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.method != 0 || e.dir {
			h.Method = e.method
		}
		switch {
		case e.dir:
			h.SetMode(fs.ModeDir | 0o755)
		case e.mode != 0:
			h.SetMode(e.mode)
		default:
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeZip builds a zip in a fresh temp dir and returns its path.
func writeZip(t testing.TB, name string, ents ...zent) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, buildZip(t, ents...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeTree writes files below a fresh temp dir and returns it.
func writeTree(t testing.TB, ents ...zent) string {
	t.Helper()
	dir := t.TempDir()
	for _, e := range ents {
		p := filepath.Join(dir, filepath.FromSlash(e.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if e.mode&fs.ModeSymlink != 0 {
			if err := os.Symlink(string(e.data), p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		perm := fs.FileMode(0o644)
		if e.mode != 0 {
			perm = e.mode.Perm()
		}
		if err := os.WriteFile(p, e.data, perm); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeFile writes one file named name in a fresh temp dir.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readOne inventories one path and returns its only artifact.
func readOne(t testing.TB, p string, opts Options) (*Artifact, *Inventory) {
	t.Helper()
	inv, err := Read(context.Background(), []string{p}, opts)
	if err != nil {
		t.Fatalf("Read(%s): %v", p, err)
	}
	if len(inv.Artifacts) != 1 {
		t.Fatalf("Read(%s): %d artifacts, want 1", p, len(inv.Artifacts))
	}
	return inv.Artifacts[0], inv
}

// pkgKeys lists "Ecosystem name version" for every package, sorted.
func pkgKeys(a *Artifact) []string {
	var out []string
	for _, p := range a.Packages {
		out = append(out, p.Ecosystem+" "+p.Name+" "+p.Version)
	}
	sort.Strings(out)
	return out
}

// wantPkgs asserts the exact package set of an artifact.
func wantPkgs(t testing.TB, a *Artifact, want ...string) {
	t.Helper()
	want = slices.Clone(want)
	sort.Strings(want)
	got := pkgKeys(a)
	if !slices.Equal(got, want) {
		t.Errorf("%s: packages\n got  %q\n want %q", a.Path, got, want)
	}
}

// pkg returns the package with that identity, failing the test if absent.
func pkg(t testing.TB, a *Artifact, eco, name, version string) *Package {
	t.Helper()
	for _, p := range a.Packages {
		if p.Ecosystem == eco && p.Name == name && p.Version == version {
			return p
		}
	}
	t.Fatalf("%s: no package %s %s %s among %q", a.Path, eco, name, version, pkgKeys(a))
	return nil
}

// wantInputError asserts err is a one-line *InputError naming path and
// saying every one of wants.
func wantInputError(t testing.TB, err error, path string, wants ...string) *InputError {
	t.Helper()
	if err == nil {
		t.Fatalf("no error for %s", path)
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %q is %T, want *InputError", err, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, path+": ") {
		t.Errorf("error %q does not start with the input %s", msg, path)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	return ie
}

// readErr runs Read on one path and returns its error.
func readErr(p string, opts Options) error {
	_, err := Read(context.Background(), []string{p}, opts)
	return err
}
