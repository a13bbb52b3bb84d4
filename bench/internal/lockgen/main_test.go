package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeExport writes a two-record OSV export for every ecosystem lockgen
// knows, in the <Ecosystem>/all.zip layout.
func writeExport(t *testing.T) string {
	dir := t.TempDir()
	names := map[string][2]string{
		"npm": {"lodash", "@s/x"}, "PyPI": {"django", "flask"}, "Maven": {"org.a:b", "org.c:d"},
		"Go": {"github.com/a/b", "golang.org/x/text"}, "RubyGems": {"rack", "rails"},
		"NuGet": {"Newtonsoft.Json", "Npgsql"}, "Packagist": {"a/b", "c/d"}, "crates.io": {"serde", "tokio"},
	}
	for eco, ns := range names {
		if err := os.MkdirAll(filepath.Join(dir, eco), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, eco, "all.zip"))
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for i, n := range ns {
			w, _ := zw.Create(n + ".json")
			rec := map[string]any{"id": "X-" + n, "modified": "2025-01-0" + string(rune('1'+i)) + "T00:00:00Z", "affected": []any{map[string]any{
				"package":  map[string]string{"ecosystem": eco, "name": n},
				"versions": []string{"1.0.0", "1.1.0"},
				"ranges":   []any{map[string]any{"type": "ECOSYSTEM", "events": []any{map[string]string{"introduced": "0"}, map[string]string{"fixed": "2.0.0"}}}},
			}}}
			json.NewEncoder(w).Encode(rec)
		}
		zw.Close()
		f.Close()
	}
	return dir
}

func TestGenerate(t *testing.T) {
	src := writeExport(t)
	out := t.TempDir()
	const n = 40
	for format := range generators {
		p := filepath.Join(out, format)
		if err := run(src, format, n, p); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v, %d bytes", format, err, len(b))
		}
		if strings.HasSuffix(format, ".json") || format == "Pipfile.lock" || format == "composer.lock" {
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("%s: invalid JSON: %v", format, err)
			}
		}
	}
	// package-lock.json: exactly n distinct entries besides the root.
	var lock struct {
		Packages map[string]struct{ Version, Integrity string }
	}
	b, _ := os.ReadFile(filepath.Join(out, "package-lock.json"))
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	if len(lock.Packages) != n+1 {
		t.Errorf("package-lock.json: %d entries, want %d", len(lock.Packages), n+1)
	}
	seen := map[string]bool{}
	for k, e := range lock.Packages {
		if k == "" {
			continue
		}
		name := k[strings.LastIndex(k, "node_modules/")+len("node_modules/"):]
		if seen[name+"@"+e.Version] {
			t.Errorf("%s@%s twice", name, e.Version)
		}
		seen[name+"@"+e.Version] = true
		if !strings.HasPrefix(e.Integrity, "sha512-") {
			t.Errorf("%s: integrity %q", k, e.Integrity)
		}
	}
	if err := run(src, "modified_id.csv:npm", 0, filepath.Join(out, "m.csv")); err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "m.csv"))
	if got := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(got) != 2 || !strings.HasPrefix(got[0], "2025-01-02") {
		t.Errorf("modified_id.csv = %q", got)
	}
}
