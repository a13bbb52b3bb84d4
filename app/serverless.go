package app

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fnguard/fnguard/iam"
	"go.yaml.in/yaml/v3"
)

// Serverless Framework services. The package (`serverless package`:
// .serverless/cloudformation-template-update-stack.json and the zips beside
// it) is what deploys, so when present it is the truth and serverless.yml
// only names where statements came from. Without it, the service is read
// from serverless.yml the way Serverless Framework v3 compiles it: function
// ids <Key>LambdaFunction, names <service>-<stage>-<key>, one generated role
// IamRoleLambdaExecution with the framework's log statements, the provider's
// statements and managed policies.

const (
	slsPackageTemplate = "cloudformation-template-update-stack.json"
	slsRoleID          = "IamRoleLambdaExecution"
	slsLogsSource      = "framework-default (Serverless v3 logs statement)"
)

// slsService is serverless.yml, variables resolved.
type slsService struct {
	file    string // as reported
	root    *yaml.Node
	name    string
	stage   string
	region  string
	tmpl    *template // serverless.yml seen as a template, for rendering
	userSts []slsStatement
	// origin names the file a ${file(...)} include brought a node from.
	origin map[*yaml.Node]string
}

type slsStatement struct {
	node   *yaml.Node
	source string
}

func loadServerless(root, file string) (*Application, error) {
	b, err := newBuilder(KindServerless, root)
	if err != nil {
		return nil, err
	}
	var s *slsService
	pkg := filepath.Join(filepath.Dir(file), ".serverless", slsPackageTemplate)
	if filepath.Base(file) == slsPackageTemplate {
		// Only the package (the service is serverless.ts or .js): function
		// keys and statement origins are unknown.
		pkg = file
		s = &slsService{file: b.rel(absOr(file)), root: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}}
	} else if s, err = readServerless(b, file); err != nil {
		return nil, err
	}
	if isFile(pkg) {
		if err = b.slsPackaged(s, pkg); err == nil {
			b.finish()
		}
	} else {
		b.app.Entry = s.file
		b.app.Notes = append(b.app.Notes, fmt.Sprintf("%s: no .serverless/ package (serverless package): read from the service definition; the code is the service folder", s.file))
		err = b.slsSource(s)
	}
	if err != nil {
		return nil, err
	}
	return b.app, nil
}

// refuseRepeats refuses a YAML document that gives a key twice in one
// mapping: the Serverless Framework's YAML reader refuses it too, so there
// is no deployed value to read. In JSON the last wins, as in JSON.parse.
func refuseRepeats(name string, root *yaml.Node) error {
	if r := dedupeKeys(root, 0); len(r) > 0 && !strings.EqualFold(filepath.Ext(name), ".json") {
		return locErr(name, r[0].later, "%s is given twice in one mapping (first at line %d): the Serverless Framework refuses the file", r[0].key, r[0].first)
	}
	return nil
}

func readServerless(b *builder, file string) (*slsService, error) {
	name := b.rel(absOr(file))
	data, err := readBounded(file)
	if err != nil {
		return nil, relabel(err, name)
	}
	root, err := parseDocument(name, data)
	if err != nil {
		return nil, err
	}
	if !isMap(root) {
		return nil, &ParseError{File: name, Line: root.Line, Col: root.Column, Msg: "not a Serverless Framework service: the document is not a mapping"}
	}
	if err := refuseRepeats(name, root); err != nil {
		return nil, err
	}
	s := &slsService{file: name, root: root}
	v := &slsVars{root: root, dir: filepath.Dir(file), origin: map[*yaml.Node]string{}, rel: func(p string) string { return b.rel(absOr(p)) }}
	s.stage = v.resolve(str(at(root, "provider", "stage")), 0)
	if s.stage == "" || strings.Contains(s.stage, "${") {
		s.stage = "dev"
	}
	s.region = v.resolve(str(at(root, "provider", "region")), 0)
	if s.region == "" || strings.Contains(s.region, "${") {
		s.region = "us-east-1"
	}
	v.stage, v.region = s.stage, s.region
	v.walk(root, 0, name)
	if v.err != nil {
		return nil, v.err
	}
	s.origin = v.origin
	s.name = str(get(root, "service"))
	if isMap(get(root, "service")) {
		s.name = str(at(root, "service", "name"))
	}
	// resources may be one map or a list of them (often ${file(...)}
	// includes); their Resources are merged.
	merged := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, r := range items(get(root, "resources")) {
		if res := get(r, "Resources"); isMap(res) {
			merged.Content = append(merged.Content, res.Content...)
		}
	}
	if !isMap(get(root, "resources")) && !isSeq(get(root, "resources")) {
		merged.Content = nil
	}
	t, err := newTemplate(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "Resources"}, merged,
	}}, name, filepath.Dir(file))
	if err != nil {
		return nil, err
	}
	s.tmpl = t
	// v3 provider.iam.role.statements come first, then the legacy
	// provider.iamRoleStatements, as the framework merges them.
	if isMap(at(root, "provider", "iam", "role")) {
		for i, st := range items(at(root, "provider", "iam", "role", "statements")) {
			s.userSts = append(s.userSts, slsStatement{st, fmt.Sprintf("%s provider.iam.role.statements[%d]", name, i)})
		}
	}
	for i, st := range items(at(root, "provider", "iamRoleStatements")) {
		s.userSts = append(s.userSts, slsStatement{st, fmt.Sprintf("%s provider.iamRoleStatements[%d]", name, i)})
	}
	return s, nil
}

