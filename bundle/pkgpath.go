package bundle

import (
	"regexp"
	"strings"
	"sync"
)

// modulePath is the package a bundled file path belongs to.
type modulePath struct {
	name string
	// chain is the lockfile key of the package folder, counted from the
	// first node_modules: "node_modules/a/node_modules/@s/b".
	chain string
	// full is chain with the path's own relative prefix kept
	// ("packages/api/node_modules/x"), for workspace lockfiles; "" when the
	// prefix is not a plain relative path.
	full string
	// version is read from a pnpm store folder name
	// (node_modules/.pnpm/name@1.2.3/node_modules/name), else "".
	version string
}

// parseModulePath reads a path as bundlers record it (metafile keys, source
// map sources, path comments, webpack module ids) and returns the npm package
// holding the file. Only a file inside a package folder under node_modules
// counts: "node_modules/x" alone or "node_modules/.bin/x" name no package.
func parseModulePath(p string) (modulePath, bool) {
	if len(p) > 4096 {
		return modulePath{}, false
	}
	p = strings.ReplaceAll(p, `\`, "/")
	segs := strings.Split(p, "/")
	first := -1
	for i, s := range segs {
		if s == "node_modules" {
			first = i
			break
		}
	}
	if first < 0 {
		return modulePath{}, false
	}
	var mp modulePath
	var chain []string
	pnpmName, pnpmVersion := "", ""
	i := first
	for {
		if i+1 >= len(segs) || segs[i] != "node_modules" {
			return modulePath{}, false
		}
		s := segs[i+1]
		j := i + 2
		var name string
		switch {
		case s == ".pnpm":
			// node_modules/.pnpm/<name@version>/node_modules/<name>/...:
			// the store folder is not a package; the one inside it is.
			if i+3 >= len(segs) || segs[i+3] != "node_modules" {
				return modulePath{}, false
			}
			pnpmName, pnpmVersion = splitPnpmDir(segs[i+2])
			chain = nil
			i += 3
			continue
		case strings.HasPrefix(s, "@"):
			if j >= len(segs) {
				return modulePath{}, false
			}
			name = s + "/" + segs[j]
			j++
		default:
			name = s
		}
		if !validName(name) {
			return modulePath{}, false
		}
		chain = append(chain, "node_modules/"+name)
		mp.name = name
		if j < len(segs) && segs[j] == "node_modules" {
			i = j
			continue
		}
		if j >= len(segs) || segs[len(segs)-1] == "" {
			return modulePath{}, false // a folder, not a file in the package
		}
		break
	}
	mp.chain = strings.Join(chain, "/")
	if pnpmName != "" && pnpmName == mp.name && len(chain) == 1 {
		mp.version = pnpmVersion
	}
	if first > 0 && len(chain) == 1 {
		if v := yarnCacheVersion(segs[first-1], mp.name); v != "" {
			mp.version = v
		}
	}
	if pnpmName == "" {
		if prefix, ok := cleanPrefix(segs[:first]); ok {
			if prefix == "" {
				mp.full = mp.chain
			} else {
				mp.full = prefix + "/" + mp.chain
			}
		}
	}
	return mp, true
}

// cleanPrefix drops leading "." and ".." segments (maps and metafiles say
// where the project root is relative to themselves, which the artifact does
// not know) and refuses anything that is not a plain relative path.
func cleanPrefix(segs []string) (string, bool) {
	for len(segs) > 0 && (segs[0] == "." || segs[0] == ".." || segs[0] == "") {
		segs = segs[1:]
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, ":?#") {
			return "", false
		}
	}
	return strings.Join(segs, "/"), true
}

// splitPnpmDir reads pnpm's store folder name: "lodash@4.17.21",
// "@scope+name@1.0.0_peer@2" (pnpm 7) or "name@1.0.0(peer@2)" (pnpm 9).
func splitPnpmDir(s string) (name, version string) {
	at := strings.LastIndex(s, "@")
	if cut := strings.IndexAny(s, "_("); cut > 0 {
		at = strings.LastIndex(s[:cut], "@")
		s = s[:cut]
	}
	if at <= 0 {
		return "", ""
	}
	name = strings.Replace(s[:at], "+", "/", 1)
	version = s[at+1:]
	if !validName(name) || !semverRe().MatchString(version) {
		return "", ""
	}
	return name, version
}

// yarnCacheVersion reads Yarn Berry's cache zip name, in which Plug'n'Play
// bundles resolve: ".yarn/cache/@types-node-npm-18.0.0-1a2b3c4d5e-0f1e2d3c4b.zip"
// holds node_modules/@types/node at 18.0.0. The zip must be for name.
func yarnCacheVersion(zip, name string) string {
	base, ok := strings.CutSuffix(zip, ".zip")
	if !ok {
		return ""
	}
	for range 2 { // the locator hash and the checksum
		i := strings.LastIndex(base, "-")
		if i < 0 {
			return ""
		}
		base = base[:i]
	}
	want := strings.Replace(name, "/", "-", 1) + "-npm-"
	v, ok := strings.CutPrefix(base, want)
	if !ok || !semverRe().MatchString(v) {
		return ""
	}
	return v
}

// validName accepts npm package names, legacy upper-case ones included:
// at most 214 characters, URL-safe, no leading dot or underscore, an
// optional @scope.
func validName(n string) bool {
	if n == "" || len(n) > 214 {
		return false
	}
	if strings.HasPrefix(n, "@") {
		scope, rest, ok := strings.Cut(n[1:], "/")
		return ok && validSegment(scope) && validSegment(rest)
	}
	return validSegment(n) && n != "node_modules"
}

func validSegment(s string) bool {
	if s == "" || s[0] == '.' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '!', c == '*', c == '\'', c == '(', c == ')':
		default:
			return false
		}
	}
	return true
}

// semverRe is what npm publishes: a full semantic version, no range.
var semverRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(0|[1-9]\d{0,15})\.(0|[1-9]\d{0,15})\.(0|[1-9]\d{0,15})(-[0-9A-Za-z.-]{1,128})?(\+[0-9A-Za-z.-]{1,128})?$`)
})
