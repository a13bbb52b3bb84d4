// Package identity computes a package's identity once, the same way for
// every part of fnguard: the canonical ecosystem, the name as the ecosystem
// compares it, the package URL and the CycloneDX bom-ref. The SBOM, the
// reports and the gate's baseline all key packages by it, so a finding, its
// component and its baseline entry can never disagree on which package
// they name. It works on plain strings so that the inventory (lockfiles)
// can call it too without an import cycle.
package identity

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// FallbackRefPrefix starts the bom-ref of a package no purl can be made
// for (an ecosystem without a purl type).
const FallbackRefPrefix = "fnguard:pkg:"

// ID is a package's identity.
type ID struct {
	// Ecosystem is the canonical OSV ecosystem ("PyPI", "npm").
	Ecosystem string
	// Name is the name normalised as the ecosystem compares names (PEP 503
	// for PyPI, lower case for Maven, ...): equal Names are one package.
	Name string
	// PURL is the package URL without qualifiers or subpath; "" when none
	// can be made.
	PURL string
	// BOMRef is the CycloneDX bom-ref: PURL, else a fnguard:pkg: reference.
	BOMRef string
}

// Of computes the identity of (ecosystem, native name, version), taking
// purl when it is a valid package URL and deriving one otherwise.
func Of(eco, name, version, purl string) ID {
	id := ID{Ecosystem: ecosystem.Canonical(eco)}
	if id.Ecosystem == "" {
		id.Ecosystem = eco
	}
	id.Name = ecosystem.NormalizeName(id.Ecosystem, name)
	if k, ok := PURLKey(purl); ok {
		id.PURL = k
	} else {
		id.PURL = DerivePURL(eco, name, version)
	}
	id.BOMRef = id.PURL
	if id.BOMRef == "" {
		id.BOMRef = FallbackRefPrefix + eco + "/" + name + "@" + version
	}
	return id
}

// PURLKey is the form under which purls are compared: parsed, normalised,
// without qualifiers or subpath (they describe a file, not the package).
func PURLKey(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	p, err := packageurl.FromString(s)
	if err != nil || p.Name == "" {
		return "", false
	}
	p.Qualifiers = nil
	p.Subpath = ""
	return p.ToString(), true
}

// DerivePURL builds a purl from ecosystem, native name and version, in the
// type's normal form; "" when the ecosystem has no purl type.
func DerivePURL(eco, name, version string) string {
	if c := ecosystem.Canonical(eco); c != "" {
		eco = c
	}
	t := ecosystem.PURLType(eco)
	if t == "" || name == "" {
		return ""
	}
	ns, n := SplitNative(ecosystem.Canonical(eco), name)
	if ecosystem.Base(eco) == ecosystem.Go {
		ns, n = "", name
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			ns, n = name[:i], name[i+1:]
		}
	}
	if eco == ecosystem.PyPI {
		// PEP 503, as the inventory writes PyPI purls ("zope.interface" is
		// "zope-interface"): the purl library only lowercases and maps "_".
		n = ecosystem.NormalizeName(eco, n)
	}
	if n == "" {
		return ""
	}
	k, _ := PURLKey(packageurl.NewPackageURL(t, ns, n, version, nil, "").ToString())
	return k
}

// SplitNative splits an ecosystem-native name into CycloneDX group and
// name: Maven "g:a", npm "@scope/name", Composer "vendor/name".
func SplitNative(eco, native string) (group, name string) {
	switch eco {
	case ecosystem.Maven:
		if g, a, ok := strings.Cut(native, ":"); ok {
			return g, a
		}
	case ecosystem.NPM:
		if strings.HasPrefix(native, "@") {
			if g, n, ok := strings.Cut(native, "/"); ok {
				return g, n
			}
		}
	case ecosystem.Packagist:
		if g, n, ok := strings.Cut(native, "/"); ok {
			return g, n
		}
	}
	return "", native
}
