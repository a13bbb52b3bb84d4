//go:build ignore

// Command verify records evidence that every entry in categories.yaml names a
// real package, and writes it to testdata/evidence.tsv. The package tests run
// offline and check that file against the data (no entry without evidence, no
// stale rows, OSV record IDs re-checked against the OSV export); this program
// is the only part that talks to registries.
//
// Run from the module root:
//
//	go run ./lockfiles/categories/verify/main.go
//
// Where the evidence comes from, by ecosystem:
//
//   - npm: the npm registry, `npm view NAME name version --json` (npm-registry,
//     value = latest version).
//   - Go: the module proxy, `go list -m -json PATH@latest` in a scratch module
//     (go-proxy, value = latest version). The proxy reachable from the
//     development machines refuses some modules (403 "not available"); those
//     fall back to an OSV record and then to checkedDocs as below, with a
//     pkg.go.dev URL.
//   - PyPI: the PyPI package list in the workplace library (-pypi flag; not
//     available in CI) (pypi-index, value = "version (month of release)").
//   - Maven, RubyGems, NuGet, Packagist, crates.io: their registries are not
//     reachable from the development machines. First choice is an OSV record
//     in the offline export (-osv flag) that names the package (osv-record,
//     value = record ID). Malicious-package (MAL-*) and withdrawn records are
//     never used: a MAL record proves only that some package by that name was
//     once malicious, which is the opposite of what we want to show. Failing
//     that, the entry must be listed in checkedDocs below (upstream-doc,
//     value = the package's registry page URL). Those were NOT fetched by this
//     program; see checkedDocs for what was checked and how.
//
// The program exits non-zero, writing nothing, if any entry lacks evidence or
// a registry answers with a different package name.
package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles/categories"
)

// checkedDocsDate is when checkedDocs was last reviewed.
const checkedDocsDate = "2026-11-23"

// checkedDocs lists entries of unreachable registries with no usable OSV
// record. For each, on checkedDocsDate, the registry page URL that
// docURL derives (mvnrepository.com, rubygems.org, nuget.org, packagist.org,
// crates.io) was looked up verbatim in a public-source code index and found
// linked from several unrelated projects' READMEs/build files (with the name
// followed by a delimiter, so e.g. crates.io/crates/mysql was not accepted on
// the strength of mysql_async links). Exceptions are noted inline. This is
// second-hand evidence; a new entry should be checked the same way before it
// is added here.
var checkedDocs = map[string][]string{
	ecosystem.Maven: {
		"org.hibernate.orm:hibernate-core",
		"org.mybatis:mybatis",
		"org.eclipse.persistence:eclipselink",
		// Not seen as an mvnrepository URL; seen as the coordinate
		// mvn:org.eclipse.persistence/org.eclipse.persistence.core/2.x in
		// several Karaf feature files and Gradle caches.
		"org.eclipse.persistence:org.eclipse.persistence.core",
		"org.jooq:jooq",
		"org.springframework.data:spring-data-jpa",
		"org.postgresql:postgresql",
		"mysql:mysql-connector-java",
		"com.mysql:mysql-connector-j",
		"org.mariadb.jdbc:mariadb-java-client",
		"com.h2database:h2",
		"org.xerial:sqlite-jdbc",
		"com.microsoft.sqlserver:mssql-jdbc",
		"com.oracle.database.jdbc:ojdbc8",
		"com.oracle.database.jdbc:ojdbc11",
		"org.mongodb:mongodb-driver-sync",
		"org.hsqldb:hsqldb",
		"org.apache.derby:derby",
		"redis.clients:jedis",
		"io.lettuce:lettuce-core",
	},
	// The module proxy here answers 403 for these two; the pkg.go.dev URL
	// was found linked, and the import path imported, by many projects.
	ecosystem.Go: {
		"github.com/go-xorm/xorm",
		"github.com/volatiletech/sqlboiler/v4",
	},
	ecosystem.RubyGems: {
		"sequel", "rom-sql", "mongoid", "pg", "mysql2", "sqlite3", "mongo",
		"tiny_tds", "redis",
	},
	ecosystem.NuGet: {
		"Microsoft.EntityFrameworkCore", "EntityFramework", "Dapper",
		"NHibernate", "Npgsql.EntityFrameworkCore.PostgreSQL",
		"Pomelo.EntityFrameworkCore.MySql", "Npgsql", "MySql.Data",
		"MySqlConnector", "Microsoft.Data.SqlClient", "System.Data.SqlClient",
		"Microsoft.Data.Sqlite", "System.Data.SQLite", "MongoDB.Driver",
		"Oracle.ManagedDataAccess.Core", "Oracle.ManagedDataAccess",
		"StackExchange.Redis",
	},
	ecosystem.Packagist: {
		"doctrine/orm", "doctrine/dbal", "doctrine/mongodb-odm",
		"illuminate/database", "propel/propel", "mongodb/mongodb",
		"predis/predis",
	},
	ecosystem.CratesIO: {
		"sea-orm", "rbatis", "postgres", "mysql", "mysql_async", "mongodb",
		"redis",
	},
}

