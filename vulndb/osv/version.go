package osv

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/google/osv-scalibr/semantic"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// ErrUnparseableVersion is wrapped by every error caused by a package version
// that is not a valid version in its ecosystem. Callers must report such a
// package as "unparseable", never as clean.
var ErrUnparseableVersion = errors.New("unparseable version")

// ErrUnsupportedEcosystem is wrapped (together with ErrUnparseableVersion)
// when no version ordering is known for an ecosystem: without an ordering no
// version can be placed in a range, so the package must not pass as clean.
var ErrUnsupportedEcosystem = errors.New("unsupported ecosystem")

// semantic.Parse accepts almost anything (its semver-like parsers never
// fail and PyPI falls back to "legacy" ordering), so validity is decided
// here, per ecosystem, before any comparison. A version semantic would
// silently misorder must be rejected, not compared.
var (
	// semver.org's recommended expression.
	semverRe = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	// PEP 440 appendix B, the same expression semantic uses to decide
	// between PEP 440 and legacy ordering.
	pep440Re = regexp.MustCompile(`(?i)^v?(?:(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*` +
		`(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?` +
		`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?` +
		`(?:[-_.]?dev[-_.]?[0-9]*)?)(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`)
	// Gem::Version::ANCHORED_VERSION_PATTERN, minus the empty version.
	rubyRe = regexp.MustCompile(`^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)
	// NuGet: up to four numeric parts, SemVer 2 prerelease and metadata.
	nugetRe = regexp.MustCompile(`^\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)
	// Composer: numeric start (optional v); branch names such as dev-main
	// have no order against releases and are rejected.
	packagistRe = regexp.MustCompile(`^[vV]?\d+[0-9A-Za-z._+-]*$`)
	// Maven: ComparableVersion orders any string, but LATEST/RELEASE and
	// property placeholders are not versions of an artifact.
	mavenRe = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._+-]*$`)
	// Go release tags as build info and `go version` print them.
	goTagRe = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?$`)
)

// ecoKey returns the spelling semantic and the switch below expect: the
// canonical name for ecosystems fnguard knows, the base name otherwise.
func ecoKey(eco string) string {
	if c := ecosystem.Canonical(eco); c != "" {
		return c
	}
	return ecosystem.Base(strings.TrimSpace(eco))
}

// NormalizeVersion returns version in the form fnguard compares it in eco,
// or an error wrapping ErrUnparseableVersion. Go versions lose the "v"
// (modules) or "go" (toolchain) prefix, since OSV Go ranges omit both;
// npm's optional leading "v" is dropped as npm itself does.
func NormalizeVersion(eco, version string) (string, error) {
	v := strings.TrimSpace(version)
	key := ecoKey(eco)
	bad := func() (string, error) {
		return "", fmt.Errorf("%w: %q is not a valid %s version", ErrUnparseableVersion, version, key)
	}
	if key == ecosystem.Go && strings.HasPrefix(v, "go") {
		// `go version` prints "go1.20.5 X:boringcrypto"; the experiment
		// list is not part of the release.
		v, _, _ = strings.Cut(v, " ")
	}
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return bad()
	}
	var ok bool
	switch key {
	case ecosystem.Go:
		v = goVersion(v)
		ok = semverRe.MatchString(v)
	case ecosystem.NPM:
		v = strings.TrimPrefix(v, "v")
		ok = semverRe.MatchString(v)
	case ecosystem.CratesIO:
		ok = semverRe.MatchString(v)
	case ecosystem.PyPI:
		ok = pep440Re.MatchString(v)
	case ecosystem.RubyGems:
		ok = rubyRe.MatchString(v)
	case ecosystem.NuGet:
		ok = nugetRe.MatchString(v)
	case ecosystem.Packagist:
		ok = packagistRe.MatchString(v)
	case ecosystem.Maven:
		ok = mavenRe.MatchString(v) && strings.ContainsAny(v, "0123456789")
	default:
		_, err := semantic.Parse(v, key)
		if errors.Is(err, semantic.ErrUnsupportedEcosystem) {
			return "", fmt.Errorf("%w: %w %q", ErrUnparseableVersion, ErrUnsupportedEcosystem, key)
		}
		ok = err == nil
	}
	if !ok {
		return bad()
	}
	return v, nil
}

