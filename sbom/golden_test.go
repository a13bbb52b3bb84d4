package sbom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

var formats = map[string]string{FormatJSON: "json", FormatXML: "xml"}

// goldenName is testdata/golden/<fixture>-<spec>.<ext>.
func goldenName(fixture, spec, format string) string {
	return filepath.Join("testdata", "golden", fixture+"-"+spec+"."+formats[format])
}

func encodeFixture(t *testing.T, fixture, format, spec string) []byte {
	t.Helper()
	name := ""
	if fixture == "multi" {
		name = "checkout-service"
	}
	bom, err := Build(fixtures()[fixture](), fixedOptions(name))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, bom, format, spec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for fixture := range fixtures() {
		for _, spec := range specs {
			for format := range formats {
				t.Run(fixture+"/"+spec+"/"+formats[format], func(t *testing.T) {
					got := encodeFixture(t, fixture, format, spec)
					file := goldenName(fixture, spec, format)
					if *update {
						if err := os.WriteFile(file, got, 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(file)
					if err != nil {
						t.Fatalf("%v (run go test ./sbom -run TestGolden -update)", err)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("output differs from %s; inspect and rerun with -update if intended", file)
					}
					// The golden file itself is what users see: it must be valid.
					validate(t, format, spec, want)
				})
			}
		}
	}
}
