package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits on untrusted definitions. Real templates are far below them: the
// CloudFormation service itself caps a template at 1 MB (S3-hosted), and the
// biggest CDK stacks we have seen are a few MB.
const (
	// MaxDefinitionBytes bounds one template, manifest or serverless file.
	MaxDefinitionBytes = 32 << 20
	// maxAliasNodes bounds the nodes YAML aliases may add when expanded (a
	// "billion laughs" document expands exponentially).
	maxAliasNodes = 200_000
	// maxDepth bounds nesting, so hostile input cannot exhaust the stack.
	maxDepth = 256
)

// ParseError is a definition that cannot be read or used (it does not
// parse, a function's code path does not exist, ...), located in its file.
// File is the path as the user can open it: the application folder as given
// joined with the file's path inside it.
type ParseError struct {
	File string
	Line int // 1-based; 0 when unknown
	Col  int // 1-based; 1 when the YAML parser reports only a line; 0 when the error is about a whole entry
	Msg  string
}

func (e *ParseError) Error() string {
	switch {
	case e.Line <= 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col <= 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// locErr is an error at a line of a definition.
func locErr(file string, line int, format string, args ...any) error {
	return &ParseError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// readBounded reads a definition file, refusing anything over the limit
// without reading it whole.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &ParseError{File: path, Msg: "cannot read: " + err.Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxDefinitionBytes+1))
	if err != nil {
		return nil, &ParseError{File: path, Msg: "cannot read: " + err.Error()}
	}
	if len(data) > MaxDefinitionBytes {
		return nil, &ParseError{File: path, Msg: fmt.Sprintf("larger than %d MiB: not read", MaxDefinitionBytes>>20)}
	}
	return data, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument parses YAML or JSON into a normalized node tree: short-form
// tags (!Ref, !GetAtt, ...) rewritten to their long form, aliases expanded
// within a budget. name is used in errors only.
func parseDocument(name string, data []byte) (*yaml.Node, error) {
	if len(data) > MaxDefinitionBytes {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("larger than %d MiB: not read", MaxDefinitionBytes>>20)}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	looksJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	var jerr error
	if looksJSON {
		// JSON first: exact positions in errors, and JSON that YAML
		// rejects (a "\/" escape) still reads. YAML gets its chance after,
		// for flow-style YAML that merely looks like JSON.
		n, err := jsonToNode(name, data)
		if err == nil {
			return normalize(name, n)
		}
		jerr = err
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	if err != nil && !errors.Is(err, io.EOF) {
		if jerr != nil {
			return nil, jerr
		}
		return nil, yamlError(name, data, err)
	}
	if errors.Is(err, io.EOF) || len(doc.Content) == 0 {
		if jerr != nil {
			return nil, jerr
		}
		return nil, &ParseError{File: name, Line: 1, Col: 1, Msg: "empty document"}
	}
	root := doc.Content[0]
	return normalize(name, root)
}

// maxLineSearchBytes bounds the documents whose error line is searched
// for (a few parses of prefixes); bigger ones get the parser's line, worded
// as approximate.
const maxLineSearchBytes = 4 << 20

// yamlError locates a YAML error. The parser reports the line of the
// construct it was in ("while parsing a block mapping at line 2"), which
// may be far above the mistake; the first line at which a prefix of the
// document stops parsing is where the mistake is.
func yamlError(name string, data []byte, err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if len(data) > maxLineSearchBytes {
			return &ParseError{File: name, Line: line, Col: 1, Msg: fmt.Sprintf("%s (near this line)", m[2])}
		}
		return &ParseError{File: name, Line: failingLine(data, line), Col: 1, Msg: m[2]}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return &ParseError{File: name, Line: 1, Col: 1, Msg: strings.Join(te.Errors, "; ")}
	}
	return &ParseError{File: name, Line: 1, Col: 1, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// failingLine is the first line (at or after from) at which a prefix of
// data fails with the document's error, by bisection; from when none is
// found.
func failingLine(data []byte, from int) int {
	var ends []int // ends[i] is the offset just past line i+1
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	// A prefix cut inside a valid multi-line construct fails too, with
	// another error: only the document's own error counts.
	var n yaml.Node
	want := yaml.Unmarshal(data, &n)
	fails := func(lines int) bool {
		var n yaml.Node
		err := yaml.Unmarshal(data[:ends[lines-1]], &n)
		return err != nil && want != nil && err.Error() == want.Error()
	}
	lo, hi := from-1, len(ends) // prefix of lo lines taken to parse; of hi lines fails
	if lo < 0 || lo >= hi {
		return from
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	// A mistake on the last line of a block is seen only when the next
	// line arrives; blank and comment lines never cause one.
	for hi > from && blankLine(data, ends, hi) {
		hi--
	}
	return hi
}

func blankLine(data []byte, ends []int, line int) bool {
	start := 0
	if line > 1 {
		start = ends[line-2]
	}
	l := bytes.TrimSpace(data[start:ends[line-1]])
	return len(l) == 0 || l[0] == '#'
}

// shortTags maps CloudFormation's YAML short forms to their long names.
var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join", "!If": "Fn::If",
	"!Select": "Fn::Select", "!FindInMap": "Fn::FindInMap", "!ImportValue": "Fn::ImportValue",
	"!Split": "Fn::Split", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!GetAZs": "Fn::GetAZs",
	"!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or",
	"!Transform": "Fn::Transform", "!Length": "Fn::Length", "!ToJsonString": "Fn::ToJsonString",
	"!ForEach": "Fn::ForEach",
}

type normalizer struct {
	name  string
	added int
	// repl maps an anchored node to what it was rewritten to, so aliases
	// (which point at the original) see the long form.
	repl map[*yaml.Node]*yaml.Node
}

func normalize(name string, root *yaml.Node) (*yaml.Node, error) {
	nz := &normalizer{name: name, repl: map[*yaml.Node]*yaml.Node{}}
	return nz.walk(root, 0)
}

func (nz *normalizer) walk(n *yaml.Node, depth int) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, &ParseError{File: nz.name, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("nested deeper than %d levels", maxDepth)}
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, &ParseError{File: nz.name, Line: n.Line, Col: n.Column, Msg: "alias to an unknown anchor"}
		}
		// Anchors precede their aliases, so the target is already normalized
		// (a self-referencing anchor was still being walked: refuse it).
		target := n.Alias
		if r, ok := nz.repl[target]; ok {
			target = r
		}
		return nz.copy(target, n, depth)
	}
	out, err := nz.rewrite(n, depth)
	if err == nil && n.Anchor != "" {
		nz.repl[n] = out
	}
	return out, err
}

func (nz *normalizer) rewrite(n *yaml.Node, depth int) (*yaml.Node, error) {
	for i, c := range n.Content {
		w, err := nz.walk(c, depth+1)
		if err != nil {
			return nil, err
		}
		n.Content[i] = w
	}
	if long, ok := shortTags[n.Tag]; ok {
		val := *n
		val.Tag = ""
		val.Anchor = ""
		switch {
		case long == "Fn::GetAtt" && n.Kind == yaml.ScalarNode:
			// !GetAtt A.B.C is [A, B.C]: the attribute may itself hold dots.
			res, attr, _ := strings.Cut(n.Value, ".")
			val = yaml.Node{Kind: yaml.SequenceNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: res, Line: n.Line, Column: n.Column},
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: attr, Line: n.Line, Column: n.Column},
			}}
		case n.Kind == yaml.ScalarNode:
			val.Tag = "!!str"
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: long, Line: n.Line, Column: n.Column}
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column, Content: []*yaml.Node{key, &val}}, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		// A tag we do not know (a preprocessor's): keep the content, drop the tag.
		n.Tag = ""
		if n.Kind == yaml.ScalarNode {
			n.Tag = "!!str"
		}
	}
	return n, nil
}

