package gate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	packageurl "github.com/package-url/packageurl-go"

	"github.com/fnguard/fnguard/vulndb"
)

// VEX documents (--vex FILE) say a package is not affected by an advisory:
// CycloneDX VEX (JSON or XML; vulnerabilities[] with analysis.state
// not_affected or false_positive, affects[].ref naming a component by
// bom-ref) and OpenVEX (statements[] with status not_affected). Such a
// finding is let through and shown with the statement's justification; a
// malicious finding still blocks, as for every other rule. Statements in
// other states (affected, exploitable, in_triage, fixed, under
// investigation) change nothing. fnguard's own CycloneDX output is a valid
// --vex input: its unreachable Go findings are not_affected /
// code_not_reachable.
//
// A statement names a package by purl. With a version it applies to that
// version only; without one (pkg:npm/lodash) to every version, as OpenVEX
// products are often written.

// maxVEXBytes bounds a VEX document: they are untrusted input, and the
// largest real ones (a whole product line's CycloneDX) stay far below.
const maxVEXBytes = 64 << 20

// VEX is the statements of one or more VEX documents.
type VEX struct {
	statements []VEXStatement
	// Sources are the files read, in order.
	Sources []string
}

// VEXStatement says a package is not affected by an advisory.
type VEXStatement struct {
	IDs []string // the advisory's ID and aliases
	// PURL is the package, in normal form (no qualifiers or subpath); its
	// version may be empty (every version).
	PURL string
	// State is "not_affected" or "false_positive" (CycloneDX; OpenVEX's
	// not_affected is "not_affected").
	State         string
	Justification string
	Detail        string
	Source        string // the file it came from
}

// LoadVEX reads VEX documents; later files' statements come after earlier
// ones. An unreadable or unrecognised file is an error naming it.
func LoadVEX(paths ...string) (*VEX, error) {
	v := &VEX{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("vex: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, maxVEXBytes+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("vex %s: %v", p, err)
		}
		if len(data) > maxVEXBytes {
			return nil, fmt.Errorf("vex %s: larger than %d MiB", p, maxVEXBytes>>20)
		}
		st, err := ParseVEX(data, p)
		if err != nil {
			return nil, fmt.Errorf("vex %s: %w", p, err)
		}
		v.statements = append(v.statements, st...)
		v.Sources = append(v.Sources, p)
	}
	return v, nil
}

const notVEX = "neither a CycloneDX BOM with vulnerabilities (JSON or XML) nor an OpenVEX document"

// ParseVEX reads one VEX document; source names it in statements.
func ParseVEX(data []byte, source string) ([]VEXStatement, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("empty file: %s", notVEX)
	case trimmed[0] == '<':
		return cdxVEX(trimmed, cdx.BOMFileFormatXML, source)
	case trimmed[0] != '{':
		return nil, fmt.Errorf("%s", notVEX)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, fmt.Errorf("not valid JSON (%v): %s", err, notVEX)
	}
	var format, ctx string
	_ = json.Unmarshal(top["bomFormat"], &format)
	_ = json.Unmarshal(top["@context"], &ctx)
	switch {
	case format == "CycloneDX":
		return cdxVEX(trimmed, cdx.BOMFileFormatJSON, source)
	case strings.Contains(ctx, "openvex"):
		return openVEX(trimmed, source)
	}
	return nil, fmt.Errorf("%s", notVEX)
}

func cdxVEX(data []byte, format cdx.BOMFileFormat, source string) ([]VEXStatement, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&bom); err != nil {
		return nil, fmt.Errorf("CycloneDX: %v", err)
	}
	if format == cdx.BOMFileFormatXML && bom.XMLName.Local != "bom" {
		return nil, fmt.Errorf("XML root is <%s>: %s", bom.XMLName.Local, notVEX)
	}
	purls := componentPURLs(&bom)
	var out []VEXStatement
	if bom.Vulnerabilities == nil {
		return out, nil
	}
	for i, v := range *bom.Vulnerabilities {
		if strings.TrimSpace(v.ID) == "" {
			return nil, fmt.Errorf("CycloneDX: vulnerabilities[%d] has no id", i)
		}
		if v.Analysis == nil {
			continue
		}
		state := string(v.Analysis.State)
		if state != string(cdx.IASNotAffected) && state != string(cdx.IASFalsePositive) {
			continue
		}
		ids := cdxVulnIDs(v)
		if v.Affects == nil {
			continue
		}
		for _, a := range *v.Affects {
			p := purls[a.Ref]
			if p == "" {
				p = a.Ref // a purl used as bom-ref, or fnguard's fnguard:pkg: reference
			}
			if p = normalPURL(p); p != "" {
				out = append(out, VEXStatement{IDs: ids, PURL: p, State: state,
					Justification: string(v.Analysis.Justification), Detail: v.Analysis.Detail, Source: source})
			}
		}
	}
	return out, nil
}

