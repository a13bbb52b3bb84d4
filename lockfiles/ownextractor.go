package lockfiles

import (
	"github.com/google/osv-scalibr/extractor/filesystem"
	scplugin "github.com/google/osv-scalibr/plugin"
)

// ownExtractor is what fnguard's own lockfile readers share as osv-scalibr
// extractors: they need no capabilities and are at their first version.
type ownExtractor struct{}

func (ownExtractor) Version() int                         { return 0 }
func (ownExtractor) Requirements() *scplugin.Capabilities { return &scplugin.Capabilities{} }

// directReader is an own reader that also yields fnguard Packages
// directly. The inventory takes that path: scalibr's Package and metadata
// for every entry were a fifth of the memory of a 200,000-entry lockfile,
// and fnguard keeps none of it. Extract stays for the scalibr interface and
// for the tests that hold the two readers to the same output.
type directReader interface {
	readDirect(in *filesystem.ScanInput) ([]*Package, error)
}
