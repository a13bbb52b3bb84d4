package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// template is one parsed CloudFormation (or SAM) template.
type template struct {
	file string // as reported: relative to the application root
	dir  string // folder on disk that relative code paths start from
	root *yaml.Node
	res  []*resource
	byID map[string]*resource
	r    *renderer
	sam  bool
	// notes say what of the template could not be read.
	notes []string
}

type resource struct {
	id    string
	typ   string
	node  *yaml.Node
	props *yaml.Node
	cond  string
	line  int
}

// readTemplate reads and parses a template file. file is the name used in
// reports and errors; abs the path on disk.
func readTemplate(abs, file string) (*template, error) {
	data, err := readBounded(abs)
	if err != nil {
		return nil, relabel(err, file)
	}
	root, err := parseDocument(file, data)
	if err != nil {
		return nil, err
	}
	return newTemplate(root, file, filepath.Dir(abs))
}

// relabel names a definition error's file as reports do (relative to the
// application root).
func relabel(err error, file string) error {
	if pe, ok := err.(*ParseError); ok {
		pe.File = file
	}
	return err
}

func newTemplate(root *yaml.Node, file, dir string) (*template, error) {
	if !isMap(root) {
		return nil, &ParseError{File: file, Line: root.Line, Col: root.Column, Msg: "not a template: the document is not a mapping"}
	}
	t := &template{file: file, dir: dir, root: root, byID: map[string]*resource{}, r: &renderer{mappings: get(root, "Mappings")}}
	for _, tr := range items(get(root, "Transform")) {
		if strings.HasPrefix(str(tr), "AWS::Serverless") {
			t.sam = true
		}
	}
	resources := get(root, "Resources")
	if resources != nil && !isMap(resources) {
		return nil, &ParseError{File: file, Line: resources.Line, Col: resources.Column, Msg: "Resources is not a mapping"}
	}
	var notes []string
	for _, p := range expandForEach(pairs(resources), file, &notes, 0) {
		r := &resource{id: p[0].Value, node: p[1], line: p[0].Line}
		r.typ = str(get(p[1], "Type"))
		r.props = get(p[1], "Properties")
		r.cond = str(get(p[1], "Condition"))
		t.res = append(t.res, r)
		t.byID[r.id] = r
	}
	t.notes = notes
	return t, nil
}

// expandForEach expands AWS::LanguageExtensions Fn::ForEach over a literal
// collection into the resources it stands for; one over a parameter cannot
// be known before deployment and is noted.
func expandForEach(in [][2]*yaml.Node, file string, notes *[]string, depth int) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	for _, p := range in {
		if !strings.HasPrefix(p[0].Value, "Fn::ForEach::") {
			out = append(out, p)
			continue
		}
		v := p[1]
		if depth > 4 || !isSeq(v) || len(v.Content) != 3 || !isScalar(v.Content[0]) || !isSeq(v.Content[1]) || !isMap(v.Content[2]) {
			*notes = append(*notes, fmt.Sprintf("%s:%d: %s not expanded (its collection is not a literal list): resources it defines are not read", file, p[0].Line, p[0].Value))
			continue
		}
		id := v.Content[0].Value
		var expanded [][2]*yaml.Node
		for _, item := range v.Content[1].Content {
			if !isScalar(item) {
				continue
			}
			repl := strings.NewReplacer("${"+id+"}", item.Value, "&{"+id+"}", alnum(item.Value))
			for _, tp := range pairs(v.Content[2]) {
				expanded = append(expanded, [2]*yaml.Node{substNode(tp[0], repl, 0), substNode(tp[1], repl, 0)})
			}
		}
		out = append(out, expandForEach(expanded, file, notes, depth+1)...)
	}
	return out
}

// alnum is the &{} form of a ForEach value: non-alphanumerics dropped.
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func substNode(n *yaml.Node, repl *strings.Replacer, depth int) *yaml.Node {
	c := *n
	if depth > maxDepth {
		return &c
	}
	if c.Kind == yaml.ScalarNode {
		c.Value = repl.Replace(c.Value)
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = substNode(k, repl, depth+1)
		}
	}
	return &c
}

func (t *template) typeOf(id string) string {
	if r := t.byID[id]; r != nil {
		return r.typ
	}
	return ""
}

// definesFunction looks for a function resource, also inside Fn::ForEach.
func definesFunction(res *yaml.Node, depth int) bool {
	if depth > 6 {
		return false
	}
	for _, p := range pairs(res) {
		if isFunctionType(str(get(p[1], "Type"))) {
			return true
		}
		if strings.HasPrefix(p[0].Value, "Fn::ForEach::") && isSeq(p[1]) && len(p[1].Content) == 3 && definesFunction(p[1].Content[2], depth+1) {
			return true
		}
	}
	return false
}

func isFunctionType(typ string) bool {
	return typ == "AWS::Serverless::Function" || typ == "AWS::Lambda::Function"
}

func isLayerType(typ string) bool {
	return typ == "AWS::Serverless::LayerVersion" || typ == "AWS::Lambda::LayerVersion"
}

// sniffTemplate says whether a parsed document is a template that defines
// functions, and which kind.
func sniffTemplate(root *yaml.Node) (kind string, ok bool) {
	res := get(root, "Resources")
	if !isMap(res) {
		return "", false
	}
	if !definesFunction(res, 0) {
		return "", false
	}
	for _, tr := range items(get(root, "Transform")) {
		if strings.HasPrefix(str(tr), "AWS::Serverless") {
			return KindSAM, true
		}
	}
	return KindCloudFormation, true
}

// localCode resolves a local code path declared in a template: relative to
// the template's folder, reported relative to the application root.
func (b *builder) localCode(t *template, declared string, what string, line int) (Code, error) {
	p := declared
	if !filepath.IsAbs(p) {
		p = filepath.Join(t.dir, filepath.FromSlash(p))
	}
	fi, err := os.Stat(p)
	if err != nil {
		return Code{}, locErr(t.file, line, "%s: code path %q does not exist", what, declared)
	}
	c := Code{Type: CodeDir, Path: b.rel(p), Local: p}
	if !fi.IsDir() {
		c.Type = CodeZip
	}
	return c, nil
}

// rel makes a path on disk relative to the application root, slash-separated.
func (b *builder) rel(p string) string {
	r, err := filepath.Rel(b.rootAbs, absOr(p))
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}
