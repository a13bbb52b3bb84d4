package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/gate"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

var policyNow = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// TestPolicyDiscovery: the nearest .fnguard.yaml from the working
// directory up to the repository root (issue 12 item 9), named relative to
// the repository.
func TestPolicyDiscovery(t *testing.T) {
	outside := t.TempDir()
	repo := filepath.Join(outside, "repo")
	svc := filepath.Join(repo, "services", "orders")
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	// A policy above the repository must never be picked up.
	write(t, filepath.Join(outside, ".fnguard.yaml"), "fail-on: low\n")

	load := func(file, dir string) *gate.Policy {
		t.Helper()
		p, err := LoadPolicy(PolicyOptions{File: file, Dir: dir, Now: policyNow})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := load("", svc); p.Source != "" || p.Label() != "built-in defaults" || p.FailOn != "high" {
		t.Fatalf("no policy in the repository: got source %q fail-on %s", p.Source, p.FailOn)
	}
	write(t, filepath.Join(repo, ".fnguard.yaml"), "fail-on: medium\n")
	if p := load("", svc); p.Source != ".fnguard.yaml" || p.FailOn != "medium" {
		t.Fatalf("root policy from a service folder: source %q fail-on %s", p.Source, p.FailOn)
	}
	write(t, filepath.Join(repo, "services", ".fnguard.yml"), "fail-on: critical\n")
	if p := load("", svc); p.Source != "services/.fnguard.yml" || p.FailOn != "critical" {
		t.Fatalf("nearest policy: source %q fail-on %s", p.Source, p.FailOn)
	}
	// --policy given absolute inside the repository: shown relative to it.
	if p := load(filepath.Join(repo, ".fnguard.yaml"), svc); p.Source != ".fnguard.yaml" {
		t.Fatalf("absolute --policy: source %q", p.Source)
	}
	// Errors name the file the same way, with its line.
	write(t, filepath.Join(repo, "services", ".fnguard.yml"), "fail-on: hihg\n")
	_, err := LoadPolicy(PolicyOptions{Dir: svc, Now: policyNow})
	if err == nil || !strings.HasPrefix(err.Error(), "services/.fnguard.yml:1: ") || ClassOf(err) != ClassInput {
		t.Fatalf("bad policy: %v (class %v)", err, ClassOf(err))
	}
	if strings.Contains(err.Error(), outside) {
		t.Fatalf("absolute path in %q", err)
	}
	// Outside any repository only the working directory is searched.
	lone := filepath.Join(outside, "lone", "sub")
	if err := os.MkdirAll(lone, 0o755); err != nil {
		t.Fatal(err)
	}
	if p := load("", lone); p.Source != "" {
		t.Fatalf("outside a repository a parent's policy was used: %q", p.Source)
	}
}

// TestPolicyClock: the expiry horizon follows the injected clock, not the
// day the test runs (issue 12 item 10).
func TestPolicyClock(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "p.yaml")
	write(t, f, "ignores:\n  - id: CVE-2021-44906\n    reason: r\n    expires: 2024-06-01\n")
	if _, err := LoadPolicy(PolicyOptions{File: f, Now: time.Date(2023, 11, 14, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatalf("within a year of the injected date: %v", err)
	}
	_, err := LoadPolicy(PolicyOptions{File: f, Now: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err == nil || !strings.Contains(err.Error(), "latest allowed 2024-01-01") {
		t.Fatalf("more than a year after the injected date: %v", err)
	}
}