// slsFunctions lists functions: a map, or a list of maps (as includes of
// several files give).
func slsFunctions(root *yaml.Node) [][2]*yaml.Node {
	fns := get(root, "functions")
	if isSeq(fns) {
		var out [][2]*yaml.Node
		for _, it := range fns.Content {
			out = append(out, pairs(it)...)
		}
		return out
	}
	return pairs(fns)
}

// functionFile is the file a function's definition came from: the
// ${file(...)} include that brought it, else the service file.
func (s *slsService) functionFile(fn [2]*yaml.Node) string {
	if f := s.origin[fn[1]]; f != "" {
		return f
	}
	fns := get(s.root, "functions")
	for _, it := range items(fns) {
		if isSeq(fns) && get(it, fn[0].Value) == fn[1] {
			if f := s.origin[it]; f != "" {
				return f
			}
		}
	}
	if f := s.origin[fns]; f != "" {
		return f
	}
	return s.file
}

// slsID is the logical id Serverless gives a function or layer key.
func slsID(key, suffix string) string {
	k := strings.ReplaceAll(strings.ReplaceAll(key, "-", "Dash"), "_", "Underscore")
	if r, n := utf8.DecodeRuneInString(k); n > 0 {
		k = string(unicode.ToUpper(r)) + k[n:]
	}
	return k + suffix
}

// slsPackaged reads the packaged CloudFormation and maps it back to
// serverless.yml.
func (b *builder) slsPackaged(s *slsService, pkg string) error {
	b.app.Entry = b.rel(absOr(pkg))
	b.app.Notes = append(b.app.Notes, fmt.Sprintf("read the Serverless Framework package %s", b.app.Entry))
	pkgDir := filepath.Dir(pkg)
	b.s3Local = func(t *template, key string) string {
		if key == "" || strings.Contains(key, "${") {
			return ""
		}
		return filepath.Join(pkgDir, path.Base(key))
	}
	t, err := readTemplate(pkg, b.app.Entry)
	if err != nil {
		return err
	}
	if err := b.addTemplate(t, 0); err != nil {
		return err
	}
	// Point functions, the role and its statements at serverless.yml, the
	// file in the repository (.serverless/ is build output).
	keys := map[string]*yaml.Node{}
	files := map[string]string{}
	for _, p := range slsFunctions(s.root) {
		keys[slsID(p[0].Value, "LambdaFunction")] = p[0]
		files[slsID(p[0].Value, "LambdaFunction")] = s.functionFile(p)
	}
	provLine := 1
	if p := get(s.root, "provider"); p != nil {
		provLine = p.Line
	}
	for _, f := range b.app.Functions {
		if k := keys[f.ID]; k != nil {
			f.Key, f.File, f.Line = k.Value, files[f.ID], k.Line
		}
		if f.Role == nil || f.Role.ID != slsRoleID {
			continue
		}
		f.Role.Generated = true
		if s.tmpl == nil {
			// No serverless.yml: only the framework's own statements can be
			// told apart; the rest keep their packaged policy's name.
			for i := range f.Role.Statements {
				if st := &f.Role.Statements[i]; i < 2 && isSlsLogs(*st) {
					st.Source = slsLogsSource
				}
			}
			continue
		}
		f.Role.File, f.Role.Line = s.file, provLine
		// The framework's log statements come first, then the provider's
		// statements in order, then those events add.
		j := 0
		for i := range f.Role.Statements {
			st := &f.Role.Statements[i]
			switch {
			case j == 0 && isSlsLogs(*st):
				st.Source, st.File, st.Line = slsLogsSource, s.file, provLine
			case j < len(s.userSts):
				u := s.userSts[j]
				st.Source, st.File, st.Line = u.source, s.file, u.node.Line
				j++
			default:
				st.Source, st.File, st.Line = "framework-default (Serverless v3 event statement)", s.file, provLine
			}
		}
	}
	return nil
}

