package sbom

import (
	"time"

	"github.com/fnguard/fnguard/lockfiles"
)

// fixedTime is SOURCE_DATE_EPOCH for every golden and determinism test.
var fixedTime = time.Date(2024, 3, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600))

const (
	fnPath      = "build/orders-fn.zip"
	pyLayerPath = "layers/python-deps.zip"
	jsLayerPath = "layers/node-shared.zip"
	javaPath    = "build/billing-fn.zip"

	purlSequelize = "pkg:npm/sequelize@5.21.5"
	purlPg        = "pkg:npm/pg@7.18.2"
	purlPgTypes   = "pkg:npm/pg-types@2.2.0"
	purlLodash    = "pkg:npm/lodash@4.17.15"
	purlDebug     = "pkg:npm/debug@4.1.1"
	purlTypesNode = "pkg:npm/%40types/node@12.12.6"
	purlRC        = "pkg:npm/rc@1.2.8"
	purlLeftPad   = "pkg:npm/left-pad@latest"
	purlMissing   = "pkg:npm/not-installed@1.0.0" // named in an edge, never inventoried
	purlSQLA      = "pkg:pypi/sqlalchemy@1.3.24"
	purlPsycopg   = "pkg:pypi/psycopg2-binary@2.8.6"
	purlJackson   = "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.8"
	purlJackAnn   = "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.0"

	sha256Jackson = "0a6ea6b3b0e4e1e1a6f4c2c5e9d8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0"
	sha256SQLA    = "5d6e2d5ba1d5a4a6b1c3e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8"
)

// functionInventory is a Node.js function with a Python layer and a Node
// layer; lodash is in both the function and the Node layer.
func functionInventory() *lockfiles.Inventory {
	fn := &lockfiles.Artifact{
		Path: fnPath, Kind: lockfiles.KindFunction, Runtime: "nodejs", Complete: true,
		Component: &lockfiles.Component{
			Name: "orders-api", Version: "1.4.0", PURL: "pkg:npm/orders-api@1.4.0",
			DependsOn: []string{purlSequelize, purlPg, purlTypesNode, purlMissing},
		},
		Packages: []*lockfiles.Package{
			{Ecosystem: "npm", Name: "sequelize", Version: "5.21.5", PURL: purlSequelize,
				Locations:  []string{"node_modules/sequelize/package.json"},
				Categories: []string{"orm"}, Licenses: []string{"MIT"},
				DependsOn: []string{purlLodash, purlDebug, purlMissing}},
			{Ecosystem: "npm", Name: "pg", Version: "7.18.2", PURL: purlPg,
				Locations:  []string{"node_modules/pg/package.json"},
				Categories: []string{"db-driver"}, Licenses: []string{"MIT"},
				DependsOn: []string{purlPgTypes}},
			{Ecosystem: "npm", Name: "pg-types", Version: "2.2.0", PURL: purlPgTypes,
				Locations: []string{"node_modules/pg-types/package.json"}, Licenses: []string{"MIT"}},
			{Ecosystem: "npm", Name: "lodash", Version: "4.17.15", PURL: purlLodash,
				Locations: []string{"node_modules/lodash/package.json"}, Licenses: []string{"MIT"}},
			{Ecosystem: "npm", Name: "debug", Version: "4.1.1", PURL: purlDebug,
				Locations: []string{"node_modules/debug/package.json"}, Licenses: []string{"MIT"},
				DependsOn: []string{purlRC}},
			{Ecosystem: "npm", Name: "rc", Version: "1.2.8", PURL: purlRC,
				Locations: []string{"node_modules/rc/package.json"},
				Licenses:  []string{"(BSD-2-Clause OR MIT OR Apache-2.0)"}},
			{Ecosystem: "npm", Name: "@types/node", Version: "12.12.6", PURL: purlTypesNode,
				Locations: []string{"node_modules/@types/node/package.json"}, Licenses: []string{"MIT"}},
			{Ecosystem: "npm", Name: "left-pad", Version: "latest", PURL: purlLeftPad,
				Locations:    []string{"node_modules/left-pad/package.json"},
				Licenses:     []string{"SEE LICENSE IN LICENSE.md"},
				VersionError: `invalid npm version "latest"`},
		},
	}
	py := &lockfiles.Artifact{
		Path: pyLayerPath, Kind: lockfiles.KindLayer, Runtime: "python", Parent: fnPath,
		Packages: []*lockfiles.Package{
			{Ecosystem: "PyPI", Name: "SQLAlchemy", Version: "1.3.24", PURL: purlSQLA,
				Locations:  []string{"python/lib/python3.12/site-packages/SQLAlchemy-1.3.24.dist-info/METADATA"},
				Categories: []string{"orm"}, Licenses: []string{"mit"},
				Hashes: lockfiles.Hashes{}.With("SHA-256", sha256SQLA).With("SHA-1", "not-a-digest")},
			{Ecosystem: "PyPI", Name: "psycopg2-binary", Version: "2.8.6", PURL: purlPsycopg,
				Locations:  []string{"python/lib/python3.12/site-packages/psycopg2_binary-2.8.6.dist-info/METADATA"},
				Categories: []string{"db-driver"}, Licenses: []string{"LGPL with exceptions"}},
		},
	}
	js := &lockfiles.Artifact{
		Path: jsLayerPath, Kind: lockfiles.KindLayer, Runtime: "nodejs", Parent: fnPath, Complete: true,
		Packages: []*lockfiles.Package{
			{Ecosystem: "npm", Name: "lodash", Version: "4.17.15", PURL: purlLodash,
				Locations: []string{"nodejs/node_modules/lodash/package.json"}, Licenses: []string{"MIT"}},
		},
	}
	for _, a := range []*lockfiles.Artifact{fn, py, js} {
		for _, p := range a.Packages {
			p.Artifact = a.Path
		}
	}
	return &lockfiles.Inventory{
		Artifacts: []*lockfiles.Artifact{fn, py, js},
		Warnings: []lockfiles.Warning{{Artifact: fnPath, Location: "node_modules/left-pad/package.json",
			Message: `unparseable version "latest"`}},
	}
}

