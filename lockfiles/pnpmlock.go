package lockfiles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/osv"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/purl"
	"go.yaml.in/yaml/v3"
)

// pnpmLock reads pnpm-lock.yaml (v5 to v9). It replaces osv-scalibr
// v0.5.3's pnpmlock extractor, which decodes the whole "packages" mapping
// into a Go map: yaml.v3 checks each key of a mapping against every
// earlier key while decoding it into a map or struct, so that decode is
// quadratic (100,000 packages did not finish in 300 s). Here the document
// is parsed into nodes (no such check) and each package's own small mapping
// is decoded on its own. Outputs follow scalibr's: names and versions from
// the dependency path or the entry's name/version, git commits from
// resolution, "dev".
type pnpmLock struct{ ownExtractor }

func newPNPMLock(*cpb.PluginConfig) (filesystem.Extractor, error) { return pnpmLock{}, nil }

func (pnpmLock) Name() string { return "javascript/pnpmlock" }
func (pnpmLock) FileRequired(api filesystem.FileAPI) bool {
	p := api.Path()
	if path.Base(p) != "pnpm-lock.yaml" {
		return false
	}
	for _, el := range strings.Split(path.Dir(p), "/") {
		if el == "node_modules" {
			return false
		}
	}
	return true
}

type pnpmPackage struct {
	Resolution struct {
		Tarball   string `yaml:"tarball"`
		Commit    string `yaml:"commit"`
		Directory string `yaml:"directory"`
	} `yaml:"resolution"`
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
	Dev     bool   `yaml:"dev"`
}

var (
	pnpmNumber      = regexp.MustCompile(`^\d`)
	pnpmNameVersion = regexp.MustCompile(`^(.+)@([\w.-]+)(?:\(|$)`)
	pnpmCodeload    = regexp.MustCompile(`https://codeload\.github\.com(?:/[\w-.]+){2}/tar\.gz/(\w+)$`)
)

func (pnpmLock) Extract(ctx context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	dec := yaml.NewDecoder(in.Reader)
	out := []*scalibr.Package{}
	var errs []error
	for {
		if err := ctx.Err(); err != nil {
			return inventory.Inventory{Packages: out}, err
		}
		var root yaml.Node
		if err := dec.Decode(&root); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return inventory.Inventory{Packages: out}, fmt.Errorf("could not extract: %w", err)
		}
		pkgs, err := pnpmDocument(&root, in.Path)
		if err != nil {
			return inventory.Inventory{Packages: out}, fmt.Errorf("could not extract: %w", err)
		}
		for _, p := range pkgs {
			if p.err != nil {
				errs = append(errs, p.err)
				continue
			}
			out = append(out, p.pkg)
		}
	}
	return inventory.Inventory{Packages: out}, errors.Join(errs...)
}

type pnpmResult struct {
	pkg *scalibr.Package
	err error
}

func pnpmDocument(root *yaml.Node, file string) ([]pnpmResult, error) {
	doc := root
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: lockfile is not a mapping", doc.Line)
	}
	var version string
	var packages *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		switch doc.Content[i].Value {
		case "lockfileVersion":
			if err := doc.Content[i+1].Decode(&version); err != nil {
				return nil, err
			}
		case "packages":
			packages = doc.Content[i+1]
		}
	}
	lockVersion, err := strconv.ParseFloat(version, 64)
	if err != nil {
		return nil, err
	}
	if packages == nil || packages.Kind != yaml.MappingNode {
		if packages != nil && packages.Tag != "!!null" {
			return nil, fmt.Errorf("line %d: packages is not a mapping", packages.Line)
		}
		return nil, nil
	}
	out := make([]pnpmResult, 0, len(packages.Content)/2)
	for i := 0; i+1 < len(packages.Content); i += 2 {
		key := packages.Content[i].Value
		var pkg pnpmPackage
		if err := packages.Content[i+1].Decode(&pkg); err != nil {
			return nil, fmt.Errorf("packages %q: %w", key, err)
		}
		name, ver, err := pnpmNameAndVersion(key, lockVersion)
		if err != nil {
			out = append(out, pnpmResult{err: err})
			continue
		}
		if pkg.Name != "" {
			name = pkg.Name
		}
		if pkg.Version != "" {
			ver = pkg.Version
		}
		if name == "" || ver == "" {
			continue
		}
		if pkg.Resolution.Directory != "" || strings.HasPrefix(ver, "link:") || strings.HasPrefix(ver, "file:") && !isTarball(ver) {
			continue // a local folder: the project's own code
		}
		commit := pkg.Resolution.Commit
		if strings.HasPrefix(pkg.Resolution.Tarball, "https://codeload.github.com") {
			if m := pnpmCodeload.FindStringSubmatch(pkg.Resolution.Tarball); m != nil {
				commit = m[1]
			}
		}
		typ := purl.TypeNPM
		if commit != "" {
			typ = purl.TypeGit
		}
		groups := []string{}
		if pkg.Dev {
			groups = append(groups, "dev")
		}
		out = append(out, pnpmResult{pkg: &scalibr.Package{
			Name: name, Version: ver, PURLType: typ,
			SourceCode: &scalibr.SourceCodeIdentifier{Commit: commit},
			Metadata:   &osv.DepGroupMetadata{DepGroupVals: groups},
			Location:   scalibr.LocationFromPath(file),
		}})
	}
	return out, nil
}

// pnpmNameAndVersion splits a dependency path: "name@1.0.0" (v9),
// "/name@1.0.0(peer)" (v6), "/@s/name/1.0.0_peer" (v5).
func pnpmNameAndVersion(dep string, lockVersion float64) (string, string, error) {
	if strings.HasPrefix(dep, "file:") {
		return "", "", nil
	}
	if lockVersion >= 9.0 {
		dep = strings.Trim(dep, "'")
		dep, scoped := strings.CutPrefix(dep, "@")
		name, version, _ := strings.Cut(dep, "@")
		if scoped {
			name = "@" + name
		}
		return name, version, nil
	}
	parts := strings.Split(dep, "/")
	if len(parts) < 2 {
		return "", "", fmt.Errorf("invalid dependency path: %v", dep)
	}
	parts = parts[1:]
	var name string
	if strings.HasPrefix(parts[0], "@") && len(parts) >= 2 {
		name, parts = parts[0]+"/"+parts[1], parts[2:]
	} else {
		name, parts = parts[0], parts[1:]
	}
	version := ""
	if len(parts) != 0 {
		version = parts[0]
	}
	if version == "" {
		if m := pnpmNameVersion.FindStringSubmatch(name); len(m) == 3 {
			name, version = m[1], m[2]
		} else {
			name = ""
		}
	}
	if version == "" || !pnpmNumber.MatchString(version) {
		return "", "", nil
	}
	if i := strings.IndexByte(version, '_'); i >= 0 {
		version = version[:i]
	}
	return name, version, nil
}
