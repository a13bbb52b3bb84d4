package bundle

import (
	"bytes"
	"strconv"
)

// inlinedPackage is a package.json a bundler inlined as an object literal
// (a package that reads its own version: axios's require("../package.json"),
// the AWS SDK's clients).
type inlinedPackage struct{ name, version string }

// packageJSONKeys are keys only a package.json has in combination. An object
// literal needs two of them besides name and version: {name, version} alone
// is a common shape for anything (middleware descriptors, plugin records).
var packageJSONKeys = map[string]bool{
	"description": true, "main": true, "module": true, "types": true, "typings": true, "license": true,
	"licenses": true, "repository": true, "author": true, "contributors": true, "maintainers": true,
	"scripts": true, "dependencies": true, "devDependencies": true, "peerDependencies": true,
	"optionalDependencies": true, "engines": true, "files": true, "keywords": true, "homepage": true,
	"bugs": true, "exports": true, "browser": true, "bin": true, "sideEffects": true, "publishConfig": true,
	"directories": true, "typesVersions": true, "gitHead": true, "funding": true, "_id": true, "_resolved": true,
}

// maxObjectBytes bounds one object literal read as a package.json; real
// package.json files are a few KiB.
const maxObjectBytes = 256 << 10

// inlinedPackages finds object literals assigned (`= {`) or passed to
// JSON.parse that carry a valid npm name, a semantic version and at least two
// further package.json keys. Scanning resumes after each object read, so
// the pass stays linear however the input nests.
func inlinedPackages(code []byte) []inlinedPackage {
	var out []inlinedPackage
	for from := 0; from < len(code); {
		i := bytes.IndexByte(code[from:], '{')
		if i < 0 {
			break
		}
		i += from
		from = i + 1
		if !assignedObject(code[:i]) || !startsWithNameKey(code[i+1:]) {
			continue
		}
		o := objectReader{b: code[i:min(len(code), i+maxObjectBytes)]}
		fields, keys, ok := o.object()
		from = i + max(o.i, 1)
		if !ok {
			continue
		}
		name, version := fields["name"], fields["version"]
		if !validName(name) || !semverRe().MatchString(version) {
			continue
		}
		n := 0
		for _, k := range keys {
			if packageJSONKeys[k] {
				n++
			}
		}
		if n >= 2 {
			out = append(out, inlinedPackage{name: name, version: version})
		}
	}
	return out
}

func assignedObject(before []byte) bool {
	b := bytes.TrimRight(before[max(0, len(before)-64):], " \t\r\n")
	if len(b) == 0 {
		return false
	}
	if b[len(b)-1] == '=' {
		return len(b) < 2 || (b[len(b)-2] != '=' && b[len(b)-2] != '!' && b[len(b)-2] != '>' && b[len(b)-2] != '<')
	}
	return bytes.HasSuffix(b, []byte("JSON.parse('")) || bytes.HasSuffix(b, []byte("JSON.parse(`"))
}

func startsWithNameKey(b []byte) bool {
	b = bytes.TrimLeft(b[:min(len(b), 64)], " \t\r\n")
	for _, k := range []string{"name", `"name"`, `'name'`} {
		if rest, ok := bytes.CutPrefix(b, []byte(k)); ok {
			rest = bytes.TrimLeft(rest, " \t\r\n")
			return len(rest) > 0 && rest[0] == ':'
		}
	}
	return false
}

// objectReader reads one JavaScript object literal of the restricted kind
// a bundler emits for JSON: keys are identifiers, numbers or strings; values
// are read only when they are strings, everything else is skipped by
// bracket matching. It gives up (ok false) on anything else.
type objectReader struct {
	b []byte
	i int
}

const maxNesting = 64

func (o *objectReader) object() (map[string]string, []string, bool) {
	fields := map[string]string{}
	var keys []string
	if !o.eat('{') {
		return nil, nil, false
	}
	for {
		o.space()
		if o.eat('}') {
			return fields, keys, true
		}
		k, ok := o.key()
		if !ok {
			return nil, nil, false
		}
		o.space()
		if !o.eat(':') {
			return nil, nil, false
		}
		o.space()
		if o.i < len(o.b) && (o.b[o.i] == '"' || o.b[o.i] == '\'') {
			s, ok := o.str()
			if !ok {
				return nil, nil, false
			}
			if _, dup := fields[k]; !dup {
				fields[k] = s
			}
		} else if !o.skipValue() {
			return nil, nil, false
		}
		keys = append(keys, k)
		o.space()
		if o.eat(',') {
			continue
		}
		if o.eat('}') {
			return fields, keys, true
		}
		return nil, nil, false
	}
}

func (o *objectReader) space() {
	for o.i < len(o.b) {
		switch o.b[o.i] {
		case ' ', '\t', '\r', '\n':
			o.i++
		default:
			return
		}
	}
}

func (o *objectReader) eat(c byte) bool {
	if o.i < len(o.b) && o.b[o.i] == c {
		o.i++
		return true
	}
	return false
}

func (o *objectReader) key() (string, bool) {
	if o.i >= len(o.b) {
		return "", false
	}
	if c := o.b[o.i]; c == '"' || c == '\'' {
		return o.str()
	}
	start := o.i
	for o.i < len(o.b) {
		c := o.b[o.i]
		if c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			o.i++
			continue
		}
		break
	}
	return string(o.b[start:o.i]), o.i > start
}

// str reads a quoted string; escapes are decoded as JSON would, and a
// string JSON cannot hold is refused.
func (o *objectReader) str() (string, bool) {
	q := o.b[o.i]
	start := o.i
	o.i++
	esc := false
	for o.i < len(o.b) {
		c := o.b[o.i]
		o.i++
		switch {
		case c == '\\':
			esc = true
			o.i++
		case c == '\n':
			return "", false
		case c == q:
			raw := o.b[start+1 : o.i-1]
			if !esc {
				return string(raw), true
			}
			if q == '\'' {
				raw = bytes.ReplaceAll(raw, []byte(`\'`), []byte(`'`))
				raw = bytes.ReplaceAll(raw, []byte(`"`), []byte(`\"`))
			}
			s, err := strconv.Unquote(`"` + string(raw) + `"`)
			return s, err == nil
		}
	}
	return "", false
}

// skipValue passes over one value of any kind up to the ',' or '}' that
// ends it, matching brackets and skipping strings.
func (o *objectReader) skipValue() bool {
	depth := 0
	start := o.i
	for o.i < len(o.b) {
		switch c := o.b[o.i]; c {
		case '"', '\'', '`':
			if c == '`' {
				if !o.template() {
					return false
				}
				continue
			}
			if _, ok := o.str(); !ok {
				return false
			}
			continue
		case '{', '[', '(':
			depth++
			if depth > maxNesting {
				return false
			}
		case '}', ']', ')':
			if depth == 0 {
				return o.i > start
			}
			depth--
		case ',':
			if depth == 0 {
				return o.i > start
			}
		}
		o.i++
	}
	return false
}

// template skips a template literal without substitutions; one with ${
// is code, not JSON, and is refused.
func (o *objectReader) template() bool {
	o.i++
	for o.i < len(o.b) {
		switch o.b[o.i] {
		case '\\':
			o.i += 2
			continue
		case '$':
			if o.i+1 < len(o.b) && o.b[o.i+1] == '{' {
				return false
			}
		case '`':
			o.i++
			return true
		}
		o.i++
	}
	return false
}
