package app

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// builder accumulates one application from one or more templates.
type builder struct {
	app     *Application
	rootAbs string
	// s3Local maps a packaged template's S3 code location to the local file
	// it was uploaded from ("" when unknown): the Serverless Framework keeps
	// its zips in .serverless/.
	s3Local func(t *template, key string) string
	// used records the template roles some function runs with.
	used map[*template]map[string]bool
	// code overrides where a function's or layer's code is, by logical id
	// (the sam build output's folders).
	code map[string]Code
}

func newBuilder(kind, root string) (*builder, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	return &builder{
		app:     &Application{Kind: kind, Root: root},
		rootAbs: abs,
		used:    map[*template]map[string]bool{},
	}, nil
}

// addTemplate adds every function and layer a template defines, the roles
// none of its functions use, and the nested templates it points at on disk
// (SAM applications, stacks packaged from local files).
func (b *builder) addTemplate(t *template, depth int) error {
	if depth > maxAssemblyDepth {
		return locErr(t.file, 0, "nested templates deeper than %d levels", maxAssemblyDepth)
	}
	var globals *yaml.Node
	if t.sam {
		globals = at(t.root, "Globals", "Function")
	}
	if b.used[t] == nil {
		b.used[t] = map[string]bool{}
	}
	b.app.Notes = append(b.app.Notes, t.notes...)
	for _, r := range t.res {
		switch {
		case isFunctionType(r.typ):
			f, err := b.function(t, r, globals)
			if err != nil {
				return err
			}
			b.app.Functions = append(b.app.Functions, f)
		case isLayerType(r.typ):
			l, err := b.layer(t, r)
			if err != nil {
				return err
			}
			b.app.Layers = append(b.app.Layers, l)
		}
	}
	for _, r := range t.res {
		if r.typ == "AWS::IAM::Role" && !b.used[t][r.id] {
			b.app.UnusedRoles = append(b.app.UnusedRoles, r.id)
		}
	}
	for _, r := range t.res {
		var loc string
		switch r.typ {
		case "AWS::Serverless::Application":
			loc = str(get(r.props, "Location"))
		case "AWS::CloudFormation::Stack":
			loc = str(get(r.props, "TemplateURL"))
		}
		if loc == "" || !localRelative(loc) {
			continue
		}
		p := filepath.Join(t.dir, filepath.FromSlash(loc))
		if !isFile(p) {
			continue
		}
		nt, err := readTemplate(p, b.rel(p))
		if err != nil {
			return err
		}
		if err := b.addTemplate(nt, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) function(t *template, r *resource, globals *yaml.Node) (*Function, error) {
	sam := r.typ == "AWS::Serverless::Function"
	props := r.props
	if sam && globals != nil {
		props = mergeGlobals(globals, props)
	}
	f := &Function{ID: r.id, Condition: r.cond, File: t.file, Line: r.line}
	what := "function " + r.id
	if props != nil && !isMap(props) {
		return nil, locErr(t.file, props.Line, "%s: Properties is not a mapping", what)
	}
	f.Name = t.r.str(get(props, "FunctionName"))
	f.Runtime = t.r.str(get(props, "Runtime"))
	f.Handler = t.r.str(get(props, "Handler"))
	f.Architecture = "x86_64"
	// Lambda takes one architecture; SAM concatenates Globals' list with
	// the function's, so the function's own (the last) is the intent.
	if a := t.r.list(get(props, "Architectures"), 0); len(a) > 0 {
		f.Architecture = a[len(a)-1]
	}
	f.PackageType = t.r.str(get(props, "PackageType"))
	if f.PackageType == "" {
		f.PackageType = "Zip"
		if get(props, "ImageUri") != nil || get(get(props, "Code"), "ImageUri") != nil {
			f.PackageType = "Image"
		}
	}
	f.Layers = b.layerRefs(t, get(props, "Layers"))

	var err error
	if c, ok := b.code[r.id]; ok {
		f.Code = c
	} else if sam {
		f.Code, err = b.samCode(t, r, props, f.PackageType)
	} else {
		f.Code, err = b.lambdaCode(t, r, props, f.PackageType, "Code")
	}
	if err != nil {
		return nil, err
	}

	roleNode := get(props, "Role")
	if sam && roleNode == nil {
		f.Role = b.samRole(t, r, props, f)
	} else {
		b.resolveRole(t, roleNode, f)
	}
	return f, nil
}

// resolveRole points a function at the role its Role property names.
func (b *builder) resolveRole(t *template, n *yaml.Node, f *Function) {
	cands := branches(n)
	if len(cands) == 0 {
		f.RoleNote = "no execution role declared: permissions unknown"
		return
	}
	c := cands[0]
	if len(cands) > 1 {
		f.Notes = append(f.Notes, fmt.Sprintf("the execution role depends on a condition; the first branch (%s) is judged", t.r.str(c)))
	}
	id := refTarget(c)
	if t.typeOf(id) != "AWS::IAM::Role" {
		id = ""
		// "arn:...:role/${MyRole}" names a template role by its name.
		for _, m := range subVarRE.FindAllString(t.r.str(c), -1) {
			v, _, _ := strings.Cut(m[2:len(m)-1], ".")
			if t.typeOf(v) == "AWS::IAM::Role" {
				id = v
			}
		}
	}
	if id == "" {
		f.RoleRef = t.r.str(c)
		f.RoleNote = "role not in the template: permissions unknown"
		return
	}
	b.used[t][id] = true
	f.Role = b.templateRole(t, id)
}

// layerRefs renders a Layers list: local layers by logical id, others (ARNs)
// symbolically.
func (b *builder) layerRefs(t *template, n *yaml.Node) []string {
	out := []string{}
	for _, it := range items(n) {
		for _, c := range branches(it) {
			if id := refTarget(c); isLayerType(t.typeOf(id)) {
				out = append(out, id)
				continue
			}
			if s, ok := t.r.render(c); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func (b *builder) layer(t *template, r *resource) (*Layer, error) {
	l := &Layer{ID: r.id, File: t.file, Line: r.line}
	l.Name = t.r.str(get(r.props, "LayerName"))
	l.CompatibleRuntimes = t.r.list(get(r.props, "CompatibleRuntimes"), 0)
	var err error
	if c, ok := b.code[r.id]; ok {
		l.Code = c
	} else if r.typ == "AWS::Serverless::LayerVersion" {
		l.Code, err = b.uriCode(t, r, get(r.props, "ContentUri"), "layer "+r.id, true)
	} else {
		l.Code, err = b.lambdaCode(t, r, r.props, "Zip", "Content")
	}
	return l, err
}

// samCode reads where a SAM function's code is.
func (b *builder) samCode(t *template, r *resource, props *yaml.Node, pkgType string) (Code, error) {
	if pkgType == "Image" {
		c := Code{Type: CodeImage, Path: t.r.str(get(props, "ImageUri")), Note: "image: not inspected"}
		if ctx := str(at(r.node, "Metadata", "DockerContext")); ctx != "" {
			c.Path = b.rel(filepath.Join(t.dir, filepath.FromSlash(ctx)))
		}
		return c, nil
	}
	if n := get(props, "InlineCode"); n != nil {
		return Code{Type: CodeInline, Note: "inline"}, nil
	}
	return b.uriCode(t, r, get(props, "CodeUri"), "function "+r.id, true)
}

// uriCode reads a SAM CodeUri/ContentUri: a local path, an s3:// URI or a
// {Bucket, Key} map. A missing CodeUri means the template's folder, as SAM
// does.
func (b *builder) uriCode(t *template, r *resource, n *yaml.Node, what string, defaultDir bool) (Code, error) {
	line := r.line
	if n != nil {
		line = n.Line
	}
	switch {
	case n == nil && defaultDir:
		return b.localCode(t, ".", what, line)
	case isMap(n) && intrinsicName(n) == "":
		loc := "s3://" + t.r.str(get(n, "Bucket")) + "/" + t.r.str(get(n, "Key"))
		return Code{Type: CodeS3, Path: loc, Note: "not available locally"}, nil
	}
	s := t.r.str(n)
	if strings.HasPrefix(s, "s3://") || strings.Contains(s, "${") || intrinsicName(n) != "" {
		return Code{Type: CodeS3, Path: s, Note: "not available locally"}, nil
	}
	return b.localCode(t, s, what, line)
}

// lambdaCode reads AWS::Lambda::Function Code or LayerVersion Content: a CDK
// asset, a packaged S3 object, inline code, an image, or a local path (as
// `aws cloudformation package` accepts).
func (b *builder) lambdaCode(t *template, r *resource, props *yaml.Node, pkgType, prop string) (Code, error) {
	what := "function " + r.id
	if prop == "Content" {
		what = "layer " + r.id
	}
	meta := get(r.node, "Metadata")
	if asset := str(get(meta, "aws:asset:path")); asset != "" {
		// "Code", or "Code.ImageUri" for a Docker image asset.
		if p := str(get(meta, "aws:asset:property")); p == "" || p == prop || strings.HasPrefix(p, prop+".") {
			if pkgType == "Image" {
				return Code{Type: CodeImage, Path: b.rel(filepath.Join(t.dir, filepath.FromSlash(asset))), Note: "image: not inspected"}, nil
			}
			return b.localCode(t, asset, what, r.line)
		}
	}
	code := get(props, prop)
	line := r.line
	if code != nil {
		line = code.Line
	}
	if code == nil {
		return Code{}, locErr(t.file, line, "%s: no %s", what, prop)
	}
	if isScalar(code) {
		return b.localCode(t, code.Value, what, line)
	}
	if get(code, "ZipFile") != nil {
		return Code{Type: CodeInline, Note: "inline"}, nil
	}
	if img := get(code, "ImageUri"); img != nil || pkgType == "Image" {
		return Code{Type: CodeImage, Path: t.r.str(img), Note: "image: not inspected"}, nil
	}
	bucket, key := t.r.str(get(code, "S3Bucket")), t.r.str(get(code, "S3Key"))
	if b.s3Local != nil {
		if local := b.s3Local(t, key); local != "" {
			fi, err := os.Stat(local)
			if err != nil {
				return Code{}, locErr(t.file, line, "%s: packaged code %q does not exist", what, b.rel(local))
			}
			c := Code{Type: CodeZip, Path: b.rel(local), Local: local}
			if fi.IsDir() {
				c.Type = CodeDir
			}
			return c, nil
		}
	}
	if key != "" {
		return Code{Type: CodeS3, Path: "s3://" + bucket + "/" + path.Clean(key), Note: "not available locally"}, nil
	}
	// A preprocessor's construct (rain's !Rain::S3, a macro's input): the
	// code is somewhere fnguard cannot see, which is said, not failed on.
	return Code{Type: CodeS3, Path: t.r.str(code), Note: fmt.Sprintf("not available locally: %s has no ZipFile, ImageUri or S3Key", prop)}, nil
}

// mergeGlobals applies SAM Globals to a function's properties as SAM does:
// maps merge key by key, lists are concatenated (Globals first), and a
// scalar on the function wins.
func mergeGlobals(g, props *yaml.Node) *yaml.Node {
	if props == nil {
		return g
	}
	return mergeNode(g, props, 0)
}

func mergeNode(g, l *yaml.Node, depth int) *yaml.Node {
	if depth > maxDepth {
		return l
	}
	switch {
	case isMap(g) && isMap(l) && intrinsicName(g) == "" && intrinsicName(l) == "":
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: l.Line, Column: l.Column}
		for _, p := range pairs(g) {
			v := p[1]
			if lv := get(l, p[0].Value); lv != nil {
				v = mergeNode(v, lv, depth+1)
			}
			out.Content = append(out.Content, p[0], v)
		}
		for _, p := range pairs(l) {
			if get(g, p[0].Value) == nil {
				out.Content = append(out.Content, p[0], p[1])
			}
		}
		return out
	case isSeq(g) && isSeq(l):
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: l.Line, Column: l.Column}
		out.Content = append(append(out.Content, g.Content...), l.Content...)
		return out
	}
	return l
}