// componentPURLs maps every component's bom-ref to its purl.
func componentPURLs(bom *cdx.BOM) map[string]string {
	purls := map[string]string{}
	var walk func(cs *[]cdx.Component, depth int)
	walk = func(cs *[]cdx.Component, depth int) {
		// Nesting deeper than any real BOM is not followed: a hostile file
		// must not exhaust the stack.
		if cs == nil || depth > 64 {
			return
		}
		for i := range *cs {
			c := &(*cs)[i]
			if c.BOMRef != "" && c.PackageURL != "" {
				purls[c.BOMRef] = c.PackageURL
			}
			walk(c.Components, depth+1)
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk(&[]cdx.Component{*bom.Metadata.Component}, 0)
	}
	walk(bom.Components, 0)
	return purls
}

// openVEX reads OpenVEX v0.0.x and v0.2.0: a vulnerability is a string or
// {name, aliases}; a product is a string or {@id, identifiers.purl,
// subcomponents}. A statement about subcomponents applies to them, else to
// the products. For the same advisory and package a later statement
// replaces an earlier one (OpenVEX statements are a history).
func openVEX(data []byte, source string) ([]VEXStatement, error) {
	var doc struct {
		Statements []struct {
			Vulnerability json.RawMessage   `json:"vulnerability"`
			Products      []json.RawMessage `json:"products"`
			Subcomponents []json.RawMessage `json:"subcomponents"`
			Status        string            `json:"status"`
			Justification string            `json:"justification"`
			Impact        string            `json:"impact_statement"`
		} `json:"statements"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("OpenVEX: %v", err)
	}
	type key struct{ id, purl string }
	latest := map[key]int{}
	var all []VEXStatement
	for i, s := range doc.Statements {
		ids, err := openVEXVuln(s.Vulnerability)
		if err != nil {
			return nil, fmt.Errorf("OpenVEX: statements[%d]: %v", i, err)
		}
		var products []string
		for _, p := range s.Products {
			id, subs := openVEXProduct(p)
			if len(subs) > 0 {
				products = append(products, subs...)
			} else if id != "" {
				products = append(products, id)
			}
		}
		if len(s.Subcomponents) > 0 { // v0.0.x: subcomponents beside products
			products = products[:0]
			for _, p := range s.Subcomponents {
				if id, _ := openVEXProduct(p); id != "" {
					products = append(products, id)
				}
			}
		}
		for _, p := range products {
			p = normalPURL(p)
			if !strings.HasPrefix(p, "pkg:") {
				continue // an image digest or a CPE names no package fnguard inventories
			}
			for _, id := range ids {
				latest[key{id, p}] = len(all)
			}
			all = append(all, VEXStatement{IDs: ids, PURL: p, State: strings.ToLower(strings.TrimSpace(s.Status)),
				Justification: s.Justification, Detail: s.Impact, Source: source})
		}
	}
	var out []VEXStatement
	for i, st := range all {
		if st.State != "not_affected" {
			continue
		}
		current := false
		for _, id := range st.IDs {
			current = current || latest[key{id, st.PURL}] == i
		}
		if current {
			out = append(out, st)
		}
	}
	return out, nil
}

func openVEXVuln(raw json.RawMessage) ([]string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
		return []string{strings.TrimSpace(s)}, nil
	}
	var v struct {
		ID      string   `json:"@id"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || (v.Name == "" && len(v.Aliases) == 0) {
		return nil, fmt.Errorf("vulnerability: want an ID or {name, aliases}")
	}
	var ids []string
	for _, id := range append([]string{v.Name}, v.Aliases...) {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func openVEXProduct(raw json.RawMessage) (id string, subs []string) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var p struct {
		ID          string `json:"@id"`
		Identifiers struct {
			PURL string `json:"purl"`
		} `json:"identifiers"`
		Subcomponents []struct {
			ID          string `json:"@id"`
			Identifiers struct {
				PURL string `json:"purl"`
			} `json:"identifiers"`
		} `json:"subcomponents"`
	}
	if json.Unmarshal(raw, &p) != nil {
		return "", nil
	}
	id = p.ID
	if p.Identifiers.PURL != "" {
		id = p.Identifiers.PURL
	}
	for _, sc := range p.Subcomponents {
		if sc.Identifiers.PURL != "" {
			subs = append(subs, sc.Identifiers.PURL)
		} else if sc.ID != "" {
			subs = append(subs, sc.ID)
		}
	}
	return id, subs
}

// match returns the statement that covers f, nil when none does.
func (v *VEX) match(f *vulndb.Finding) *VEXStatement {
	if v == nil || f == nil || f.Package == nil {
		return nil
	}
	purl := findingPURL(f)
	unversioned := withoutVersion(purl)
	for i := range v.statements {
		st := &v.statements[i]
		if st.PURL != purl && st.PURL != unversioned {
			continue
		}
		for _, id := range st.IDs {
			if strings.EqualFold(id, f.ID) {
				return st
			}
			for _, a := range f.Aliases {
				if strings.EqualFold(id, a) {
					return st
				}
			}
		}
	}
	return nil
}

func withoutVersion(purl string) string {
	p, err := packageurl.FromString(purl)
	if err != nil || p.Version == "" {
		return ""
	}
	p.Version = ""
	return p.ToString()
}
