package bundle

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
)

// What the bundle itself says. Nothing here evaluates code: every scanner
// is a single forward pass (with bounded look-back) over the bytes.

// codeFacts are the traces a bundler leaves in its output.
type codeFacts struct {
	// pathComments are esbuild's "// node_modules/<pkg>/<file>" lines,
	// written before each module in non-minified output.
	pathComments []string
	// anyPathComment is set when path comments exist at all, for
	// first-party files too ("// src/handler.ts"). Only esbuildComments
	// says whether they are esbuild's.
	anyPathComment bool
	// webpackModules are webpack's module ids ("./node_modules/x/y.js").
	webpackModules []string
	// minified: most bytes sit on very long lines.
	minified bool
	// marker names the bundler runtime helper found, "" if none.
	marker string
	// webpack: a webpack runtime is present; esbuild: an esbuild helper is.
	webpack, esbuild bool
}

// esbuildComments says whether the path comments are esbuild's per-module
// comments, so that their silence about node_modules means nothing from
// there was bundled. Any "// a/b.js" line can be a stray comment in a
// webpack or hand-written file; only esbuild output backs it: an esbuild
// helper, or a comment that names a node_modules file. Webpack never writes
// them, and minified esbuild output drops them, so there only node_modules
// comments count.
func (f codeFacts) esbuildComments() bool {
	if !f.anyPathComment || f.webpack {
		return false
	}
	if len(f.pathComments) > 0 {
		return true
	}
	return f.esbuild && !f.minified
}

// minLongLine is the line length from which a line counts as minified
// output; hand-written and pretty-printed code stays far below it.
const minLongLine = 1000

// minWrappedLine is the average line length of minified code wrapped at a
// line limit (esbuild's --line-limit).
const minWrappedLine = 200

// bundleMarkers are runtime helpers that only exist when a bundler
// wrapped one module inside another. esbuild's __toESM/__export also appear
// in an unbundled handler compiled to CommonJS, so they are not markers.
var bundleMarkers = []string{
	"{exports:{}}).exports", // esbuild's __commonJS, minified
	"__commonJS(",           // esbuild's __commonJS
	"__esm(",                // esbuild's lazy ESM init
	"__webpack_require__",   // webpack
	"__webpack_modules__",   // webpack 5
	"webpackChunk",          // webpack 5 chunk loading
	"__nccwpck_require__",   // @vercel/ncc (webpack inside)
}

var webpackMarkers = []string{"__webpack_require__", "__webpack_modules__", "webpackChunk", "__nccwpck_require__"}

// esbuildMarkers are esbuild's own helpers (non-minified names). __toESM
// is no bundle marker (see bundleMarkers) but does show esbuild wrote the
// file, and so that its path comments are its own.
var esbuildMarkers = []string{"__commonJS(", "__esm(", "__toESM("}

func scanCode(code []byte) codeFacts {
	var f codeFacts
	longBytes, lines, indented := 0, 0, 0
	for start := 0; start < len(code); {
		end := bytes.IndexByte(code[start:], '\n')
		if end < 0 {
			end = len(code)
		} else {
			end += start
		}
		line := code[start:end]
		if len(line) >= minLongLine {
			longBytes += len(line)
		}
		if len(line) > 0 {
			lines++
			if line[0] == ' ' || line[0] == '\t' {
				indented++
			}
		}
		trimmed := bytes.TrimLeft(line, " \t")
		if p, ok := bytes.CutPrefix(trimmed, []byte("// ")); ok {
			p = bytes.TrimRight(p, " \t\r")
			if looksLikeModulePath(p) {
				f.anyPathComment = true
				if bytes.Contains(p, []byte("node_modules/")) {
					f.pathComments = append(f.pathComments, string(p))
				}
			}
		}
		if bytes.Contains(line, []byte("node_modules/")) {
			f.webpackModules = append(f.webpackModules, webpackIDs(line)...)
		}
		start = end + 1
	}
	// Minified: most bytes on very long lines, or (esbuild's --line-limit
	// wraps them) long lines that are never indented, which hand-written
	// code always is somewhere.
	f.minified = len(code) > 0 && (longBytes*2 >= len(code) ||
		lines >= 4 && len(code)/lines >= minWrappedLine && indented*20 < lines)
	for _, m := range bundleMarkers {
		if bytes.Contains(code, []byte(m)) {
			f.marker = m
			break
		}
	}
	for _, m := range webpackMarkers {
		f.webpack = f.webpack || bytes.Contains(code, []byte(m))
	}
	for _, m := range esbuildMarkers {
		f.esbuild = f.esbuild || bytes.Contains(code, []byte(m))
	}
	return f
}

