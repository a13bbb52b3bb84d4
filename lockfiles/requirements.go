package lockfiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"iter"
	"maps"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// requirementsReader is scalibr's requirements.txt extractor with pip's
// includes made whole. scalibr follows "-r FILE" but not the long form
// "--requirement FILE", and an include it cannot open only makes it log:
// the packages of a missing base.txt vanished and the gate passed. Here
// every include is looked for: a missing one, or one given as a URL,
// leaves the artifact incomplete (never clean), and a long-form one is
// read like any other. A package's location is the file that lists it,
// not the file that included that one.
type requirementsReader struct{ filesystem.Extractor }

func newRequirements(cfg *cpb.PluginConfig) (filesystem.Extractor, error) {
	ex, err := requirements.New(cfg)
	if err != nil {
		return nil, err
	}
	return requirementsReader{ex}, nil
}

// maxRequirementFiles bounds the files one requirements file may pull in.
const maxRequirementFiles = 256

func (r requirementsReader) extractFound(ctx context.Context, pl plugin, v *vfs, name string, data []byte, _ *[sha256.Size]byte) ([]found, error) {
	// Files scalibr is handed itself: name, and each long-form include
	// (scalibr follows the "-r" ones inside each of them).
	roots := []string{name}
	contents := map[string][]byte{name: data}
	queue := []string{name}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, inc := range requirementIncludes(contents[cur]) {
			if strings.Contains(inc.target, "://") {
				v.incomplete(cur, fmt.Sprintf("line %d: %s %s: a URL, not read: the packages it lists are not checked", inc.line, inc.flag, inc.target))
				continue
			}
			t := includeName(cur, inc.target)
			if _, done := contents[t]; done {
				continue
			}
			if len(contents) == maxRequirementFiles {
				v.incomplete(cur, fmt.Sprintf("line %d: %s %s: more than %d requirements files included: not read", inc.line, inc.flag, inc.target, maxRequirementFiles))
				continue
			}
			if !v.has(t) {
				v.incomplete(cur, fmt.Sprintf("line %d: %s %s: not found: the packages it lists are not checked", inc.line, inc.flag, inc.target))
				continue
			}
			d, err := v.readFile(t)
			if err != nil {
				return nil, &memberErr{t, err}
			}
			contents[t] = d
			queue = append(queue, t)
			if inc.flag != "-r" {
				roots = append(roots, t)
			}
		}
	}
	var out []found
	// Lines scalibr drops without a word: a package from a URL or a VCS
	// ships code but is no registry release.
	for _, f := range slices.Sorted(maps.Keys(contents)) {
		for _, u := range requirementURLs(contents[f]) {
			out = append(out, found{rank: pl.rank, location: f, plugin: r.Name(), lenient: &Package{Ecosystem: ecosystem.PyPI, Name: u.name,
				VersionError: "installed from " + truncate(u.url, 120) + ", not a registry release: no version to match"}})
		}
	}
	for _, f := range roots {
		info := v.files[f].info
		in := &filesystem.ScanInput{FS: v, Path: f, Info: info, Reader: &openFile{Reader: bytes.NewReader(contents[f]), info: info}}
		inv, err := r.Extract(ctx, in)
		if err != nil {
			return nil, &memberErr{f, fmt.Errorf("%s: %w", r.Name(), err)}
		}
		for _, p := range inv.Packages {
			// An included file's package: scalibr names the including
			// line as the descriptor and the file itself first in Related.
			loc := f
			if len(p.Location.Related) > 0 {
				if lp := p.Location.Related[0].PathOrEmpty(); lp != "" {
					loc = cleanFSName(lp)
				}
			}
			out = append(out, found{pkg: p, rank: pl.rank, location: loc, plugin: r.Name()})
		}
	}
	return out, nil
}

// requirementURL is a requirement installed from a URL or a version
// control system rather than an index.
type requirementURL struct{ name, url string }