// copy deep-copies an alias target, charging every node to the budget.
func (nz *normalizer) copy(n, at *yaml.Node, depth int) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, &ParseError{File: nz.name, Line: at.Line, Col: at.Column, Msg: fmt.Sprintf("alias nested deeper than %d levels", maxDepth)}
	}
	nz.added++
	if nz.added > maxAliasNodes {
		return nil, &ParseError{File: nz.name, Line: at.Line, Col: at.Column, Msg: fmt.Sprintf("YAML aliases expand to more than %d nodes (alias bomb?)", maxAliasNodes)}
	}
	if n.Kind == yaml.AliasNode {
		// Still an alias: its anchor encloses it (a cycle).
		return nil, &ParseError{File: nz.name, Line: at.Line, Col: at.Column, Msg: "alias refers to an anchor that contains it"}
	}
	c := *n
	c.Anchor = ""
	c.Line, c.Column = at.Line, at.Column
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			cc, err := nz.copy(k, at, depth+1)
			if err != nil {
				return nil, err
			}
			c.Content[i] = cc
		}
	}
	return &c, nil
}

// jsonToNode reads JSON into the node shape yaml.v3 produces, with lines and
// columns, for JSON the YAML parser refuses.
func jsonToNode(name string, data []byte) (*yaml.Node, error) {
	lines := []int{0}
	for i, b := range data {
		if b == '\n' {
			lines = append(lines, i+1)
		}
	}
	pos := func(off int64) (int, int) {
		lo, hi := 0, len(lines)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if int64(lines[mid]) <= off {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		return lo + 1, int(off) - lines[lo] + 1
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			l, c := pos(se.Offset)
			return &ParseError{File: name, Line: l, Col: c, Msg: strings.TrimPrefix(se.Error(), "json: ")}
		}
		l, c := pos(dec.InputOffset())
		return &ParseError{File: name, Line: l, Col: c, Msg: err.Error()}
	}
	var read func(depth int) (*yaml.Node, error)
	read = func(depth int) (*yaml.Node, error) {
		if depth > maxDepth {
			l, c := pos(dec.InputOffset())
			return nil, &ParseError{File: name, Line: l, Col: c, Msg: fmt.Sprintf("nested deeper than %d levels", maxDepth)}
		}
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		// InputOffset before the token may sit on the separator; skip to the token.
		for int(start) < len(data) && strings.ContainsRune(" \t\r\n,:", rune(data[start])) {
			start++
		}
		l, c := pos(start)
		switch t := tok.(type) {
		case json.Delim:
			n := &yaml.Node{Line: l, Column: c}
			if t == '{' {
				n.Kind, n.Tag = yaml.MappingNode, "!!map"
				for dec.More() {
					k, err := read(depth + 1)
					if err != nil {
						return nil, err
					}
					v, err := read(depth + 1)
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, k, v)
				}
			} else {
				n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
				for dec.More() {
					v, err := read(depth + 1)
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, v)
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, fail(err)
			}
			return n, nil
		case string:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Line: l, Column: c}, nil
		case json.Number:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: t.String(), Line: l, Column: c}, nil
		case bool:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t), Line: l, Column: c}, nil
		default:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null", Line: l, Column: c}, nil
		}
	}
	n, err := read(0)
	if err != nil {
		return nil, err
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		for int(off) < len(data) && strings.ContainsRune(" \t\r\n", rune(data[off])) {
			off++
		}
		l, c := pos(off)
		return nil, &ParseError{File: name, Line: l, Col: c, Msg: "data after the JSON document"}
	}
	return n, nil
}

