package main

import (
	"archive/zip"
	"bytes"
	"context"
	"github.com/fnguard/fnguard/report"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/vulndb"
)

// maliciousDB is the example database plus the real MAL-2025-244 record
// (testdata/osv, copied from osv.dev's npm export): a malicious package
// whose record covers every version.
func maliciousDB(t *testing.T, dir string) string {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join("..", "..", "examples", "osv", "npm", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	copyTo := func(name string, r io.Reader) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		copyTo(f.Name, rc)
		rc.Close()
	}
	mal, err := os.Open(filepath.Join("testdata", "osv", "MAL-2025-244.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer mal.Close()
	copyTo("MAL-2025-244.json", mal)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "export")
	if err := os.MkdirAll(filepath.Join(src, "npm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "npm", "all.zip"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "mal.db")
	if _, err := vulndb.Import(context.Background(), db, src); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCLIIssue12 pins the fixes of issue 12 that show on the command line.
func TestCLIIssue12(t *testing.T) {
	tmp := t.TempDir()
	db := maliciousDB(t, tmp)
	dbEnv := map[string]string{"FNGUARD_DB": db, "SOURCE_DATE_EPOCH": epoch}
	ex := "$REPO/examples/orders-function.zip"
	cases := []cliCase{
		// Item 3: malicious in every version fails with or without a
		// version, and says to remove it.
		{name: "check-malicious-unversioned", args: []string{"check", "pkg:npm/spark-ar-libs"}, env: dbEnv},
		{name: "check-malicious-versioned", args: []string{"check", "npm/spark-ar-libs@1.0.0"}, env: dbEnv},
		// Item 3: a name no advisory mentions is unknown, not clean.
		{name: "check-unknown-name", args: []string{"check", "npm/loadsh@4.17.21", "npm/loadsh"}, env: dbEnv},
		// Go fixed versions carry their "v" as in scan.
		// Item 4: unknown subcommands exit 2 with a suggestion.
		{name: "db-unknown-subcommand", args: []string{"db", "updte"}, env: dbEnv},
		{name: "unknown-command", args: []string{"scna"}},
		// README: db status without a database does not talk about --offline.
		{name: "db-status-no-db", args: []string{"db", "status"}},
		// README: 7d is accepted by --max-db-age.
		{name: "scan-max-db-age-days", args: []string{"scan", "--offline", "--max-db-age", "7d", "-q", ex}, env: dbEnv},
		{name: "scan-max-db-age-bad", args: []string{"scan", "--offline", "--max-db-age", "7x", ex}, env: dbEnv},
		// Output vocabulary.
		{name: "scan-table-in-json-file", args: []string{"scan", "--offline", "-o", "$TMP/r.json", ex}, env: dbEnv},
		{name: "scan-two-outputs-one-file", args: []string{"scan", "--offline", "-f", "JSON", "-o", "$TMP/r.json", "-o", "sarif=$TMP/r.json", ex}, env: dbEnv},
		{name: "scan-cyclonedx-xml", args: []string{"scan", "--offline", "-f", "CycloneDX-XML", "--spec-version", "1.6", "-o", "$TMP/vex.xml", ex}, env: dbEnv, outputs: []string{"vex.xml"}},
		{name: "version-flag", args: []string{"--version"}},
		// --vex: an OpenVEX not_affected statement lets the finding through,
		// shown with its justification.
		{name: "scan-openvex", args: []string{"scan", "--offline", "--vex", "$TMP/orders.openvex.json", ex}, env: dbEnv,
			files: map[string]string{"orders.openvex.json": `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/orders-1", "author": "orders team", "timestamp": "2023-11-01T00:00:00Z", "version": 1,
  "statements": [{"vulnerability": {"name": "CVE-2021-44906"}, "products": [{"@id": "pkg:npm/orders-api@1.4.0", "subcomponents": [{"@id": "pkg:npm/minimist@1.2.5"}]}],
    "status": "not_affected", "justification": "vulnerable_code_cannot_be_controlled_by_adversary", "impact_statement": "argv comes from our own launcher"}]}`}},
		{name: "sbom-name-version", args: []string{"sbom", "--name", "orders", "--version", "2.1.0", ex}, env: map[string]string{"SOURCE_DATE_EPOCH": epoch}},
		{name: "sbom-help", args: []string{"sbom", "--help"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkGolden(t, c.name, runCase(t, c, tmp))
		})
	}
}

// TestCLIPolicyDiscovery: scan finds .fnguard.yaml at the repository root
// from a service folder, names it relative to the repository in every
// format, and says "built-in defaults" without one (items 8 and 9).
func TestCLIPolicyDiscovery(t *testing.T) {
	tmp := t.TempDir()
	db := exampleDB(t, tmp)
	repo := filepath.Join(tmp, "repo")
	svc := filepath.Join(repo, "services", "orders")
	for _, d := range []string{filepath.Join(repo, ".git"), svc} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ex, _ := filepath.Abs(filepath.Join("..", "..", "examples", "orders-function.zip"))
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		environ := map[string]string{"FNGUARD_DB": db, "SOURCE_DATE_EPOCH": epoch}
		code := runEnv(args, &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv: func(k string) string { return environ[k] }, isTerminal: func(io.Writer) bool { return false },
			getwd: func() (string, error) { return svc, nil }})
		return code, stdout.String(), stderr.String()
	}
	code, out, errs := run("scan", "--offline", ex)
	if code != 1 || !strings.Contains(out, "\npolicy built-in defaults\n") {
		t.Fatalf("no policy: exit %d\n%s%s", code, out, errs)
	}
	// A shared policy: the minimist ignore is for this artifact; the
	// others are for a function and an artifact this scan does not hold.
	policy := "ignores:\n" +
		"  - id: CVE-2021-44906\n    reason: flags come from our own config\n    expires: 2023-12-14\n    artifact: orders-function.zip\n" +
		"  - id: GHSA-0000-0000-0000\n    reason: billing only\n    expires: 2023-12-14\n    function: BillingFn\n" +
		"  - id: GHSA-0000-0000-0001\n    reason: billing only\n    expires: 2023-12-14\n    artifact: dist/billing.zip\n" +
		"  - id: GHSA-0000-0000-0002\n    reason: billing only\n    expires: 2023-12-14\n    package: npm/left-pad\n"
	if err := os.WriteFile(filepath.Join(repo, ".fnguard.yaml"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run("scan", "--offline", ex)
	if code != 0 || !strings.Contains(out, "\npolicy .fnguard.yaml\n") || strings.Contains(out, "remove it") {
		t.Fatalf("shared root policy from %s: exit %d\n%s%s", svc, code, out, errs)
	}
	for _, f := range []struct{ format, want string }{
		{"json", `"source": ".fnguard.yaml"`},
		{"sarif", `"fnguard/policy": ".fnguard.yaml"`},
		{"markdown", "Policy: .fnguard.yaml."},
	} {
		_, out, _ := run("scan", "--offline", "-f", f.format, ex)
		if !strings.Contains(out, f.want) {
			t.Errorf("%s report lacks %s", f.format, f.want)
		}
		if strings.Contains(out, repo) {
			t.Errorf("%s report names the policy by its absolute path", f.format)
		}
	}
	_, out, _ = run("scan", "--offline", "-f", "json", ex)
	if !strings.Contains(out, `"out_of_scope_ignores": [`) || strings.Count(out, `"reason": "billing only"`) != 3 {
		t.Errorf("out-of-scope ignores not listed in JSON:\n%s", out)
	}
}

// runWith runs fnguard with a chosen terminal answer and environment.
func runWith(t *testing.T, tty bool, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runEnv(args, &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return environ[k] }, isTerminal: func(io.Writer) bool { return tty }})
	return code, stdout.String(), stderr.String()
}

// TestTerminalConventions: colour only on a terminal that is not
// TERM=dumb and without NO_COLOR.
func TestTerminalConventions(t *testing.T) {
	tmp := t.TempDir()
	db := exampleDB(t, tmp)
	ex := filepath.Join("..", "..", "examples", "orders-function.zip")
	for _, c := range []struct {
		term, noColor string
		want          bool
	}{{"xterm-256color", "", true}, {"dumb", "", false}, {"xterm", "1", false}} {
		environ := map[string]string{"FNGUARD_DB": db, "SOURCE_DATE_EPOCH": epoch, "TERM": c.term, "NO_COLOR": c.noColor}
		_, out, _ := runWith(t, true, environ, "scan", "--offline", ex)
		if got := strings.Contains(out, "\x1b["); got != c.want {
			t.Errorf("TERM=%s NO_COLOR=%q: colour %v, want %v", c.term, c.noColor, got, c.want)
		}
	}
}

// TestDBStatusSize: db status reports the file's size, as ls does.
func TestDBStatusSize(t *testing.T) {
	tmp := t.TempDir()
	db := exampleDB(t, tmp)
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runWith(t, false, map[string]string{"FNGUARD_DB": db}, "db", "status")
	if code != 0 || !strings.Contains(out, "("+report.HumanBytes(fi.Size())+")") {
		t.Fatalf("exit %d, want size %s:\n%s%s", code, report.HumanBytes(fi.Size()), out, errs)
	}
}

// TestQuiet: -q leaves stderr to errors; inventory warnings go.
func TestQuiet(t *testing.T) {
	dir := t.TempDir()
	// A lockfile entry node_modules does not install is dropped with a
	// warning.
	write := func(name, content string) {
		p := filepath.Join(dir, "app", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package-lock.json", `{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": {"": {"name": "app", "version": "1.0.0"}, "node_modules/ms": {"version": "2.0.0"}, "node_modules/left-pad": {"version": "1.3.0", "dev": true}}}`)
	write("node_modules/ms/package.json", `{"name": "ms", "version": "2.0.0"}`)
	environ := map[string]string{"SOURCE_DATE_EPOCH": epoch}
	code, _, errs := runWith(t, false, environ, "sbom", filepath.Join(dir, "app"))
	if code != 0 || !strings.Contains(errs, "warning") {
		t.Skipf("the inventory gives no warning for this layout any more (exit %d, stderr %q): nothing to silence", code, errs)
	}
	code, out, errs := runWith(t, false, environ, "sbom", "-q", filepath.Join(dir, "app"))
	if code != 0 || errs != "" || !strings.Contains(out, `"bomFormat": "CycloneDX"`) {
		t.Fatalf("-q: exit %d stderr %q", code, errs)
	}
}

// TestDBUpdateSummaryOnce: the per-ecosystem summary is the result on
// stdout, not repeated as progress on stderr.
func TestDBUpdateSummaryOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "osv.db")
	src, _ := filepath.Abs(filepath.Join("..", "..", "examples", "osv"))
	code, out, errs := runWith(t, false, map[string]string{"FNGUARD_DB": db}, "db", "update", "--source", src, "--ecosystems", "npm")
	if code != 0 || !strings.Contains(out, "5 records") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(errs, "records") {
		t.Errorf("summary on stderr too:\n%s", errs)
	}
}
