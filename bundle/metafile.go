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
	m := &metafile{outputs: map[string][]string{}}
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
	}
	return m, nil
}

// trailingMatch counts the trailing path segments the shipped file bundle
// (artifact-relative) and a metafile output share. Output paths are
// relative to esbuild's working folder, which the artifact does not know,
// so the file name at least must agree.
func trailingMatch(bundle, out string) int {
	bs := strings.Split(bundle, "/")
	os := strings.Split(path.Clean(strings.ReplaceAll(out, `\`, "/")), "/")
	n := 0
	for n < len(bs) && n < len(os) && bs[len(bs)-1-n] == os[len(os)-1-n] {
		n++
	}
	return n
}

// outputConflict is a metafile output that matches several shipped bundles
// equally well, or a bundle that several outputs match equally well: the
// inputs are credited to none of them, since crediting the wrong bundle
// would hide what the right one holds.
type outputConflict struct {
	outputs, bundles []string
}

// assignOutputs gives each output to at most one bundle, and each bundle at
// most one output: the one sharing the most trailing path segments, and of
// bundles equal on that, the one in the metafile's own folder home (esbuild
// writes the metafile beside its outdir's files when asked). Whatever stays
// tied is a conflict, assigned to none.
func (m *metafile) assignOutputs(bundles []string, home string) (map[string]string, []outputConflict) {
	byBase := map[string][]string{}
	for _, b := range bundles {
		byBase[path.Base(b)] = append(byBase[path.Base(b)], b)
	}
	outs := make([]string, 0, len(m.outputs))
	for o := range m.outputs {
		outs = append(outs, o)
	}
	sort.Strings(outs)
	var conflicts []outputConflict
	type claim struct {
		out string
		n   int
	}
	claims := map[string][]claim{} // bundle -> outputs that chose it
	for _, o := range outs {
		base := path.Base(strings.ReplaceAll(o, `\`, "/"))
		var best []string
		bestN, bestHome := 0, false
		for _, b := range byBase[base] {
			n, h := trailingMatch(b, o), path.Dir(b) == home
			switch {
			case n > bestN || (n == bestN && h && !bestHome):
				best, bestN, bestHome = []string{b}, n, h
			case n == bestN && h == bestHome:
				best = append(best, b)
			}
		}
		switch {
		case len(best) == 1:
			claims[best[0]] = append(claims[best[0]], claim{o, bestN})
		case len(best) > 1:
			conflicts = append(conflicts, outputConflict{outputs: []string{o}, bundles: best})
		}
	}
	owner := map[string]string{}
	for _, b := range bundles {
		cs := claims[b]
		var best []string
		bestN := 0
		for _, c := range cs {
			switch {
			case c.n > bestN:
				best, bestN = []string{c.out}, c.n
			case c.n == bestN:
				best = append(best, c.out)
			}
		}
		switch {
		case len(best) == 1:
			owner[b] = best[0]
		case len(best) > 1:
			conflicts = append(conflicts, outputConflict{outputs: best, bundles: []string{b}})
		}
	}
	return owner, conflicts
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