// looksLikeModulePath accepts what esbuild writes in a path comment: one
// relative file path with an extension, no spaces. esbuild writes paths
// relative to its working folder, and its entry points and their imports
// sit in a folder there ("src/handler.ts"), so a bare "x.js" is not taken:
// "// 2.1" or "// Node.js" is prose.
func looksLikeModulePath(p []byte) bool {
	if len(p) == 0 || len(p) > 1024 || bytes.ContainsAny(p, " \t\"'`(){};,") {
		return false
	}
	if p[0] == '/' || bytes.IndexByte(p, '/') < 0 || bytes.Contains(p, []byte("://")) {
		return false
	}
	base := p[bytes.LastIndexByte(p, '/')+1:]
	dot := bytes.LastIndexByte(base, '.')
	return dot > 0 && dot < len(base)-1
}

// webpackIDs finds webpack module ids in one line: object keys
// `"./node_modules/x/y.js":` of the module map, and the
// `!*** ./node_modules/x/y.js ***!` banners of development builds.
func webpackIDs(line []byte) []string {
	var out []string
	const nm = "node_modules/"
	for from := 0; ; {
		i := bytes.Index(line[from:], []byte(nm))
		if i < 0 {
			return out
		}
		i += from
		// The id starts after a quote or "!*** ", at most 257 bytes back
		// (relativeDots takes 256) and after the previous occurrence: a
		// start before it would put node_modules/ into the dots, which
		// relativeDots refuses. So each byte is looked back at once.
		lo := max(from, i-257)
		from = i + len(nm)
		j := i - 1
		for j >= lo && line[j] != '"' && line[j] != '\'' && line[j] != ' ' && line[j] != '\n' {
			j--
		}
		if j < lo {
			continue
		}
		open := line[j]
		rel := line[j+1 : i]
		if !relativeDots(rel) {
			continue
		}
		if open == ' ' {
			if !bytes.HasSuffix(line[:j+1], []byte("!*** ")) {
				continue
			}
			k := bytes.Index(line[i:min(len(line), i+1024)], []byte(" ***!"))
			if k < 0 {
				continue
			}
			out = append(out, string(line[j+1:i+k]))
			from = i + k
			continue
		}
		k := bytes.IndexByte(line[i:min(len(line), i+1024)], open)
		if k < 0 {
			continue
		}
		end := i + k
		after := bytes.TrimLeft(line[end+1:], " \t")
		if len(after) == 0 || after[0] != ':' {
			continue
		}
		before := bytes.TrimRight(line[:j], " \t")
		if len(before) > 0 {
			if c := before[len(before)-1]; c != '{' && c != ',' && c != '/' {
				continue
			}
		}
		out = append(out, string(line[j+1:end]))
		from = end + 1
	}
}

// relativeDots accepts "./", "../", "../../" ...: webpack ids are relative
// to the build's context folder and always start so.
func relativeDots(b []byte) bool {
	if len(b) < 2 || len(b) > 256 {
		return false
	}
	s := string(b)
	for s != "" {
		switch {
		case strings.HasPrefix(s, "./"):
			s = s[2:]
		case strings.HasPrefix(s, "../"):
			s = s[3:]
		default:
			return false
		}
	}
	return true
}

// legalEntry is one group of esbuild's "Bundled license information": the
// package paths (node_modules stripped, "pkg/file") sharing these comments.
type legalEntry struct {
	paths    []string
	comments string
}

// legalBlock parses esbuild's end-of-file block ("/*! Bundled license
// information:" ... "*/") or a --legal-comments=linked|external file. Only
// the block after the header is read; first-party comments before it
// carry no package path.
func legalBlock(text []byte) []legalEntry {
	const header = "Bundled license information:\n"
	i := bytes.LastIndex(text, []byte(header))
	if i < 0 {
		return nil
	}
	body := text[i+len(header):]
	var out []legalEntry
	// cur indexes the entry being read, -1 between entries; its comments
	// gather in buf, each line appended once, so a block of any size is
	// read in linear time.
	cur := -1
	var buf []byte
	flush := func() {
		if cur >= 0 {
			out[cur].comments = string(buf)
		}
		cur, buf = -1, buf[:0]
	}
	for len(body) > 0 {
		nl := bytes.IndexByte(body, '\n')
		var line []byte
		if nl < 0 {
			line, body = body, nil
		} else {
			line, body = body[:nl], body[nl+1:]
		}
		line = bytes.TrimRight(line, "\r")
		switch {
		case bytes.Equal(line, []byte("*/")):
			body = nil
		case len(line) == 0:
			flush()
		case line[0] != ' ' && bytes.HasSuffix(line, []byte(":")):
			if cur < 0 || len(buf) > 0 {
				flush()
				out = append(out, legalEntry{})
				cur = len(out) - 1
			}
			out[cur].paths = append(out[cur].paths, string(line[:len(line)-1]))
		case bytes.HasPrefix(line, []byte("  ")) && cur >= 0:
			// Versions sit at the top of a package's comments; a line
			// that would pass the bound is dropped, not cut.
			if len(buf)+len(line)-1 <= maxLegalComments {
				buf = append(append(buf, line[2:]...), '\n')
			}
		}
	}
	flush()
	return out
}

