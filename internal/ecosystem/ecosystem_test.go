package ecosystem

import "testing"

func TestNormalizeName(t *testing.T) {
	for _, c := range []struct{ eco, in, want string }{
		{PyPI, "charset_normalizer", "charset-normalizer"},
		{PyPI, "Jinja2", "jinja2"},
		{PyPI, "zope.interface", "zope-interface"},
		{PyPI, "a__-.b", "a-b"},
		{PyPI, "_leading", "leading"},
		{NuGet, "Newtonsoft.Json", "newtonsoft.json"},
		{CratesIO, "Serde_JSON", "serde-json"},
		{NPM, "@Types/Node", "@Types/Node"},
		{Go, "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
		{"PyPI:3.12", "Django", "django"},
		{"Unknown", " x ", "x"},
	} {
		if got := NormalizeName(c.eco, c.in); got != c.want {
			t.Errorf("NormalizeName(%q, %q) = %q, want %q", c.eco, c.in, got, c.want)
		}
	}
}

func TestPURLTypeRoundTrip(t *testing.T) {
	for _, eco := range All {
		pt := PURLType(eco)
		if pt == "" || FromPURLType(pt) != eco {
			t.Errorf("%s: purl type %q does not round-trip", eco, pt)
		}
	}
	if Canonical("pypi") != PyPI || Canonical("CRATES.IO") != CratesIO || Canonical("Debian:12") != "" {
		t.Error("Canonical spelled an ecosystem wrong")
	}
}
