package lockfiles

import (
	"regexp"
	"testing"
)

// npmSemverRE is the grammar npmSemver implements by hand, as the
// expression it replaced: the oracle for the tests below.
var npmSemverRE = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

var semverSeeds = []string{
	"1.2.3", "v1.2.3", "0.0.0", "01.2.3", "1.02.3", "1.2.03", "1.2", "1.2.3.4", "1..3", ".1.2", "1.2.3.",
	"vv1.2.3", "V1.2.3", "1.2.3-alpha", "1.2.3-alpha.1", "1.2.3-0", "1.2.3-00", "1.2.3-01", "1.2.3-0a",
	"1.2.3-a..b", "1.2.3-", "1.2.3-.a", "1.2.3-a.", "1.2.3+build", "1.2.3+", "1.2.3+b.", "1.2.3+001",
	"1.2.3-rc.1+build.5", "1.2.3+b+c", "1.2.3-a+b-c.d", "1.2.3-a_b", "1.2.3 ", " 1.2.3", "1.2.3-α",
	"1.2.٣", "99999999999999999999.0.0", "1.2.3-alpha-1.-", "1.2.3--", "1.2.3-+", "", "v", "1.2.x",
	"1.2.3-x.7.z.92", "1.0.0-alpha+001", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
}

func checkNPMSemver(t *testing.T, v string) {
	m := npmSemverRE.FindStringSubmatch(v)
	nums, ok := npmSemver(v)
	if ok != (m != nil) {
		t.Fatalf("%q: npmSemver %v, the expression %v", v, ok, m != nil)
	}
	if ok && (nums[0] != m[1] || nums[1] != m[2] || nums[2] != m[3]) {
		t.Fatalf("%q: numbers %q, the expression %q", v, nums, m[1:4])
	}
}

func TestNPMSemverMatchesRegexp(t *testing.T) {
	for _, v := range semverSeeds {
		checkNPMSemver(t, v)
	}
}

func FuzzNPMSemver(f *testing.F) {
	for _, v := range semverSeeds {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) { checkNPMSemver(t, v) })
}
