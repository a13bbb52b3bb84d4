package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"

	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/sbom"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// vexNamespace scopes the serial numbers of fnguard's vulnerability BOMs,
// so they never equal the serial of the plain SBOM of the same inventory.
var vexNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/fnguard/fnguard/report/cyclonedx"))

// CycloneDX property names fnguard adds to vulnerabilities.
const (
	propBlocking      = "fnguard:blocking"
	propHighlight     = "fnguard:highlight"
	propBaseline      = "fnguard:baseline"
	propIgnoreExpires = "fnguard:ignore-expires"
	propIgnoreExpired = "fnguard:ignore-expired"
	propReachLevel    = "fnguard:reachable-level"
	propReachReason   = "fnguard:reachable-reason"
)

func writeCycloneDX(w io.Writer, m *model, format string, opts Options) error {
	bom, err := buildCycloneDX(m, opts)
	if err != nil {
		return err
	}
	enc := sbom.FormatJSON
	if format == FormatCycloneDXXML {
		enc = sbom.FormatXML
	}
	return sbom.Encode(w, bom, enc, opts.Spec)
}

// buildCycloneDX is the inventory's SBOM plus one vulnerability per advisory
// and component. The same package found in a function and in its layer is
// one component (sbom.BOMRef), so its findings merge into one entry.
func buildCycloneDX(m *model, opts Options) (*cdx.BOM, error) {
	if m.res.Inventory == nil {
		return nil, fmt.Errorf("report: cyclonedx needs the scan's inventory")
	}
	bom, err := sbom.Build(m.res.Inventory, sbom.Options{ToolVersion: opts.ToolVersion, Timestamp: opts.Now, Reproducible: true, Release: opts.Release})
	if err != nil {
		return nil, err
	}
	type key struct{ id, ref string }
	groups := map[key][]item{}
	var order []key
	for _, it := range m.items {
		k := key{it.f.ID, bomRef(it.f.Package)}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], it)
	}
	vulns := make([]cdx.Vulnerability, 0, len(order))
	for _, k := range order {
		vulns = append(vulns, cdxVulnerability(groups[k], k.ref, m.v != nil, opts.Release))
	}
	if len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	// sbom.Build derived the serial from the SBOM alone; this document says
	// more, so it gets a serial of its own, still reproducible.
	bom.SerialNumber = ""
	data, err := json.Marshal(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = "urn:uuid:" + uuid.NewSHA1(vexNamespace, data).String()
	return bom, nil
}

func cdxVulnerability(its []item, ref string, verdict bool, rel *release.Release) cdx.Vulnerability {
	f := its[0].f
	v := cdx.Vulnerability{
		ID:          f.ID,
		Source:      &cdx.Source{Name: "OSV", URL: osvURL(f.ID)},
		Description: f.Summary,
		Detail:      details(f),
		Affects:     &[]cdx.Affects{{Ref: ref}},
	}
	if refs := cdxReferences(f.Aliases); len(refs) > 0 {
		v.References = &refs
	}
	ratings := []cdx.VulnerabilityRating{cdxRating(f)}
	v.Ratings = &ratings
	if cwes := cweNumbers(f.CWEs); len(cwes) > 0 {
		v.CWEs = &cwes
	}
	if adv := cdxAdvisories(f.References); len(adv) > 0 {
		v.Advisories = &adv
	}
	switch {
	case f.Malicious:
		v.Recommendation = "Remove the package. Treat every environment that installed it as compromised and rotate its credentials."
	case len(f.Fixed) > 0:
		v.Recommendation = fmt.Sprintf("Upgrade %s to %s or later (fixed in %s).", f.Package.Name, fixedVersions(f)[0], strings.Join(fixedVersions(f), ", "))
	}
	if len(f.Records) > 0 && f.Records[0] != nil {
		r := f.Records[0]
		if r.Published != nil && !r.Published.IsZero() {
			v.Published = r.Published.UTC().Format(time.RFC3339)
		}
		if !r.Modified.IsZero() {
			v.Updated = r.Modified.UTC().Format(time.RFC3339)
		}
	}
	v.Analysis = cdxAnalysis(its)
	if props := cdxProperties(its, verdict, rel); len(props) > 0 {
		v.Properties = &props
	}
	return v
}

