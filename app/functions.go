package app

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fnguard/fnguard/iam"
	"go.yaml.in/yaml/v3"
)

// builder accumulates one application from one or more templates.
type builder struct {
	app     *Application
	rootAbs string
	// assemblyDir is a CDK app's top cloud assembly folder (absolute):
	// what stages' asset paths may climb to.
	assemblyDir string
	// exports are the Outputs the app's stacks export, by name: a stack
	// that imports one (CDK's cross-stack references) gets the value.
	exports map[string]export
	// added are the templates read, in order: which of their roles no
	// function uses is known once all are read (finish).
	added []*template
	// s3Local maps a packaged template's S3 code location to the local file
	// it was uploaded from ("" when unknown): the Serverless Framework keeps
	// its zips in .serverless/.
	s3Local func(t *template, key string) string
	// used records the template roles some function runs with.
	used map[*template]map[string]bool
	// code overrides where a function's or layer's code is, by nesting
	// path ("Child/Fn", as SAM CLI keys its build folders): the sam build
	// output's folders.
	code map[string]Code
	// codeOut, when set, collects every function's and layer's code by
	// nesting path (reading the sam build output).
	codeOut map[string]Code
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
		exports: map[string]export{},
	}, nil
}

// export is an Output a template exports: the template and its Value.
type export struct {
	t     *template
	value *yaml.Node
}

// addExports records what t exports; the first stack to export a name
// keeps it, as CloudFormation refuses a second.
func (b *builder) addExports(t *template) {
	for _, o := range pairs(get(t.root, "Outputs")) {
		name := t.r.str(at(o[1], "Export", "Name"))
		if _, dup := b.exports[name]; name != "" && !dup {
			b.exports[name] = export{t, get(o[1], "Value")}
		}
	}
}

// follow finds where a value comes from across the app's templates: a
// nested template's parameter is what its parent stack passes, a nested
// stack's output (GetAtt Child.Outputs.X) is what that template outputs,
// an Fn::ImportValue is what another stack exports under that name.
func (b *builder) follow(t *template, n *yaml.Node) (*template, *yaml.Node) {
	for range maxAssemblyDepth + 1 {
		t, n = t.bound(n)
		if child, out := t.childOutput(n); out != nil {
			t, n = child, out
			continue
		}
		if intrinsicName(n) != "Fn::ImportValue" {
			break
		}
		e, ok := b.exports[t.r.str(n.Content[1])]
		if !ok {
			break
		}
		t, n = e.t, e.value
	}
	return t, n
}

// finish lists the roles of every template read that no function runs
// with. It waits until all are read: a function may run with a role of
// its parent stack, or one another stack exports.
func (b *builder) finish() {
	for _, t := range b.added {
		for _, r := range t.res {
			if r.typ == "AWS::IAM::Role" && !b.used[t][r.id] {
				b.app.UnusedRoles = append(b.app.UnusedRoles, r.id)
			}
		}
	}
}

