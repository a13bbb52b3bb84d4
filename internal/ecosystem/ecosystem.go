// Package ecosystem holds the facts about package ecosystems that both the
// inventory and the advisory matcher need: OSV names, purl types and the
// normalised form under which names are compared.
package ecosystem

import "strings"

// OSV ecosystem names fnguard inventories.
const (
	NPM       = "npm"
	PyPI      = "PyPI"
	Maven     = "Maven"
	Go        = "Go"
	RubyGems  = "RubyGems"
	NuGet     = "NuGet"
	Packagist = "Packagist"
	CratesIO  = "crates.io"
)

// All lists the ecosystems fnguard can inventory, in a stable order.
var All = []string{NPM, PyPI, Maven, Go, RubyGems, NuGet, Packagist, CratesIO}

var purlTypes = map[string]string{
	NPM: "npm", PyPI: "pypi", Maven: "maven", Go: "golang",
	RubyGems: "gem", NuGet: "nuget", Packagist: "composer", CratesIO: "cargo",
}

// PURLType returns the package-url type for an OSV ecosystem, "" if none.
func PURLType(eco string) string { return purlTypes[Base(eco)] }

// FromPURLType returns the OSV ecosystem for a package-url type, "" if none.
func FromPURLType(t string) string {
	t = strings.ToLower(t)
	for eco, pt := range purlTypes {
		if pt == t {
			return eco
		}
	}
	return ""
}

// Canonical returns the OSV spelling of an ecosystem name given in any case
// ("pypi" -> "PyPI"), or "" when fnguard does not know it.
func Canonical(eco string) string {
	for _, e := range All {
		if strings.EqualFold(e, Base(eco)) {
			return e
		}
	}
	return ""
}

// Base strips an OSV ecosystem suffix: "Debian:12" -> "Debian".
func Base(eco string) string {
	if i := strings.IndexByte(eco, ':'); i >= 0 {
		return eco[:i]
	}
	return eco
}

// NormalizeName returns the key under which a package name is indexed and
// compared in its ecosystem, so that "Django" and "django" or
// "charset_normalizer" and "charset-normalizer" meet.
func NormalizeName(eco, name string) string {
	name = strings.TrimSpace(name)
	switch Base(eco) {
	case PyPI:
		// PEP 503: runs of -, _ and . are one "-", case-insensitive.
		var b strings.Builder
		sep := false
		for _, c := range strings.ToLower(name) {
			if c == '-' || c == '_' || c == '.' {
				sep = true
				continue
			}
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(c)
		}
		return b.String()
	case NuGet, Packagist, RubyGems, Maven:
		// NuGet ids and Composer names are case-insensitive; Maven coordinates
		// are matched case-insensitively by advisory sources in practice. Gem
		// names are case-sensitive on the registry, but no two live gems differ
		// only by case and advisories are not always cased right.
		return strings.ToLower(name)
	case CratesIO:
		// crates.io treats - and _ as the same and is case-insensitive.
		return strings.ReplaceAll(strings.ToLower(name), "_", "-")
	default:
		// npm names are lowercase by rule; Go module paths are case-sensitive.
		return name
	}
}
