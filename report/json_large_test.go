package report

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// Lists long enough to be encoded in batches on several goroutines come out
// byte for byte as encoding/json writes the whole document, in order.
func TestJSONLargeListsEqualEncoder(t *testing.T) {
	const n = 3000
	art := &lockfiles.Artifact{Path: "package-lock.json", Kind: lockfiles.KindLockfile, Complete: true}
	res := &vulndb.Result{Inventory: &lockfiles.Inventory{Artifacts: []*lockfiles.Artifact{art}}}
	for i := 0; i < n; i++ {
		p := &lockfiles.Package{Ecosystem: "npm", Name: fmt.Sprintf("pkg-%04d", i), Version: fmt.Sprintf("1.%d.0", i%17),
			PURL: fmt.Sprintf("pkg:npm/pkg-%04d@1.%d.0", i, i%17), Locations: []string{"package-lock.json"}, Artifact: art.Path,
			Licenses: []string{"MIT"}}
		art.Packages = append(art.Packages, p)
		if i%3 == 0 {
			res.Unchecked = append(res.Unchecked, vulndb.Unchecked{Package: p, Reason: "no version pinned"})
			res.Inventory.Warnings = append(res.Inventory.Warnings, lockfiles.Warning{Artifact: art.Path, Location: "package-lock.json", Message: fmt.Sprintf("warning %d: \"quoted\" <b>", i)})
			continue
		}
		id := fmt.Sprintf("GHSA-%04d-test-case", i)
		res.Findings = append(res.Findings, &vulndb.Finding{Package: p, Finding: osv.Finding{Advisory: &osv.Advisory{ID: id,
			Summary: fmt.Sprintf("Prototype pollution {%d} in [pkg], \"a\": b", i), Aliases: []string{fmt.Sprintf("CVE-2026-%05d", i)}},
			Severity: osv.SeverityHigh, Score: 7.5, Fixed: []string{"2.0.0"}}})
		res.Fixes = append(res.Fixes, vulndb.Fix{Package: p, Version: "2.0.0", Clears: []string{id}})
	}
	got := checkStreamedJSON(t, res, nil)
	if c := bytes.Count(got, []byte(`"id": "GHSA-`)); c != 2000 {
		t.Fatalf("%d findings written, want 2000", c)
	}
	// With the gate's verdict: a reason per blocking finding and a note
	// per unchecked package, streamed like the findings.
	v := gate.EvaluateWith(res, gate.Input{Policy: gate.DefaultPolicy(), Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	if len(v.Reasons) < 2000 {
		t.Fatalf("%d reasons, want one per finding at least", len(v.Reasons))
	}
	v.Notes = append(v.Notes, "a note with \"quotes\" and <b>")
	checkStreamedJSON(t, res, v)
}