// javaArtifact is a Spring Boot function with no edge evidence and no
// Component, so its name comes from the file.
func javaArtifact() *lockfiles.Artifact {
	return &lockfiles.Artifact{
		Path: javaPath, Kind: lockfiles.KindFunction, Runtime: "java",
		Packages: []*lockfiles.Package{
			{Ecosystem: "Maven", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.9.8",
				PURL:       purlJackson,
				Locations:  []string{"lib/app.jar!/BOOT-INF/lib/jackson-databind-2.9.8.jar"},
				Categories: []string{"serialization"}, Licenses: []string{"Apache-2.0"},
				Hashes: lockfiles.Hashes{}.With("SHA-256", sha256Jackson), Artifact: javaPath},
			{Ecosystem: "Maven", Name: "com.fasterxml.jackson.core:jackson-annotations", Version: "2.9.0",
				PURL:      purlJackAnn,
				Locations: []string{"lib/app.jar!/BOOT-INF/lib/jackson-annotations-2.9.0.jar"},
				Licenses:  []string{"Apache-2.0"}, Artifact: javaPath},
		},
	}
}

// multiInventory is two unrelated functions: a synthetic root holds them.
func multiInventory() *lockfiles.Inventory {
	inv := functionInventory()
	inv.Artifacts = append(inv.Artifacts, javaArtifact())
	return inv
}

func fixtures() map[string]func() *lockfiles.Inventory {
	return map[string]func() *lockfiles.Inventory{"function": functionInventory, "multi": multiInventory}
}

func fixedOptions(name string) Options {
	return Options{Name: name, ToolVersion: "0.3.0", Timestamp: fixedTime, Reproducible: true}
}
