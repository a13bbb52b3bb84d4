package app

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// template is one parsed CloudFormation (or SAM) template.
type template struct {
	file string // as reported: relative to the application root
	// prefix is the nesting path of a nested template ("Child/"), as SAM
	// CLI names nested functions.
	prefix string
	dir    string // folder on disk that relative code paths start from
	root   *yaml.Node
	res    []*resource
	byID   map[string]*resource
	r      *renderer
	sam    bool
	// notes say what of the template could not be read.
	notes []string
	// parent and args are, for a nested template, the template whose
	// stack resource reads it and the Parameters that resource passes.
	parent *template
	args   *yaml.Node
	// children are the nested templates read, by the logical id of the
	// stack or application resource that reads each.
	children map[string]*template
}

// childOutput resolves GetAtt Child.Outputs.X, a nested stack's or
// application's output, to the template that outputs it and the value.
func (t *template) childOutput(n *yaml.Node) (*template, *yaml.Node) {
	if intrinsicName(n) != "Fn::GetAtt" {
		return nil, nil
	}
	var id, attr string
	switch a := n.Content[1]; {
	case isScalar(a):
		id, attr, _ = strings.Cut(a.Value, ".")
	case isSeq(a) && len(a.Content) == 2:
		id, attr = str(a.Content[0]), str(a.Content[1])
	}
	name, ok := strings.CutPrefix(attr, "Outputs.")
	child := t.children[id]
	if !ok || child == nil {
		return nil, nil
	}
	if v := get(get(get(child.root, "Outputs"), name), "Value"); v != nil {
		return child, v
	}
	return nil, nil
}

// bound follows a Ref to one of a nested template's Parameters to the value
// its parent stack passes, through every level: CDK hands a parent's role
// or layer to a nested stack that way. It returns the template the value
// belongs to and the value; anything else comes back as it is.
func (t *template) bound(n *yaml.Node) (*template, *yaml.Node) {
	for range maxAssemblyDepth + 1 {
		if t.parent == nil || intrinsicName(n) != "Ref" {
			break
		}
		name := str(n.Content[1])
		v := get(t.args, name)
		if v == nil || get(get(t.root, "Parameters"), name) == nil {
			break
		}
		t, n = t.parent, v
	}
	return t, n
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
	var notes []string
	for _, r := range dedupeKeys(root, 0) {
		notes = append(notes, fmt.Sprintf("%s:%d: %s is given again at line %d: the last is read, as CloudFormation deploys it", file, r.first, r.key, r.later))
	}
	for _, tr := range items(get(root, "Transform")) {
		name := t.r.str(tr)
		if isMap(tr) {
			name = str(get(tr, "Name")) // Transform: {Name: AWS::Include, ...}
		}
		switch {
		case strings.HasPrefix(name, "AWS::Serverless"):
			t.sam = true
		case name != "AWS::LanguageExtensions":
			// A macro (AWS's own, such as AWS::SecretsManager, or the
			// account's) rewrites the template before deployment.
			notes = append(notes, fmt.Sprintf("%s:%d: transform %s rewrites the template at deployment: what it adds or changes is not read", file, tr.Line, name))
		}
	}
	resources := get(root, "Resources")
	if resources != nil && !isMap(resources) && resources.Tag != "!!null" {
		return nil, &ParseError{File: file, Line: resources.Line, Col: resources.Column, Msg: "Resources is not a mapping"}
	}
	budget := maxForEachNodes
	expanded, err := expandForEach(pairs(resources), file, &notes, 0, &budget)
	if err != nil {
		return nil, err
	}
	for _, p := range expanded {
		if p[0].Value == "Fn::Transform" {
			// AWS::Include pulls resources in from S3 at deployment.
			notes = append(notes, fmt.Sprintf("%s:%d: Resources include %s: the resources it adds are not read", file, p[0].Line, cmp.Or(t.r.str(get(p[1], "Name")), "a transform")))
			continue
		}
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

// maxForEachNodes bounds what Fn::ForEach expansion may add to a template:
// nested loops multiply, and a few lines could otherwise stand for millions
// of resources.
const maxForEachNodes = maxAliasNodes

// expandForEach expands AWS::LanguageExtensions Fn::ForEach over a literal
// collection into the resources it stands for. One over a parameter cannot
// be known before deployment: it is expanded once with the identifier kept
// symbolic ("Fn${Name}"), so its functions' code and roles are still read,
// and noted.
func expandForEach(in [][2]*yaml.Node, file string, notes *[]string, depth int, budget *int) ([][2]*yaml.Node, error) {
	var out [][2]*yaml.Node
	for _, p := range in {
		if !strings.HasPrefix(p[0].Value, "Fn::ForEach::") {
			out = append(out, p)
			continue
		}
		v := p[1]
		if depth > 4 || !isSeq(v) || len(v.Content) != 3 || !isScalar(v.Content[0]) || !isMap(v.Content[2]) {
			*notes = append(*notes, fmt.Sprintf("%s:%d: %s not expanded (not an identifier, a collection and an output map): resources it defines are not read", file, p[0].Line, p[0].Value))
			continue
		}
		id := v.Content[0].Value
		values := []string{}
		if isSeq(v.Content[1]) {
			for _, item := range v.Content[1].Content {
				if isScalar(item) {
					values = append(values, item.Value)
				}
			}
		} else {
			// Kept symbolic: "${Name}" stays as written, as a Sub would show it.
			*notes = append(*notes, fmt.Sprintf("%s:%d: %s loops over a collection known only at deployment: its resources are read once, with ${%s} kept symbolic", file, p[0].Line, p[0].Value, id))
			values = append(values, "")
		}
		var expanded [][2]*yaml.Node
		for _, val := range values {
			repl := strings.NewReplacer("${"+id+"}", val, "&{"+id+"}", alnum(val))
			if !isSeq(v.Content[1]) {
				repl = strings.NewReplacer("&{"+id+"}", "${"+id+"}")
			}
			for _, tp := range pairs(v.Content[2]) {
				*budget -= countNodes(tp[0], maxForEachNodes) + countNodes(tp[1], maxForEachNodes)
				if *budget < 0 {
					return nil, locErr(file, p[0].Line, "%s expands to more than %d nodes: refused", p[0].Value, maxForEachNodes)
				}
				expanded = append(expanded, [2]*yaml.Node{substNode(tp[0], repl, 0), substNode(tp[1], repl, 0)})
			}
		}
		more, err := expandForEach(expanded, file, notes, depth+1, budget)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
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
		if typ := str(get(p[1], "Type")); isFunctionType(typ) || localNested(p[1]) != "" {
			return true
		}
		if strings.HasPrefix(p[0].Value, "Fn::ForEach::") && isSeq(p[1]) && len(p[1].Content) == 3 && definesFunction(p[1].Content[2], depth+1) {
			return true
		}
	}
	return false
}

// localNested is the local template a nested application or stack points
// at ("" for any other resource, or one whose template is elsewhere).
func localNested(res *yaml.Node) string {
	var loc string
	switch str(get(res, "Type")) {
	case "AWS::Serverless::Application":
		loc = str(get(get(res, "Properties"), "Location"))
	case "AWS::CloudFormation::Stack":
		loc = str(get(get(res, "Properties"), "TemplateURL"))
	}
	if loc == "" || !localRelative(loc) {
		return ""
	}
	return loc
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
