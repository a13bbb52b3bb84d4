package osv

import "testing"

func BenchmarkMatchPackage(b *testing.B) {
	all := allTestRecords(b)
	for _, c := range []struct{ name, eco, pkg, version string }{
		{"npm-sequelize", "npm", "sequelize", "6.19.0"},
		{"maven-log4j", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"},
		// PYSEC-2021-147 lists 1095 versions: the `versions` scan dominates.
		{"pypi-long-versions-list", "PyPI", "sickrage", "4.1.0"},
		{"go-stdlib", "Go", "stdlib", "go1.16.0"},
		{"clean", "npm", "left-pad", "1.3.0"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := MatchPackage(all, c.eco, c.pkg, c.version); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkClearingVersion(b *testing.B) {
	log4j := recs(b, "GHSA-jfh8-c2jp-5v3q", "GHSA-7rjr-3q55-vv33", "GHSA-p6xc-xr62-6r2g")
	for b.Loop() {
		if _, ok := ClearingVersion(log4j, "Maven", "org.apache.logging.log4j:log4j-core", "2.0-beta9"); !ok {
			b.Fatal("no clearing version")
		}
	}
}
