// Package categories tags packages by what they are for, so that fnguard can
// mark ORMs and database drivers in every output and judge their advisories
// more strictly. The data is a curated file, categories.yaml, embedded at
// build time; its header documents the categories and matching rules.
//
// The file is turned into Go at development time (table_gen.go): parsing the
// YAML cost every run about 3-12 ms and 400 KB of allocations; building the
// lookup indexes from the generated table costs microseconds, on first use.
// After editing categories.yaml run `go generate ./lockfiles/categories`;
// TestGenerated fails while the two disagree.
package categories

//go:generate go test -run ^TestGenerated$ -update .

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/module"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// The categories an entry may carry. categories.yaml explains each.
const (
	ORM          = "orm"
	DBDriver     = "db-driver"
	QueryBuilder = "query-builder"
	KVStore      = "kv-store"
)

// Known lists every allowed category, sorted.
var Known = []string{DBDriver, KVStore, ORM, QueryBuilder}

// Entry is one curated package (or package family, when Prefix is set).
type Entry struct {
	Ecosystem  string   // OSV ecosystem name, canonical spelling
	Name       string   // as written in the data file, ecosystem-native form
	Prefix     bool     // also matches Name + separator + anything
	Categories []string // sorted, no duplicates
	Note       string
}

//go:embed categories.yaml
var data []byte

type file struct {
	Version  int                    `yaml:"version"`
	Packages map[string][]fileEntry `yaml:"packages"`
}

type fileEntry struct {
	Name       string   `yaml:"name"`
	Prefix     bool     `yaml:"prefix"`
	Categories []string `yaml:"categories"`
	Note       string   `yaml:"note"`
}

// table is the parsed data plus the indexes Lookup uses.
type table struct {
	entries  []Entry
	exact    map[string]map[string][]string // eco -> match key -> categories
	prefixes map[string][]prefixEntry       // eco -> prefix entries
}

type prefixEntry struct {
	key        string
	categories []string
}

var (
	loadOnce sync.Once
	loaded   *table
	loadErr  error
)

// load indexes the generated table once. The table comes from the embedded
// file, so an error is a build defect, not a runtime condition: Lookup panics
// on it and the package tests check the same data so that CI catches it first.
func load() *table {
	loadOnce.Do(func() { loaded, loadErr = index(generated) })
	if loadErr != nil {
		panic("lockfiles/categories: embedded categories.yaml: " + loadErr.Error())
	}
	return loaded
}

// Lookup returns the categories of a package, sorted, nil if none. eco is an
// OSV ecosystem name (any case, "PyPI:3.12" style suffixes ignored); name is in
// ecosystem-native form and is matched through ecosystem.NormalizeName, plus
// the Go major-version and prefix rules documented in categories.yaml.
func Lookup(eco, name string) []string { return load().lookup(eco, name) }

func (t *table) lookup(eco, name string) []string {
	eco = ecosystem.Canonical(eco)
	if eco == "" {
		return nil
	}
	key := matchKey(eco, name)
	if key == "" {
		return nil
	}
	var cats []string
	cats = append(cats, t.exact[eco][key]...)
	for _, p := range t.prefixes[eco] {
		if prefixMatches(p.key, key) {
			cats = append(cats, p.categories...)
		}
	}
	if len(cats) == 0 {
		return nil
	}
	sort.Strings(cats)
	return slices.Compact(cats)
}

// All returns every entry in file order (by ecosystem in ecosystem.All order,
// then as written). The result is a copy; callers may modify it.
func All() []Entry {
	t := load()
	out := make([]Entry, len(t.entries))
	for i, e := range t.entries {
		e.Categories = slices.Clone(e.Categories)
		out[i] = e
	}
	return out
}

// matchKey is the normalised name used for comparisons. Go module paths also
// lose their major-version suffix so that one entry covers a module's v2+
// paths (github.com/jackc/pgx and github.com/jackc/pgx/v5 are one driver).
func matchKey(eco, name string) string {
	key := ecosystem.NormalizeName(eco, name)
	if eco == ecosystem.Go {
		if prefix, _, ok := module.SplitPathVersion(key); ok {
			key = prefix
		}
	}
	return key
}

// prefixMatches reports whether key is the prefix itself or continues it after
// a separator, so that Microsoft.EntityFrameworkCore matches
// Microsoft.EntityFrameworkCore.SqlServer but not Microsoft.EntityFrameworkCoreX.
func prefixMatches(prefix, key string) bool {
	if !strings.HasPrefix(key, prefix) {
		return false
	}
	if len(key) == len(prefix) {
		return true
	}
	return strings.ContainsRune(".-_:/", rune(key[len(prefix)]))
}

// parse reads categories.yaml into the lookup table.
func parse(b []byte) (*table, error) {
	entries, err := parseEntries(b)
	if err != nil {
		return nil, err
	}
	return index(entries)
}

