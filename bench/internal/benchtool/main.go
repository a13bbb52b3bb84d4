// Command benchtool is a small standard-library-only helper for the scripts
// under bench/. It is not part of fnguard.
//
//	benchtool cdxcompare -expected NAME.expected.json -bom BOM.cdx.json [-label TOOL]
//	    compares the (ecosystem, name, version) triples named by the purls of a
//	    CycloneDX JSON BOM with a fixture's ground-truth inventory.
//	benchtool osvtsv OSV-SCANNER.json
//	    prints "ecosystem\tpackage\tversion\tsorted advisory IDs" per package
//	    from osv-scanner's JSON output (merging the same package across sources).
//	benchtool median FILE...  (or stdin)
//	    prints the median of the numbers, one per line.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "cdxcompare":
		err = cdxCompare(os.Args[2:])
	case "osvtsv":
		err = osvTSV(os.Args[2:])
	case "cdxdiff":
		err = cdxDiff(os.Args[2:])
	case "median":
		err = median(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool cdxcompare -expected E.json -bom B.json | osvtsv F.json | median [FILE...]")
	os.Exit(2)
}

// ---------------------------------------------------------------- inventory

type pkg struct {
	Eco, Name, Version string
}

func (p pkg) String() string { return p.Eco + ":" + p.Name + "@" + p.Version }

var pypiNorm = regexp.MustCompile(`[-_.]+`)

// key is the comparison key: names and versions normalised only where the
// ecosystem itself says they are equal (PyPI names per PEP 503; Go versions
// with and without the "v"/"go" prefix).
func (p pkg) key() string {
	name, ver := p.Name, p.Version
	switch p.Eco {
	case "PyPI":
		name = strings.ToLower(pypiNorm.ReplaceAllString(name, "-"))
	case "Go":
		ver = strings.TrimPrefix(strings.TrimPrefix(ver, "go"), "v")
	}
	return p.Eco + "|" + name + "|" + ver
}

var purlTypes = map[string]string{
	"npm":      "npm",
	"pypi":     "PyPI",
	"maven":    "Maven",
	"golang":   "Go",
	"gem":      "RubyGems",
	"cargo":    "crates.io",
	"nuget":    "NuGet",
	"composer": "Packagist",
}

// parsePurl returns the OSV-style identity of a purl, or ok=false.
func parsePurl(purl string) (pkg, bool) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return pkg{}, false
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	version := ""
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		version = rest[i+1:]
		rest = rest[:i]
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	if len(segs) < 2 {
		return pkg{}, false
	}
	typ := strings.ToLower(segs[0])
	for i := range segs {
		if s, err := url.PathUnescape(segs[i]); err == nil {
			segs[i] = s
		}
	}
	if v, err := url.PathUnescape(version); err == nil {
		version = v
	}
	ns, name := segs[1:len(segs)-1], segs[len(segs)-1]
	eco, known := purlTypes[typ]
	if !known {
		eco = "purl-" + typ
	}
	full := name
	switch typ {
	case "maven":
		if len(ns) > 0 {
			full = strings.Join(ns, ".") + ":" + name
		}
	default:
		if len(ns) > 0 {
			full = strings.Join(ns, "/") + "/" + name
		}
	}
	return pkg{eco, full, version}, true
}

type cdxComponent struct {
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	Group      string         `json:"group"`
	Purl       string         `json:"purl"`
	Type       string         `json:"type"`
	Components []cdxComponent `json:"components"`
}

