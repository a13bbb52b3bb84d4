package app

import (
	"path/filepath"
	"strings"
)

// maxAssemblyDepth bounds nested cloud assemblies (CDK stages) and nested
// stacks; real apps nest two or three levels.
const maxAssemblyDepth = 8

// loadCDK reads a CDK cloud assembly: every stack template of manifest.json,
// nested assemblies (stages) and nested stacks, code found through the
// resources' aws:asset:path metadata (relative to the assembly folder).
func loadCDK(root, manifest string) (*Application, error) {
	b, err := newBuilder(KindCDK, root)
	if err != nil {
		return nil, err
	}
	b.app.Entry = relTo(root, manifest)
	b.assemblyDir = filepath.Dir(absOr(manifest))
	if err := b.assembly(manifest, 0); err != nil {
		return nil, err
	}
	b.finish()
	return b.app, nil
}

func (b *builder) assembly(manifest string, depth int) error {
	name := b.rel(absOr(manifest))
	if depth > maxAssemblyDepth {
		return locErr(name, 0, "cloud assemblies nested deeper than %d levels", maxAssemblyDepth)
	}
	data, err := readBounded(manifest)
	if err != nil {
		return relabel(err, name)
	}
	m, err := parseDocument(name, data)
	if err != nil {
		return err
	}
	dir := filepath.Dir(manifest)
	// Asset manifests say where each asset's source is; templates normally
	// carry the same path in metadata, this covers those that do not.
	assets := map[string]string{}
	var assetFiles []string
	for _, a := range pairs(get(m, "artifacts")) {
		if str(get(a[1], "type")) == "cdk:asset-manifest" {
			if f := str(at(a[1], "properties", "file")); f != "" && localRelative(f) {
				assetFiles = append(assetFiles, filepath.Join(dir, filepath.FromSlash(f)))
			}
		}
	}
	if len(assetFiles) == 0 {
		// Older assemblies list no asset-manifest artifact; the files are
		// still beside the templates.
		assetFiles, _ = filepath.Glob(filepath.Join(dir, "*.assets.json"))
	}
	for _, af := range assetFiles {
		ad, err := readBounded(af)
		if err != nil {
			continue
		}
		an, err := parseDocument(b.rel(af), ad)
		if err != nil {
			return err
		}
		for _, fa := range pairs(get(an, "files")) {
			src := str(at(fa[1], "source", "path"))
			for _, d := range pairs(get(fa[1], "destinations")) {
				if k := str(get(d[1], "objectKey")); k != "" && src != "" {
					assets[k] = src
				}
			}
		}
	}
	b.s3Local = func(t *template, key string) string {
		// A stage's asset manifest names its sources "../asset.<hash>":
		// the assets of the whole app sit at the assembly's top.
		if src, ok := assets[key]; ok && !filepath.IsAbs(src) && !strings.Contains(src, "://") {
			if p := filepath.Join(dir, filepath.FromSlash(src)); within(b.assemblyDir, absOr(p)) {
				return p
			}
		}
		return ""
	}
	// Every stack is read before any is added: a stack's function may run
	// with a role another stack exports, whatever their order.
	stacks := map[string]*template{}
	for _, a := range pairs(get(m, "artifacts")) {
		if str(get(a[1], "type")) != "aws:cloudformation:stack" {
			continue
		}
		tf := str(at(a[1], "properties", "templateFile"))
		if tf == "" || !localRelative(tf) {
			return locErr(name, 0, "stack %s has no local templateFile", a[0].Value)
		}
		file := filepath.Join(dir, filepath.FromSlash(tf))
		t, err := readTemplate(file, b.rel(absOr(file)))
		if err != nil {
			return err
		}
		b.addExports(t)
		stacks[a[0].Value] = t
	}
	for _, a := range pairs(get(m, "artifacts")) {
		props := get(a[1], "properties")
		switch str(get(a[1], "type")) {
		case "aws:cloudformation:stack":
			if err := b.addTemplate(stacks[a[0].Value], depth); err != nil {
				return err
			}
		case "cdk:cloud-assembly":
			d := str(get(props, "directoryName"))
			if d == "" || !localRelative(d) {
				continue
			}
			saved := b.s3Local
			err := b.assembly(filepath.Join(dir, filepath.FromSlash(d), "manifest.json"), depth+1)
			b.s3Local = saved
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// localRelative refuses manifest paths that leave the assembly.
func localRelative(p string) bool {
	if filepath.IsAbs(p) || strings.Contains(p, "://") {
		return false
	}
	c := filepath.Clean(filepath.FromSlash(p))
	return c != ".." && !strings.HasPrefix(c, ".."+string(filepath.Separator))
}

// within says whether p lies in dir (both absolute).
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func absOr(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