// maxLegalComments bounds the comment text kept per legal entry.
const maxLegalComments = 64 << 10

// legalPackage reads the package name from a legal-comment path:
// "moment/moment.js", "@smithy/x/dist/index.js". esbuild cut it after
// the last node_modules, so nesting is lost.
func legalPackage(p string) (string, bool) {
	segs := strings.Split(p, "/")
	n := 1
	if strings.HasPrefix(segs[0], "@") {
		n = 2
	}
	if len(segs) <= n {
		return "", false
	}
	name := strings.Join(segs[:n], "/")
	return name, validName(name)
}

var (
	// "version : 2.29.1", "@version 1.2.3", "Version: v1.0.0"
	versionWordRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)(?:^|[\s(*!@])version\s*[:=]?\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\b`)
	})
	// "lodash v4.17.21", "jQuery v3.6.0 |", "DOMPurify 2.4.0"
	bannerRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(@?[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?)\s+v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?:$|[\s|,;:*()])`)
	})
)

// bannerWords are first words of legal comments that are not names.
var bannerWords = map[string]bool{"version": true, "v": true, "license": true, "copyright": true, "build": true,
	"release": true, "released": true, "revision": true, "rev": true, "updated": true, "date": true, "author": true, "(c)": true}

// commentVersion finds the version a package's own legal comment states:
// "version : X", or "<name> vX". A bare "vX" is not taken: a comment may
// credit code the package vendored (punycode inside url, say).
func commentVersion(name, text string) string {
	if m := versionWordRe().FindStringSubmatch(text); m != nil && semverRe().MatchString(m[1]) {
		return m[1]
	}
	base := name[strings.LastIndex(name, "/")+1:]
	for _, line := range strings.Split(text, "\n") {
		if n, v, ok := parseBanner(line); ok && (strings.EqualFold(n, base) || strings.EqualFold(strings.TrimSuffix(n, ".js"), base)) {
			return v
		}
	}
	return ""
}

// parseBanner reads a "name vX.Y.Z" legal comment line.
func parseBanner(line string) (name, version string, ok bool) {
	line = strings.TrimSpace(line)
	line = strings.TrimLeft(line, "(/*! \t")
	for _, kw := range []string{"@license", "@preserve"} {
		line = strings.TrimSpace(strings.TrimPrefix(line, kw))
	}
	m := bannerRe().FindStringSubmatch(line)
	if m == nil || bannerWords[strings.ToLower(m[1])] || !semverRe().MatchString(m[2]) {
		return "", "", false
	}
	return m[1], m[2], true
}

// banner is a standalone legal comment naming a package and version.
type banner struct{ name, version string }

// banners finds "/*! name vX.Y.Z" and "/** @license name X.Y.Z" comments
// (webpack/terser keep them inline or in .LICENSE.txt; esbuild with
// --legal-comments=inline). Only a comment's first text line is read: the
// rest may credit other projects.
func banners(code []byte) []banner {
	var out []banner
	for from := 0; ; {
		i := bytes.Index(code[from:], []byte("/*"))
		if i < 0 {
			return out
		}
		i += from
		from = i + 2
		end := bytes.Index(code[i+2:], []byte("*/"))
		if end < 0 {
			return out // no comment is closed after this point
		}
		body := code[i+2 : i+2+end]
		from = i + 2 + end + 2
		if len(body) > 4096 {
			continue // a licence text, not a banner
		}
		legal := len(body) > 0 && body[0] == '!'
		if !legal && !(len(body) > 0 && body[0] == '*' && (bytes.Contains(body, []byte("@license")) || bytes.Contains(body, []byte("@preserve")))) {
			continue
		}
		for _, line := range strings.Split(string(body[1:]), "\n") {
			l := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "*!"))
			if l == "" || l == "@license" || l == "@preserve" {
				continue
			}
			if n, v, ok := parseBanner(l); ok && validName(strings.ToLower(n)) {
				out = append(out, banner{name: n, version: v})
			}
			break
		}
	}
}
