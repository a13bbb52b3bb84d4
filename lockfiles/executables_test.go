package lockfiles

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A Go executable inflated from a zip is kept for symbol analysis, so the
// scan does not inflate it a second time; one in a folder is not kept
// (reading it again costs a read, not an inflation).
func TestGoExecutableKeptFromArchiveOnly(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Skipf("no path to the test binary: %v", err)
	}
	exe, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	zipOf := func(name string, files map[string][]byte) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for n, data := range files {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inner, _ := os.ReadFile(zipOf("inner.zip", map[string][]byte{"bin/tool": exe}))
	fn := zipOf("function.zip", map[string][]byte{"bootstrap": exe, "vendor/tools.zip": inner})
	folder := filepath.Join(dir, "folder")
	os.MkdirAll(folder, 0o755)
	os.WriteFile(filepath.Join(folder, "bootstrap"), exe, 0o755)

	// The test binary is larger than a default member may be.
	limits := DefaultLimits
	limits.MaxEntryBytes, limits.MaxTotalBytes = 1<<30, 4<<30
	inv, err := Read(context.Background(), []string{fn, folder}, Options{Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	zipped, onDisk := inv.Artifacts[0], inv.Artifacts[1]
	for _, member := range []string{"bootstrap", "vendor/tools.zip!/bin/tool"} {
		got := zipped.TakeExecutable(member)
		if !bytes.Equal(got, exe) {
			t.Errorf("%s: kept %d bytes, want the executable's %d", member, len(got), len(exe))
		}
		if again := zipped.TakeExecutable(member); again != nil {
			t.Errorf("%s: taken twice", member)
		}
		want, err := ReadMember(fn, member, limits)
		if err != nil || !bytes.Equal(want, exe) {
			t.Errorf("%s: ReadMember disagrees (%v)", member, err)
		}
	}
	if got := onDisk.TakeExecutable("bootstrap"); got != nil {
		t.Errorf("an executable in a folder was kept (%d bytes)", len(got))
	}
}