// Node helpers. Templates are maps keyed by strings; these keep the callers
// short and never panic on a node of an unexpected kind.

// repeat is a key a mapping gives twice: at first, and again (last) at
// later.
type repeat struct {
	key          string
	first, later int
}

// dedupeKeys keeps the last of each key a mapping repeats and returns the
// repeats. CloudFormation accepts a repeated key, in YAML and in JSON alike,
// and deploys the last value, while a reader of the file (and yaml.v3's
// nodes) meets the first.
func dedupeKeys(n *yaml.Node, depth int) []repeat {
	if n == nil || depth > maxDepth {
		return nil
	}
	var out []repeat
	if n.Kind == yaml.MappingNode && len(n.Content) > 2 {
		last := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			last[n.Content[i].Value] = i
		}
		if 2*len(last) < len(n.Content)-1 {
			kept := make([]*yaml.Node, 0, 2*len(last))
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if j := last[k.Value]; j != i {
					out = append(out, repeat{key: k.Value, first: k.Line, later: n.Content[j].Line})
					continue
				}
				kept = append(kept, k, n.Content[i+1])
			}
			n.Content = kept
		}
	}
	for _, c := range n.Content {
		out = append(out, dedupeKeys(c, depth+1)...)
	}
	return out
}

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func at(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = get(n, k)
	}
	return n
}

func isMap(n *yaml.Node) bool { return n != nil && n.Kind == yaml.MappingNode }
func isSeq(n *yaml.Node) bool { return n != nil && n.Kind == yaml.SequenceNode }
func isScalar(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null"
}

// str is a scalar's value; "" for anything else.
func str(n *yaml.Node) string {
	if isScalar(n) {
		return n.Value
	}
	return ""
}

// pairs lists a mapping's entries in document order.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	if !isMap(n) {
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

// items is a sequence's elements, or the node itself as a one-element list
// (CloudFormation accepts a scalar wherever a one-item list fits).
func items(n *yaml.Node) []*yaml.Node {
	switch {
	case n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null"):
		return nil
	case n.Kind == yaml.SequenceNode:
		return n.Content
	default:
		return []*yaml.Node{n}
	}
}
