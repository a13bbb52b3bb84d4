package lockfiles

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"path"
	"regexp"
	"strings"
)

// spdxByName maps the license names and URLs manifests commonly declare to
// SPDX ids, so an SBOM carries an id a policy engine can act on. Anything
// not listed is kept verbatim (the SBOM writes it as a license name).
var spdxByName = map[string]string{
	"mit": "MIT", "mit license": "MIT", "the mit license": "MIT", "expat": "MIT",
	"apache 2.0": "Apache-2.0", "apache-2.0": "Apache-2.0", "apache 2": "Apache-2.0", "apache license 2.0": "Apache-2.0",
	"apache license, version 2.0": "Apache-2.0", "the apache software license, version 2.0": "Apache-2.0",
	"the apache license, version 2.0": "Apache-2.0", "apache software license": "Apache-2.0", "asl 2.0": "Apache-2.0",
	"apache license version 2.0": "Apache-2.0", "apache software license 2.0": "Apache-2.0",
	"bsd": "BSD-3-Clause", "bsd license": "BSD-3-Clause", "new bsd license": "BSD-3-Clause", "bsd-3-clause": "BSD-3-Clause",
	"3-clause bsd license": "BSD-3-Clause", "bsd 3-clause": "BSD-3-Clause", "modified bsd license": "BSD-3-Clause",
	"bsd-2-clause": "BSD-2-Clause", "simplified bsd license": "BSD-2-Clause", "the bsd license": "BSD-3-Clause",
	"isc": "ISC", "isc license": "ISC", "isc license (iscl)": "ISC",
	"mpl 2.0": "MPL-2.0", "mozilla public license 2.0": "MPL-2.0", "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
	"lgpl": "LGPL-2.1-or-later", "gnu lesser general public license": "LGPL-2.1-or-later",
	"epl 2.0": "EPL-2.0", "eclipse public license 2.0": "EPL-2.0", "eclipse public license - v 2.0": "EPL-2.0",
	"eclipse public license v2.0": "EPL-2.0", "eclipse public license 1.0": "EPL-1.0", "eclipse public license - v 1.0": "EPL-1.0",
	"psf": "PSF-2.0", "python software foundation license": "PSF-2.0",
	"ruby": "Ruby", "unlicense": "Unlicense", "the unlicense": "Unlicense", "cc0": "CC0-1.0",
	"http://www.apache.org/licenses/license-2.0.txt": "Apache-2.0", "https://www.apache.org/licenses/license-2.0.txt": "Apache-2.0",
	"http://www.apache.org/licenses/license-2.0": "Apache-2.0", "https://www.apache.org/licenses/license-2.0": "Apache-2.0",
	"http://opensource.org/licenses/mit": "MIT", "https://opensource.org/licenses/mit": "MIT",
	"http://www.opensource.org/licenses/mit-license.php": "MIT", "https://opensource.org/licenses/bsd-2-clause": "BSD-2-Clause",
	"https://opensource.org/licenses/bsd-3-clause": "BSD-3-Clause", "https://www.eclipse.org/legal/epl-2.0/": "EPL-2.0",
}

// normalizeLicense turns a declared license into an SPDX id where the
// mapping is certain, and trims it otherwise.
func normalizeLicense(s string) string {
	s = strings.Trim(strings.TrimSpace(s), `"'`)
	if id, ok := spdxByName[strings.ToLower(s)]; ok {
		return id
	}
	return s
}

// pythonClassifiers maps trove classifiers to SPDX ids.
var pythonClassifiers = map[string]string{
	"License :: OSI Approved :: MIT License":                                   "MIT",
	"License :: OSI Approved :: BSD License":                                   "BSD-3-Clause",
	"License :: OSI Approved :: Apache Software License":                       "Apache-2.0",
	"License :: OSI Approved :: ISC License (ISCL)":                            "ISC",
	"License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)":          "MPL-2.0",
	"License :: OSI Approved :: Python Software Foundation License":            "PSF-2.0",
	"License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
	"License :: OSI Approved :: GNU General Public License v3 (GPLv3)":         "GPL-3.0-only",
	"License :: OSI Approved :: GNU General Public License v2 (GPLv2)":         "GPL-2.0-only",
	"License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":          "CC0-1.0",
	"License :: OSI Approved :: The Unlicense (Unlicense)":                     "Unlicense",
}

// pythonLicense reads core metadata (METADATA, PKG-INFO): License-Expression
// (metadata 2.4) wins, then a one-line License field, then classifiers.
func pythonLicense(data []byte) []string {
	var license, expression string
	var classifiers []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break // the body (long description) follows the headers
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "license-expression":
			expression = v
		case "license":
			license = v
		case "classifier":
			if id, ok := pythonClassifiers[v]; ok {
				classifiers = append(classifiers, id)
			}
		}
	}
	switch {
	case expression != "":
		return []string{expression}
	case license != "" && license != "UNKNOWN" && !strings.Contains(license, "\n") && len(license) < 100:
		return []string{normalizeLicense(license)}
	}
	return dedupe(classifiers)
}

var gemLicenseRe = regexp.MustCompile(`\.licenses?\s*=\s*(\[[^\]]*\]|"[^"]*"|'[^']*')`)
var quotedRe = regexp.MustCompile(`"([^"]*)"|'([^']*)'`)

// gemspecLicense reads `s.licenses = ["MIT".freeze]` or `s.license = "MIT"`.
func gemspecLicense(data []byte) []string {
	m := gemLicenseRe.FindSubmatch(data)
	if m == nil {
		return nil
	}
	var out []string
	for _, q := range quotedRe.FindAllSubmatch(m[1], -1) {
		s := string(q[1]) + string(q[2])
		if s != "" {
			out = append(out, normalizeLicense(s))
		}
	}
	return out
}

// pomLicenses reads <licenses><license><name> from a pom.xml.
func pomLicenses(data []byte) []string {
	var pom struct {
		Licenses []struct {
			Name string `xml:"name"`
			URL  string `xml:"url"`
		} `xml:"licenses>license"`
	}
	if xml.Unmarshal(data, &pom) != nil {
		return nil
	}
	var out []string
	for _, l := range pom.Licenses {
		switch {
		case l.Name != "":
			out = append(out, normalizeLicense(l.Name))
		case l.URL != "":
			out = append(out, normalizeLicense(l.URL))
		}
	}
	return out
}

// addLicenses fills Licenses from the manifests that show a package, where
// the extractor left them empty.
func addLicenses(v *vfs, pkgs []*Package) {
	for _, p := range pkgs {
		if len(p.Licenses) > 0 {
			continue
		}
		for _, loc := range p.Locations {
			var lic []string
			switch {
			case path.Base(loc) == "METADATA" || path.Base(loc) == "PKG-INFO" || strings.HasSuffix(loc, ".egg-info"):
				if data, err := v.readFile(loc); err == nil {
					lic = pythonLicense(data)
				}
			case strings.HasSuffix(loc, ".gemspec"):
				if data, err := v.readFile(loc); err == nil {
					lic = gemspecLicense(data)
				}
			}
			if len(lic) > 0 {
				p.Licenses = dedupe(lic)
				break
			}
		}
	}
}
