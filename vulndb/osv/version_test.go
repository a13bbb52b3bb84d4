package osv

import (
	"errors"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		eco, a, b string
		want      int
	}{
		// npm: SemVer 2.0 precedence, build metadata ignored, optional "v".
		{"npm", "1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"npm", "1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"npm", "1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"npm", "1.0.0-rc.1", "1.0.0", -1},
		{"npm", "5.0.0-alpha.1", "4.20.0", 1},
		{"npm", "1.0.0+build.5", "1.0.0", 0},
		{"npm", "v6.19.0", "6.19.0", 0},
		// PyPI: PEP 440 dev < pre < final < post, epochs, implicit zeros.
		{"PyPI", "1.0.dev0", "1.0a1", -1},
		{"PyPI", "1.0a1", "1.0b1", -1},
		{"PyPI", "1.0b2", "1.0rc1", -1},
		{"PyPI", "1.0rc1", "1.0", -1},
		{"PyPI", "1.0", "1.0.post1", -1},
		{"PyPI", "1.0.post1.dev3", "1.0.post1", -1},
		{"PyPI", "1.0", "1.0.0", 0},
		{"PyPI", "1.0-1", "1.0.post1", 0},
		{"PyPI", "1.0.0-alpha.1", "1.0.0a1", 0},
		{"PyPI", "1!0.1", "2024.1", 1},
		{"PyPI", "0.24.dev0", "0.23.2", 1},
		{"PyPI", "2.6.0+cu124", "2.6.0", 1},
		// Maven: ComparableVersion qualifiers.
		{"Maven", "3.6.10.Final", "5.3.20.Final", -1},
		{"Maven", "5.4.24.Final", "5.4.3.Final", 1},
		{"Maven", "1.0-SNAPSHOT", "1.0", -1},
		{"Maven", "1.0-RC1", "1.0", -1},
		{"Maven", "1.0-alpha-1", "1.0-beta-1", -1},
		{"Maven", "1.0.0.Final", "1.0.0", 0},
		{"Maven", "1.10.0", "1.9", 1},
		{"Maven", "2.0", "1.33", 1},
		// RubyGems: 4-part versions and .pre prereleases.
		{"RubyGems", "6.0.6.1", "6.0.6", 1},
		{"RubyGems", "7.0.4.1", "7.0.4.10", -1},
		{"RubyGems", "7.1.0.pre", "7.1.0", -1},
		{"RubyGems", "7.1.0.pre.2", "7.1.0.rc1", -1},
		{"RubyGems", "1.0", "1.0.0", 0},
		// Go: v prefix, pseudo-versions, +incompatible, toolchain tags.
		{"Go", "v0.3.5", "0.3.5", 0},
		{"Go", "v0.0.0-20210101000000-abcdef123456", "v0.0.1", -1},
		{"Go", "v0.0.0-20150717181359-44718f8a89b0", "0.0.0-20150717181358-000000000000", 1},
		{"Go", "v2.6.2+incompatible", "2.7.0-rc.0+incompatible", -1},
		{"Go", "v2.7.0+incompatible", "2.7.0", 0},
		{"Go", "go1.21rc2", "1.21.0", -1},
		{"Go", "go1.21rc2", "1.21.0-rc.2", 0},
		{"Go", "go1.20", "1.20.0", 0},
		{"Go", "go1.16.1", "1.16.0-0", 1},
		{"Go", "go1.20.5 X:boringcrypto", "1.20.5", 0},
		// NuGet: four parts, SemVer 2 prereleases.
		{"NuGet", "12.0.3.4", "12.0.3", 1},
		{"NuGet", "13.0.1.0", "13.0.1", 0},
		{"NuGet", "13.0.1-beta1", "13.0.1", -1},
		// crates.io: SemVer; RustSec writes "0.0.0-0" for "from the start".
		{"crates.io", "0.0.0-0", "0.0.0", -1},
		{"crates.io", "1.0.0-alpha.1", "1.0.0", -1},
		{"crates.io", "0.10.0", "0.9.18", 1},
		// Packagist.
		{"Packagist", "v7.4.4", "7.4.4", 0},
		{"Packagist", "7.4.5", "7.4.4", 1},
		// Ecosystem suffix and case do not matter.
		{"pypi", "1.0", "1.0.0", 0},
		{"Debian:12", "1.2.3-1", "1.2.3-2", -1},
	} {
		got, err := CompareVersions(c.eco, c.a, c.b)
		if err != nil {
			t.Errorf("CompareVersions(%q, %q, %q): %v", c.eco, c.a, c.b, err)
			continue
		}
		if got != c.want {
			t.Errorf("CompareVersions(%q, %q, %q) = %d, want %d", c.eco, c.a, c.b, got, c.want)
		}
		if back, _ := CompareVersions(c.eco, c.b, c.a); back != -c.want {
			t.Errorf("CompareVersions(%q, %q, %q) = %d, not antisymmetric", c.eco, c.b, c.a, back)
		}
	}
}

