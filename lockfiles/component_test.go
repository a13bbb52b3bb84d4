package lockfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// npmLockRoot streams to the root entry; it must still find one written
// after other packages, fall back to the top level (lockfile v1), and name
// nothing for what is not a lockfile.
func TestNPMLockRootStreaming(t *testing.T) {
	for _, c := range []struct{ in, name, version string }{
		{`{"name":"top","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"2.0.0"},"node_modules/x":{"version":"1.0.0"}}}`, "app", "2.0.0"},
		{`{"lockfileVersion":3,"packages":{"node_modules/x":{"version":"1.0.0","dependencies":{"y":"^1"}},"":{"name":"late","version":"3.0.0"}}}`, "late", "3.0.0"},
		{`{"name":"v1app","version":"0.1.0","lockfileVersion":1,"dependencies":{"x":{"version":"1.0.0"}}}`, "v1app", "0.1.0"},
		{`{"lockfileVersion":3,"packages":{"":{"version":"1.0.0"}},"name":"fallback","version":"9.9.9"}`, "fallback", "9.9.9"},
		{`[1,2,3]`, "", ""},
		{`{"name":`, "", ""},
	} {
		if n, v := npmLockRoot([]byte(c.in)); n != c.name || v != c.version {
			t.Errorf("%s: %q %q, want %q %q", c.in, n, v, c.name, c.version)
		}
	}
}

// A lockfile given on its own is named from its root entry, read from the
// start of the file without reading it whole; the same file inside a zip
// is named the same way.
func TestLockfileOnDiskNamesComponent(t *testing.T) {
	lock := []byte(`{"name":"top","lockfileVersion":3,"packages":{"":{"name":"app","version":"2.0.0"},"node_modules/ms":{"version":"2.1.3"}}}`)
	dir := t.TempDir()
	p := filepath.Join(dir, "package-lock.json")
	if err := os.WriteFile(p, lock, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{p, writeZip(t, "f.zip", file("package-lock.json", lock), text("index.js", "x"))} {
		inv, err := Read(t.Context(), []string{in}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := inv.Artifacts[0].Component
		if c == nil || c.Name != "app" || c.Version != "2.0.0" || c.PURL != "pkg:npm/app@2.0.0" {
			t.Errorf("%s: component %+v, want app 2.0.0", in, c)
		}
	}
}