func docURL(eco, name string) string {
	switch eco {
	case ecosystem.Maven:
		g, a, _ := strings.Cut(name, ":")
		return "https://mvnrepository.com/artifact/" + g + "/" + a
	case ecosystem.RubyGems:
		return "https://rubygems.org/gems/" + name
	case ecosystem.NuGet:
		return "https://www.nuget.org/packages/" + name
	case ecosystem.Packagist:
		return "https://packagist.org/packages/" + name
	case ecosystem.CratesIO:
		return "https://crates.io/crates/" + name
	case ecosystem.Go:
		return "https://pkg.go.dev/" + name
	}
	return ""
}

type row struct{ eco, name, kind, value, date string }

func main() {
	osvDir := flag.String("osv", "/work/shared/osv", "offline OSV export (<dir>/<Ecosystem>/all.zip)")
	pypiList := flag.String("pypi", "/work/.library/env/packages/pypi.tsv", "PyPI package list: name version month rank summary")
	out := flag.String("out", "lockfiles/categories/testdata/evidence.tsv", "output file")
	flag.Parse()

	today := time.Now().UTC().Format("2006-01-02")
	pypi, err := loadPyPI(*pypiList)
	if err != nil {
		fatal(err)
	}
	osv := map[string]map[string][]string{}
	for _, eco := range []string{ecosystem.Go, ecosystem.Maven, ecosystem.RubyGems, ecosystem.NuGet, ecosystem.Packagist, ecosystem.CratesIO} {
		if osv[eco], err = osvIndex(filepath.Join(*osvDir, eco, "all.zip"), eco); err != nil {
			fatal(err)
		}
	}
	gomod, err := scratchModule()
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(gomod)

	docs := map[string]bool{}
	for eco, names := range checkedDocs {
		for _, n := range names {
			docs[eco+"\t"+ecosystem.NormalizeName(eco, n)] = true
		}
	}
	usedDocs := map[string]bool{}

	var rows []row
	var problems []string
	for _, e := range categories.All() {
		r := row{eco: e.Ecosystem, name: e.Name, date: today}
		norm := ecosystem.NormalizeName(e.Ecosystem, e.Name)
		switch e.Ecosystem {
		case ecosystem.NPM:
			r.kind = "npm-registry"
			r.value, err = npmLatest(e.Name)
		case ecosystem.Go:
			r.kind = "go-proxy"
			if r.value, err = goLatest(gomod, e.Name); err != nil {
				fmt.Fprintf(os.Stderr, "%s %s: %v; trying OSV and checkedDocs\n", e.Ecosystem, e.Name, err)
				r, err = secondHand(r, norm, osv, docs, usedDocs)
			}
		case ecosystem.PyPI:
			r.kind = "pypi-index"
			if v, ok := pypi[norm]; ok {
				r.value = v
			} else {
				err = fmt.Errorf("not in %s", *pypiList)
			}
		default:
			r, err = secondHand(r, norm, osv, docs, usedDocs)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %s: %v", e.Ecosystem, e.Name, err))
			err = nil
			continue
		}
		fmt.Fprintf(os.Stderr, "%-9s %-45s %-12s %s\n", r.eco, r.name, r.kind, r.value)
		rows = append(rows, r)
	}
	// checkedDocs rows that no entry needs are either stale or shadowed by an
	// OSV record; only the stale ones are a mistake.
	for k := range docs {
		eco, norm, _ := strings.Cut(k, "\t")
		if !usedDocs[k] && len(osv[eco][norm]) == 0 {
			problems = append(problems, fmt.Sprintf("checkedDocs %s %s: no such entry", eco, norm))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		fatal(fmt.Errorf("evidence missing:\n  %s", strings.Join(problems, "\n  ")))
	}

	var b strings.Builder
	b.WriteString("# Evidence that each categories.yaml entry names a real package. Generated by\n")
	b.WriteString("# verify/main.go; do not edit by hand. Kinds: npm-registry and go-proxy = the\n")
	b.WriteString("# registry answered with this latest version; pypi-index = listed in a PyPI\n")
	b.WriteString("# package index snapshot (version and release month); osv-record = an OSV\n")
	b.WriteString("# advisory (never MAL-*) in the offline export names the package; upstream-doc\n")
	b.WriteString("# = registry page not fetched here, but found linked from independent public\n")
	b.WriteString("# projects on that date (see checkedDocs in verify/main.go).\n")
	b.WriteString("ecosystem\tname\tkind\tvalue\tdate\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", r.eco, r.name, r.kind, r.value, r.date)
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %d rows to %s\n", len(rows), *out)
}

// secondHand finds evidence for a package whose registry cannot be asked:
// a usable OSV record, else a checkedDocs listing.
func secondHand(r row, norm string, osv map[string]map[string][]string, docs, usedDocs map[string]bool) (row, error) {
	if ids := osv[r.eco][norm]; len(ids) > 0 {
		r.kind, r.value = "osv-record", ids[0]
		return r, nil
	}
	if k := r.eco + "\t" + norm; docs[k] {
		usedDocs[k] = true
		r.kind, r.value, r.date = "upstream-doc", docURL(r.eco, r.name), checkedDocsDate
		return r, nil
	}
	return r, fmt.Errorf("no non-MAL OSV record and not in checkedDocs")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "verify:", err)
	os.Exit(1)
}

