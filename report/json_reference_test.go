package report

// buildJSON is the whole report document, built in memory the plain way:
// the reference writeJSON's streamed output is held to byte for byte.
func buildJSON(m *model, opts Options) *JSONReport {
	r := buildJSONHead(m, opts)
	for _, a := range m.arts {
		ja := m.jsonArtifactHead(a)
		for _, p := range sortedPackages(a.Packages) {
			ja.Packages = append(ja.Packages, m.jsonPackage(p))
		}
		r.Artifacts = append(r.Artifacts, ja)
	}
	for _, it := range m.items {
		r.Findings = append(r.Findings, m.jsonFinding(it))
	}
	for _, u := range m.unc {
		r.Unchecked = append(r.Unchecked, m.jsonUnchecked(u))
	}
	for _, fx := range m.fixes {
		r.Remediation = append(r.Remediation, jsonFixOf(fx))
	}
	for _, w := range inventoryWarnings(m) {
		r.Warnings = append(r.Warnings, jsonWarningOf(w))
	}
	return r
}
