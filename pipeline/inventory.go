package pipeline

import (
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/sbom"
)

// InventoryOptions say how targets are read.
type InventoryOptions struct {
	// Layers are layer zips attached to the first target, a function.
	Layers []string
	// AllowEmpty accepts an artifact that holds code but yields no package.
	AllowEmpty bool
	// Warn is called once per inventory warning as soon as the inventory is
	// done, before anything slower (a database fetch) starts; nil drops them
	// (they stay in Inventory.Warnings).
	Warn func(lockfiles.Warning)
	// MavenNames lists the Maven names the advisory database knows for an
	// artifactId, so a jar without pom.properties is named as advisories
	// name it; nil names jars from their own evidence only.
	MavenNames func(artifactID string) []string
}

// sbomReader adapts the sbom package to the inventory's injected reader.
type sbomReader struct{}

func (sbomReader) Sniff(data []byte) (string, bool) { return sbom.Sniff(data) }
func (sbomReader) Decode(data []byte, path string) (*lockfiles.Artifact, []lockfiles.Warning, error) {
	a, info, err := sbom.DecodeWithInfo(data, path)
	if err != nil {
		return nil, nil, err
	}
	return a, info.Warnings, nil
}