// isSlsLogs recognises the framework's CloudWatch Logs statements.
func isSlsLogs(st iam.Statement) bool {
	if st.Effect != "Allow" || len(st.Actions) == 0 {
		return false
	}
	for _, a := range st.Actions {
		switch a {
		case "logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource", "logs:PutLogEvents":
		default:
			return false
		}
	}
	for _, r := range st.Resources {
		if !strings.Contains(r, ":log-group:") {
			return false
		}
	}
	return true
}

// slsSource compiles the service from serverless.yml alone.
func (b *builder) slsSource(s *slsService) error {
	t := s.tmpl
	b.used[t] = map[string]bool{}
	provider := get(s.root, "provider")
	if fns := get(s.root, "functions"); fns != nil && !isMap(fns) && !isSeq(fns) {
		return locErr(s.file, fns.Line, "functions is neither a mapping nor a list (%q not resolved)", str(fns))
	}
	for _, it := range items(get(s.root, "functions")) {
		if isSeq(get(s.root, "functions")) && !isMap(it) {
			return locErr(s.file, it.Line, "functions entry is not a mapping (%q not resolved)", str(it))
		}
	}
	for _, p := range pairs(get(s.root, "layers")) {
		l := &Layer{ID: slsID(p[0].Value, "LambdaLayer"), File: s.file, Line: p[0].Line}
		l.Name = t.r.str(get(p[1], "name"))
		if l.Name == "" {
			l.Name = p[0].Value
		}
		l.CompatibleRuntimes = t.r.list(get(p[1], "compatibleRuntimes"), 0)
		var err error
		if art := t.r.str(at(p[1], "package", "artifact")); art != "" {
			l.Code, err = b.localCode(t, art, "layer "+p[0].Value, p[0].Line)
		} else {
			l.Code, err = b.localCode(t, orDot(t.r.str(get(p[1], "path"))), "layer "+p[0].Value, p[0].Line)
		}
		if err != nil {
			return err
		}
		b.app.Layers = append(b.app.Layers, l)
	}
	var shared *iam.Role
	for _, p := range slsFunctions(s.root) {
		key, fn := p[0].Value, p[1]
		f := &Function{ID: slsID(key, "LambdaFunction"), Key: key, File: s.functionFile(p), Line: p[0].Line}
		f.Name = t.r.str(get(fn, "name"))
		if f.Name == "" {
			f.Name = s.name + "-" + s.stage + "-" + key
		}
		f.Runtime = firstNonEmpty(t.r.str(get(fn, "runtime")), t.r.str(get(provider, "runtime")))
		f.Handler = t.r.str(get(fn, "handler"))
		f.Architecture = firstNonEmpty(t.r.str(get(fn, "architecture")), t.r.str(get(provider, "architecture")), "x86_64")
		f.PackageType = "Zip"
		layers := get(fn, "layers")
		if layers == nil {
			layers = get(provider, "layers")
		}
		f.Layers = []string{}
		for _, it := range items(layers) {
			if id := refTarget(it); strings.HasSuffix(id, "LambdaLayer") {
				f.Layers = append(f.Layers, id)
			} else if s, ok := t.r.render(it); ok {
				f.Layers = append(f.Layers, s)
			}
		}
		var err error
		switch {
		case get(fn, "image") != nil:
			f.PackageType = "Image"
			f.Code = Code{Type: CodeImage, Path: t.r.str(get(fn, "image")), Note: "image: not inspected"}
			if isMap(get(fn, "image")) {
				f.Code.Path = t.r.str(at(fn, "image", "name"))
			}
		case t.r.str(at(fn, "package", "artifact")) != "":
			f.Code, err = b.localCode(t, t.r.str(at(fn, "package", "artifact")), "function "+key, p[0].Line)
		case t.r.str(at(s.root, "package", "artifact")) != "":
			f.Code, err = b.localCode(t, t.r.str(at(s.root, "package", "artifact")), "function "+key, p[0].Line)
		default:
			f.Code, err = b.localCode(t, ".", "function "+key, p[0].Line)
		}
		if err != nil {
			return err
		}
		roleNode := get(fn, "role")
		if roleNode == nil {
			if r := at(provider, "iam", "role"); r != nil && !isMap(r) || intrinsicName(r) != "" {
				roleNode = r
			} else if r := get(provider, "role"); r != nil {
				roleNode = r
			}
		}
		switch {
		case roleNode == nil:
			if shared == nil {
				shared = b.slsRole(s)
			}
			r := *shared
			f.Role = &r
		case isScalar(roleNode) && t.typeOf(roleNode.Value) == "AWS::IAM::Role":
			b.used[t][roleNode.Value] = true
			f.Role = b.templateRole(t, roleNode.Value)
		default:
			if err := b.resolveRole(t, roleNode, f, false, nil); err != nil {
				return err
			}
		}
		b.app.Functions = append(b.app.Functions, f)
	}
	for _, r := range t.res {
		if r.typ == "AWS::IAM::Role" && !b.used[t][r.id] {
			b.app.UnusedRoles = append(b.app.UnusedRoles, r.id)
		}
	}
	return nil
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// slsRole is the role Serverless Framework v3 generates for the service.
func (b *builder) slsRole(s *slsService) *iam.Role {
	t := s.tmpl
	role := &iam.Role{ID: slsRoleID, Generated: true, ManagedPolicies: []string{}, Statements: []iam.Statement{}, Findings: []iam.Finding{}, File: s.file, Line: 1}
	if p := get(s.root, "provider"); p != nil {
		role.Line = p.Line
	}
	logGroup := "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/" + s.name + "-" + s.stage + "*"
	role.Statements = append(role.Statements,
		iam.Statement{Effect: "Allow", Actions: []string{"logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"}, NotActions: []string{}, Resources: []string{logGroup + ":*"}, Source: slsLogsSource, File: s.file, Line: role.Line},
		iam.Statement{Effect: "Allow", Actions: []string{"logs:PutLogEvents"}, NotActions: []string{}, Resources: []string{logGroup + ":*:*"}, Source: slsLogsSource, File: s.file, Line: role.Line},
	)
	for _, u := range s.userSts {
		wrapped := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "Statement"}, u.node}}
		addPolicy(t, role, wrapped, u.source)
	}
	for _, m := range items(at(s.root, "provider", "iam", "role", "managedPolicies")) {
		if v, ok := t.r.render(m); ok {
			role.ManagedPolicies = appendUnique(role.ManagedPolicies, v)
		}
	}
	vpc := get(get(s.root, "provider"), "vpc") != nil
	for _, p := range slsFunctions(s.root) {
		if get(p[1], "vpc") != nil {
			vpc = true
		}
		for _, ev := range items(get(p[1], "events")) {
			b.slsEventStatement(s, role, ev)
		}
	}
	if vpc {
		role.ManagedPolicies = appendUnique(role.ManagedPolicies, "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
	}
	return role
}

