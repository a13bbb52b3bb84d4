package categories

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/semver"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// TestMain parses the embedded file before anything else: Lookup panics on a
// broken file, and a clear failure here beats a panic in some other package's
// test.
func TestMain(m *testing.M) {
	if _, err := parse(data); err != nil {
		fmt.Fprintln(os.Stderr, "embedded categories.yaml does not parse:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		eco, name string
		want      []string
	}{
		// PyPI: PEP 503 spellings all meet.
		{"PyPI", "sqlalchemy", []string{ORM}},
		{"PyPI", "SQLAlchemy", []string{ORM}},
		{"PyPI", "PyMySQL", []string{DBDriver}},
		{"PyPI", "pymysql", []string{DBDriver}},
		{"PyPI", "psycopg2_binary", []string{DBDriver}},
		{"PyPI", "Psycopg2.Binary", []string{DBDriver}},
		{"PyPI", "cx_Oracle", []string{DBDriver}},
		{"pypi", "django", []string{ORM}},      // ecosystem given in another case
		{"PyPI:3.12", "Django", []string{ORM}}, // ecosystem with a suffix
		{"PyPI", "redis", []string{KVStore}},
		// Maven: both Hibernate coordinates, case-insensitive.
		{"Maven", "org.hibernate:hibernate-core", []string{ORM}},
		{"Maven", "org.hibernate.orm:hibernate-core", []string{ORM}},
		{"Maven", "org.hibernate:Hibernate-Core", []string{ORM}},
		{"Maven", "org.jooq:jooq", []string{ORM, QueryBuilder}},
		{"Maven", "com.mysql:mysql-connector-j", []string{DBDriver}},
		{"Maven", "org.hibernate", nil},
		{"Maven", "hibernate-core", nil},
		// npm.
		{"npm", "@prisma/client", []string{ORM}},
		{"npm", "knex", []string{ORM, QueryBuilder}},
		{"npm", "pg", []string{DBDriver}},
		{"npm", "ioredis", []string{KVStore}},
		{"npm", "@prisma/cli", nil},
		{"npm", "prisma/client", nil},
		// Go: major-version suffixes on either side.
		{"Go", "github.com/jackc/pgx/v5", []string{DBDriver}},
		{"Go", "github.com/jackc/pgx/v4", []string{DBDriver}},
		{"Go", "github.com/jackc/pgx", []string{DBDriver}},
		{"Go", "github.com/go-pg/pg", []string{ORM}},
		{"Go", "github.com/go-pg/pg/v9", []string{ORM}},
		{"Go", "github.com/go-pg/pg/v10", []string{ORM}},
		{"Go", "github.com/volatiletech/sqlboiler/v4", []string{ORM}},
		{"Go", "go.mongodb.org/mongo-driver/v2", []string{DBDriver}},
		{"Go", "gopkg.in/mgo.v2", []string{DBDriver}},
		{"Go", "gorm.io/gorm", []string{ORM}},
		{"Go", "github.com/jmoiron/sqlx", []string{ORM, QueryBuilder}},
		{"Go", "github.com/jackc/pgx/v5/pgxpool", nil}, // a package, not the module
		{"Go", "github.com/jackc/pgx/v1", nil},         // not a valid major suffix
		{"Go", "github.com/JACKC/pgx", nil},            // Go paths are case-sensitive
		// NuGet: the EF Core family prefix, and case-insensitivity.
		{"NuGet", "Microsoft.EntityFrameworkCore", []string{ORM}},
		{"NuGet", "Microsoft.EntityFrameworkCore.SqlServer", []string{ORM}},
		{"NuGet", "microsoft.entityframeworkcore.sqlite", []string{ORM}},
		{"NuGet", "Microsoft.EntityFrameworkCoreX", nil},
		{"NuGet", "Microsoft.Entity", nil},
		{"NuGet", "npgsql", []string{DBDriver}},
		{"NuGet", "Npgsql.EntityFrameworkCore.PostgreSQL", []string{ORM}},
		// Packagist, RubyGems, crates.io.
		{"Packagist", "Doctrine/DBAL", []string{DBDriver, ORM, QueryBuilder}},
		{"Packagist", "doctrine/orm", []string{ORM}},
		{"RubyGems", "activerecord", []string{ORM}},
		{"RubyGems", "tiny_tds", []string{DBDriver}},
		{"crates.io", "SQLx", []string{DBDriver, ORM, QueryBuilder}},
		{"crates.io", "mysql-async", []string{DBDriver}},
		{"crates.io", "tokio_postgres", []string{DBDriver}},
		// Unknown packages and ecosystems.
		{"npm", "left-pad", nil},
		{"PyPI", "requests", nil},
		{"Go", "github.com/google/uuid", nil},
		{"Debian", "postgresql", nil},
		{"", "pg", nil},
		{"npm", "", nil},
	} {
		got := Lookup(c.eco, c.name)
		if !slices.Equal(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("Lookup(%q, %q) = %#v, want %#v", c.eco, c.name, got, c.want)
		}
	}
}

func TestLookupResultIsACopy(t *testing.T) {
	got := Lookup("npm", "knex")
	got[0] = "mutated"
	if again := Lookup("npm", "knex"); again[0] != ORM {
		t.Fatalf("mutating a Lookup result changed the table: %v", again)
	}
	all := All()
	all[0].Categories[0] = "mutated"
	all[0].Name = "mutated"
	if a := All(); a[0].Categories[0] == "mutated" || a[0].Name == "mutated" {
		t.Fatal("mutating All's result changed the table")
	}
}

// TestPrefixUnion checks that a name matched by a prefix entry and an exact
// entry gets both entries' categories.
func TestPrefixUnion(t *testing.T) {
	tb, err := parse([]byte(`version: 1
packages:
  NuGet:
    - {name: Acme.Data, prefix: true, categories: [orm]}
    - {name: Acme.Data.Driver, categories: [db-driver]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.lookup("NuGet", "Acme.Data"); !slices.Equal(got, []string{ORM}) {
		t.Errorf("prefix itself: got %v", got)
	}
	got := tb.lookup("NuGet", "acme.data.driver")
	if !slices.Equal(got, []string{DBDriver, ORM}) {
		t.Fatalf("got %v", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"syntax", "version: 1\npackages: [", "did not find"},
		{"unknown top field", "version: 1\nextra: 1\npackages: {npm: [{name: pg, categories: [db-driver]}]}", "field extra not found"},
		{"unknown entry field", "version: 1\npackages: {npm: [{name: pg, category: [db-driver]}]}", "field category not found"},
		{"version", "version: 2\npackages: {npm: [{name: pg, categories: [db-driver]}]}", "version 2"},
		{"no packages", "version: 1\npackages: {}", "no packages"},
		{"ecosystem", "version: 1\npackages: {pypi: [{name: pg, categories: [db-driver]}]}", "not an OSV ecosystem"},
		{"ecosystem unknown", "version: 1\npackages: {Debian: [{name: pg, categories: [db-driver]}]}", "not an OSV ecosystem"},
		{"duplicate key", "version: 1\npackages:\n  npm: [{name: pg, categories: [db-driver]}]\n  npm: [{name: pg, categories: [db-driver]}]", "already defined"},
		{"category", "version: 1\npackages: {npm: [{name: pg, categories: [database]}]}", "unknown category"},
		{"no category", "version: 1\npackages: {npm: [{name: pg}]}", "no categories"},
		{"category twice", "version: 1\npackages: {npm: [{name: pg, categories: [orm, orm]}]}", "twice"},
		{"query-builder alone", "version: 1\npackages: {npm: [{name: knex, categories: [query-builder]}]}", "without orm"},
		{"duplicate", "version: 1\npackages: {npm: [{name: pg, categories: [db-driver]}, {name: pg, categories: [orm]}]}", "same package"},
		{"duplicate normalised", "version: 1\npackages: {PyPI: [{name: PyMySQL, categories: [db-driver]}, {name: pymysql, categories: [db-driver]}]}", "same package"},
		{"duplicate go major", "version: 1\npackages: {Go: [{name: github.com/jackc/pgx, categories: [db-driver]}, {name: github.com/jackc/pgx/v5, categories: [db-driver]}]}", "same package"},
		{"bad name", "version: 1\npackages: {Maven: [{name: 'org.postgresql:postgresql:42.7.0', categories: [db-driver]}]}", "well-formed"},
	} {
		_, err := parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: parse error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestValidName(t *testing.T) {
	good := map[string][]string{
		"npm":       {"pg", "@prisma/client", "better-sqlite3", "drizzle-orm", "lodash.merge"},
		"PyPI":      {"SQLAlchemy", "psycopg2-binary", "zope.interface", "cx_Oracle", "a"},
		"Maven":     {"org.hibernate.orm:hibernate-core", "com.h2database:h2", "org.eclipse.persistence:org.eclipse.persistence.core"},
		"Go":        {"gorm.io/gorm", "github.com/jackc/pgx/v5", "gopkg.in/mgo.v2", "github.com/Masterminds/squirrel"},
		"RubyGems":  {"pg", "tiny_tds", "rom-sql", "net-http.persistent"},
		"NuGet":     {"Microsoft.EntityFrameworkCore", "MySql.Data", "Dapper", "Oracle.ManagedDataAccess.Core"},
		"Packagist": {"doctrine/orm", "illuminate/database", "mongodb/mongodb", "symfony/polyfill-php80"},
		"crates.io": {"diesel", "mysql_async", "sea-orm", "libsqlite3-sys"},
	}
	bad := map[string][]string{
		"npm":       {"Pg", "@prisma", "@Prisma/client", "pg ", " pg", "@a/b/c", ".pg", "pg@8"},
		"PyPI":      {"-sqlalchemy", "sqlalchemy-", "sql alchemy", "sqlalchemy==2.0"},
		"Maven":     {"hibernate-core", "org.hibernate:hibernate-core:6.0", ":hibernate-core", "org.hibernate:", "org hibernate:core"},
		"Go":        {"gorm", "github.com/jackc/pgx/", "github.com/jackc/pgx@v5", "-x.io/y", "github.com/a b/c"},
		"RubyGems":  {"-pg", "my gem", "pg/ext"},
		"NuGet":     {"Microsoft..EntityFrameworkCore", ".Dapper", "Dapper.", "My Package", "a/b"},
		"Packagist": {"doctrine", "Doctrine/ORM", "doctrine/orm/x", "doctrine/-orm"},
		"crates.io": {"1diesel", "sea orm", "sea.orm", "-diesel", strings.Repeat("a", 65)},
		"Debian":    {"postgresql"},
	}
	for eco, names := range good {
		for _, n := range names {
			if err := ValidName(eco, n); err != nil {
				t.Errorf("ValidName(%q, %q) = %v, want nil", eco, n, err)
			}
		}
	}
	for eco, names := range bad {
		for _, n := range names {
			if ValidName(eco, n) == nil {
				t.Errorf("ValidName(%q, %q) = nil, want an error", eco, n)
			}
		}
	}
	for _, eco := range ecosystem.All {
		if ValidName(eco, "") == nil {
			t.Errorf("ValidName(%q, \"\") = nil", eco)
		}
	}
}

// TestAll checks properties of the real data that parse does not enforce.
func TestAll(t *testing.T) {
	all := All()
	has := map[string]map[string]int{}
	for _, e := range all {
		if !slices.IsSorted(e.Categories) {
			t.Errorf("%s %s: categories %v not sorted", e.Ecosystem, e.Name, e.Categories)
		}
		if e.Prefix && e.Ecosystem != ecosystem.NuGet {
			// The header documents prefixes as used only for the EF Core
			// family; a new one must be argued for there first.
			t.Errorf("%s %s: prefix entry outside NuGet; document the family in categories.yaml and update this test", e.Ecosystem, e.Name)
		}
		if has[e.Ecosystem] == nil {
			has[e.Ecosystem] = map[string]int{}
		}
		for _, c := range e.Categories {
			has[e.Ecosystem][c]++
		}
	}
	for _, eco := range ecosystem.All {
		if has[eco][ORM] == 0 || has[eco][DBDriver] == 0 {
			t.Errorf("%s: needs at least one orm and one db-driver entry, has %v", eco, has[eco])
		}
	}
}

// TestRequiredEntries pins the packages the issue asked for, so that an
// edit cannot drop one silently.
func TestRequiredEntries(t *testing.T) {
	want := map[string]map[string][]string{
		ORM: {
			"npm":       {"sequelize", "@sequelize/core", "typeorm", "prisma", "@prisma/client", "knex", "mongoose", "objection", "@mikro-orm/core", "drizzle-orm", "bookshelf", "waterline"},
			"PyPI":      {"SQLAlchemy", "Django", "peewee", "tortoise-orm", "sqlmodel", "ormar", "piccolo", "pony", "mongoengine"},
			"Maven":     {"org.hibernate:hibernate-core", "org.hibernate.orm:hibernate-core", "org.mybatis:mybatis", "org.eclipse.persistence:eclipselink", "org.jooq:jooq", "org.springframework.data:spring-data-jpa"},
			"Go":        {"gorm.io/gorm", "github.com/jinzhu/gorm", "entgo.io/ent", "github.com/go-pg/pg", "github.com/go-pg/pg/v9", "github.com/go-pg/pg/v10", "github.com/uptrace/bun", "xorm.io/xorm", "github.com/go-xorm/xorm", "github.com/jmoiron/sqlx", "github.com/volatiletech/sqlboiler/v4"},
			"RubyGems":  {"activerecord", "sequel", "rom-sql", "mongoid"},
			"NuGet":     {"Microsoft.EntityFrameworkCore", "Microsoft.EntityFrameworkCore.SqlServer", "EntityFramework", "Dapper", "NHibernate"},
			"Packagist": {"doctrine/orm", "illuminate/database", "propel/propel"},
			"crates.io": {"diesel", "sea-orm", "sqlx", "rbatis"},
		},
		DBDriver: {
			"npm":       {"pg", "mysql", "mysql2", "sqlite3", "better-sqlite3", "mongodb", "tedious", "oracledb", "mariadb"},
			"PyPI":      {"psycopg2", "psycopg2-binary", "psycopg", "PyMySQL", "mysqlclient", "mysql-connector-python", "pymongo", "asyncpg", "aiomysql", "cx-Oracle", "oracledb", "pyodbc"},
			"Maven":     {"org.postgresql:postgresql", "mysql:mysql-connector-java", "com.mysql:mysql-connector-j", "org.mariadb.jdbc:mariadb-java-client", "com.h2database:h2", "org.xerial:sqlite-jdbc", "com.microsoft.sqlserver:mssql-jdbc", "com.oracle.database.jdbc:ojdbc8", "com.oracle.database.jdbc:ojdbc11", "org.mongodb:mongodb-driver-sync", "org.hsqldb:hsqldb", "org.apache.derby:derby"},
			"Go":        {"github.com/jackc/pgx", "github.com/jackc/pgx/v4", "github.com/jackc/pgx/v5", "github.com/lib/pq", "github.com/go-sql-driver/mysql", "github.com/mattn/go-sqlite3", "modernc.org/sqlite", "go.mongodb.org/mongo-driver", "github.com/denisenkom/go-mssqldb", "github.com/microsoft/go-mssqldb"},
			"RubyGems":  {"pg", "mysql2", "sqlite3", "mongo", "tiny_tds"},
			"NuGet":     {"Npgsql", "MySql.Data", "MySqlConnector", "Microsoft.Data.SqlClient", "System.Data.SqlClient", "Microsoft.Data.Sqlite", "MongoDB.Driver", "Oracle.ManagedDataAccess.Core"},
			"Packagist": {"mongodb/mongodb", "doctrine/dbal"},
			"crates.io": {"postgres", "tokio-postgres", "mysql", "mysql_async", "rusqlite", "mongodb", "sqlx"},
		},
	}
	for cat, byEco := range want {
		for eco, names := range byEco {
			for _, n := range names {
				if !slices.Contains(Lookup(eco, n), cat) {
					t.Errorf("Lookup(%q, %q) = %v, want it to include %s", eco, n, Lookup(eco, n), cat)
				}
			}
		}
	}
}

// evidenceRow is one line of testdata/evidence.tsv, written by verify/main.go.
type evidenceRow struct {
	line                         int
	eco, name, kind, value, date string
}

func readEvidence(t *testing.T) []evidenceRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "evidence.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []evidenceRow
	sc := bufio.NewScanner(f)
	header := false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			t.Fatalf("evidence.tsv:%d: %d columns, want 5", n, len(cols))
		}
		if !header {
			if line != "ecosystem\tname\tkind\tvalue\tdate" {
				t.Fatalf("evidence.tsv:%d: header %q", n, line)
			}
			header = true
			continue
		}
		rows = append(rows, evidenceRow{n, cols[0], cols[1], cols[2], cols[3], cols[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("evidence.tsv has no rows")
	}
	return rows
}

var (
	dateRE  = regexp.MustCompile(`^20\d\d-[01]\d-[0-3]\d$`)
	pypiRE  = regexp.MustCompile(`^\S+ \(20\d\d-[01]\d\)$`)
	osvIDRE = regexp.MustCompile(`^(GHSA|GO|PYSEC|RUSTSEC)-[0-9A-Za-z-]+$`)
	// Which registries each kind can speak for.
	kindEcos = map[string][]string{
		"npm-registry": {ecosystem.NPM},
		"go-proxy":     {ecosystem.Go},
		"pypi-index":   {ecosystem.PyPI},
		"osv-record":   ecosystem.All,
		"upstream-doc": ecosystem.All,
	}
)

// TestEvidence ties the data to the recorded evidence: every entry has a row,
// every row has an entry, and each row's value has the shape its kind needs.
func TestEvidence(t *testing.T) {
	rows := readEvidence(t)
	entries := map[string]Entry{}
	for _, e := range All() {
		entries[e.Ecosystem+"\t"+ecosystem.NormalizeName(e.Ecosystem, e.Name)] = e
	}
	seen := map[string]int{}
	for _, r := range rows {
		where := fmt.Sprintf("evidence.tsv:%d (%s %s)", r.line, r.eco, r.name)
		key := r.eco + "\t" + ecosystem.NormalizeName(r.eco, r.name)
		if prev, dup := seen[key]; dup {
			t.Errorf("%s: same package as line %d", where, prev)
		}
		seen[key] = r.line
		if _, ok := entries[key]; !ok {
			t.Errorf("%s: stale row, no such entry in categories.yaml", where)
		}
		ecos, ok := kindEcos[r.kind]
		if !ok {
			t.Errorf("%s: unknown evidence kind %q", where, r.kind)
		} else if !slices.Contains(ecos, r.eco) {
			t.Errorf("%s: kind %s cannot speak for %s", where, r.kind, r.eco)
		}
		if !dateRE.MatchString(r.date) {
			t.Errorf("%s: date %q", where, r.date)
		}
		switch r.kind {
		case "npm-registry":
			if r.value == "" || strings.ContainsAny(r.value, " \t") {
				t.Errorf("%s: version %q", where, r.value)
			}
		case "go-proxy":
			if !semver.IsValid(r.value) {
				t.Errorf("%s: version %q is not semver", where, r.value)
			}
		case "pypi-index":
			if !pypiRE.MatchString(r.value) {
				t.Errorf("%s: value %q, want \"VERSION (YYYY-MM)\"", where, r.value)
			}
		case "osv-record":
			// MAL records name malicious packages; they prove nothing good.
			if !osvIDRE.MatchString(r.value) {
				t.Errorf("%s: %q is not a usable OSV ID (MAL-* is never evidence)", where, r.value)
			}
		case "upstream-doc":
			// The URL must name the package, so a row cannot point at some
			// other package's page.
			lv, ln := strings.ToLower(r.value), strings.ToLower(r.name)
			if r.eco == ecosystem.Maven {
				ln = strings.Replace(ln, ":", "/", 1)
			}
			if !strings.HasPrefix(lv, "https://") || !strings.HasSuffix(lv, "/"+ln) {
				t.Errorf("%s: URL %q does not end in the package name", where, r.value)
			}
		}
	}
	for key, e := range entries {
		if _, ok := seen[key]; !ok {
			t.Errorf("%s %s: no evidence row; run go run ./lockfiles/categories/verify/main.go", e.Ecosystem, e.Name)
		}
	}
}

// osvDir is the offline OSV export beside the checkout (shared/osv); the
// package directory is <root>/lockfiles/categories.
var osvDir = filepath.Join("..", "..", "..", "shared", "osv")

// TestOSVEvidence re-checks every osv-record row against the export: the
// record must exist in that ecosystem's all.zip, not be withdrawn, and name the
// package in that ecosystem.
func TestOSVEvidence(t *testing.T) {
	if _, err := os.Stat(osvDir); err != nil {
		t.Skipf("offline OSV export not found at %s (%v); osv-record rows not re-checked", osvDir, err)
	}
	zips := map[string]map[string]*zip.File{}
	checked := 0
	for _, r := range readEvidence(t) {
		if r.kind != "osv-record" {
			continue
		}
		where := fmt.Sprintf("evidence.tsv:%d (%s %s %s)", r.line, r.eco, r.name, r.value)
		files, ok := zips[r.eco]
		if !ok {
			zr, err := zip.OpenReader(filepath.Join(osvDir, r.eco, "all.zip"))
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			defer zr.Close()
			files = map[string]*zip.File{}
			for _, f := range zr.File {
				files[f.Name] = f
			}
			zips[r.eco] = files
		}
		f, ok := files[r.value+".json"]
		if !ok {
			t.Errorf("%s: no such record in %s/all.zip", where, r.eco)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
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
			t.Fatalf("%s: %v", where, err)
		}
		if rec.ID != r.value || rec.Withdrawn != "" {
			t.Errorf("%s: record id %q withdrawn %q", where, rec.ID, rec.Withdrawn)
		}
		named := false
		for _, a := range rec.Affected {
			if ecosystem.Base(a.Package.Ecosystem) == r.eco &&
				ecosystem.NormalizeName(r.eco, a.Package.Name) == ecosystem.NormalizeName(r.eco, r.name) {
				named = true
			}
		}
		if !named {
			t.Errorf("%s: record does not name the package", where)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no osv-record rows to check; the evidence file lost them")
	}
	t.Logf("re-checked %d osv-record rows against %s", checked, osvDir)
}
