package vulndb

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb/reach"
)

func goPackage(name, version string) *lockfiles.Inventory {
	return &lockfiles.Inventory{Artifacts: []*lockfiles.Artifact{{
		Path: "function.zip", Kind: lockfiles.KindFunction,
		Packages: []*lockfiles.Package{{Ecosystem: "Go", Name: name, Version: version,
			Locations: []string{"bootstrap"}, Artifact: "function.zip"}},
	}}}
}

// Windows-only and ppc64le-only advisories do not affect a binary built for
// another platform: not affected, with the reason, as govulncheck leaves
// them out. The binary is this test's own executable, whose build info
// records the GOOS/GOARCH it was built for.
func TestReachabilityOtherPlatform(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOARCH == "ppc64le" {
		t.Skip("the test advisories are for windows and ppc64le")
	}
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Skip(err)
	}
	db := scanDB(t, "GO-2023-2185", "GO-2025-3447", "GO-2024-2687")
	res, err := Scan(context.Background(), db, goPackage("stdlib", "1.20.10"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Finding{}
	for _, f := range res.Findings {
		byID[f.ID] = f
	}
	if len(byID) != 3 || byID["GO-2023-2185"] == nil || byID["GO-2025-3447"] == nil || byID["GO-2024-2687"] == nil {
		t.Fatalf("findings %v; want GO-2023-2185, GO-2025-3447, GO-2024-2687", byID)
	}
	// Only the platform question is asked here: leave GO-2024-2687 (every
	// platform) out of the symbol analysis, which would need a real scan.
	res.Findings = []*Finding{byID["GO-2023-2185"], byID["GO-2025-3447"]}
	if err := res.Reachability(context.Background(), func(string, string) ([]byte, error) { return bin, nil }); err != nil {
		t.Fatal(err)
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for id, only := range map[string]string{"GO-2023-2185": "windows", "GO-2025-3447": "ppc64le"} {
		f := byID[id]
		if f.Reachable == nil || *f.Reachable || f.ReachLevel != ReachLevelPlatform ||
			!strings.Contains(f.ReachReason, "only to "+only) || !strings.Contains(f.ReachReason, platform) {
			t.Errorf("%s: reachable %v level %q reason %q; want false, platform, naming %s and %s",
				id, f.Reachable, f.ReachLevel, f.ReachReason, only, platform)
		}
	}
	goos, goarch := binaryPlatform(bin)
	if goos != runtime.GOOS || goarch != runtime.GOARCH {
		t.Errorf("binaryPlatform = %s/%s, want %s", goos, goarch, platform)
	}
	if why := otherPlatform(byID["GO-2024-2687"], goos, goarch); why != "" {
		t.Errorf("GO-2024-2687 affects every platform, got %q", why)
	}
	// Without build info nothing is ruled out.
	if why := otherPlatform(byID["GO-2023-2185"], "", ""); why != "" {
		t.Errorf("no platform known, got %q", why)
	}
}

// GO-2024-2687 names stdlib and golang.org/x/net. govulncheck finds the
// stdlib symbol linked and x/net only at package level: the x/net finding
// must not inherit stdlib's "reachable".
func TestReachabilityKeyedByModule(t *testing.T) {
	db := scanDB(t, "GO-2024-2687")
	inv := goPackage("golang.org/x/net", "v0.22.0")
	std := goPackage("stdlib", "1.22.1").Artifacts[0].Packages[0]
	inv.Artifacts[0].Packages = append(inv.Artifacts[0].Packages, std)
	res, err := Scan(context.Background(), db, inv)
	if err != nil || len(res.Findings) != 2 {
		t.Fatalf("want two findings: %v %v", res, err)
	}
	yes, no := true, false
	got := map[reach.Key]reach.Reachability{
		{ID: "GO-2024-2687", Module: "stdlib"}:           {ID: "GO-2024-2687", Module: "stdlib", Reachable: &yes, Level: reach.LevelSymbol},
		{ID: "GO-2024-2687", Module: "golang.org/x/net"}: {ID: "GO-2024-2687", Module: "golang.org/x/net", Reachable: &no, Level: reach.LevelPackage},
	}
	for _, f := range res.Findings {
		applyVerdict(f, got)
		want := f.Package.Name == "stdlib"
		if f.Reachable == nil || *f.Reachable != want {
			t.Errorf("%s %s: reachable %v, want %v", f.ID, f.Package.Name, f.Reachable, want)
		}
	}
	// With no verdict for its module, a finding says so instead of
	// borrowing another module's.
	delete(got, reach.Key{ID: "GO-2024-2687", Module: "golang.org/x/net"})
	for _, f := range res.Findings {
		applyVerdict(f, got)
		if f.Package.Name != "stdlib" && (f.Reachable != nil || f.ReachReason == "") {
			t.Errorf("x/net without a verdict: reachable %v reason %q", f.Reachable, f.ReachReason)
		}
	}
}
