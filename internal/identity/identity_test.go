package identity

import "testing"

func TestOf(t *testing.T) {
	for _, c := range []struct {
		eco, name, version, purl string
		want                     ID
	}{
		{"npm", "@babel/core", "7.0.0", "", ID{"npm", "@babel/core", "pkg:npm/%40babel/core@7.0.0", "pkg:npm/%40babel/core@7.0.0"}},
		// A given purl wins, qualifiers dropped.
		{"npm", "lodash", "4.17.15", "pkg:npm/lodash@4.17.15?arch=x#sub", ID{"npm", "lodash", "pkg:npm/lodash@4.17.15", "pkg:npm/lodash@4.17.15"}},
		{"pypi", "Django_REST", "3.2", "", ID{"PyPI", "django-rest", "pkg:pypi/django-rest@3.2", "pkg:pypi/django-rest@3.2"}},
		{"Maven", "org.yaml:snakeyaml", "1.33", "", ID{"Maven", "org.yaml:snakeyaml", "pkg:maven/org.yaml/snakeyaml@1.33", "pkg:maven/org.yaml/snakeyaml@1.33"}},
		{"Go", "golang.org/x/net", "v0.1.0", "", ID{"Go", "golang.org/x/net", "pkg:golang/golang.org/x/net@v0.1.0", "pkg:golang/golang.org/x/net@v0.1.0"}},
		// An invalid purl is replaced by a derived one.
		{"npm", "ms", "2.0.0", "not a purl", ID{"npm", "ms", "pkg:npm/ms@2.0.0", "pkg:npm/ms@2.0.0"}},
		{"PyPI", "zope.interface", "5.0", "", ID{"PyPI", "zope-interface", "pkg:pypi/zope-interface@5.0", "pkg:pypi/zope-interface@5.0"}},
		{"Hackage", "aeson", "1.0", "", ID{"Hackage", "aeson", "", "fnguard:pkg:Hackage/aeson@1.0"}},
	} {
		if got := Of(c.eco, c.name, c.version, c.purl); got != c.want {
			t.Errorf("Of(%q, %q, %q, %q) = %+v, want %+v", c.eco, c.name, c.version, c.purl, got, c.want)
		}
	}
}

func FuzzPURLKey(f *testing.F) {
	for _, s := range []string{"pkg:npm/lodash@1", "pkg:maven/g/a@1?type=jar", "pkg:", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := PURLKey(s)
		if !ok {
			return
		}
		// Normal form is a fixed point.
		if k2, ok2 := PURLKey(k); !ok2 || k2 != k {
			t.Fatalf("PURLKey(%q) = %q, again %q %v", s, k, k2, ok2)
		}
	})
}
