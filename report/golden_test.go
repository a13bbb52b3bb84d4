package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenCases are the files under testdata/golden, one per format (and the
// coloured table), all from the same fixture.
var goldenCases = []struct {
	name, format string
	color        bool
	spec         string
}{
	{"table.txt", FormatTable, false, ""},
	{"table-color.txt", FormatTable, true, ""},
	{"report.json", FormatJSON, false, ""},
	{"report.sarif", FormatSARIF, false, ""},
	{"report.md", FormatMarkdown, false, ""},
	{"cyclonedx-1.6.json", FormatCycloneDX, false, ""},
	{"cyclonedx-1.6.xml", FormatCycloneDXXML, false, ""},
}

func render(t testing.TB, format string, opts Options) []byte {
	t.Helper()
	res := fixtureResult(t)
	v := fixtureVerdict(t, res)
	var buf bytes.Buffer
	if err := Write(&buf, format, res, v, opts); err != nil {
		t.Fatalf("Write %s: %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			opts := testOptions()
			opts.Color, opts.Spec = c.color, c.spec
			got := render(t, c.format, opts)
			// Twice: map iteration or clocks must not leak into the output.
			if again := render(t, c.format, opts); !bytes.Equal(got, again) {
				t.Fatalf("%s output differs between two identical runs", c.format)
			}
			file := filepath.Join("testdata", "golden", c.name)
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run with -update after checking the diff):\n%s", c.format, file, firstDiff(want, got))
			}
		})
	}
}

// firstDiff shows the first differing line of two outputs.
func firstDiff(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + string(w) + "\n  got:  " + string(g)
		}
	}
	return "(same lines)"
}

// TestGoldenApplication renders the bundled example application: reports
// grouped by function, the role's findings and the blast radius first.
func TestGoldenApplication(t *testing.T) {
	for _, c := range []struct{ name, format string }{
		{"app-table.txt", FormatTable},
		{"app-report.json", FormatJSON},
		{"app-report.sarif", FormatSARIF},
		{"app-report.md", FormatMarkdown},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := renderApp(t, c.format)
			if again := renderApp(t, c.format); !bytes.Equal(got, again) {
				t.Fatalf("%s output differs between two identical runs", c.format)
			}
			file := filepath.Join("testdata", "golden", c.name)
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGoldenApplication -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run with -update after checking the diff):\n%s", c.format, file, firstDiff(want, got))
			}
		})
	}
}