func npmLatest(name string) (string, error) {
	cmd := exec.Command("npm", "view", name, "name", "version", "--json")
	cmd.Stderr = io.Discard // npm prints config warnings there
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("npm view: %v", err)
	}
	var v struct{ Name, Version string }
	if err := json.Unmarshal(b, &v); err != nil {
		return "", fmt.Errorf("npm view: %v: %s", err, b)
	}
	if v.Name != name || v.Version == "" {
		return "", fmt.Errorf("npm answered name %q version %q", v.Name, v.Version)
	}
	return v.Version, nil
}

// scratchModule makes an empty module so that `go list -m PATH@latest` asks the
// proxy without touching this repository's go.mod.
func scratchModule() (string, error) {
	dir, err := os.MkdirTemp("", "categories-verify")
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module verify.invalid/scratch\n\ngo 1.21\n"), 0o644)
}

func goLatest(dir, path string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-json", path+"@latest")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var m struct{ Path, Version string }
	if err := json.Unmarshal(b, &m); err != nil {
		return "", err
	}
	if m.Path != path || m.Version == "" {
		return "", fmt.Errorf("proxy answered %q %q", m.Path, m.Version)
	}
	return m.Version, nil
}

func loadPyPI(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 3 {
			continue
		}
		out[ecosystem.NormalizeName(ecosystem.PyPI, cols[0])] = cols[1] + " (" + cols[2] + ")"
	}
	return out, sc.Err()
}

// osvIndex maps normalised package names to the sorted IDs of the usable OSV
// records (not MAL-*, not withdrawn) that name them in the ecosystem.
func osvIndex(path, eco string) (map[string][]string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	idx := map[string][]string{}
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "MAL-") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		var rec struct {
			ID        string `json:"id"`
			Withdrawn string `json:"withdrawn"`
			Affected  []struct {
				Package struct{ Ecosystem, Name string } `json:"package"`
			} `json:"affected"`
		}
		err = json.NewDecoder(rc).Decode(&rec)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v", path, f.Name, err)
		}
		if rec.Withdrawn != "" {
			continue
		}
		for _, a := range rec.Affected {
			if ecosystem.Base(a.Package.Ecosystem) == eco {
				n := ecosystem.NormalizeName(eco, a.Package.Name)
				if !contains(idx[n], rec.ID) {
					idx[n] = append(idx[n], rec.ID)
				}
			}
		}
	}
	for _, ids := range idx {
		sort.Strings(ids)
	}
	return idx, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
