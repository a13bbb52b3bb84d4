package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
// functions, a CDK cloud assembly, a Serverless Framework service, or a
// folder holding one of these at its root. It reads little: a zip, a
// lockfile or a folder of code is not an application (ok false).
func Detect(path string) (kind string, ok bool) {
	defs := find(path)
	if len(defs) == 0 {
		return "", false
	}
	return defs[0].kind, true
}

// Load reads the application at path (see Detect). Errors name the file, and
// the line and column where that makes sense: a template that does not
// parse, a function whose code path does not exist, no functions at all.
func Load(path string) (*Application, error) {
	defs := find(path)
	var notes []string
	if len(defs) == 0 {
		return nil, fmt.Errorf("%s: not a serverless application (no SAM, CloudFormation, CDK or Serverless Framework definition)", path)
	}
	d := defs[0]
	if len(defs) > 1 {
		var others []string
		for _, o := range defs[1:] {
			others = append(others, relTo(d.root, o.file))
		}
		notes = append(notes, fmt.Sprintf("%s holds several application definitions; read %s, not %s", d.root, relTo(d.root, d.file), strings.Join(others, ", ")))
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
	if len(a.Functions) == 0 {
		return nil, fmt.Errorf("%s: the application defines no functions", filepath.Join(a.Root, a.Entry))
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
		return nil
	}
	var defs []definition
	// A CDK project is its cloud assembly; a folder may be the assembly.
	if m := filepath.Join(p, "cdk.out", "manifest.json"); isAssembly(m) {
		defs = append(defs, definition{kind: KindCDK, root: p, file: m})
	} else if m := filepath.Join(p, "manifest.json"); isAssembly(m) {
		defs = append(defs, definition{kind: KindCDK, root: filepath.Dir(p), file: m})
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
	}
	ext := strings.ToLower(filepath.Ext(base))
	if ext != ".yaml" && ext != ".yml" && ext != ".json" && ext != ".template" {
		return definition{}, false
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > MaxDefinitionBytes {
		return definition{}, false
	}
	data := readHead(p, MaxDefinitionBytes)
	// Cheap: look for the resource types before parsing anything. A file
	// that names them but does not parse is still a template (Load then
	// reports where it is broken).
	if !bytes.Contains(data, []byte("AWS::Serverless::Function")) && !bytes.Contains(data, []byte("AWS::Lambda::Function")) {
		return definition{}, false
	}
	if !bytes.Contains(data, []byte("Resources")) {
		return definition{}, false
	}
	kind := KindCloudFormation
	if bytes.Contains(data, []byte("AWS::Serverless-2016-10-31")) {
		kind = KindSAM
	}
	if root, err := parseDocument(p, data); err == nil {
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
			if err := bb.addTemplate(bt, 0); err != nil {
				return nil, err
			}
			b.code = map[string]Code{}
			for _, f := range bb.app.Functions {
				b.code[f.ID] = f.Code
			}
			for _, l := range bb.app.Layers {
				b.code[l.ID] = l.Code
			}
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
	return b.app, nil
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