// cdxAnalysis is the VEX statement for one advisory on one component, when
// fnguard has one to make:
//
//   - every finding unreachable (Go symbol analysis found none of the
//     vulnerable symbols linked): not_affected, code_not_reachable;
//   - every finding ignored by the policy: exploitable with response
//     will_not_fix, the reason and expiry in detail. An ignore is an
//     accepted risk, not a claim that the component is unaffected:
//     not_affected demands a justification the policy does not give, and
//     in_triage would say the analysis is still pending;
//   - a vulnerable symbol linked: exploitable, without a response (none has
//     been decided);
//   - anything else (plain matches, expired ignores, baseline): no
//     analysis, which CycloneDX reads as not yet analysed.
func cdxAnalysis(its []item) *cdx.VulnerabilityAnalysis {
	// A --vex statement the whole entry shares is carried over as it was
	// made, so fnguard's output round-trips as --vex input.
	if d := its[0].d; d.VEXState != "" && !its[0].f.Malicious {
		same := true
		for _, it := range its[1:] {
			same = same && it.d.VEXState == d.VEXState && it.d.VEXJustification == d.VEXJustification
		}
		if same {
			a := &cdx.VulnerabilityAnalysis{State: cdx.ImpactAnalysisState(d.VEXState), Detail: d.VEXDetail}
			if j := cdx.ImpactAnalysisJustification(d.VEXJustification); slices.Contains(cdxJustifications, j) {
				a.Justification = j
			} else if d.VEXJustification != "" {
				// An OpenVEX justification has no CycloneDX counterpart
				// of the same name: kept in the detail.
				a.Detail = strings.TrimSpace("Justification: " + d.VEXJustification + ". " + d.VEXDetail)
			}
			return a
		}
	}
	allUnreachable, allIgnored, anyReachable := true, true, false
	for _, it := range its {
		allUnreachable = allUnreachable && unreachable(it.f)
		allIgnored = allIgnored && it.d.Ignored
		anyReachable = anyReachable || (it.f.Reachable != nil && *it.f.Reachable)
	}
	ignoreDetail := func() string {
		d := its[0].d
		s := "Risk accepted by an fnguard policy ignore"
		if dt := ignoreDate(d.IgnoreExpires); dt != "" {
			s += " until " + dt
		}
		if d.IgnoreReason != "" {
			s += ": " + d.IgnoreReason
		}
		return s
	}
	switch {
	case allUnreachable:
		detail := "Go symbol analysis (govulncheck): none of the vulnerable symbols is linked into the binary"
		if r := its[0].f.ReachReason; r != "" {
			detail += " (" + r + ")"
		}
		if allIgnored {
			detail += ". " + ignoreDetail()
		}
		return &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Justification: cdx.IAJCodeNotReachable, Detail: detail + "."}
	case allIgnored:
		return &cdx.VulnerabilityAnalysis{State: cdx.IASExploitable, Response: &[]cdx.ImpactAnalysisResponse{cdx.IARWillNotFix}, Detail: ignoreDetail() + "."}
	case anyReachable:
		detail := "Go symbol analysis (govulncheck): a vulnerable symbol is linked into the binary"
		if l := its[0].f.ReachLevel; l != "" {
			detail += " (reported at " + l + " level)"
		}
		return &cdx.VulnerabilityAnalysis{State: cdx.IASExploitable, Detail: detail + "."}
	}
	return nil
}

// cdxJustifications are CycloneDX's impact analysis justifications.
var cdxJustifications = []cdx.ImpactAnalysisJustification{cdx.IAJCodeNotPresent, cdx.IAJCodeNotReachable,
	cdx.IAJRequiresConfiguration, cdx.IAJRequiresDependency, cdx.IAJRequiresEnvironment, cdx.IAJProtectedByCompiler,
	cdx.IAJProtectedAtRuntime, cdx.IAJProtectedAtPerimeter, cdx.IAJProtectedByMitigatingControl}