// slsEventStatement adds the statements the framework grants for stream and
// queue events.
func (b *builder) slsEventStatement(s *slsService, role *iam.Role, ev *yaml.Node) {
	t := s.tmpl
	for _, p := range pairs(ev) {
		var actions []string
		var arn *yaml.Node
		switch p[0].Value {
		case "sqs":
			actions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
			arn = p[1]
			if isMap(p[1]) && intrinsicName(p[1]) == "" {
				arn = get(p[1], "arn")
			}
		case "stream":
			arn = p[1]
			if isMap(p[1]) && intrinsicName(p[1]) == "" {
				arn = get(p[1], "arn")
			}
			svc := "dynamodb"
			if strings.Contains(t.r.str(arn), ":kinesis:") || t.r.str(get(p[1], "type")) == "kinesis" {
				svc = "kinesis"
			}
			actions = []string{svc + ":GetRecords", svc + ":GetShardIterator", svc + ":DescribeStream", svc + ":ListStreams"}
		default:
			continue
		}
		if arn == nil {
			continue
		}
		role.Statements = append(role.Statements, iam.Statement{
			Effect: "Allow", Actions: actions, NotActions: []string{}, Resources: t.r.list(arn, 0),
			Source: "framework-default (Serverless v3 " + p[0].Value + " event statement)", File: s.file, Line: p[0].Line,
		})
	}
}

