package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// indentCases are compact JSON values with what trips an indenter: strings
// holding brackets, commas, colons, quotes and backslashes; empty objects
// and arrays at several depths; numbers, literals and unicode.
var indentCases = []string{
	`{}`, `[]`, `"x"`, `0`, `null`,
	`{"a":[],"b":{},"c":[{}],"d":[[],[1,2]]}`,
	`{"s":"{[,:]}\"\\","t":"\\\"","u":"\u00e9 <script> && \u2028"}`,
	`[{"id":"GHSA-1","aliases":["CVE-1"],"fixed":[],"why":["a, b: c"]},{"id":"MAL-2"}]`,
	`{"n":-1.5e+10,"b":true,"f":false,"z":null,"nested":{"deep":{"deeper":[{"k":"v"}]}}}`,
}

func TestAppendIndentMatchesEncodingJSON(t *testing.T) {
	inputs := append([]string{}, indentCases...)
	// Every JSON golden the package has, compacted: real report shapes.
	goldens, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if json.Compact(&c, data) == nil {
			inputs = append(inputs, c.String())
		}
	}
	if len(goldens) == 0 {
		t.Error("no JSON goldens in testdata/golden")
	}
	for _, in := range inputs {
		for _, prefix := range []string{"", "    "} {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(in), prefix, "  "); err != nil {
				t.Fatalf("%.60s: %v", in, err)
			}
			if got := appendIndent(nil, []byte(in), prefix, "  "); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("prefix %q, input %.80s:\ngot  %s\nwant %s", prefix, in, got, want.Bytes())
			}
		}
	}
}

// The indenter writes what a json.Encoder with SetIndent and without HTML
// escaping writes, less the final newline.
func TestIndenterMatchesEncoder(t *testing.T) {
	in := newIndenter()
	for _, v := range []any{
		map[string]any{"summary": "a <b> & c", "list": []int{}, "m": map[string]int{}},
		[]string{"x", "y"},
		struct {
			A string   `json:"a"`
			B []string `json:"b"`
		}{"q\"uote", nil},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("  ", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := in.write(&got, v, "  "); err != nil {
			t.Fatal(err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got.Bytes(), w) {
			t.Errorf("got\n%s\nwant\n%s", got.Bytes(), w)
		}
	}
}

func FuzzAppendIndent(f *testing.F) {
	for _, c := range indentCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var compact bytes.Buffer
		if json.Compact(&compact, data) != nil {
			return
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact.Bytes(), "  ", "  "); err != nil {
			return
		}
		if got := appendIndent(nil, compact.Bytes(), "  ", "  "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("input %q:\ngot  %s\nwant %s", compact.Bytes(), got, want.Bytes())
		}
	})
}
