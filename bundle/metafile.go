package bundle

import (
	"encoding/json"
	"errors"
	"path"
	"sort"
	"strings"
)

// metafile is what an esbuild metafile says: which inputs each output holds.
type metafile struct {
	// inputs are all inputs esbuild read, bundled or not.
	inputs []string
	// outputs maps each output path (relative to esbuild's working folder)
	// to the inputs that put at least one byte into it.
	outputs map[string][]string
	byBase  map[string][]string // output file name -> output paths
}

type metaDoc struct {
	Inputs  map[string]json.RawMessage `json:"inputs"`
	Outputs map[string]struct {
		Inputs map[string]struct {
			BytesInOutput int64 `json:"bytesInOutput"`
		} `json:"inputs"`
	} `json:"outputs"`
}

// errNotMetafile marks JSON that is valid but is no esbuild metafile (an
// application's own meta.json, say): not evidence, not a problem.
var errNotMetafile = errors.New("not an esbuild metafile (no inputs and outputs objects)")

// parseMetafile reads esbuild's --metafile output. Input values are kept raw:
// only the keys and bytesInOutput matter, and nothing else is decoded.
func parseMetafile(data []byte) (*metafile, error) {
	var doc metaDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errNotMetafile
		}
		return nil, errors.New(jsonErr(data, err))
	}
	if doc.Inputs == nil || doc.Outputs == nil {
		return nil, errNotMetafile
	}
	m := &metafile{outputs: map[string][]string{}, byBase: map[string][]string{}}
	for k := range doc.Inputs {
		m.inputs = append(m.inputs, k)
	}
	sort.Strings(m.inputs)
	for out, o := range doc.Outputs {
		if !isBundleName(out) {
			continue // .map, .css, .LEGAL.txt outputs hold no packages of the JS
		}
		var ins []string
		for k, in := range o.Inputs {
			if in.BytesInOutput > 0 {
				ins = append(ins, k)
			}
		}
		sort.Strings(ins)
		m.outputs[out] = ins
		base := path.Base(strings.ReplaceAll(out, `\`, "/"))
		m.byBase[base] = append(m.byBase[base], out)
	}
	return m, nil
}

// matchOutput picks the metafile output that is the shipped file bundle
// (artifact-relative), by the longest run of trailing path segments they
// share. Output paths are relative to esbuild's working folder, which the
// artifact does not know, so the file name at least must agree.
func (m *metafile) matchOutput(bundle string) (string, int) {
	best, bestN, tie := "", 0, false
	bs := strings.Split(bundle, "/")
	for _, out := range m.byBase[path.Base(bundle)] {
		os := strings.Split(path.Clean(strings.ReplaceAll(out, `\`, "/")), "/")
		n := 0
		for n < len(bs) && n < len(os) && bs[len(bs)-1-n] == os[len(os)-1-n] {
			n++
		}
		switch {
		case n > bestN:
			best, bestN, tie = out, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if tie {
		return "", 0
	}
	return best, bestN
}

// moduleInput strips esbuild's namespace prefix from an input key. A
// "(disabled):" input is a module the browser field replaced with nothing.
func moduleInput(k string) (string, bool) {
	if strings.HasPrefix(k, "(disabled):") {
		return "", false
	}
	if i := strings.Index(k, ":"); i > 0 && !strings.Contains(k[:i], "/") && i > 1 {
		k = k[i+1:] // a plugin namespace ("pnp:", "file:")
	}
	return k, true
}
