package sbom

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles"
)

func seedCorpus(f *testing.F) {
	for _, glob := range []string{"testdata/golden/*", "testdata/thirdparty/*"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","components":[{"type":"library","name":"x","purl":"pkg:npm/x@1","components":[{"type":"library","name":"y","purl":"pkg:"}]}]}`))
	f.Add([]byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component type="library"><name>a</name><purl>pkg:maven/g/a@1?x=%zz</purl></component></components></bom>`))
	f.Add([]byte(`{"bomFormat":"CycloneDX","dependencies":[{"ref":"a","dependsOn":["a"]}],"compositions":[{"aggregate":"complete"}]}`))
}

// Run with a short -fuzzminimizetime (go test ./sbom -run '^$' -fuzz
// FuzzDecode -fuzzminimizetime 2s): the golden seeds are ~14 KB, and
// minimising every new interesting input of that size for the default 60s
// looks like a stall at 0 execs/sec.
//
// Decode must never panic, must fail with one line naming the path, and
// when it succeeds must return packages the matcher can use.
func FuzzDecode(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		art, err := Decode(data, "fuzz.cdx")
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, "fuzz.cdx") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q is not one line naming the path", msg)
			}
			return
		}
		if art.Kind != lockfiles.KindSBOM || art.Path != "fuzz.cdx" {
			t.Fatalf("artifact %s %s", art.Kind, art.Path)
		}
		seen := map[string]bool{}
		for _, p := range art.Packages {
			if ecosystem.Canonical(p.Ecosystem) != p.Ecosystem || p.PURL == "" || p.Name == "" {
				t.Fatalf("unusable package %+v", p)
			}
			if k, _ := purlKey(p.PURL); seen[k] {
				t.Fatalf("purl %s decoded twice", p.PURL)
			} else {
				seen[k] = true
			}
		}
	})
}

// Sniff must never panic and only claim documents that start like their
// encoding.
func FuzzSniff(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		format, ok := Sniff(data)
		if !ok {
			if format != "" {
				t.Fatalf("format %q without ok", format)
			}
			return
		}
		first := strings.TrimLeft(strings.TrimPrefix(string(data), "\ufeff"), " \t\r\n")
		if (format == "json" && first[0] != '{') || (format == "xml" && first[0] != '<') {
			t.Fatalf("%s claimed for data starting %q", format, first[:1])
		}
	})
}
