package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// definition is one application definition found at a path.
type definition struct {
	kind string
	root string // the application's folder, as given
	file string // the definition file on disk
}

// Detect says whether path is an application definition, and of which
// kind, by content: a SAM or CloudFormation template that defines
// functions or nests local templates (one too big to read included, so
// that Load refuses it), a CDK cloud assembly or an unsynthesized CDK
// project (cdk.json), a Serverless Framework service (serverless.ts/.js
// too), or a folder holding one of these at its root. It reads little: a
// zip, a lockfile or a folder of code is not an application (ok false).
func Detect(path string) (kind string, ok bool) {
	f, ok := Find(path)
	if !ok {
		return "", false
	}
	return f.Kind, true
}

// Load reads the application at path (see Detect). Errors name the file, and
// the line and column where that makes sense: a template that does not
// parse or is over a limit, a function whose code path does not exist or is
// absolute, a nested template or ${file()} include that is missing, no
// functions at all. A CDK project not synthesized and a serverless.ts/.js
// service not packaged are errors naming the folder and the command to run.
func Load(path string) (*Application, error) {
	f, ok := Find(path)
	if !ok {
		return nil, fmt.Errorf("%s: not a serverless application (no SAM, CloudFormation, CDK or Serverless Framework definition)", path)
	}
	return f.Load()
}

// Found is an application definition Find recognised at a path: detecting
// and reading are one look at the files, not two.
type Found struct {
	Kind string
	defs []definition
}

// Find recognises the application at path, as Detect does, and keeps what
// it saw for Load.
func Find(path string) (*Found, bool) {
	defs := find(path)
	if len(defs) == 0 {
		return nil, false
	}
	return &Found{Kind: defs[0].kind, defs: defs}, true
}

// Load reads the application Find recognised (see the package Load).
func (f *Found) Load() (*Application, error) {
	defs := f.defs
	var notes []string
	d := defs[0]
	if len(defs) > 1 {
		var others []string
		for _, o := range defs[1:] {
			others = append(others, relTo(d.root, o.file))
		}
		notes = append(notes, fmt.Sprintf("%s holds several application definitions; read %s, not %s", d.root, relTo(d.root, d.file), strings.Join(others, ", ")))
	}
	switch base := filepath.Base(d.file); {
	case base == "cdk.json":
		return nil, fmt.Errorf("%s: CDK project not synthesized: run cdk synth first", d.root)
	case isSlsScript(base):
		return nil, fmt.Errorf("%s: Serverless service written in TypeScript/JavaScript (%s): run serverless package first", d.root, base)
	}
	var a *Application
	var err error
	switch d.kind {
	case KindCDK:
		a, err = loadCDK(d.root, d.file)
	case KindServerless:
		a, err = loadServerless(d.root, d.file)
	default:
		a, err = loadTemplateApp(d.kind, d.root, d.file)
	}
	if err != nil {
		// Definitions name their files relative to the application; an
		// error names the file as the user can open it.
		var pe *ParseError
		if errors.As(err, &pe) && !filepath.IsAbs(pe.File) {
			pe.File = filepath.Join(d.root, pe.File)
		}
		return nil, err
	}
	a.Notes = append(notes, a.Notes...)
	for _, fn := range a.Functions {
		// What of a role's policies could not be read is the function's to
		// report: its permissions are incomplete.
		if fn.Role != nil {
			for _, u := range fn.Role.Unread {
				if !slices.Contains(fn.Notes, u) {
					fn.Notes = append(fn.Notes, u)
				}
			}
		}
	}
	if len(a.Functions) == 0 {
		msg := "the application defines no functions"
		// What was not read may hold them (a nested application in the
		// Serverless Application Repository, an include).
		var unread []string
		for _, n := range a.Notes {
			if strings.Contains(n, "not inspected") || strings.Contains(n, "not read") {
				unread = append(unread, n)
			}
		}
		if len(unread) > 0 {
			msg += " (" + strings.Join(unread, "; ") + ")"
		}
		return nil, fmt.Errorf("%s: %s", filepath.Join(a.Root, a.Entry), msg)
	}
	return a, nil
}