// parseEntries validates the YAML and returns its entries in file order.
func parseEntries(b []byte) ([]Entry, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("version %d, want 1", f.Version)
	}
	var entries []Entry
	for eco := range f.Packages {
		if ecosystem.Canonical(eco) != eco {
			return nil, fmt.Errorf("packages.%s: not an OSV ecosystem name fnguard inventories", eco)
		}
	}
	for _, eco := range ecosystem.All {
		seen := map[string]string{}
		for i, fe := range f.Packages[eco] {
			where := fmt.Sprintf("packages.%s[%d] (%s)", eco, i, fe.Name)
			if err := ValidName(eco, fe.Name); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			cats, err := validCategories(fe.Categories)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			key := matchKey(eco, fe.Name)
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("%s: same package as %q", where, prev)
			}
			seen[key] = fe.Name
			entries = append(entries, Entry{
				Ecosystem: eco, Name: fe.Name, Prefix: fe.Prefix,
				Categories: cats, Note: fe.Note,
			})
		}
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("no packages")
	}
	return entries, nil
}

// index builds the lookup maps of validated entries.
func index(entries []Entry) (*table, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("no packages")
	}
	t := &table{
		entries:  entries,
		exact:    map[string]map[string][]string{},
		prefixes: map[string][]prefixEntry{},
	}
	for _, e := range entries {
		key := matchKey(e.Ecosystem, e.Name)
		if e.Prefix {
			t.prefixes[e.Ecosystem] = append(t.prefixes[e.Ecosystem], prefixEntry{key, e.Categories})
			continue
		}
		if t.exact[e.Ecosystem] == nil {
			t.exact[e.Ecosystem] = map[string][]string{}
		}
		t.exact[e.Ecosystem][key] = e.Categories
	}
	return t, nil
}

func validCategories(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("no categories")
	}
	cats := slices.Clone(in)
	sort.Strings(cats)
	for i, c := range cats {
		if !slices.Contains(Known, c) {
			return nil, fmt.Errorf("unknown category %q (known: %s)", c, strings.Join(Known, ", "))
		}
		if i > 0 && cats[i-1] == c {
			return nil, fmt.Errorf("category %q twice", c)
		}
	}
	// query-builder qualifies orm; alone it would escape the ORM judgement.
	if slices.Contains(cats, QueryBuilder) && !slices.Contains(cats, ORM) {
		return nil, fmt.Errorf("%s without %s", QueryBuilder, ORM)
	}
	return cats, nil
}

// Name syntax per ecosystem, as the registries accept it. These are
// deliberately the registries' rules, not looser ones, so that a typo such as
// a stray space or a Maven coordinate with a version fails the load. They
// are compiled on first use: the table is generated at build time, so most
// runs never check a name.
var names = sync.OnceValue(func() (n struct{ npm, pypi, maven, nuget, packagist, crate, gem *regexp.Regexp }) {
	// npm: lowercase, optional @scope/, URL-safe characters, <= 214 chars.
	n.npm = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$`)
	// PyPI (PEP 508 project names).
	n.pypi = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	// Maven groupId and artifactId characters, as Maven's model validator allows.
	n.maven = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	// NuGet package ids.
	n.nuget = regexp.MustCompile(`^[A-Za-z0-9_]+([.-][A-Za-z0-9_]+)*$`)
	// Composer: vendor/package, lowercase.
	n.packagist = regexp.MustCompile(`^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]?|-{0,2})[a-z0-9]+)*$`)
	// crates.io: ASCII alphanumerics, - and _, starting with a letter, <= 64.
	n.crate = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
	// RubyGems: the gem name charset (letters, digits, - _ .), not starting
	// with a separator.
	n.gem = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	return n
})

// ValidName reports whether name is well formed for the ecosystem's registry.
func ValidName(eco, name string) error {
	if name == "" || strings.TrimSpace(name) != name {
		return fmt.Errorf("empty name or surrounding space")
	}
	ok := false
	switch eco {
	case ecosystem.NPM:
		ok = len(name) <= 214 && names().npm.MatchString(name)
	case ecosystem.PyPI:
		ok = names().pypi.MatchString(name)
	case ecosystem.Maven:
		g, a, found := strings.Cut(name, ":")
		ok = found && names().maven.MatchString(g) && names().maven.MatchString(a)
	case ecosystem.Go:
		if err := module.CheckPath(name); err != nil {
			return err
		}
		ok = true
	case ecosystem.RubyGems:
		ok = names().gem.MatchString(name)
	case ecosystem.NuGet:
		ok = len(name) <= 100 && names().nuget.MatchString(name)
	case ecosystem.Packagist:
		ok = names().packagist.MatchString(name)
	case ecosystem.CratesIO:
		ok = names().crate.MatchString(name)
	default:
		return fmt.Errorf("ecosystem %q not supported", eco)
	}
	if !ok {
		return fmt.Errorf("not a well-formed %s package name", eco)
	}
	return nil
}
