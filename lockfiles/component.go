package lockfiles

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// projectManifests are the root files that name a project when nothing
// more direct does (a lockfile given on its own, a Maven or Python
// checkout): `fnguard sbom package-lock.json` describes that project.
var projectManifests = []struct {
	file string
	eco  string
	read func([]byte) (name, version string)
	// stream, where set, reads the name from the start of a file on disk
	// without reading it whole (a 90 MB lockfile names its root first).
	stream func(io.Reader) (name, version string)
}{
	{"package-lock.json", ecosystem.NPM, npmLockRoot, npmLockRootFrom},
	{"npm-shrinkwrap.json", ecosystem.NPM, npmLockRoot, npmLockRootFrom},
	{"pom.xml", ecosystem.Maven, pomProject, nil},
	{"pyproject.toml", ecosystem.PyPI, pyprojectName, nil},
	{"go.mod", ecosystem.Go, goModule, nil},
}

// projectComponent names the application from a root project manifest.
// A file that cannot be read or names nothing yields nil: the inventory's
// own readers report broken lockfiles.
func projectComponent(v *vfs) (c *Component, file, eco string) {
	for _, pm := range projectManifests {
		f, ok := v.files[pm.file]
		if !ok {
			continue
		}
		var name, version string
		if pm.stream != nil && f.stream != nil {
			rc, err := f.stream()
			if err != nil {
				continue
			}
			name, version = pm.stream(rc)
			rc.Close()
		} else {
			data, err := v.readFile(pm.file)
			if err != nil {
				continue
			}
			name, version = pm.read(data)
		}
		if name == "" {
			continue
		}
		purlVersion := version
		if ValidateVersion(pm.eco, version) != nil {
			purlVersion = ""
		}
		return &Component{Name: name, Version: version, PURL: PURL(pm.eco, name, purlVersion)}, pm.file, pm.eco
	}
	return nil, "", ""
}

// npmLockRoot reads the root project of package-lock.json: packages[""]
// (lockfile v2/v3), else the top-level name and version (v1). It streams:
// npm writes the root entry first, so a 200,000-entry lockfile is not
// decoded whole just to name its project.
func npmLockRoot(data []byte) (string, string) {
	return npmLockRootFrom(bytes.NewReader(data))
}

func npmLockRootFrom(r io.Reader) (string, string) {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", ""
	}
	var name, version string
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", ""
		}
		switch key {
		case "name":
			if dec.Decode(&name) != nil {
				return "", ""
			}
		case "version":
			if dec.Decode(&version) != nil {
				return "", ""
			}
		case "packages":
			if n, v, ok := npmLockRootEntry(dec); ok {
				return n, v
			}
		default:
			if dec.Decode(new(skipJSON)) != nil {
				return "", ""
			}
		}
	}
	if name == "" {
		return "", ""
	}
	return name, version
}

// npmLockRootEntry reads packages[""] from a decoder positioned at the
// packages object; ok is false when there is none (or it names nothing).
func npmLockRootEntry(dec *json.Decoder) (string, string, bool) {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", "", false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", "", false
		}
		var e struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		}
		if key != "" {
			if dec.Decode(new(skipJSON)) != nil {
				return "", "", false
			}
			continue
		}
		if dec.Decode(&e) != nil {
			return "", "", false
		}
		if e.Name != "" {
			return e.Name, e.Version, true
		}
	}
	_, _ = dec.Token()
	return "", "", false
}

// pomProject reads groupId:artifactId and version, inherited from the
// parent where the project does not set them. A version that is still a
// property (${revision}) is not a version.
func pomProject(data []byte) (string, string) {
	var pom struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
		Parent     struct {
			GroupID string `xml:"groupId"`
			Version string `xml:"version"`
		} `xml:"parent"`
	}
	if xml.Unmarshal(data, &pom) != nil {
		return "", ""
	}
	g, v := strings.TrimSpace(pom.GroupID), strings.TrimSpace(pom.Version)
	if g == "" {
		g = strings.TrimSpace(pom.Parent.GroupID)
	}
	if v == "" {
		v = strings.TrimSpace(pom.Parent.Version)
	}
	a := strings.TrimSpace(pom.ArtifactID)
	if g == "" || a == "" || strings.Contains(g+a, "${") {
		return "", ""
	}
	if strings.Contains(v, "${") {
		v = ""
	}
	return g + ":" + a, v
}

// pyprojectName reads name and version from [project] (PEP 621), else
// [tool.poetry]. Only plain `key = "value"` lines are read: that is how
// both tables spell them, and a dynamic version is no version.
func pyprojectName(data []byte) (string, string) {
	tables := map[string]map[string]string{}
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			table = strings.TrimSpace(strings.Trim(line, "[]"))
			continue
		}
		if table != "project" && table != "tool.poetry" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if k != "name" && k != "version" {
			continue
		}
		if len(val) < 2 || (val[0] != '"' && val[0] != '\'') || val[len(val)-1] != val[0] {
			continue
		}
		if tables[table] == nil {
			tables[table] = map[string]string{}
		}
		tables[table][k] = val[1 : len(val)-1]
	}
	for _, t := range []string{"project", "tool.poetry"} {
		if n := tables[t]["name"]; n != "" {
			return n, tables[t]["version"]
		}
	}
	return "", ""
}

// goModule reads the module path; go.mod records no version of its own.
func goModule(data []byte) (string, string) {
	return modfile.ModulePath(data), ""
}