// goVersion strips the prefixes Go tooling prints and turns toolchain tags
// into the semver form vulndb uses ("go1.21rc2" -> "1.21.0-rc.2",
// "go1.20" -> "1.20.0").
func goVersion(v string) string {
	if rest, ok := strings.CutPrefix(v, "go"); ok {
		v = rest
	} else if rest, ok := strings.CutPrefix(v, "v"); ok {
		return rest
	}
	m := goTagRe.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	patch := m[3]
	if patch == "" {
		patch = "0"
	}
	out := m[1] + "." + m[2] + "." + patch
	if m[4] != "" {
		out += "-" + m[4] + "." + m[5]
	}
	return out
}

// parseAs parses an already normalised (or record-supplied) version with
// the ordering of the range type: SEMVER ranges are SemVer 2.0 whatever the
// ecosystem, everything else uses the ecosystem's own ordering.
// A scan caches, in its Matcher, what matching computes again for
// every package of a name from the database's strings: `versions` entries,
// range events and fixed versions, read into the ecosystem's ordering.
// Every package of a name is matched against the same records, and at
// 10,000 PyPI packages (whose records list every affected release) reading
// them again was four fifths of the scan. Only database strings are cached
// (a package's own version is read once), and the cache goes with the
// scan. Parsed versions are only compared, never changed, so they are
// shared among its goroutines.

type parseKind uint8

const (
	kindListed        parseKind = iota // parseListed
	kindEvent                          // parseEventVersion
	kindRecordVersion                  // preparePkgVersion of a record's version
)

type parseKey struct {
	kind   parseKind
	key    string
	semver bool
	v      string
}

type parseResult struct {
	v    semantic.Version
	norm string // kindRecordVersion
	err  error
}

// cached is compute's result, computed once per scan; every time when mt
// is nil.
func (mt *Matcher) cached(k parseKey, compute func() parseResult) parseResult {
	if mt == nil {
		return compute()
	}
	if r, ok := mt.parsed.Load(k); ok {
		return r.(parseResult)
	}
	r, _ := mt.parsed.LoadOrStore(k, compute())
	return r.(parseResult)
}

// parseListed is a `versions` entry normalised and parsed in the
// ecosystem's ordering.
func parseListed(scan *Matcher, key, s string) (semantic.Version, error) {
	r := scan.cached(parseKey{kind: kindListed, key: key, v: s}, func() parseResult {
		// One entry per string: the steps are not cached on their own.
		n, err := NormalizeVersion(key, s)
		if err != nil {
			return parseResult{err: err}
		}
		v, err := parseAs(key, false, n)
		return parseResult{v: v, err: err}
	})
	return r.v, r.err
}

func parseAs(key string, semver bool, v string) (semantic.Version, error) {
	if semver {
		return semantic.ParseSemverVersion(v), nil
	}
	if key == ecosystem.Go {
		v = goVersion(v)
	}
	return semantic.Parse(v, key)
}

// CompareVersions orders a and b in eco (-1, 0, +1). Both must be valid
// versions there; otherwise the error wraps ErrUnparseableVersion.
func CompareVersions(eco, a, b string) (int, error) {
	na, err := NormalizeVersion(eco, a)
	if err != nil {
		return 0, err
	}
	nb, err := NormalizeVersion(eco, b)
	if err != nil {
		return 0, err
	}
	key := ecoKey(eco)
	va, err := parseAs(key, false, na)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnparseableVersion, err)
	}
	vb, err := parseAs(key, false, nb)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnparseableVersion, err)
	}
	return va.Compare(vb)
}