// pep508URL is "name[extras] @ url" (PEP 508 direct reference).
var pep508URL = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@\s*(\S+)`)

// requirementURLs lists the lines of a requirements file that install from
// a URL: "name @ url", "-e git+https://...#egg=name" and a bare archive or
// VCS URL. Local paths ("-e .", a folder) are the project's own code and
// are not listed; a local archive is some release's copy and is.
func requirementURLs(data []byte) []requirementURL {
	var out []requirementURL
	for _, l := range requirementLines(data) {
		name, url := "", ""
		switch {
		case strings.HasPrefix(l, "-e ") || strings.HasPrefix(l, "--editable"):
			url = strings.TrimSpace(strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(l, "-e"), "--editable"), "= \t"))
		case strings.HasPrefix(l, "-"):
			continue // an option: -r, -c, --hash, --index-url ...
		default:
			if m := pep508URL.FindStringSubmatch(l); m != nil && (strings.Contains(m[2], "://") || strings.HasPrefix(m[2], "file:")) {
				name, url = m[1], m[2]
			} else if strings.Contains(l, "://") {
				url = strings.Fields(l)[0]
			} else {
				continue
			}
		}
		if url == "" || !strings.Contains(url, "://") && !strings.HasPrefix(url, "file:") {
			continue // a local folder: the project itself
		}
		if strings.HasPrefix(url, "file:") && !isArchive(url) {
			continue
		}
		if name == "" {
			name = urlPackageName(url)
		}
		if name != "" {
			out = append(out, requirementURL{name: name, url: url})
		}
	}
	return out
}

// urlPackageName is the package a URL installs: its #egg= fragment, else
// the archive's or repository's name.
func urlPackageName(url string) string {
	if _, frag, ok := strings.Cut(url, "#"); ok {
		for _, kv := range strings.Split(frag, "&") {
			if v, ok := strings.CutPrefix(kv, "egg="); ok {
				return v
			}
		}
	}
	base, _, _ := strings.Cut(path.Base(strings.SplitN(url, "#", 2)[0]), "@")
	base = strings.TrimSuffix(base, ".git")
	for _, ext := range []string{".tar.gz", ".zip", ".whl", ".tgz"} {
		if b, ok := strings.CutSuffix(base, ext); ok {
			// "name-1.0.tar.gz", "name-1.0-py3-none-any.whl": the name ends
			// where the version starts.
			if i := strings.Index(b, "-"); i > 0 {
				b = b[:i]
			}
			return b
		}
	}
	return base
}

func isArchive(u string) bool {
	u = strings.ToLower(u)
	return strings.HasSuffix(u, ".whl") || strings.HasSuffix(u, ".tar.gz") || strings.HasSuffix(u, ".zip") || strings.HasSuffix(u, ".tgz")
}

// requirementLines yields each line of a requirements file with its
// number, trimmed and without its comment; blank and comment lines not.
func requirementLines(data []byte) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i, l := range strings.Split(string(data), "\n") {
			if c := strings.Index(l, " #"); c >= 0 {
				l = l[:c]
			}
			if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			if !yield(i+1, l) {
				return
			}
		}
	}
}

// requirementInclude is one line of a requirements file that includes
// another: the flag as written ("-r", "--requirement") and its target.
type requirementInclude struct {
	flag, target string
	line         int
}

// requirementIncludes lists the includes of a requirements file. Constraint
// files (-c) add no package and are not listed.
func requirementIncludes(data []byte) []requirementInclude {
	var out []requirementInclude
	for line, l := range requirementLines(data) {
		var flag, rest string
		switch {
		case strings.HasPrefix(l, "--requirement="):
			flag, rest = "--requirement", l[len("--requirement="):]
		case strings.HasPrefix(l, "--requirement ") || strings.HasPrefix(l, "--requirement\t"):
			flag, rest = "--requirement", l[len("--requirement"):]
		case strings.HasPrefix(l, "-r"):
			flag, rest = "-r", l[2:]
		default:
			continue
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			out = append(out, requirementInclude{flag: flag, target: rest, line: line})
		}
	}
	return out
}

// includeName is the name an include has in the artifact: relative to the
// including file's folder, as pip and scalibr resolve it.
func includeName(from, target string) string {
	return cleanFSName(path.Join(path.Dir(from), filepath.ToSlash(target)))
}
