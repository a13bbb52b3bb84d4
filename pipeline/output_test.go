package pipeline

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]string{"JSON": "json", "Table": "table", "cyclonedx": "cyclonedx-json", "CycloneDX-XML": "cyclonedx-xml", "SARIF": "sarif", "md": "markdown"} {
		if got, err := ParseFormat("--format", in, ScanFormats); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseFormat("--format", "json", SBOMFormats); err == nil || ClassOf(err) != ClassInput {
		t.Errorf("sbom accepted the report format json: %v", err)
	}
}

func TestParseOutputs(t *testing.T) {
	ok := func(format string, outs ...string) []Output {
		t.Helper()
		got, err := ParseOutputs(format, outs, ScanFormats)
		if err != nil {
			t.Fatalf("%s %q: %v", format, outs, err)
		}
		return got
	}
	got := ok("json", "r.json", "SARIF=r.sarif", "markdown=out/summary.md")
	want := []Output{{"json", "r.json"}, {"sarif", "r.sarif"}, {"markdown", "out/summary.md"}}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%+v, want %+v", got, want)
		}
	}
	// A file name with "=" that is no format is a file.
	if got := ok("table", "dir/a=b.txt"); got[0].File != "dir/a=b.txt" {
		t.Fatalf("%+v", got)
	}
	for _, c := range []struct {
		format string
		outs   []string
		want   string
	}{
		{"table", []string{"report.json"}, "a table report in a .json file"},
		{"json", []string{"x.sarif"}, "a json report in a .sarif file"},
		{"table", []string{"a.txt", "json=a.txt"}, "would receive both"},
		{"table", []string{"sarif=r.sarif", "sarif=./r.sarif"}, "would receive both"},
		{"table", []string{"a.txt", "b.txt"}, "only one plain FILE"},
		{"table", []string{"pdf=x.pdf"}, "want FILE or FORMAT=FILE"},
		{"table", []string{"json="}, "no file after ="},
	} {
		_, err := ParseOutputs(c.format, c.outs, ScanFormats)
		if err == nil || !strings.Contains(err.Error(), c.want) || ClassOf(err) != ClassInput {
			t.Errorf("%s %q: %v, want %q", c.format, c.outs, err, c.want)
		}
	}
}

func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	outs := []Output{{"table", ""}, {"json", filepath.Join(dir, "r.json")}}
	var order []string
	var stdout bytes.Buffer
	err := WriteAll(&stdout, outs, func(w io.Writer, o Output, toStdout bool) error {
		order = append(order, o.Format)
		_, err := io.WriteString(w, o.Format+"\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "json,table" || stdout.String() != "table\n" {
		t.Fatalf("order %v stdout %q: files first, then stdout", order, stdout.String())
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "r.json")); string(data) != "json\n" {
		t.Fatalf("file %q", data)
	}
	if err := WriteAll(io.Discard, []Output{{"json", filepath.Join(dir, "missing", "r.json")}}, func(w io.Writer, o Output, _ bool) error { return nil }); err == nil || ClassOf(err) != ClassInput {
		t.Fatalf("unwritable file: %v", err)
	}
	// A report is streamed into its file: a render that fails part way
	// leaves the earlier report in place and no temporary file behind.
	boom := errors.New("render failed")
	err = WriteAll(io.Discard, []Output{{"json", filepath.Join(dir, "r.json")}}, func(w io.Writer, o Output, _ bool) error {
		io.WriteString(w, strings.Repeat("partial ", 100000))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("render error: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "r.json")); string(data) != "json\n" {
		t.Fatalf("a failed render replaced the report: %.40q", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left behind: %v", ents)
	}
}
