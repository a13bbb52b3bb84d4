// Package reach decides, for the executable of a Go Lambda function
// (bootstrap on provided.al2/al2023), whether the vulnerable functions named
// by Go advisories are actually linked into it. A module listed in build info
// is not enough: govulncheck's binary mode (golang.org/x/vuln/scan, run
// in-process against a throw-away file:// database built from the caller's
// OSV records) tells module, package and symbol presence apart.
package reach

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"golang.org/x/vuln/scan"
)

// Levels, as govulncheck's findings express them.
const (
	LevelSymbol  = "symbol"
	LevelPackage = "package"
	LevelModule  = "module"
)

// Reasons given with Reachable == nil.
const (
	ReasonStripped  = "binary is stripped: no symbol table, so govulncheck cannot rule out any vulnerable symbol"
	ReasonNoPackage = "advisory lists no packages or symbols for the module: only module presence can be checked"
	ReasonToolchain = "toolchain advisory for the Go version that built the binary: affects the compiler/linker, not a linked symbol"
)

// Key names one verdict: an advisory as it affects one module. An advisory
// may name several modules (GO-2024-2687 affects the standard library and
// golang.org/x/net), and a symbol linked from one says nothing of the other.
type Key struct {
	ID     string // GO-... advisory id
	Module string // module path as in build info; "stdlib", "toolchain"
}

// Reachability is the verdict for one advisory in one module.
type Reachability struct {
	ID     string // GO-... advisory id
	Module string // the module the verdict is about (see Key)
	// Reachable is true when a vulnerable symbol is in the binary, false when
	// the module (or package) is linked but none of its vulnerable symbols,
	// nil when it cannot be told (see Reason). Callers treat nil as reachable.
	Reachable *bool
	Level     string   // LevelSymbol, LevelPackage or LevelModule: the finest level govulncheck reported
	Symbols   []string // vulnerable symbols found, "pkg.Func" or "pkg.Type.Method", sorted
	Reason    string   // why Reachable is nil
}

// Analyze reports which of the advisories in records (raw OSV JSON, e.g. the
// files of the osv.dev Go export) affect the Go executable at binPath, and at
// what level, per advisory and module.
//
// Records are written to a temporary vuln.go.dev-layout directory that
// govulncheck reads through its file:// client, so no network is used; the
// directory is removed before returning. The result has one entry per
// advisory and module govulncheck reports (plus toolchain advisories matching the Go
// version in build info, which govulncheck does not evaluate); records that
// do not affect the binary's module versions are absent.
//
// Mapping: a symbol-level finding gives Reachable=true; an advisory reported
// only at package or module level gives false (module or package linked,
// vulnerable symbols absent), except that an advisory naming no package for
// that module gives nil. In a stripped binary every reported advisory is nil
// with ReasonStripped, because govulncheck then assumes all symbols present.
//
// Records affecting the standard library must be included for stdlib
// advisories to be checked; govulncheck matches them against the Go version
// in build info. RecordsFor gathers the records a binary needs.
func Analyze(ctx context.Context, binPath string, records [][]byte) (map[Key]Reachability, error) {
	bi, err := buildinfo.ReadFile(binPath)
	if err != nil {
		// debug/buildinfo says "unrecognized file format" for non-executables
		// and "not a Go executable" for foreign or build-info-less ones.
		return nil, fmt.Errorf("reach: %s: not a Go binary with build info: %w", binPath, err)
	}
	f, err := os.Open(binPath)
	if err != nil {
		return nil, err
	}
	info, err := inspect(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("reach: %s: %w", binPath, err)
	}
	if info.machoNoSymtab {
		return nil, fmt.Errorf("reach: %s: Mach-O without LC_SYMTAB is not supported (govulncheck v1.9.0 crashes on it)", binPath)
	}

	recs, bodies, err := parseRecords(records)
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "fnguard-govulndb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := writeDB(dir, recs, bodies); err != nil {
		return nil, fmt.Errorf("reach: writing vulnerability DB: %w", err)
	}

	out, err := runGovulncheck(ctx, dir, binPath)
	if err != nil {
		return nil, err
	}
	findings, err := parseFindings(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("reach: reading govulncheck output: %w", err)
	}
	res := classify(findings, recs, info.stripped)
	addToolchain(res, recs, bi)
	return res, nil
}

// runGovulncheck runs govulncheck in binary mode against the file DB in dir
// and returns its JSON stream. Both output streams go to buffers: a library
// must not write to the process's stdout/stderr, and stderr carries the
// reason when the scan fails.
func runGovulncheck(ctx context.Context, dir, binPath string) ([]byte, error) {
	// Build the URL from a path rather than by concatenation so that a
	// TMPDIR with spaces or '%' still round-trips through url.Parse.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	dbURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()

	var stdout, stderr bytes.Buffer
	cmd := scan.Command(ctx, "-mode", "binary", "-db", dbURL, "-format", "json", binPath)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.Stdin = strings.NewReader("") // only read in convert mode; keep os.Stdin out of it
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("reach: starting govulncheck: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("reach: govulncheck on %s: %w: %s", binPath, err, msg)
		}
		return nil, fmt.Errorf("reach: govulncheck on %s: %w", binPath, err)
	}
	return stdout.Bytes(), nil
}

