package bundle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/internal/jsonpos"
)

// lockEntry is one installed package as package-lock.json records it.
type lockEntry struct {
	name, version string
}

// lockfile indexes a package-lock.json by installed path and by name.
type lockfile struct {
	path   string // as given, for messages
	root   string // the application's own name, never a dependency
	byPath map[string]lockEntry
	byName map[string][]string // name -> distinct versions, sorted
	// byFold finds a name case-insensitively ("jQuery" in a banner).
	byFold map[string]string
}

type lockV2Entry struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Link     bool   `json:"link"`
	Resolved string `json:"resolved"`
}

type lockV1Dep struct {
	Version      string               `json:"version"`
	Dependencies map[string]lockV1Dep `json:"dependencies"`
}

type lockDoc struct {
	Name            string                 `json:"name"`
	LockfileVersion *int                   `json:"lockfileVersion"`
	Packages        map[string]lockV2Entry `json:"packages"`
	Dependencies    map[string]lockV1Dep   `json:"dependencies"`
}

// maxLockDepth bounds v1's nested dependencies; real trees are a few levels.
const maxLockDepth = 64

// parseLockfile reads package-lock.json / npm-shrinkwrap.json v1, v2 or v3.
// v2 carries both layouts; its "packages" map is the one npm itself reads.
func parseLockfile(data []byte, name string) (*lockfile, error) {
	var doc lockDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", name, jsonErr(data, err))
	}
	if doc.LockfileVersion == nil {
		return nil, fmt.Errorf("%s: not a package-lock.json (no lockfileVersion)", name)
	}
	if v := *doc.LockfileVersion; v < 1 || v > 3 {
		return nil, fmt.Errorf("%s: lockfileVersion %d is not 1, 2 or 3", name, v)
	}
	l := &lockfile{path: name, root: doc.Name, byPath: map[string]lockEntry{}, byName: map[string][]string{}}
	switch {
	case doc.Packages != nil:
		if root, ok := doc.Packages[""]; ok && root.Name != "" {
			l.root = root.Name
		}
		for key, e := range doc.Packages {
			if key == "" || e.Link {
				continue // the root, or a workspace link: first-party code
			}
			folder := lastPackage(key)
			if folder == "" {
				continue // a workspace folder, not an installed package
			}
			n := folder
			if e.Name != "" {
				n = e.Name // an alias: node_modules/x holds package e.Name
			}
			l.add(key, n, e.Version)
		}
	case doc.Dependencies != nil:
		if err := l.addV1("", doc.Dependencies, 0); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	l.byFold = make(map[string]string, len(l.byName))
	for n, vs := range l.byName {
		sort.Strings(vs)
		l.byName[n] = compact(vs)
		l.byFold[strings.ToLower(n)] = n
	}
	return l, nil
}

func (l *lockfile) addV1(prefix string, deps map[string]lockV1Dep, depth int) error {
	if depth > maxLockDepth {
		return fmt.Errorf("dependencies nested deeper than %d levels", maxLockDepth)
	}
	for n, d := range deps {
		if !validName(n) {
			continue
		}
		key := prefix + "node_modules/" + n
		name, version := n, d.Version
		// An alias: "x": {"version": "npm:real@1.2.3"}.
		if rest, ok := strings.CutPrefix(version, "npm:"); ok {
			if at := strings.LastIndex(rest, "@"); at > 0 {
				name, version = rest[:at], rest[at+1:]
			}
		}
		l.add(key, name, version)
		if len(d.Dependencies) > 0 {
			if err := l.addV1(key+"/", d.Dependencies, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *lockfile) add(key, name, version string) {
	if version == "" {
		return
	}
	l.byPath[key] = lockEntry{name: name, version: version}
	l.byName[name] = append(l.byName[name], version)
}

// lastPackage returns the package folder a lockfile key ends in
// ("node_modules/a/node_modules/@s/b" -> "@s/b"), "" if it is no
// node_modules folder.
func lastPackage(key string) string {
	i := strings.LastIndex(key, "node_modules/")
	if i < 0 || (i > 0 && key[i-1] != '/') {
		return ""
	}
	n := key[i+len("node_modules/"):]
	if !validName(n) {
		return ""
	}
	return n
}

func compact(ss []string) []string {
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// jsonErr turns encoding/json's error into one with a line and column.
func jsonErr(data []byte, err error) string {
	line, col, ok := jsonpos.Of(data, err)
	if !ok {
		return err.Error()
	}
	return fmt.Sprintf("line %d, column %d: %s", line, col, err.Error())
}
