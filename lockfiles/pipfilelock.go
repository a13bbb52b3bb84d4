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
// 100,000 packages did not finish in 300 s. Outputs are the same: pinned
// ("==") packages of "default" and "develop" (group "dev"), a name@version
// in both listed once, as its "default" entry.
type pipfileLock struct{ ownExtractor }

func newPipfileLock(*cpb.PluginConfig) (filesystem.Extractor, error) { return pipfileLock{}, nil }

func (pipfileLock) Name() string { return "python/pipfilelock" }
func (pipfileLock) FileRequired(api filesystem.FileAPI) bool {
	return path.Base(api.Path()) == "Pipfile.lock"
}

type pipfileLockFile struct {
	Default map[string]struct {
		Version string `json:"version"`
	} `json:"default"`
	Develop map[string]struct {
		Version string `json:"version"`
	} `json:"develop"`
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
	add := func(group map[string]struct {
		Version string `json:"version"`
	}, groups []string) {
		names := make([]string, 0, len(group))
		for n := range group {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			v := group[name].Version
			if !strings.HasPrefix(v, "==") || len(v) < 3 {
				continue // not pinned: nothing to match
			}
			v = v[2:]
			if seen[name+"@"+v] {
				continue
			}
			seen[name+"@"+v] = true
			out = append(out, &scalibr.Package{
				Name: name, Version: v, PURLType: purl.TypePyPi,
				Metadata: &osv.DepGroupMetadata{DepGroupVals: groups},
				Location: scalibr.LocationFromPath(in.Path),
			})
		}
	}
	add(lf.Default, []string{})
	add(lf.Develop, []string{"dev"})
	return inventory.Inventory{Packages: out}, nil
}
