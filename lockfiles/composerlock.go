package lockfiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/osv"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/purl"
)

// composerLock reads composer.lock. It replaces osv-scalibr v0.5.3's
// composerlock extractor, which looks up each package's line with
// linefinder.JSONLineFinder.LineOf (gjson from the start of the file for
// every package): quadratic in the number of packages. Outputs are the
// same (name, version, "dev" for packages-dev); no line is computed, as
// fnguard's evidence names the file.
type composerLock struct{ ownExtractor }

func newComposerLock(*cpb.PluginConfig) (filesystem.Extractor, error) { return composerLock{}, nil }

func (composerLock) Name() string { return "php/composerlock" }
func (composerLock) FileRequired(api filesystem.FileAPI) bool {
	return path.Base(api.Path()) == "composer.lock"
}

type composerLockFile struct {
	Packages    []composerLockPackage `json:"packages"`
	PackagesDev []composerLockPackage `json:"packages-dev"`
}

type composerLockPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Type    string `json:"type"`
	Dist    struct {
		Type string `json:"type"`
	} `json:"dist"`
}

func (composerLock) Extract(_ context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	b, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not extract: %w", err)
	}
	var lf *composerLockFile
	if err := json.Unmarshal(b, &lf); err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not extract: %w", err)
	}
	if lf == nil {
		return inventory.Inventory{}, errors.New("could not extract: decoded null JSON value")
	}
	out := make([]*scalibr.Package, 0, len(lf.Packages)+len(lf.PackagesDev))
	add := func(ps []composerLockPackage, groups []string) {
		for _, p := range ps {
			if p.Dist.Type == "path" {
				continue // a path repository: the project's own code
			}
			if p.Type == "metapackage" && strings.HasPrefix(p.Version, "dev-") {
				// No code, only requirements and conflicts, at a branch
				// no advisory can name (roave/security-advisories at
				// dev-latest): nothing ships that could be checked.
				continue
			}
			out = append(out, &scalibr.Package{
				Name: p.Name, Version: p.Version, PURLType: purl.TypeComposer,
				Location: scalibr.LocationFromPath(in.Path),
				Metadata: &osv.DepGroupMetadata{DepGroupVals: groups},
			})
		}
	}
	add(lf.Packages, []string{})
	add(lf.PackagesDev, []string{"dev"})
	return inventory.Inventory{Packages: out}, nil
}