func relTo(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

// find lists the definitions at path, preferred first: a cloud assembly,
// a Serverless service, then templates (SAM's default names first).
func find(p string) []definition {
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	if !fi.IsDir() {
		if d, ok := sniffFile(filepath.Dir(p), p); ok {
			return []definition{d}
		}
		if kind, ok := bareTemplate(p, fi.Size()); ok {
			// Named on its own, a template without functions is still
			// a template (Load says it defines none), not a file of code.
			return []definition{{kind: kind, root: filepath.Dir(p), file: p}}
		}
		return nil
	}
	var defs []definition
	// A CDK project is its cloud assembly; a folder may be the assembly.
	if m := filepath.Join(p, "cdk.out", "manifest.json"); isAssembly(m) {
		defs = append(defs, definition{kind: KindCDK, root: p, file: m})
	} else if m := filepath.Join(p, "manifest.json"); isAssembly(m) {
		// The folder is the assembly: its templates are its stacks, not
		// applications of their own.
		return []definition{{kind: KindCDK, root: filepath.Dir(p), file: m}}
	} else if c := filepath.Join(p, "cdk.json"); isFile(c) {
		// A CDK app not synthesized: its functions exist only once cdk
		// synth has run; read as a folder of code, it would look clean.
		defs = append(defs, definition{kind: KindCDK, root: p, file: c})
	}
	sls := false
	for _, name := range []string{"serverless.yml", "serverless.yaml", "serverless.json"} {
		if f := filepath.Join(p, name); isFile(f) {
			defs = append(defs, definition{kind: KindServerless, root: p, file: f})
			sls = true
			break
		}
	}
	// serverless.ts/.js cannot be read without Node; their package can.
	if pkg := filepath.Join(p, ".serverless", slsPackageTemplate); !sls && isFile(pkg) {
		defs = append(defs, definition{kind: KindServerless, root: p, file: pkg})
	} else if !sls {
		for _, name := range slsScriptNames {
			if f := filepath.Join(p, name); isFile(f) {
				defs = append(defs, definition{kind: KindServerless, root: p, file: f})
				break
			}
		}
	}
	entries, _ := os.ReadDir(p)
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return templateRank(names[i]) < templateRank(names[j]) })
	for _, name := range names {
		if strings.HasPrefix(name, "serverless.") {
			continue
		}
		if d, ok := sniffFile(p, filepath.Join(p, name)); ok {
			defs = append(defs, d)
		}
	}
	if len(defs) == 0 {
		if built := filepath.Join(p, ".aws-sam", "build", "template.yaml"); isFile(built) {
			defs = append(defs, definition{kind: KindSAM, root: p, file: built})
		}
	}
	return defs
}

// slsScriptNames are the service files only Node can evaluate.
var slsScriptNames = []string{"serverless.ts", "serverless.js", "serverless.mjs", "serverless.cjs"}

func isSlsScript(base string) bool {
	for _, n := range slsScriptNames {
		if base == n {
			return true
		}
	}
	return false
}

// templateRank orders a folder's files: SAM's default names first, then by name.
func templateRank(name string) string {
	switch name {
	case "template.yaml", "template.yml", "template.json":
		return "0" + name
	}
	return "1" + name
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// isAssembly says whether a manifest.json is a CDK cloud assembly's: it
// declares stacks or nested assemblies (other tools write manifest.json too).
func isAssembly(p string) bool {
	if !isFile(p) {
		return false
	}
	data := readHead(p, MaxDefinitionBytes)
	return bytes.Contains(data, []byte(`"artifacts"`)) &&
		(bytes.Contains(data, []byte(`"aws:cloudformation:stack"`)) || bytes.Contains(data, []byte(`"cdk:cloud-assembly"`)))
}

// templateTypes are the resource types that make a template an application:
// functions, and nested applications or stacks that may define them.
var templateTypes = [][]byte{
	[]byte("AWS::Serverless::Function"), []byte("AWS::Lambda::Function"),
	[]byte("AWS::Serverless::Application"), []byte("AWS::CloudFormation::Stack"),
}

func hasTemplateType(data []byte) bool {
	for _, t := range templateTypes {
		if bytes.Contains(data, t) {
			return true
		}
	}
	return false
}

// hasEscape says whether data holds a JSON or YAML escape that could spell a
// letter (\u0046, \x46, \U00000046).
func hasEscape(data []byte) bool {
	return bytes.Contains(data, []byte(`\u`)) || bytes.Contains(data, []byte(`\x`)) || bytes.Contains(data, []byte(`\U`))
}

// markerOverlap is kept between chunks so a marker split across two is
// still seen: it covers the longest template type.
const markerOverlap = 64

// scanMarkers reads the first limit bytes of p a chunk at a time and says
// whether they hold a template resource type, "Resources", and an escape.
func scanMarkers(p string, limit int64) (typ, resources, escape bool) {
	f, err := os.Open(p)
	if err != nil {
		return false, false, false
	}
	defer f.Close()
	r := io.LimitReader(f, limit)
	buf := make([]byte, 64<<10)
	keep := 0
	for {
		n, err := io.ReadFull(r, buf[keep:])
		chunk := buf[:keep+n]
		typ = typ || hasTemplateType(chunk)
		resources = resources || bytes.Contains(chunk, []byte("Resources"))
		escape = escape || hasEscape(chunk)
		if err != nil || (typ && resources && escape) {
			return typ, resources, escape
		}
		keep = copy(buf, chunk[len(chunk)-markerOverlap:])
	}
}

// bareTemplate says whether the file at p is a SAM or CloudFormation
// template, functions or not: a mapping whose Resources are typed AWS
// resources, or that declares a template format version or the SAM
// transform.
func bareTemplate(p string, size int64) (kind string, ok bool) {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json", ".template":
	default:
		return "", false
	}
	if size > MaxDefinitionBytes {
		return "", false
	}
	root, err := parseDocument(p, readHead(p, MaxDefinitionBytes))
	res := get(root, "Resources")
	if err != nil || res == nil || !isMap(res) && res.Tag != "!!null" {
		return "", false // an empty Resources: is a template still
	}
	typed := get(root, "AWSTemplateFormatVersion") != nil
	for _, r := range pairs(get(root, "Resources")) {
		typed = typed || strings.HasPrefix(str(get(r[1], "Type")), "AWS::")
	}
	for _, tr := range items(get(root, "Transform")) {
		if strings.HasPrefix(str(tr), "AWS::Serverless") {
			return KindSAM, true
		}
	}
	if !typed {
		return "", false
	}
	return KindCloudFormation, true
}