// slsVars resolves Serverless Framework variables (${self:...},
// ${sls:stage}, ${opt:...}, fallbacks) in place. What needs the outside
// world (env, ssm, cf, s3, file) takes its fallback when it has one, else
// stays as written; ${AWS::...} and other CloudFormation Sub variables are
// never touched.
type slsVars struct {
	root          *yaml.Node
	stage, region string
	// dir is the service folder ${file(...)} paths start from; "" turns
	// file includes off.
	dir   string
	files int   // files included so far, bounded
	bytes int64 // bytes included so far, bounded
	steps int   // variables evaluated so far, bounded (cycles, hostile input)
	// nodes counts what whole-value variables added: one budget for the
	// whole expansion, so copies of copies cannot multiply.
	nodes int
	// err is the first variable that could not be expanded (an include
	// missing, malformed or over a limit): the service is then refused,
	// since what it would have defined is unknown.
	err error
	// origin maps a node replaced by an include to the included file.
	origin map[*yaml.Node]string
	rel    func(string) string
}

// maxSlsIncludeBytes bounds the bytes all ${file(...)} includes read.
const maxSlsIncludeBytes = MaxDefinitionBytes

// maxSlsSteps bounds variable evaluations per service.
const maxSlsSteps = 100_000

// maxSlsIncludes bounds ${file(...)} includes per service.
const maxSlsIncludes = 200

var slsWholeRE = regexp.MustCompile(`^\$\{\s*(file\(([^)]+)\)(?::([\w.\-]+))?|self:([\w.\-]+))\s*\}$`)

var slsVarRE = regexp.MustCompile(`\$\{([^${}]+)\}`)

var slsSources = []string{"self:", "opt:", "sls:", "env:", "ssm:", "cf:", "cf(", "s3:", "file(", "param:", "aws:", "strToBool(", "git:"}

func (v *slsVars) walk(n *yaml.Node, depth int, file string) {
	if n == nil || depth > maxDepth || v.err != nil {
		return
	}
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		// A value that is a whole ${file(...)} or ${self:...} may stand for
		// a map or a list: the node is replaced.
		if m := slsWholeRE.FindStringSubmatch(strings.TrimSpace(n.Value)); m != nil {
			sub, subFile := v.node(m, depth, file, n.Line)
			if v.err != nil {
				return
			}
			if sub != nil {
				*n = *sub
				if subFile != file {
					v.origin[n] = subFile
				}
				v.walk(n, depth+1, subFile)
				return
			}
		}
		n.Value = v.resolve(n.Value, 0)
		return
	}
	for _, c := range n.Content {
		v.walk(c, depth+1, file)
	}
}

// countNodes counts a tree's nodes, stopping past limit.
func countNodes(n *yaml.Node, limit int) int {
	if n == nil {
		return 0
	}
	c := 1
	for _, k := range n.Content {
		if c > limit {
			break
		}
		c += countNodes(k, limit-c)
	}
	return c
}

// spend charges nodes to the expansion's one budget; past it, the service
// is refused at the variable that overflowed it.
func (v *slsVars) spend(n *yaml.Node, file string, line int) bool {
	v.nodes += countNodes(n, maxAliasNodes-v.nodes+1)
	if v.nodes > maxAliasNodes {
		v.err = locErr(file, line, "variables expand to more than %d nodes: refused", maxAliasNodes)
		return false
	}
	return true
}

