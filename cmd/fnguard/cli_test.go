package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/internal/schematest"
	"github.com/fnguard/fnguard/vulndb"
)

var update = flag.Bool("update", false, "rewrite golden files")

// cliCase is one command line whose exit status, stdout and stderr are
// pinned by a golden file in testdata/golden/NAME.golden.
type cliCase struct {
	name string
	args []string
	env  map[string]string
	// files are written to the case's temp dir before it runs; $TMP in args
	// and file names is that dir.
	files map[string]string
	// also compares these files written by the command ($TMP-relative).
	outputs []string
}

var (
	rfc3339 = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
	uuidRe  = regexp.MustCompile(`urn:uuid:[0-9a-f-]{36}`)
	humanRe = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC(, [^)\n]*)?`)
	ageRe   = regexp.MustCompile(`\((<1m|\d+[mhd]) ago\)`)
	sizeRe  = regexp.MustCompile(`\d+(\.\d)? (KiB|MiB|B)\)`)
	durRe   = regexp.MustCompile(`"duration_ms": \d+`)
	devRe   = regexp.MustCompile(`fnguard (devel|v[0-9][^\s"]*)`)
)

// scrub removes what legitimately differs between runs and machines.
func scrub(s, tmp, repo string) string {
	s = strings.ReplaceAll(s, tmp, "$TMP")
	s = strings.ReplaceAll(s, repo, "$REPO")
	s = rfc3339.ReplaceAllString(s, "<TIME>")
	s = humanRe.ReplaceAllString(s, "<TIME>")
	s = uuidRe.ReplaceAllString(s, "urn:uuid:<UUID>")
	s = ageRe.ReplaceAllString(s, "(<AGE> ago)")
	s = sizeRe.ReplaceAllString(s, "<SIZE>)")
	s = durRe.ReplaceAllString(s, `"duration_ms": <N>`)
	return devRe.ReplaceAllString(s, "fnguard <VERSION>")
}

// epoch is SOURCE_DATE_EPOCH for every case that reads a policy or dates
// a report: 2023-11-14T22:13:20Z. The policy's clock is that date, so
// ignore expiries are fixed dates and no case depends on the day it runs.
const epoch = "1700000000"

// expires is a policy ignore's expiry a month after epoch.
const expires = "2023-12-14"

func runCase(t *testing.T, c cliCase, tmp string) string {
	t.Helper()
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	for name, content := range c.files {
		content = strings.ReplaceAll(content, "$EXPIRES", expires)
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := make([]string, len(c.args))
	for i, a := range c.args {
		a = strings.ReplaceAll(a, "$TMP", tmp)
		args[i] = strings.ReplaceAll(a, "$REPO", repo)
	}
	var stdout, stderr bytes.Buffer
	environ := map[string]string{"FNGUARD_DB": filepath.Join(tmp, "none.db")}
	for k, v := range c.env {
		environ[k] = strings.ReplaceAll(v, "$TMP", tmp)
	}
	code := runEnv(args, &env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv:     func(k string) string { return environ[k] },
		isTerminal: func(io.Writer) bool { return false },
		// The case's own directory: no repository above it, so a policy
		// someone adds to this checkout cannot change the goldens.
		getwd: func() (string, error) { return tmp, nil },
	})
	var b strings.Builder
	b.WriteString("$ fnguard " + strings.Join(c.args, " ") + "\n")
	b.WriteString("exit: " + strconv.Itoa(code) + "\n-- stdout --\n" + stdout.String() + "-- stderr --\n" + stderr.String())
	for _, o := range c.outputs {
		data, err := os.ReadFile(filepath.Join(tmp, o))
		if err != nil {
			t.Fatalf("%s: output %s not written: %v", c.name, o, err)
		}
		b.WriteString("-- " + o + " --\n" + string(data))
	}
	return scrub(b.String(), tmp, repo)
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/fnguard -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// exampleDB imports the bundled example advisories into a fresh database.
func exampleDB(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "osv.db")
	if _, err := vulndb.Import(context.Background(), db, filepath.Join("..", "..", "examples", "osv")); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestCLI(t *testing.T) {
	ex := "$REPO/examples/orders-function.zip"
	cases := []cliCase{
		{name: "help", args: []string{"--help"}},
		{name: "version", args: []string{"version"}},
		{name: "unknown-flag", args: []string{"sbom", "--nope", ex}},
		{name: "sbom-no-args", args: []string{"sbom"}},
		{name: "sbom-bad-format", args: []string{"sbom", "--format", "spdx", ex}},
		{name: "sbom-example", args: []string{"sbom", ex}, env: map[string]string{"SOURCE_DATE_EPOCH": epoch}},
		{name: "sbom-example-xml-15", args: []string{"sbom", "--format", "cyclonedx-xml", "--spec-version", "1.5", "-o", "$TMP/sbom.xml", ex},
			env: map[string]string{"SOURCE_DATE_EPOCH": epoch}, outputs: []string{"sbom.xml"}},
		{name: "sbom-missing-file", args: []string{"sbom", "$TMP/nope.zip"}},
		{name: "sbom-not-a-zip", args: []string{"sbom", "$TMP/x.zip"}, files: map[string]string{"x.zip": "hello\n"}},
		{name: "sbom-empty-dir-files", args: []string{"sbom", "$TMP/src"}, files: map[string]string{"src/handler.py": "def handler(e, c):\n    return 1\n"}},
		{name: "sbom-allow-empty", args: []string{"sbom", "--allow-empty", "$TMP/src"}, files: map[string]string{"src/handler.py": "def handler(e, c):\n    return 1\n"},
			env: map[string]string{"SOURCE_DATE_EPOCH": epoch}},
		{name: "sbom-bad-epoch", args: []string{"sbom", ex}, env: map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}},
		{name: "scan-offline-no-db", args: []string{"scan", "--offline", ex}},
		{name: "scan-corrupt-db", args: []string{"scan", "--offline", "--db", "$TMP/bad.db", ex}, files: map[string]string{"bad.db": strings.Repeat("not a database ", 400)}},
		{name: "check-bad-ref", args: []string{"check", "--offline", "lodash"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkGolden(t, c.name, runCase(t, c, t.TempDir()))
		})
	}
}

// TestCLIWithDatabase runs the commands that need advisories against the
// bundled example database.
func TestCLIWithDatabase(t *testing.T) {
	ex := "$REPO/examples/orders-function.zip"
	tmp := t.TempDir()
	db := exampleDB(t, tmp)
	dbEnv := map[string]string{"FNGUARD_DB": db, "SOURCE_DATE_EPOCH": epoch}
	cases := []cliCase{
		{name: "scan-table", args: []string{"scan", "--offline", ex}, env: dbEnv},
		{name: "scan-json", args: []string{"scan", "--offline", "--format", "json", ex}, env: dbEnv},
		{name: "scan-fail-on-never", args: []string{"scan", "--offline", "--fail-on", "never", ex}, env: dbEnv},
		{name: "scan-missing-ecosystem", args: []string{"scan", "--offline", "$TMP/requirements.txt"}, env: dbEnv,
			files: map[string]string{"requirements.txt": "requests==2.28.1\n"}},
		{name: "scan-bad-policy", args: []string{"scan", "--offline", "--policy", "$TMP/p.yaml", ex}, env: dbEnv,
			files: map[string]string{"p.yaml": "fail-on: high\nfial-on: low\n"}},
		{name: "scan-outputs", args: []string{"scan", "--offline", "--output", "sarif=$TMP/r.sarif", "--output", "markdown=$TMP/r.md", ex}, env: dbEnv,
			outputs: []string{"r.md"}},
		{name: "scan-stale-db", args: []string{"scan", "--offline", "--max-db-age", "1ns", ex}, env: dbEnv},
		{name: "scan-github-summary", args: []string{"scan", "--offline", "--format", "json", "-o", "$TMP/r.json", "--github-summary", ex},
			env: map[string]string{"FNGUARD_DB": db, "GITHUB_STEP_SUMMARY": "$TMP/summary.md", "SOURCE_DATE_EPOCH": epoch}, outputs: []string{"summary.md"}},
		{name: "scan-github-summary-unset", args: []string{"scan", "--offline", "--github-summary", ex}, env: dbEnv},
		{name: "scan-baseline", args: []string{"scan", "--offline", "--baseline", "$TMP/baseline.json", ex}, env: dbEnv,
			files: map[string]string{"baseline.json": `{"findings": [{"id": "CVE-2021-44906", "aliases": [], "package": {"purl": "pkg:npm/minimist@1.2.5"}}]}`}},
		{name: "scan-policy-ignore", args: []string{"scan", "--offline", "--policy", "$TMP/ignore.yaml", ex}, env: dbEnv,
			files: map[string]string{"ignore.yaml": "ignores:\n  - id: CVE-2021-44906\n    reason: flags come from our own config, never from users\n    expires: $EXPIRES\n    package: npm/minimist\n  - id: GHSA-0000-0000-0000\n    reason: stale on purpose\n    expires: $EXPIRES\n"}},
		{name: "scan-policy-bad-expiry", args: []string{"scan", "--offline", "--policy", "$TMP/far.yaml", ex}, env: dbEnv,
			files: map[string]string{"far.yaml": "ignores:\n  - id: CVE-2021-44906\n    reason: forever\n    expires: 2999-01-01\n"}},
		{name: "scan-cyclonedx", args: []string{"scan", "--offline", "--format", "cyclonedx", "--spec-version", "1.5", ex}, env: dbEnv},
		{name: "scan-bad-output", args: []string{"scan", "--offline", "--output", "pdf=$TMP/x.pdf", ex}, env: dbEnv},
		{name: "check-affected", args: []string{"check", "pkg:npm/minimist@1.2.5"}, env: dbEnv},
		{name: "check-clean", args: []string{"check", "npm/minimist@1.2.6"}, env: dbEnv},
		{name: "check-unversioned", args: []string{"check", "npm/semver"}, env: dbEnv},
		{name: "check-json", args: []string{"check", "--format", "json", "npm/semver@5.7.1", "npm/ms@2.0.0"}, env: dbEnv},
		{name: "db-status", args: []string{"db", "status"}, env: dbEnv},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkGolden(t, c.name, runCase(t, c, tmp))
		})
	}
}

