package gate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	packageurl "github.com/package-url/packageurl-go"

	"github.com/fnguard/fnguard/internal/identity"
	"github.com/fnguard/fnguard/vulndb"
)

// A baseline is an earlier run's findings, read from either
//
//   - an fnguard JSON report: {"findings": [{"id": ..., "aliases": [...],
//     "package": {"purl": ...}}, ...]}; other fields are ignored, or
//   - a CycloneDX BOM (JSON or XML) with vulnerabilities[]: each
//     vulnerability's id and references[].id name the issue, and each
//     affects[].ref names a component by bom-ref, resolved to that
//     component's purl (a ref that is itself a purl, as in the SBOMs fnguard
//     writes, is used as is when no component carries it).
//
// A finding is "in the baseline" when any of its IDs (primary or alias) is
// recorded for the same package URL, versions included: the baseline
// accepts a state that was looked at, and a different version is a
// different state, so an upgrade that keeps an advisory shows it as new.
// Purls are compared without qualifiers or subpath, in packageurl-go's
// normal form. Malicious findings block even when in the baseline (see
// Evaluate).

// LoadBaseline reads a baseline file. A file that is neither shape is an
// error naming it; an empty findings or vulnerabilities list is a valid,
// empty baseline.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	b, err := parseBaseline(data)
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	b.Source = path
	return b, nil
}

const notBaseline = "neither an fnguard JSON report (findings[]) nor a CycloneDX BOM (JSON or XML)"

func parseBaseline(data []byte) (*Baseline, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("empty file: %s", notBaseline)
	case trimmed[0] == '<':
		return cdxBaseline(trimmed, cdx.BOMFileFormatXML)
	case trimmed[0] != '{':
		return nil, fmt.Errorf("%s", notBaseline)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, fmt.Errorf("not valid JSON (%v): %s", err, notBaseline)
	}
	if _, ok := top["findings"]; ok {
		return reportBaseline(trimmed)
	}
	var format string
	_ = json.Unmarshal(top["bomFormat"], &format)
	if format == "CycloneDX" {
		return cdxBaseline(trimmed, cdx.BOMFileFormatJSON)
	}
	return nil, fmt.Errorf("%s", notBaseline)
}

func reportBaseline(data []byte) (*Baseline, error) {
	var rep struct {
		Findings []struct {
			ID      string   `json:"id"`
			Aliases []string `json:"aliases"`
			Package *struct {
				PURL string `json:"purl"`
			} `json:"package"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("fnguard report: %v", err)
	}
	b := &Baseline{Keys: map[string]bool{}}
	for i, f := range rep.Findings {
		if strings.TrimSpace(f.ID) == "" {
			return nil, fmt.Errorf("fnguard report: findings[%d] has no id", i)
		}
		if f.Package == nil || strings.TrimSpace(f.Package.PURL) == "" {
			return nil, fmt.Errorf("fnguard report: findings[%d] (%s) has no package.purl", i, f.ID)
		}
		b.add(append([]string{f.ID}, f.Aliases...), f.Package.PURL)
	}
	return b, nil
}

func cdxBaseline(data []byte, format cdx.BOMFileFormat) (*Baseline, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&bom); err != nil {
		return nil, fmt.Errorf("CycloneDX: %v", err)
	}
	if format == cdx.BOMFileFormatXML && bom.XMLName.Local != "bom" {
		return nil, fmt.Errorf("XML root is <%s>, not a CycloneDX <bom>: %s", bom.XMLName.Local, notBaseline)
	}
	purls := componentPURLs(&bom)
	b := &Baseline{Keys: map[string]bool{}}
	if bom.Vulnerabilities == nil {
		return b, nil
	}
	for i, v := range *bom.Vulnerabilities {
		if strings.TrimSpace(v.ID) == "" {
			return nil, fmt.Errorf("CycloneDX: vulnerabilities[%d] has no id", i)
		}
		ids := cdxVulnIDs(v)
		if v.Affects == nil {
			continue
		}
		for _, a := range *v.Affects {
			p := purls[a.Ref]
			if p == "" && strings.HasPrefix(a.Ref, "pkg:") {
				p = a.Ref
			}
			if p != "" {
				b.add(ids, p)
			}
		}
	}
	return b, nil
}

func (b *Baseline) add(ids []string, purl string) {
	key := normalPURL(purl)
	if key == "" {
		return // a blank purl names no package; nothing to accept
	}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			b.Keys[id+"|"+key] = true
		}
	}
}

// normalPURL is the form purls are compared in: the one internal/identity gives (and sbom.BOMRef)
// (parsed, without qualifiers or subpath). An unparseable string is kept as
// written, so it still matches itself.
func normalPURL(s string) string {
	s = strings.TrimSpace(s)
	p, err := packageurl.FromString(s)
	if err != nil || p.Name == "" {
		return s
	}
	p.Qualifiers = nil
	p.Subpath = ""
	return p.ToString()
}

// findingPURL is the key of a finding's package: its bom-ref in fnguard's
// CycloneDX output, which is the normalised purl.
func findingPURL(f *vulndb.Finding) string {
	if f.Package == nil {
		return ""
	}
	p := f.Package
	return normalPURL(identity.Of(p.Ecosystem, p.Name, p.Version, p.PURL).BOMRef)
}

// cdxVulnIDs are a CycloneDX vulnerability's ID and the IDs it references
// (its aliases), as baselines and VEX statements match them.
func cdxVulnIDs(v cdx.Vulnerability) []string {
	ids := []string{v.ID}
	if v.References != nil {
		for _, r := range *v.References {
			ids = append(ids, r.ID)
		}
	}
	return ids
}
