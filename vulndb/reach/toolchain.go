package reach

import (
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/semver"
)

// Module paths the Go vulnerability database uses for the Go distribution.
const (
	stdlibModule    = "stdlib"    // importable standard library packages
	toolchainModule = "toolchain" // cmd/go, cmd/compile, cmd/link, ...
)

// goTagRE matches release tags such as go1.26.8, go1.22, go1.22rc1,
// go1.9beta2 (same grammar as x/vuln's internal/semver.GoTagToSemver).
var goTagRE = regexp.MustCompile(`^go(\d+\.\d+)(\.\d+|)((beta|rc|-pre)(\d+))?$`)

// goTagToSemver turns the Go version recorded in build info ("go1.26.8",
// possibly followed by " X:experiment") into the semver form OSV ranges use
// for stdlib and toolchain ("v1.26.8"). It returns "" for versions with no
// release tag (devel builds), for which no range can be decided.
func goTagToSemver(tag string) string {
	fields := strings.Fields(tag)
	if len(fields) == 0 {
		return ""
	}
	tag = fields[0]
	if tag == "go1" {
		return "v1.0.0"
	}
	m := goTagRE.FindStringSubmatch(tag)
	if m == nil || tag == "go1.0" {
		return ""
	}
	v := "v" + m[1]
	if m[2] != "" {
		v += m[2]
	} else {
		v += ".0"
	}
	if m[3] != "" {
		if !strings.HasPrefix(m[4], "-") {
			v += "-"
		}
		v += m[4] + "." + m[5]
	}
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

// toolchainAffected reports whether rec lists the toolchain pseudo-module at
// Go version v (semver). govulncheck's binary mode asks its database only
// about the modules in build info plus stdlib, so toolchain advisories are
// never evaluated by it; Analyze does it here from the Go version the binary
// was built with.
func toolchainAffected(rec *record, v string) bool {
	for _, a := range rec.Affected {
		if a.Package.Name == toolchainModule && rangesAffect(a.Ranges, v) {
			return true
		}
	}
	return false
}

// rangesAffect evaluates OSV SEMVER ranges the way govulncheck does
// (internal/semver.Affects): no ranges, or no SEMVER range at all, means every
// version; otherwise v must lie in some [introduced, fixed) interval.
func rangesAffect(ranges []osvRange, v string) bool {
	sawSemver := false
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		sawSemver = true
		if rangeContains(r, v) {
			return true
		}
	}
	return !sawSemver
}

func rangeContains(r osvRange, v string) bool {
	if len(r.Events) == 0 {
		return true
	}
	type event struct {
		ver       string // canonical semver; "" for introduced "0"
		introduce bool
	}
	evs := make([]event, 0, len(r.Events))
	for _, e := range r.Events {
		switch {
		case e.Introduced == "0":
			evs = append(evs, event{introduce: true})
		case e.Introduced != "":
			evs = append(evs, event{ver: "v" + strings.TrimPrefix(e.Introduced, "v"), introduce: true})
		case e.Fixed != "":
			evs = append(evs, event{ver: "v" + strings.TrimPrefix(e.Fixed, "v")})
		}
	}
	// Walk the events in version order: the state after the last event at
	// or below v decides. "" (the beginning of time) sorts first.
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].ver == "" || evs[j].ver == "" {
			return evs[i].ver == "" && evs[j].ver != ""
		}
		return semver.Compare(evs[i].ver, evs[j].ver) < 0
	})
	affected := false
	for _, e := range evs {
		if e.ver != "" && semver.Compare(e.ver, v) > 0 {
			break
		}
		affected = e.introduce
	}
	return affected
}