// addTemplate adds every function and layer a template defines and the
// nested templates it points at on disk (SAM applications, stacks packaged
// from local files, CDK's nested stacks), and records what it exports;
// finish then lists the roles no function uses.
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
	b.added = append(b.added, t)
	b.addExports(t)
	b.app.Notes = append(b.app.Notes, t.notes...)
	// Nested templates are read before any function is: a function may run
	// with what a sibling nested stack outputs (GetAtt App.Outputs.X).
	var children []*template
	for _, r := range t.res {
		nt, err := b.nested(t, r)
		if err != nil {
			return err
		}
		if nt != nil {
			if t.children == nil {
				t.children = map[string]*template{}
			}
			t.children[r.id] = nt
			children = append(children, nt)
		}
	}
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
	for _, nt := range children {
		if err := b.addTemplate(nt, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// nested reads the template a nested application or stack points at when it
// is on disk; one elsewhere (a SAR application, an S3 URL) is noted, one
// declared local but absent is an error: its functions would go unjudged.
func (b *builder) nested(t *template, r *resource) (*template, error) {
	what, prop := "application", "Location"
	switch r.typ {
	case "AWS::Serverless::Application":
	case "AWS::CloudFormation::Stack":
		what, prop = "stack", "TemplateURL"
	default:
		return nil, nil
	}
	n := get(r.props, prop)
	loc := ""
	if isScalar(n) {
		loc = n.Value
	}
	// CDK uploads a nested stack's template to S3 and says where the file
	// is in the assembly.
	if a := at(r.node, "Metadata", "aws:asset:path"); r.typ == "AWS::CloudFormation::Stack" && strings.HasSuffix(str(a), ".json") && localRelative(str(a)) {
		n, loc = a, str(a)
	}
	switch {
	case n == nil:
		b.app.Notes = append(b.app.Notes, fmt.Sprintf("nested %s %s not inspected: no %s", what, r.id, prop))
		return nil, nil
	case loc == "" || strings.Contains(loc, "://") || strings.HasPrefix(loc, "s3:"):
		b.app.Notes = append(b.app.Notes, fmt.Sprintf("nested %s %s not inspected: its template (%s) is not local", what, r.id, t.r.str(n)))
		return nil, nil
	case filepath.IsAbs(loc):
		return nil, locErr(t.file, n.Line, "nested %s %s: absolute %s %q: refused (the application must be self-contained)", what, r.id, prop, loc)
	}
	p := filepath.Join(t.dir, filepath.FromSlash(loc))
	if !isFile(p) {
		return nil, locErr(t.file, n.Line, "nested %s %s: template %q does not exist", what, r.id, loc)
	}
	nt, err := readTemplate(p, b.rel(p))
	if err != nil {
		return nil, err
	}
	nt.prefix = t.prefix + r.id + "/"
	nt.parent, nt.args = t, get(r.props, "Parameters")
	return nt, nil
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
	if c, ok := b.code[t.prefix+r.id]; ok {
		f.Code = c
	} else if sam {
		f.Code, err = b.samCode(t, r, props, f.PackageType)
	} else {
		f.Code, err = b.lambdaCode(t, r, props, f.PackageType, "Code")
	}
	if err != nil {
		return nil, err
	}
	if b.codeOut != nil {
		b.codeOut[t.prefix+r.id] = f.Code
	}
	if outside(f.Code) {
		// Legitimate (SAM accepts ../shared) but worth seeing: an
		// application note, not one about the function's role.
		b.app.Notes = append(b.app.Notes, fmt.Sprintf("%s:%d: function %s: code %s is outside the application folder", t.file, r.line, r.id, f.Code.Path))
	}

	roleNode := get(props, "Role")
	if sam && (roleNode == nil || isNoValue(roleNode)) {
		f.Role = b.samRole(t, r, props, f)
	} else {
		var gen *iam.Role
		if sam && hasNoValue(roleNode) {
			// SAM generates the role when Role resolves to nothing: that
			// branch's role is one the function may run with too.
			gen = b.samRole(t, r, props, f)
		}
		if err := b.resolveRole(t, roleNode, f, true, gen); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// hasNoValue says whether some branch of a Fn::If tree is AWS::NoValue.
func hasNoValue(n *yaml.Node) bool {
	return hasNoValueDepth(n, 0)
}

func hasNoValueDepth(n *yaml.Node, depth int) bool {
	if n == nil || depth > maxDepth {
		return false
	}
	if isNoValue(n) {
		return true
	}
	if intrinsicName(n) == "Fn::If" {
		if a := n.Content[1]; isSeq(a) && len(a.Content) == 3 {
			return hasNoValueDepth(a.Content[1], depth+1) || hasNoValueDepth(a.Content[2], depth+1)
		}
	}
	return false
}

// resolveRole points a function at the role its Role property names. A
// conditional Role (Fn::If) may run the function with any branch's role, so
// all of them are judged as one role, each marked used. strict refuses a
// reference to a resource the template does not define, as CloudFormation
// does (the Serverless Framework adds resources of its own, so not there).
// generated is the role SAM generates for a branch that is AWS::NoValue.
func (b *builder) resolveRole(t *template, n *yaml.Node, f *Function, strict bool, generated *iam.Role) error {
	cands := branches(n)
	if len(cands) == 0 && generated == nil {
		f.RoleNote = "no execution role declared: permissions unknown"
		return nil
	}
	var roles []*iam.Role
	if generated != nil {
		roles = append(roles, generated)
	}
	var external []string
	home := t
	for _, c := range cands {
		t, c := b.follow(home, c)
		id := refTarget(c)
		if gen := b.generatedRoleOf(t, id, f); gen != nil {
			// Another SAM function's generated role, shared.
			roles = append(roles, gen)
			continue
		}
		if strict && id != "" && t.byID[id] == nil && get(get(t.root, "Parameters"), id) == nil && !strings.HasPrefix(id, "AWS::") {
			return locErr(t.file, c.Line, "function %s: Role refers to %s, which the template does not define", f.ID, id)
		}
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
			external = append(external, t.r.str(c))
			continue
		}
		if b.used[t] == nil {
			b.used[t] = map[string]bool{} // a stack not read yet exports it
		}
		b.used[t][id] = true
		roles = append(roles, b.templateRole(t, id))
	}
	if len(external) > 0 {
		f.RoleRef = strings.Join(external, " | ")
	}
	if len(roles) == 0 {
		f.RoleNote = "role not in the template: permissions unknown"
	} else {
		f.Role = mergeRoles(roles...)
	}
	if len(cands) > 1 || hasNoValue(n) {
		var ids []string
		for _, r := range roles {
			ids = append(ids, r.ID)
		}
		if hasNoValue(n) && generated == nil {
			ids = append(ids, "none")
		}
		note := fmt.Sprintf("the execution role depends on a condition (%s)", strings.Join(append(ids, external...), " or "))
		if generated != nil {
			note += fmt.Sprintf("; with no Role SAM generates %s", generated.ID)
		}
		if len(roles) > 1 {
			note += "; the branches' roles are judged together"
		}
		if len(external) > 0 && len(roles) > 0 {
			note += fmt.Sprintf("; %s is not in the template: its permissions are unknown", strings.Join(external, ", "))
		}
		f.Notes = append(f.Notes, note)
	}
	return nil
}

// generatedRoleOf is the role SAM generates for the function whose role id
// is id ("<Function>Role", for a SAM function without Role), else nil.
func (b *builder) generatedRoleOf(t *template, id string, f *Function) *iam.Role {
	if !t.sam || !strings.HasSuffix(id, "Role") || t.byID[id] != nil {
		return nil
	}
	r := t.byID[strings.TrimSuffix(id, "Role")]
	if r == nil || r.typ != "AWS::Serverless::Function" {
		return nil
	}
	props := r.props
	if g := at(t.root, "Globals", "Function"); g != nil {
		props = mergeGlobals(g, props)
	}
	if n := get(props, "Role"); n != nil && !isNoValue(n) {
		return nil
	}
	return b.samRole(t, r, props, f)
}

// mergeRoles is the union of roles a function may run with: their managed
// policies, and their statements with sources naming the role they come
// from. One role is returned as is.
func mergeRoles(all ...*iam.Role) *iam.Role {
	var roles []*iam.Role
	for _, r := range all {
		if r != nil {
			roles = append(roles, r)
		}
	}
	if len(roles) == 1 {
		return roles[0]
	}
	m := &iam.Role{ManagedPolicies: []string{}, Statements: []iam.Statement{}, Findings: []iam.Finding{}, File: roles[0].File, Line: roles[0].Line}
	var ids []string
	seen := map[string]bool{}
	for _, r := range roles {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		ids = append(ids, r.ID)
		m.Generated = m.Generated || r.Generated
		for _, mp := range r.ManagedPolicies {
			m.ManagedPolicies = appendUnique(m.ManagedPolicies, mp)
		}
		for _, st := range r.Statements {
			st.Source = r.ID + "/" + st.Source
			m.Statements = append(m.Statements, st)
		}
		m.Unread = append(m.Unread, r.Unread...)
	}
	m.ID = strings.Join(ids, "|")
	return m
}

// layerRefs renders a Layers list: local layers by logical id, others (ARNs)
// symbolically.
func (b *builder) layerRefs(home *template, n *yaml.Node) []string {
	out := []string{}
	for _, c := range alternatives(n) {
		t, c := b.follow(home, c)
		if id := refTarget(c); isLayerType(t.typeOf(id)) {
			out = append(out, id)
			continue
		}
		if s, ok := t.r.render(c); ok {
			out = append(out, s)
		}
	}
	return out
}

func (b *builder) layer(t *template, r *resource) (*Layer, error) {
	l := &Layer{ID: r.id, File: t.file, Line: r.line}
	l.Name = t.r.str(get(r.props, "LayerName"))
	l.CompatibleRuntimes = t.r.list(get(r.props, "CompatibleRuntimes"), 0)
	var err error
	if c, ok := b.code[t.prefix+r.id]; ok {
		l.Code = c
	} else if r.typ == "AWS::Serverless::LayerVersion" {
		l.Code, err = b.uriCode(t, r, get(r.props, "ContentUri"), "layer "+r.id, false)
	} else {
		l.Code, err = b.lambdaCode(t, r, r.props, "Zip", "Content")
	}
	if err == nil && b.codeOut != nil {
		b.codeOut[t.prefix+r.id] = l.Code
	}
	if err == nil && outside(l.Code) {
		b.app.Notes = append(b.app.Notes, fmt.Sprintf("%s:%d: layer %s: code %s is outside the application folder", t.file, r.line, r.id, l.Code.Path))
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
	case n == nil:
		// aws-sam-translator refuses a layer without ContentUri.
		return Code{}, locErr(t.file, line, "%s: no ContentUri", what)
	case isMap(n) && intrinsicName(n) == "":
		loc := "s3://" + t.r.str(get(n, "Bucket")) + "/" + t.r.str(get(n, "Key"))
		return Code{Type: CodeS3, Path: loc, Note: "not available locally"}, nil
	}
	s := t.r.str(n)
	switch {
	case strings.HasPrefix(s, "s3://"):
		return Code{Type: CodeS3, Path: s, Note: "not available locally"}, nil
	case strings.Contains(s, "${"):
		return unresolvedCode(s), nil
	case intrinsicName(n) != "":
		return Code{Type: CodeS3, Path: s, Note: "not available locally"}, nil
	}
	return b.declaredCode(t, s, what, line)
}

// unresolvedCode is a local code path that depends on a parameter: which
// folder ships is known only at deployment.
func unresolvedCode(p string) Code {
	return Code{Type: CodeUnresolved, Path: p, Note: "path depends on a parameter: not inventoried"}
}

// declaredCode resolves a code path a template declares. An absolute one
// would make the verdict depend on the machine it runs on: refused.
func (b *builder) declaredCode(t *template, declared, what string, line int) (Code, error) {
	if filepath.IsAbs(declared) || path.IsAbs(declared) {
		return Code{}, locErr(t.file, line, "%s: absolute code path %q: refused (paths are relative to the template)", what, declared)
	}
	return b.localCode(t, declared, what, line)
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
		if strings.Contains(code.Value, "${") {
			return unresolvedCode(code.Value), nil
		}
		return b.declaredCode(t, code.Value, what, line)
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

// outside says whether local code lies outside the application folder
// (SAM allows CodeUri: ../shared): it is read, and said.
func outside(c Code) bool {
	return (c.Type == CodeDir || c.Type == CodeZip) && (c.Path == ".." || strings.HasPrefix(c.Path, "../"))
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