func TestUnparseableVersions(t *testing.T) {
	for _, c := range []struct{ eco, v string }{
		{"npm", ""},
		{"npm", "latest"},
		{"npm", "1.2"},
		{"npm", "file:../local"},
		{"npm", "github:user/repo#main"},
		{"npm", "1.0.0 "}, // trimmed: valid, checked below
		{"PyPI", "0.1-bulbasaur"},
		{"PyPI", "2.9.0-NA"},
		{"PyPI", "dev"},
		{"Go", "(devel)"},
		{"Go", "v1.2"},
		{"Go", "go1.x"},
		{"Go", "devel go1.23-abcdef"},
		{"crates.io", "1.0"},
		{"crates.io", "v1.0.0"},
		{"RubyGems", "1.0 beta"},
		{"RubyGems", "-1"},
		{"NuGet", "1.2.3.4.5"},
		{"NuGet", "[1.0,2.0)"},
		{"Packagist", "dev-main"},
		{"Packagist", "9999999-dev x"},
		{"Maven", "LATEST"},
		{"Maven", "${project.version}"},
		{"Maven", "1.0 final"},
		{"Debian:12", "a b"},
	} {
		_, err := NormalizeVersion(c.eco, c.v)
		if c.v == "1.0.0 " {
			if err != nil {
				t.Errorf("surrounding blanks must be ignored: %v", err)
			}
			continue
		}
		if !errors.Is(err, ErrUnparseableVersion) {
			t.Errorf("NormalizeVersion(%q, %q) err = %v, want ErrUnparseableVersion", c.eco, c.v, err)
		}
		if _, err := CompareVersions(c.eco, c.v, "1.0.0"); !errors.Is(err, ErrUnparseableVersion) {
			t.Errorf("CompareVersions(%q, %q, …) err = %v, want ErrUnparseableVersion", c.eco, c.v, err)
		}
	}
}

func TestUnknownEcosystem(t *testing.T) {
	for _, eco := range []string{"Foo", "", "GitHub Actions", "Linux"} {
		_, err := CompareVersions(eco, "1.0.0", "1.0.1")
		if !errors.Is(err, ErrUnsupportedEcosystem) || !errors.Is(err, ErrUnparseableVersion) {
			t.Errorf("%q: err = %v, want ErrUnsupportedEcosystem and ErrUnparseableVersion", eco, err)
		}
		r := rec(t, "GHSA-wrh9-cjv3-2hpw")
		if ok, err := Affects(r, eco, "sequelize", "6.0.0"); ok || !errors.Is(err, ErrUnsupportedEcosystem) {
			t.Errorf("Affects in %q = %v, %v", eco, ok, err)
		}
		if fs, err := MatchPackage([]*Record{r}, eco, "sequelize", "6.0.0"); fs != nil || !errors.Is(err, ErrUnparseableVersion) {
			t.Errorf("MatchPackage in %q = %v, %v", eco, fs, err)
		}
	}
}

func TestNormalizeVersionForms(t *testing.T) {
	for _, c := range []struct{ eco, in, want string }{
		{"Go", "v1.2.3", "1.2.3"},
		{"Go", "go1.26.8", "1.26.8"},
		{"Go", "1.26.8", "1.26.8"},
		{"Go", "go1.22", "1.22.0"},
		{"Go", "1.22", "1.22.0"}, // a bare toolchain release, as stdlib versions are reported
		{"Go", "go1.23beta1", "1.23.0-beta.1"},
		{"Go", "v0.0.0-20210101000000-abcdef123456", "0.0.0-20210101000000-abcdef123456"},
		{"Go", "v2.7.0+incompatible", "2.7.0+incompatible"},
		{"npm", "v1.2.3", "1.2.3"},
		{"PyPI", " 1.0.post1 ", "1.0.post1"},
	} {
		got, err := NormalizeVersion(c.eco, c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeVersion(%q, %q) = %q, %v; want %q", c.eco, c.in, got, err, c.want)
		}
	}
}