type cdxBOM struct {
	BOMFormat  string         `json:"bomFormat"`
	Components []cdxComponent `json:"components"`
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func cdxCompare(args []string) error {
	fs := flag.NewFlagSet("cdxcompare", flag.ExitOnError)
	expPath := fs.String("expected", "", "fixture NAME.expected.json")
	bomPath := fs.String("bom", "", "CycloneDX JSON BOM")
	label := fs.String("label", "tool", "tool name for the output")
	fs.Parse(args)
	if *expPath == "" || *bomPath == "" {
		return fmt.Errorf("cdxcompare needs -expected and -bom")
	}
	var exp []pkg
	var raw []struct{ Ecosystem, Name, Version, Path string }
	if err := readJSON(*expPath, &raw); err != nil {
		return err
	}
	expSet := map[string]pkg{}
	for _, r := range raw {
		p := pkg{r.Ecosystem, r.Name, r.Version}
		if _, dup := expSet[p.key()]; !dup {
			exp = append(exp, p)
		}
		expSet[p.key()] = p
	}
	var bom cdxBOM
	if err := readJSON(*bomPath, &bom); err != nil {
		return err
	}
	found := map[string]pkg{}
	var noPurl []string
	var walk func([]cdxComponent)
	walk = func(cs []cdxComponent) {
		for _, c := range cs {
			if p, ok := parsePurl(c.Purl); ok {
				if _, dup := found[p.key()]; !dup {
					found[p.key()] = p
				}
			} else if c.Type != "file" {
				n := c.Name
				if c.Group != "" {
					n = c.Group + "/" + n
				}
				noPurl = append(noPurl, fmt.Sprintf("%s@%s(%s)", n, c.Version, c.Type))
			}
			walk(c.Components)
		}
	}
	walk(bom.Components)

	var hit, missing, extra []string
	for k, p := range expSet {
		if _, ok := found[k]; ok {
			hit = append(hit, p.String())
		} else {
			missing = append(missing, p.String())
		}
	}
	for k, p := range found {
		if _, ok := expSet[k]; !ok {
			extra = append(extra, p.String())
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(noPurl)
	fmt.Printf("SUMMARY %s expected=%d found=%d missing=%d extra=%d components=%d nopurl=%d\n",
		*label, len(expSet), len(hit), len(missing), len(extra), len(found), len(noPurl))
	for _, m := range missing {
		fmt.Printf("  %s missing: %s\n", *label, m)
	}
	for _, x := range extra {
		fmt.Printf("  %s extra:   %s\n", *label, x)
	}
	for _, x := range noPurl {
		fmt.Printf("  %s no-purl: %s\n", *label, x)
	}
	return nil
}

// ------------------------------------------------------------- osv-scanner

type osvOutput struct {
	Results []struct {
		Source struct {
			Path string `json:"path"`
			Type string `json:"type"`
		} `json:"source"`
		Packages []struct {
			Package struct {
				Name      string `json:"name"`
				Version   string `json:"version"`
				Ecosystem string `json:"ecosystem"`
			} `json:"package"`
			Vulnerabilities []struct {
				ID string `json:"id"`
			} `json:"vulnerabilities"`
		} `json:"packages"`
	} `json:"results"`
}

func osvTSV(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("osvtsv needs one JSON file")
	}
	var out osvOutput
	if err := readJSON(args[0], &out); err != nil {
		return err
	}
	type row struct {
		p   pkg
		ids map[string]bool
	}
	rows := map[pkg]*row{}
	for _, r := range out.Results {
		for _, p := range r.Packages {
			k := pkg{p.Package.Ecosystem, p.Package.Name, p.Package.Version}
			rw := rows[k]
			if rw == nil {
				rw = &row{k, map[string]bool{}}
				rows[k] = rw
			}
			for _, v := range p.Vulnerabilities {
				rw.ids[v.ID] = true
			}
		}
	}
	keys := make([]pkg, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Eco != b.Eco {
			return a.Eco < b.Eco
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Version < b.Version
	})
	fmt.Println("ecosystem\tpackage\tversion\tadvisory_ids")
	for _, k := range keys {
		ids := make([]string, 0, len(rows[k].ids))
		for id := range rows[k].ids {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		s := strings.Join(ids, ",")
		if s == "" {
			s = "-"
		}
		fmt.Printf("%s\t%s\t%s\t%s\n", k.Eco, k.Name, k.Version, s)
	}
	return nil
}

// ------------------------------------------------------------------ median

func median(args []string) error {
	var data []byte
	var err error
	if len(args) == 0 {
		data, err = io.ReadAll(os.Stdin)
	} else {
		for _, a := range args {
			b, e := os.ReadFile(a)
			if e != nil {
				return e
			}
			data = append(data, b...)
			data = append(data, '\n')
		}
	}
	if err != nil {
		return err
	}
	var xs []float64
	for _, f := range strings.Fields(string(data)) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", f)
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		return fmt.Errorf("no numbers")
	}
	sort.Float64s(xs)
	n := len(xs)
	m := xs[n/2]
	if n%2 == 0 {
		m = (xs[n/2-1] + xs[n/2]) / 2
	}
	fmt.Println(strconv.FormatFloat(math.Round(m*1000)/1000, 'f', -1, 64))
	return nil
}

// bomPackages returns the purl identities of every component (nested ones
// included) of a CycloneDX JSON BOM, keyed by pkg.key.
func bomPackages(path string) (map[string]pkg, error) {
	var bom cdxBOM
	if err := readJSON(path, &bom); err != nil {
		return nil, err
	}
	found := map[string]pkg{}
	var walk func([]cdxComponent)
	walk = func(cs []cdxComponent) {
		for _, c := range cs {
			if p, ok := parsePurl(c.Purl); ok {
				if _, dup := found[p.key()]; !dup {
					found[p.key()] = p
				}
			}
			walk(c.Components)
		}
	}
	walk(bom.Components)
	return found, nil
}

// cdxDiff prints the packages one BOM names and the other does not.
func cdxDiff(args []string) error {
	fs := flag.NewFlagSet("cdxdiff", flag.ExitOnError)
	a := fs.String("a", "", "first BOM")
	b := fs.String("b", "", "second BOM")
	la := fs.String("la", "a", "label of the first BOM")
	lb := fs.String("lb", "b", "label of the second BOM")
	fs.Parse(args)
	if *a == "" || *b == "" {
		return fmt.Errorf("cdxdiff needs -a and -b")
	}
	pa, err := bomPackages(*a)
	if err != nil {
		return err
	}
	pb, err := bomPackages(*b)
	if err != nil {
		return err
	}
	only := func(x, y map[string]pkg) []string {
		var out []string
		for k, p := range x {
			if _, ok := y[k]; !ok {
				out = append(out, p.String())
			}
		}
		sort.Strings(out)
		return out
	}
	oa, ob := only(pa, pb), only(pb, pa)
	fmt.Printf("only %s: %d, only %s: %d\n", *la, len(oa), *lb, len(ob))
	for _, s := range oa {
		fmt.Printf("  only %s: %s\n", *la, s)
	}
	for _, s := range ob {
		fmt.Printf("  only %s: %s\n", *lb, s)
	}
	return nil
}