// TestCLIShared runs the scan on the real Lambda fixtures against the real
// advisory data: Go reachability through the whole command, a stripped
// binary, a function with its layer, and a hostile input.
func TestCLIShared(t *testing.T) {
	shared, err := filepath.Abs(filepath.Join("..", "..", "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(shared, "osv")); err != nil {
		t.Skipf("../shared not present: %v", err)
	}
	tmp := t.TempDir()
	db := filepath.Join(tmp, "osv.db")
	if _, err := vulndb.Import(context.Background(), db, filepath.Join(shared, "osv")); err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(shared, "fixtures")
	dbEnv := map[string]string{"FNGUARD_DB": db, "SOURCE_DATE_EPOCH": epoch}
	cases := []cliCase{
		{name: "shared-go-function", args: []string{"scan", "--offline", fx + "/lambda/go-function.zip"}, env: dbEnv},
		{name: "shared-go-function-stripped", args: []string{"scan", "--offline", fx + "/lambda/go-function-stripped.zip"}, env: dbEnv},
		{name: "shared-node-with-layer", args: []string{"scan", "--offline", "--format", "markdown", fx + "/lambda/node-function.zip", "--layer", fx + "/lambda/node-layer.zip"}, env: dbEnv},
		{name: "shared-bad-versions", args: []string{"scan", "--offline", "--fail-on", "never", fx + "/bad/bad-versions.zip"}, env: dbEnv},
		{name: "shared-traversal", args: []string{"scan", "--offline", fx + "/bad/traversal.zip"}, env: dbEnv},
		// Go module versions with their "v" in check as in scan.
		{name: "shared-check-go-v", args: []string{"check", "--offline", "Go/golang.org/x/text@v0.3.7"}, env: dbEnv},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := strings.ReplaceAll(runCase(t, c, tmp), shared, "$SHARED")
			checkGolden(t, c.name, out)
		})
	}
}

