package lockfiles

import scplugin "github.com/google/osv-scalibr/plugin"

// ownExtractor is what fnguard's own lockfile readers share as osv-scalibr
// extractors: they need no capabilities and are at their first version.
type ownExtractor struct{}

func (ownExtractor) Version() int                         { return 0 }
func (ownExtractor) Requirements() *scplugin.Capabilities { return &scplugin.Capabilities{} }