func cdxProperties(its []item, verdict bool, rel *release.Release) []cdx.Property {
	var ps []cdx.Property
	add := func(n, v string) { ps = append(ps, cdx.Property{Name: n, Value: v}) }
	blocking, highlight, baseline, expired := false, false, false, false
	for _, it := range its {
		blocking = blocking || it.d.Blocking
		highlight = highlight || it.d.Highlight
		baseline = baseline || it.d.InBaseline
		expired = expired || it.d.IgnoreExpired
	}
	seen := map[string]bool{}
	for _, it := range its {
		if a := it.f.Package.Artifact; !seen[a] {
			seen[a] = true
			add(sbom.PropArtifact, a)
		}
	}
	// The functions that ship the affected package, so a consumer of the
	// VEX need not walk the dependency graph to know what to redeploy.
	if rel != nil {
		var fns []string
		for a := range seen {
			fns = append(fns, rel.FunctionIDs(a)...)
		}
		slices.Sort(fns)
		for _, f := range slices.Compact(fns) {
			add(sbom.PropFunction, f)
		}
	}
	if verdict {
		add(propBlocking, strconv.FormatBool(blocking))
	}
	if highlight {
		add(propHighlight, "true")
	}
	if baseline {
		add(propBaseline, "true")
	}
	if d := its[0].d; d.Ignored {
		if dt := ignoreDate(d.IgnoreExpires); dt != "" {
			add(propIgnoreExpires, dt)
		}
	}
	if expired {
		add(propIgnoreExpired, "true")
	}
	if f := its[0].f; f.ReachLevel != "" {
		add(propReachLevel, f.ReachLevel)
	}
	if f := its[0].f; f.ReachReason != "" {
		add(propReachReason, f.ReachReason)
	}
	return ps
}

// cdxRating turns fnguard's severity into a CycloneDX rating. The method
// comes from the vector when there is one (the source names a record, not
// always the vector type), else from the severity source.
func cdxRating(f *vulndb.Finding) cdx.VulnerabilityRating {
	src := f.ID
	source := f.SeveritySource
	if rest, ok := strings.CutPrefix(source, "alias "); ok {
		id, typ, _ := strings.Cut(rest, " ")
		src, source = id, typ
	}
	r := cdx.VulnerabilityRating{Source: &cdx.Source{Name: "OSV", URL: osvURL(src)}, Vector: f.Vector}
	r.Method = scoringMethod(f.Vector, source)
	if f.Malicious {
		r.Method = cdx.ScoringMethodOther
	}
	switch severityOf(f) {
	case osv.SeverityCritical:
		r.Severity = cdx.SeverityCritical
	case osv.SeverityHigh:
		r.Severity = cdx.SeverityHigh
	case osv.SeverityMedium:
		r.Severity = cdx.SeverityMedium
	case osv.SeverityLow:
		r.Severity = cdx.SeverityLow
	default:
		r.Severity = cdx.SeverityUnknown
	}
	if f.Score > 0 || (r.Method != cdx.ScoringMethodOther && r.Method != "") {
		s := f.Score
		r.Score = &s
	}
	return r
}

func scoringMethod(vector, source string) cdx.ScoringMethod {
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return cdx.ScoringMethodCVSSv3
	case strings.HasPrefix(strings.TrimPrefix(vector, "("), "AV:"):
		return cdx.ScoringMethodCVSSv2
	}
	switch strings.ToUpper(source) {
	case "CVSS_V4":
		return cdx.ScoringMethodCVSSv4
	case "CVSS_V3":
		return cdx.ScoringMethodCVSSv31
	case "CVSS_V2":
		return cdx.ScoringMethodCVSSv2
	}
	return cdx.ScoringMethodOther
}

// cdxReferences lists the aliases, each with the database that owns it.
func cdxReferences(aliases []string) []cdx.VulnerabilityReference {
	var out []cdx.VulnerabilityReference
	for _, a := range aliases {
		src := cdx.Source{Name: "OSV", URL: osvURL(a)}
		switch {
		case strings.HasPrefix(a, "GHSA-"):
			src = cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + a}
		case strings.HasPrefix(a, "CVE-"):
			src = cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + a}
		}
		out = append(out, cdx.VulnerabilityReference{ID: a, Source: &src})
	}
	return out
}

// cdxAdvisories keeps the references that are absolute http(s) URLs: the
// schema wants an IRI, and a malformed link in a record must not make the
// whole BOM invalid.
func cdxAdvisories(refs []string) []cdx.Advisory {
	var out []cdx.Advisory
	for _, r := range refs {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(r, " <>\"") {
			continue
		}
		out = append(out, cdx.Advisory{URL: r})
	}
	return out
}

// cweNumbers turns "CWE-89" into 89, skipping anything else.
func cweNumbers(cwes []string) []int {
	var out []int
	for _, c := range cwes {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CWE-"))
		if err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}