// TestCLIOutputsValidate: every SBOM, VEX and SARIF document the commands
// write validates against the official schemas.
func TestCLIOutputsValidate(t *testing.T) {
	tmp := t.TempDir()
	db := exampleDB(t, tmp)
	ex := filepath.Join("..", "..", "examples", "orders-function.zip")
	run := func(args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		environ := map[string]string{"FNGUARD_DB": db, "SOURCE_DATE_EPOCH": epoch}
		code := runEnv(args, &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv: func(k string) string { return environ[k] }, isTerminal: func(io.Writer) bool { return false }})
		if code > 1 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
	}
	for _, spec := range schematest.Specs {
		json := filepath.Join(tmp, "sbom-"+spec+".json")
		xml := filepath.Join(tmp, "sbom-"+spec+".xml")
		vex := filepath.Join(tmp, "vex-"+spec+".json")
		run("sbom", "--spec-version", spec, "-o", json, ex)
		run("sbom", "--spec-version", spec, "--format", "cyclonedx-xml", "-o", xml, ex)
		run("scan", "--offline", "--format", "cyclonedx", "--spec-version", spec, "-o", vex, ex)
		for _, f := range []string{json, vex} {
			if err := schematest.CycloneDXJSON(spec, mustReadFile(t, f)); err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
		}
		if err := schematest.CycloneDXXML(spec, mustReadFile(t, xml)); err != nil && !errors.Is(err, schematest.ErrNoXMLLint) {
			t.Errorf("%s: %v", filepath.Base(xml), err)
		}
	}
	sarif := filepath.Join(tmp, "r.sarif")
	run("scan", "--offline", "--output", "sarif="+sarif, ex)
	if err := schematest.SARIF(mustReadFile(t, sarif)); err != nil {
		t.Errorf("SARIF: %v", err)
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
