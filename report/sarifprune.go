package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// go-sarif serialises every property its structs have: empty arrays
// ("graphs": [], "relationships": []) and the schema's "unset" value -1
// (rank, index, parentIndex, byteOffset, ...). GitHub code scanning reads
// none of them and they triple the file, so the document is pruned before
// writing: members whose value is an empty array, an empty object or -1 go;
// member order is kept.

// schemaDefaults are members whose value is the SARIF schema's default, so
// that writing them says nothing: run.language "en-US", the default
// newline sequences, result.kind "fail", a rule configuration's enabled.
var schemaDefaults = map[string]string{
	"language":         `"en-US"`,
	"newlineSequences": `["\r\n","\n"]`,
	"kind":             `"fail"`,
	"enabled":          `true`,
}

// jnode is a JSON value with object member order preserved.
type jnode struct {
	keys  []string // objects
	vals  []*jnode // object values, or array items
	raw   json.RawMessage
	array bool
	obj   bool
}

func parseJNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jnode{obj: t == '{', array: t == '['}
		for dec.More() {
			if n.obj {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("sarif: object key %v", kt)
				}
				n.keys = append(n.keys, k)
			}
			v, err := parseJNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
		return n, nil
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(t); err != nil {
			return nil, err
		}
		return &jnode{raw: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))}, nil
	}
}

// prune removes defaults below n and reports whether n itself is empty.
func (n *jnode) prune() (empty bool) {
	switch {
	case n.obj:
		keys, vals := n.keys[:0], n.vals[:0]
		for i, v := range n.vals {
			// GitHub requires runs[].results, even empty: "no findings".
			if v.prune() && n.keys[i] != "results" {
				continue
			}
			if d, ok := schemaDefaults[n.keys[i]]; ok && v.compact() == d {
				continue
			}
			keys, vals = append(keys, n.keys[i]), append(vals, v)
		}
		n.keys, n.vals = keys, vals
		return len(n.vals) == 0
	case n.array:
		// Array items are kept even when empty: their positions are indexes
		// (ruleIndex) that results refer to.
		for _, v := range n.vals {
			v.prune()
		}
		return len(n.vals) == 0
	}
	return string(n.raw) == "-1"
}

// compact is n on one line, for comparing small values.
func (n *jnode) compact() string {
	if !n.obj && !n.array {
		return string(n.raw)
	}
	var b bytes.Buffer
	b.WriteByte("{["[boolIndex(n.array)])
	for i, v := range n.vals {
		if i > 0 {
			b.WriteByte(',')
		}
		if n.obj {
			k, _ := json.Marshal(n.keys[i])
			b.Write(k)
			b.WriteByte(':')
		}
		b.WriteString(v.compact())
	}
	b.WriteByte("}]"[boolIndex(n.array)])
	return b.String()
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (n *jnode) write(w *bytes.Buffer, indent string) {
	switch {
	case n.obj, n.array:
		open, closing := byte('{'), byte('}')
		if n.array {
			open, closing = '[', ']'
		}
		w.WriteByte(open)
		if len(n.vals) == 0 {
			w.WriteByte(closing)
			return
		}
		inner := indent + "  "
		for i, v := range n.vals {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString("\n" + inner)
			if n.obj {
				k, _ := json.Marshal(n.keys[i])
				w.Write(k)
				w.WriteString(": ")
			}
			v.write(w, inner)
		}
		w.WriteString("\n" + indent)
		w.WriteByte(closing)
	default:
		w.Write(n.raw)
	}
}

// writePrunedJSON encodes v, prunes SARIF defaults and writes it indented.
func writePrunedJSON(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := parseJNode(dec)
	if err != nil {
		return err
	}
	root.prune()
	var buf bytes.Buffer
	root.write(&buf, "")
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}