// node loads what a whole-value variable at file:line refers to, as a
// fresh node, and the file it came from.
func (v *slsVars) node(m []string, depth int, file string, line int) (*yaml.Node, string) {
	if m[4] != "" {
		n := v.root
		for _, k := range strings.Split(m[4], ".") {
			n = get(n, k)
		}
		if n == nil || n.Kind == yaml.ScalarNode {
			return nil, file
		}
		if !v.spend(n, file, line) {
			return nil, file
		}
		c, err := (&normalizer{repl: map[*yaml.Node]*yaml.Node{}}).copy(n, n, depth)
		if err != nil {
			return nil, file
		}
		return c, file
	}
	if v.dir == "" {
		return nil, file
	}
	rel := strings.Trim(strings.TrimSpace(v.resolve(m[2], 0)), `'"`)
	ext := strings.ToLower(filepath.Ext(rel))
	if strings.Contains(rel, "${") || filepath.IsAbs(rel) || (ext != ".yml" && ext != ".yaml" && ext != ".json") {
		return nil, file
	}
	if v.files >= maxSlsIncludes {
		v.err = locErr(file, line, "more than %d ${file()} includes: refused", maxSlsIncludes)
		return nil, file
	}
	v.files++
	p := filepath.Join(v.dir, filepath.FromSlash(rel))
	fi, err := os.Stat(p)
	if err != nil {
		v.err = locErr(file, line, "${file(%s)}: the included file does not exist", rel)
		return nil, file
	}
	v.bytes += fi.Size()
	if v.bytes > maxSlsIncludeBytes {
		v.err = locErr(file, line, "${file()} includes total more than %d MiB: refused", maxSlsIncludeBytes>>20)
		return nil, file
	}
	data, err := readBounded(p)
	if err != nil {
		v.err = locErr(file, line, "${file(%s)}: %s", rel, strings.TrimPrefix(err.Error(), p+": "))
		return nil, file
	}
	name := v.rel(p)
	n, err := parseDocument(name, data)
	if err == nil {
		err = refuseRepeats(name, n)
	}
	if err != nil {
		if pe, ok := err.(*ParseError); ok {
			pe.Msg += fmt.Sprintf(" (included by %s:%d)", file, line)
		}
		v.err = err
		return nil, file
	}
	if m[3] != "" {
		for _, k := range strings.Split(m[3], ".") {
			n = get(n, k)
		}
	}
	if n != nil && !v.spend(n, file, line) {
		return nil, file
	}
	return n, name
}

func (v *slsVars) resolve(s string, depth int) string {
	if depth > 10 || !strings.Contains(s, "${") {
		return s
	}
	var kept []string
	for i := 0; i < 20; i++ {
		changed := false
		s = slsVarRE.ReplaceAllStringFunc(s, func(m string) string {
			expr := strings.TrimSpace(m[2 : len(m)-1])
			if !isSlsExpr(expr) {
				kept = append(kept, m)
				return fmt.Sprintf("\x00%d\x00", len(kept)-1)
			}
			v.steps++
			if v.steps > maxSlsSteps {
				kept = append(kept, m)
				return fmt.Sprintf("\x00%d\x00", len(kept)-1)
			}
			if val, ok := v.eval(expr, depth); ok && val != m {
				changed = true
				return val
			}
			kept = append(kept, m)
			return fmt.Sprintf("\x00%d\x00", len(kept)-1)
		})
		if !changed {
			break
		}
	}
	for i := len(kept) - 1; i >= 0; i-- {
		s = strings.ReplaceAll(s, fmt.Sprintf("\x00%d\x00", i), kept[i])
	}
	return s
}

func isSlsExpr(expr string) bool {
	for _, src := range slsSources {
		if strings.HasPrefix(expr, src) {
			return true
		}
	}
	return false
}

// eval resolves one variable: its sources in order, then the fallback.
func (v *slsVars) eval(expr string, depth int) (string, bool) {
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case len(part) >= 2 && (part[0] == '\'' || part[0] == '"') && part[len(part)-1] == part[0]:
			return part[1 : len(part)-1], true
		case strings.HasPrefix(part, "self:"):
			if val, ok := v.self(strings.TrimPrefix(part, "self:"), depth); ok {
				return val, true
			}
		case part == "sls:stage":
			return v.stage, true
		case !isSlsExpr(part):
			// A bare fallback value: a number, true, a plain word.
			return part, true
		}
	}
	return "", false
}

func (v *slsVars) self(p string, depth int) (string, bool) {
	n := v.root
	for _, k := range strings.Split(p, ".") {
		n = get(n, k)
	}
	if isScalar(n) {
		return v.resolve(n.Value, depth+1), true
	}
	switch p {
	case "provider.stage":
		return v.stage, v.stage != ""
	case "provider.region":
		return v.region, v.region != ""
	}
	return "", false
}
