package lockfiles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/osv"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/purl"
)

// pipfileLock reads Pipfile.lock. It replaces osv-scalibr v0.5.3's
// pipfilelock extractor, which finds each package's line by scanning the
// file from the first line again (findLineNumber per package): quadratic,
// 100,000 packages did not finish in 300 s. Outputs are scalibr's, pinned
// ("==") packages of "default" and "develop" (group "dev"), a name@version
// in both listed once, as its "default" entry, with what scalibr dropped
// without a word: an "===" pin is a version too, a package installed from
// git is listed (unchecked: no registry release to match), and so is one
// without a version. Only local paths (the project itself, installed
// editable) are left out: they are the application's own code.
type pipfileLock struct{ ownExtractor }

func newPipfileLock(*cpb.PluginConfig) (filesystem.Extractor, error) { return pipfileLock{}, nil }

func (pipfileLock) Name() string { return "python/pipfilelock" }
func (pipfileLock) FileRequired(api filesystem.FileAPI) bool {
	return path.Base(api.Path()) == "Pipfile.lock"
}

type pipfileLockFile struct {
	Default map[string]pipfileEntry `json:"default"`
	Develop map[string]pipfileEntry `json:"develop"`
}

type pipfileEntry struct {
	Version string `json:"version"`
	Git     string `json:"git"`
	Ref     string `json:"ref"`
	Path    string `json:"path"`
	File    string `json:"file"`
}

func (pipfileLock) Extract(_ context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	b, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not read: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return inventory.Inventory{}, nil
	}
	var lf pipfileLockFile
	if err := json.Unmarshal(b, &lf); err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not extract: %w", err)
	}
	seen := map[string]bool{}
	var out []*scalibr.Package
	add := func(group map[string]pipfileEntry, groups []string) {
		names := make([]string, 0, len(group))
		for n := range group {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			if strings.TrimSpace(name) == "" {
				continue // not a package
			}
			e := group[name]
			var src *scalibr.SourceCodeIdentifier
			v, ok := strings.CutPrefix(e.Version, "===")
			if !ok {
				v, ok = strings.CutPrefix(e.Version, "==")
			}
			switch {
			case ok && v != "":
			case e.Git != "":
				v, src = "", &scalibr.SourceCodeIdentifier{Repo: e.Git, Commit: e.Ref}
			case e.Path != "" || strings.HasPrefix(e.File, "file:"):
				continue // the project's own code, or a local copy of it
			default:
				v = "" // listed without a version: never checked, never clean
			}
			if seen[name+"@"+v] {
				continue
			}
			seen[name+"@"+v] = true
			pt := purl.TypePyPi
			if src != nil {
				pt = "git"
			}
			out = append(out, &scalibr.Package{
				Name: name, Version: v, PURLType: pt, SourceCode: src,
				Metadata: &osv.DepGroupMetadata{DepGroupVals: groups},
				Location: scalibr.LocationFromPath(in.Path),
			})
		}
	}
	add(lf.Default, []string{})
	add(lf.Develop, []string{"dev"})
	return inventory.Inventory{Packages: out}, nil
}