func readHead(p string, n int64) []byte {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, n))
	return b
}

// sniffFile decides whether one file is a definition, by name for the
// fixed-name kinds and by content for templates.
func sniffFile(dir, p string) (definition, bool) {
	base := filepath.Base(p)
	switch {
	case base == "serverless.yml" || base == "serverless.yaml" || base == "serverless.json":
		return definition{kind: KindServerless, root: dir, file: p}, true
	case base == "manifest.json" && isAssembly(p):
		return definition{kind: KindCDK, root: filepath.Dir(dir), file: p}, true
	case isSlsScript(base) && !isFile(filepath.Join(dir, ".serverless", slsPackageTemplate)):
		return definition{kind: KindServerless, root: dir, file: p}, true
	case base == "cdk.json" && !isAssembly(filepath.Join(dir, "cdk.out", "manifest.json")):
		return definition{kind: KindCDK, root: dir, file: p}, true
	}
	ext := strings.ToLower(filepath.Ext(base))
	if ext != ".yaml" && ext != ".yml" && ext != ".json" && ext != ".template" {
		return definition{}, false
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return definition{}, false
	}
	// Cheap, and streamed: look for the resource types before reading or
	// parsing anything (a 90 MB package-lock.json is a .json file too). A
	// file that names them but does not parse is still a template (Load
	// then reports where it is broken). Escapes ("\u0046unction") can spell
	// any name, so a file with one is judged on its parsed document.
	typ, resources, escape := scanMarkers(p, MaxDefinitionBytes)
	literal := typ && resources
	if fi.Size() > MaxDefinitionBytes {
		// Too big to read, but one that looks like a template must not
		// let the folder pass as mere code: Load then refuses it by size.
		if literal {
			return definition{kind: KindCloudFormation, root: dir, file: p}, true
		}
		return definition{}, false
	}
	if !literal && !escape {
		return definition{}, false
	}
	data := readHead(p, MaxDefinitionBytes)
	kind := KindCloudFormation
	if bytes.Contains(data, []byte("AWS::Serverless-2016-10-31")) {
		kind = KindSAM
	}
	root, err := parseDocument(p, data)
	if err != nil && !literal {
		return definition{}, false
	}
	if err == nil {
		k, ok := sniffTemplate(root)
		if !ok {
			return definition{}, false
		}
		kind = k
	}
	return definition{kind: kind, root: dir, file: p}, true
}

// loadTemplateApp reads a SAM or CloudFormation template. For SAM, the
// output of `sam build` beside it gives the code (its function folders are
// what is deployed, dependencies installed); everything else, roles above
// all, is read from the template in the repository, which `sam build`
// copies unchanged, so reports point at lines the user can open.
func loadTemplateApp(kind, root, file string) (*Application, error) {
	b, err := newBuilder(kind, root)
	if err != nil {
		return nil, err
	}
	b.app.Entry = relTo(root, file)
	if kind == KindSAM {
		built := filepath.Join(root, ".aws-sam", "build", "template.yaml")
		if isFile(built) && !sameFile(built, file) {
			bt, err := readTemplate(built, relTo(root, built))
			if err != nil {
				return nil, err
			}
			bb := *b
			bb.app = &Application{}
			bb.used = map[*template]map[string]bool{}
			bb.exports, bb.added = map[string]export{}, nil
			bb.codeOut = map[string]Code{}
			if err := bb.addTemplate(bt, 0); err != nil {
				return nil, err
			}
			b.code = bb.codeOut
			b.app.Notes = append(b.app.Notes, fmt.Sprintf("code read from the sam build output %s (definitions from %s)", relTo(root, built), b.app.Entry))
		} else if isFile(built) {
			b.app.Notes = append(b.app.Notes, fmt.Sprintf("read the sam build output %s", b.app.Entry))
		}
	}
	t, err := readTemplate(file, b.app.Entry)
	if err != nil {
		return nil, err
	}
	if kind == KindCloudFormation && t.sam {
		b.app.Kind = KindSAM
	}
	if err := b.addTemplate(t, 0); err != nil {
		return nil, err
	}
	b.finish()
	return b.app, nil
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