// message and its parts are the subset of govulncheck's JSON protocol
// (golang.org/x/vuln/internal/govulncheck, protocol v1.0.0) used here. The
// stream also carries config, progress, SBOM and osv messages; they decode
// into the zero value of finding and are skipped.
type message struct {
	Finding *finding `json:"finding,omitempty"`
}

type finding struct {
	OSV   string   `json:"osv"`
	Trace []*frame `json:"trace"`
}

// frame: in binary mode a finding's trace is a single frame. Module only:
// the module is required at an affected version. Package set: a vulnerable
// package is linked. Function set: a vulnerable symbol is linked.
type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version,omitempty"`
	Package  string `json:"package,omitempty"`
	Function string `json:"function,omitempty"`
	Receiver string `json:"receiver,omitempty"`
}

// parseFindings reads a govulncheck -format json stream (a sequence of
// indented JSON objects, not an array) and returns its findings.
func parseFindings(r io.Reader) ([]*finding, error) {
	dec := json.NewDecoder(r)
	var out []*finding
	for {
		var m message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if m.Finding != nil && m.Finding.OSV != "" && len(m.Finding.Trace) > 0 && m.Finding.Trace[0] != nil {
			out = append(out, m.Finding)
		}
	}
}

var levelRank = map[string]int{LevelModule: 1, LevelPackage: 2, LevelSymbol: 3}

// classify turns findings into verdicts (see Analyze for the mapping), one
// per advisory and module.
func classify(findings []*finding, recs map[string]*record, stripped bool) map[Key]Reachability {
	type acc struct {
		level   string
		symbols map[string]bool
	}
	accs := map[Key]*acc{}
	for _, f := range findings {
		fr := f.Trace[0]
		k := Key{ID: f.OSV, Module: fr.Module}
		a := accs[k]
		if a == nil {
			a = &acc{symbols: map[string]bool{}}
			accs[k] = a
		}
		lvl := LevelModule
		switch {
		case fr.Function != "":
			lvl = LevelSymbol
			if !stripped {
				a.symbols[symbolName(fr)] = true
			}
		case fr.Package != "":
			lvl = LevelPackage
		}
		if levelRank[lvl] > levelRank[a.level] {
			a.level = lvl
		}
	}

	res := make(map[Key]Reachability, len(accs))
	for k, a := range accs {
		r := Reachability{ID: k.ID, Module: k.Module, Level: a.level}
		switch {
		case stripped:
			r.Reason = ReasonStripped
		case a.level == LevelSymbol:
			r.Reachable = boolPtr(true)
			for s := range a.symbols {
				r.Symbols = append(r.Symbols, s)
			}
			sort.Strings(r.Symbols)
		case wholeModule(recs[k.ID], k.Module):
			// Module-level is all govulncheck can say when the advisory does
			// not name packages, so "symbols absent" would be unfounded.
			r.Reason = ReasonNoPackage
		default:
			r.Reachable = boolPtr(false)
		}
		res[k] = r
	}
	return res
}

// wholeModule reports whether rec has, for module, an affected entry
// without any package list (the whole module is vulnerable, as in
// malicious-package records).
func wholeModule(rec *record, module string) bool {
	if rec == nil {
		return false
	}
	for _, a := range rec.Affected {
		if a.Package.Name == module && len(a.EcosystemSpecific.Imports) == 0 {
			return true
		}
	}
	return false
}

func symbolName(fr *frame) string {
	if fr.Receiver != "" {
		return fr.Package + "." + strings.TrimPrefix(fr.Receiver, "*") + "." + fr.Function
	}
	return fr.Package + "." + fr.Function
}

// addToolchain adds toolchain advisories matching the binary's Go version,
// keyed by the toolchain pseudo-module: govulncheck does not evaluate them. They are nil: toolchain bugs live in the build tools, so
// whether they reach the output cannot be read off the symbol table.
func addToolchain(res map[Key]Reachability, recs map[string]*record, bi *debug.BuildInfo) {
	v := goTagToSemver(bi.GoVersion)
	if v == "" {
		return
	}
	for id, rec := range recs {
		k := Key{ID: id, Module: toolchainModule}
		if _, done := res[k]; done {
			continue
		}
		if rec.Withdrawn != nil || !toolchainAffected(rec, v) {
			continue
		}
		res[k] = Reachability{ID: id, Module: toolchainModule, Level: LevelModule, Reason: ReasonToolchain}
	}
}

func boolPtr(b bool) *bool { return &b }

// RecordsFor returns the records Analyze needs for a binary with build info
// bi: those of every module in it (the replacement's path where a module is
// replaced, as govulncheck looks it up), of the main module, and of the
// stdlib and toolchain pseudo-modules. all returns the raw records listing a
// module; it is called once per distinct path. A record affecting several of
// these modules is returned once per module; Analyze keeps one copy per id.
//
// Filtering is done here rather than by handing Analyze the whole Go
// database because Analyze writes every record it gets to disk.
func RecordsFor(bi *debug.BuildInfo, all func(module string) [][]byte) [][]byte {
	paths := []string{stdlibModule, toolchainModule}
	if bi.Main.Path != "" {
		paths = append(paths, bi.Main.Path)
	}
	for _, d := range bi.Deps {
		if d == nil {
			continue
		}
		if d.Replace != nil && d.Replace.Path != "" {
			paths = append(paths, d.Replace.Path)
		} else {
			paths = append(paths, d.Path)
		}
	}
	seen := map[string]bool{}
	var out [][]byte
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, all(p)...)
	}
	return out
}
