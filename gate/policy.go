package gate

// Policy file format (.fnguard.yaml). gate/README.md carries the same text
// for users.
//
//	fail-on: high            # low|medium|high|critical|never (default high)
//	unscored: fail           # fail|warn (default fail)
//	unchecked: fail          # fail|warn (default fail)
//	unreachable: warn        # warn|ignore|fail (default warn)
//	max-db-age: 7d           # Go duration (36h, 90m) or whole days (7d); > 0
//	categories:              # merged over the defaults below
//	  orm: medium            # low|medium|high|critical|never
//	  db-driver: medium
//	ignores:
//	  - id: GHSA-xxxx-xxxx-xxxx  # the finding's ID or any of its aliases
//	    reason: "..."            # required, non-empty
//	    expires: 2027-01-31      # required, YYYY-MM-DD, at most one year ahead
//	    package: npm/lodash      # optional scope, see below
//	  - rule: resource-star-write  # an execution-role rule (iam rule ids)
//	    function: ListCartFunction # optional: one function's role only
//	    reason: "..."
//	    expires: 2027-01-31
//
// For applications (SAM, CloudFormation, CDK, Serverless, deployed):
//
//	roles:                   # which IAM rules of execution roles fail
//	  fail: [service-wildcard]   # merged over the defaults: action-star,
//	  warn: [notaction-allow]    # passrole-star, notaction-allow and
//	                             # admin-managed-policy fail, the rest warn
//	unreadable: fail         # fail|warn: a function or layer whose code could not be read
//	unknown-role: warn       # warn|fail: a role fnguard cannot see (external
//	                         # ARN) or could not expand completely
//
// Reading is strict, because a policy that silently means less than it
// says lets a release through: an unknown key, a repeated key, a bad value,
// a second YAML document or a missing required field is an error naming
// FILE:LINE. Keys and enumerated values are lowercase as shown (values are
// matched case-insensitively). An empty file is the default policy.
//
// Thresholds: a finding fails when its severity is at or above the
// threshold. A package with categories fails at the strictest of fail-on and
// each of its categories' thresholds; "never" under a category removes the
// default for it, so fail-on alone applies. Allowed categories are those of
// lockfiles/categories (orm, db-driver, query-builder, kv-store).
//
// Ignores: an ignore expires at the end of its expires day (UTC). One that
// expires more than a year after today is refused, so accepted risks are
// looked at again at least yearly. An expired ignore is accepted at load
// time (CI must not break on the day it expires for a reason unrelated to
// the release) but no longer applies: its findings count again and the
// verdict says the ignore expired. Ignores of MAL- records are refused:
// a malicious package is removed, never accepted, and the gate blocks every
// malicious finding whatever the policy says. The package scope is one of
//
//	ecosystem/name[@version]   npm/lodash, PyPI/django@3.2.0
//	name                       lodash, @babel/core, github.com/jackc/pgx/v5
//	purl                       pkg:npm/lodash, pkg:npm/lodash@4.17.15
//
// names compared as the ecosystem compares them (PyPI case and separators,
// ...); a version, when given, must equal the package's.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	packageurl "github.com/package-url/packageurl-go"
	"go.yaml.in/yaml/v3"

	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/internal/ecosystem"
	"github.com/fnguard/fnguard/lockfiles/categories"
)

// Policy values.
const (
	valNever  = "never"
	valFail   = "fail"
	valWarn   = "warn"
	valIgnore = "ignore"
)

// PolicyFileNames are the names FindPolicy looks for, in order.
var PolicyFileNames = []string{".fnguard.yaml", ".fnguard.yml"}

// maxIgnoreYears bounds how far ahead an ignore may expire.
const maxIgnoreYears = 1

var (
	thresholds      = []string{"low", "medium", "high", "critical", valNever}
	unscoredValues  = []string{valFail, valWarn}
	uncheckedValues = []string{valFail, valWarn}
	reachValues     = []string{valWarn, valIgnore, valFail}
	failWarnValues  = []string{valFail, valWarn}
)

// DefaultPolicy is the policy without a file or flags: fail closed on
// everything that is not understood.
func DefaultPolicy() *Policy {
	return &Policy{
		FailOn:      "high",
		Unscored:    valFail,
		Unchecked:   valFail,
		Unreachable: valWarn,
		MaxDBAge:    7 * 24 * time.Hour,
		Categories:  map[string]string{categories.ORM: "medium", categories.DBDriver: "medium"},
	}
}

// FindPolicy returns the policy file in dir, "" when there is none.
func FindPolicy(dir string) string {
	for _, n := range PolicyFileNames {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// RepoRoot is the nearest folder at or above dir holding .git (a folder, or
// a file in worktrees and submodules); "" outside a repository.
func RepoRoot(dir string) string {
	dir = filepath.Clean(dir)
	for {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// DiscoverPolicy looks for the policy from dir up to the repository root
// (the folder holding .git), nearest first, so a policy at the root of a
// monorepo governs a scan run from any service folder. Outside a
// repository only dir itself is searched: fnguard never picks up a policy
// from an unrelated parent such as the home folder. It returns the file
// ("" for none) and the repository root ("" outside one).
func DiscoverPolicy(dir string) (file, root string) {
	dir = filepath.Clean(dir)
	root = RepoRoot(dir)
	if root == "" {
		return FindPolicy(dir), ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		if f := FindPolicy(d); f != "" {
			return f, root
		}
		if d == root || filepath.Dir(d) == d {
			return "", root
		}
	}
}

// DisplayPath is how reports name a file: relative to the repository root
// when it lies inside it, else relative to wd when inside that, else as
// given. Reports are committed and diffed, and an absolute path names one
// machine.
func DisplayPath(p, wd, root string) string {
	abs := p
	if !filepath.IsAbs(abs) && wd != "" {
		abs = filepath.Join(wd, p)
	}
	for _, base := range []string{root, wd} {
		if base == "" {
			continue
		}
		if rel, err := filepath.Rel(base, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return p
}

// Flags are the command-line overrides; nil fields were not given.
type Flags struct {
	FailOn      *string
	Unscored    *string
	MaxDBAge    *time.Duration
	Unreachable *string
}

// Apply overrides the policy with the flags that were set.
func (p *Policy) Apply(f Flags) error {
	set := func(flag string, v *string, allowed []string, dst *string) error {
		if v == nil {
			return nil
		}
		s, ok := oneOf(*v, allowed)
		if !ok {
			return fmt.Errorf("--%s %q: want %s", flag, *v, strings.Join(allowed, "|"))
		}
		*dst = s
		return nil
	}
	if err := set("fail-on", f.FailOn, thresholds, &p.FailOn); err != nil {
		return err
	}
	if err := set("unscored", f.Unscored, unscoredValues, &p.Unscored); err != nil {
		return err
	}
	if err := set("unreachable", f.Unreachable, reachValues, &p.Unreachable); err != nil {
		return err
	}
	if f.MaxDBAge != nil {
		if *f.MaxDBAge <= 0 {
			return fmt.Errorf("--max-db-age %s: want a positive duration", *f.MaxDBAge)
		}
		p.MaxDBAge = *f.MaxDBAge
	}
	return nil
}

func oneOf(v string, allowed []string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	return v, slices.Contains(allowed, v)
}

// LoadPolicy reads a policy file over the defaults. now bounds ignore
// expiry dates: it is injected (cmd/fnguard honours SOURCE_DATE_EPOCH) so
// the same policy reads the same way on every day a test runs.
func LoadPolicy(path string, now time.Time) (*Policy, error) {
	return LoadPolicyAs(path, path, now)
}

// LoadPolicyAs is LoadPolicy naming the file as name in errors and in
// Policy.Source (see DisplayPath).
func LoadPolicyAs(path, name string, now time.Time) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %s: %w", name, unwrapPath(err))
	}
	p, err := parsePolicy(data, name, now)
	if err != nil {
		return nil, err
	}
	p.Source = name
	return p, nil
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// policyError is "FILE:LINE: message".
type policyError struct {
	file string
	line int
	msg  string
}

func (e *policyError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg)
	}
	return e.file + ": " + e.msg
}

type policyParser struct {
	file string
	now  time.Time
}

func (pp *policyParser) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &policyError{pp.file, line, fmt.Sprintf(format, args...)}
}

func parsePolicy(data []byte, file string, now time.Time) (*Policy, error) {
	pp := &policyParser{file: file, now: now}
	p := DefaultPolicy()
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return p, nil // empty file: defaults
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlError(file, err)
		}
		return nil, pp.errf(&extra, "a second YAML document: the policy is one document")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return p, nil
		}
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return p, nil // a file holding only comments
	}
	if root.Kind != yaml.MappingNode {
		return nil, pp.errf(root, "the policy must be a mapping of keys (fail-on, unscored, ...), not %s", kindName(root))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], deref(root.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, pp.errf(k, "keys must be plain words")
		}
		if seen[k.Value] {
			return nil, pp.errf(k, "%q given twice", k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "fail-on":
			p.FailOn, err = pp.enum(k, v, thresholds)
		case "unscored":
			p.Unscored, err = pp.enum(k, v, unscoredValues)
		case "unchecked":
			p.Unchecked, err = pp.enum(k, v, uncheckedValues)
		case "unreachable":
			p.Unreachable, err = pp.enum(k, v, reachValues)
		case "max-db-age":
			p.MaxDBAge, err = pp.duration(k, v)
		case "categories":
			err = pp.categories(v, p.Categories)
		case "ignores":
			p.Ignores, err = pp.ignores(v)
		case "roles":
			p.Roles, err = pp.roles(v)
		case "unreadable":
			p.Unreadable, err = pp.enum(k, v, failWarnValues)
		case "unknown-role":
			p.UnknownRole, err = pp.enum(k, v, []string{valWarn, valFail})
		default:
			err = pp.errf(k, "unknown key %q (known: fail-on, unscored, unchecked, unreachable, max-db-age, categories, ignores, roles, unreadable, unknown-role)", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// yamlLine finds the line in a YAML syntax error ("yaml: line 5: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError turns a syntax error into "FILE:LINE: not valid YAML: ...":
// syntax errors carry no node to take a line from, only their text.
func yamlError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &policyError{file, line, "not valid YAML: " + msg[len(m[0]):]}
	}
	return &policyError{file, 0, "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// deref follows YAML aliases (*anchor) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "this"
}

func (pp *policyParser) scalar(k, v *yaml.Node) (string, error) {
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		where := k
		if v != nil && v.Kind != yaml.ScalarNode {
			where = v
		}
		return "", pp.errf(where, "%s: want a single value", k.Value)
	}
	return v.Value, nil
}

func (pp *policyParser) enum(k, v *yaml.Node, allowed []string) (string, error) {
	s, err := pp.scalar(k, v)
	if err != nil {
		return "", err
	}
	out, ok := oneOf(s, allowed)
	if !ok {
		return "", pp.errf(v, "%s: %q is not one of %s", k.Value, s, strings.Join(allowed, "|"))
	}
	return out, nil
}

func (pp *policyParser) duration(k, v *yaml.Node) (time.Duration, error) {
	s, err := pp.scalar(k, v)
	if err != nil {
		return 0, err
	}
	d, err := ParseAge(s)
	if err != nil {
		return 0, pp.errf(v, "%s: %v", k.Value, err)
	}
	return d, nil
}

// ParseAge reads a database age: a Go duration ("36h") or whole days ("7d").
func ParseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" && !strings.ContainsAny(days, "hmsuµn.") {
		n, err := strconv.Atoi(days)
		// 100 years bounds the multiplication well inside int64.
		if err != nil || n <= 0 || n > 36500 {
			return 0, fmt.Errorf("%q: want a whole number of days between 1 and 36500", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: want a duration such as 7d, 36h or 90m", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration", s)
	}
	return d, nil
}

func (pp *policyParser) categories(v *yaml.Node, into map[string]string) error {
	if v.Kind != yaml.MappingNode {
		return pp.errf(v, "categories: want a mapping of category to threshold (orm: medium), not %s", kindName(v))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, t := v.Content[i], deref(v.Content[i+1])
		if k.Kind != yaml.ScalarNode || !slices.Contains(categories.Known, k.Value) {
			return pp.errf(k, "categories: unknown category %q (known: %s)", k.Value, strings.Join(categories.Known, ", "))
		}
		if seen[k.Value] {
			return pp.errf(k, "categories: %q given twice", k.Value)
		}
		seen[k.Value] = true
		s, err := pp.enum(k, t, thresholds)
		if err != nil {
			return err
		}
		into[k.Value] = s
	}
	return nil
}

func (pp *policyParser) ignores(v *yaml.Node) ([]Ignore, error) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, nil // "ignores:" with nothing under it
	}
	if v.Kind != yaml.SequenceNode {
		return nil, pp.errf(v, "ignores: want a list of {id, reason, expires, package}, not %s", kindName(v))
	}
	var out []Ignore
	for i, item := range v.Content {
		item = deref(item)
		ig, err := pp.ignore(i, item)
		if err != nil {
			return nil, err
		}
		out = append(out, ig)
	}
	return out, nil
}

func (pp *policyParser) ignore(i int, n *yaml.Node) (Ignore, error) {
	ig := Ignore{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return ig, pp.errf(n, "ignores[%d]: want a mapping with id, reason and expires, not %s", i, kindName(n))
	}
	seen := map[string]*yaml.Node{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], deref(n.Content[j+1])
		if k.Kind != yaml.ScalarNode {
			return ig, pp.errf(k, "ignores[%d]: keys must be plain words", i)
		}
		if seen[k.Value] != nil {
			return ig, pp.errf(k, "ignores[%d]: %q given twice", i, k.Value)
		}
		seen[k.Value] = v
		s, err := pp.scalar(k, v)
		if err != nil {
			return ig, err
		}
		s = strings.TrimSpace(s)
		switch k.Value {
		case "rule":
			if !slices.Contains(iam.Rules, s) {
				return ig, pp.errf(v, "ignores[%d]: rule %q: want one of %s", i, s, strings.Join(iam.Rules, ", "))
			}
			ig.Rule = s
		case "id":
			if s == "" || strings.ContainsAny(s, " \t\n") {
				return ig, pp.errf(v, "ignores[%d]: id %q: want one advisory ID (GHSA-..., CVE-..., PYSEC-...)", i, s)
			}
			if strings.HasPrefix(strings.ToUpper(s), "MAL-") {
				return ig, pp.errf(v, "ignores[%d]: %s is a malicious-package record and cannot be ignored: remove the package", i, s)
			}
			ig.ID = s
		case "reason":
			if s == "" {
				return ig, pp.errf(v, "ignores[%d]: reason is empty: say why the risk is accepted", i)
			}
			ig.Reason = s
		case "expires":
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return ig, pp.errf(v, "ignores[%d]: expires %q: want a date YYYY-MM-DD", i, s)
			}
			if limit := pp.latestExpiry(); t.After(limit) {
				return ig, pp.errf(v, "ignores[%d]: expires %s is more than %d year ahead (latest allowed %s): accepted risks must be reviewed", i, s, maxIgnoreYears, limit.Format(time.DateOnly))
			}
			ig.Expires = t
		case "package":
			if _, err := parseScope(s); err != nil {
				return ig, pp.errf(v, "ignores[%d]: package %q: %v", i, s, err)
			}
			ig.Package = s
		case "artifact":
			if _, err := path.Match(filepath.ToSlash(s), ""); err != nil || s == "" {
				return ig, pp.errf(v, "ignores[%d]: artifact %q: want a path or glob (dist/*.zip)", i, s)
			}
			ig.Artifact = s
		case "function":
			if s == "" {
				return ig, pp.errf(v, "ignores[%d]: function is empty: want a function's name or logical id", i)
			}
			ig.Function = s
		default:
			return ig, pp.errf(k, "ignores[%d]: unknown key %q (known: id, rule, reason, expires, package, artifact, function)", i, k.Value)
		}
	}
	switch {
	case seen["id"] != nil && seen["rule"] != nil:
		return ig, pp.errf(n, "ignores[%d]: give id (an advisory) or rule (an execution-role rule), not both", i)
	case seen["rule"] != nil:
		for _, k := range []string{"package", "artifact"} {
			if seen[k] != nil {
				return ig, pp.errf(n, "ignores[%d]: %s does not apply to a role rule: scope it with function", i, k)
			}
		}
	case seen["id"] == nil:
		return ig, pp.errf(n, "ignores[%d]: id is required (or rule, for an execution-role rule)", i)
	}
	for _, req := range []string{"reason", "expires"} {
		if seen[req] == nil {
			return ig, pp.errf(n, "ignores[%d]: %s is required", i, req)
		}
	}
	return ig, nil
}

// roles reads "roles: {fail: [rule...], warn: [rule...]}" into a map of
// the rules it names to fail or warn; rules it does not name keep their
// default (iam.DefaultFailingRules fail).
func (pp *policyParser) roles(v *yaml.Node) (map[string]string, error) {
	if v.Kind != yaml.MappingNode {
		return nil, pp.errf(v, "roles: want a mapping {fail: [rule, ...], warn: [rule, ...]}, not %s", kindName(v))
	}
	out := map[string]string{}
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, list := v.Content[i], deref(v.Content[i+1])
		if k.Kind != yaml.ScalarNode || (k.Value != valFail && k.Value != valWarn) {
			return nil, pp.errf(k, "roles: unknown key %q (known: fail, warn)", k.Value)
		}
		if seen[k.Value] {
			return nil, pp.errf(k, "roles: %q given twice", k.Value)
		}
		seen[k.Value] = true
		if list.Kind != yaml.SequenceNode {
			return nil, pp.errf(list, "roles: %s: want a list of rule ids, not %s", k.Value, kindName(list))
		}
		for _, r := range list.Content {
			r = deref(r)
			if r.Kind != yaml.ScalarNode || !slices.Contains(iam.Rules, r.Value) {
				return nil, pp.errf(r, "roles: %s: unknown rule %s (known: %s)", k.Value, kindName(r), strings.Join(iam.Rules, ", "))
			}
			if prev, ok := out[r.Value]; ok {
				return nil, pp.errf(r, "roles: rule %s is under %s and %s", r.Value, prev, k.Value)
			}
			out[r.Value] = k.Value
		}
	}
	return out, nil
}

// latestExpiry is the last expires date allowed: today (UTC) plus a year.
func (pp *policyParser) latestExpiry() time.Time {
	y, m, d := pp.now.UTC().Date()
	return time.Date(y+maxIgnoreYears, m, d, 0, 0, 0, 0, time.UTC)
}

// scope is a parsed ignore package scope.
type scope struct {
	eco     string // canonical OSV ecosystem, "" for a bare name
	name    string
	version string
}

func parseScope(s string) (scope, error) {
	if strings.HasPrefix(s, "pkg:") {
		pu, err := packageurl.FromString(s)
		if err != nil {
			return scope{}, fmt.Errorf("invalid purl: %v", err)
		}
		eco := ecosystem.FromPURLType(pu.Type)
		if eco == "" {
			return scope{}, fmt.Errorf("purl type %q is not an ecosystem fnguard knows", pu.Type)
		}
		name := pu.Name
		if pu.Namespace != "" {
			sep := "/"
			if eco == ecosystem.Maven {
				sep = ":"
			}
			name = pu.Namespace + sep + pu.Name
		}
		if pu.Name == "" {
			return scope{}, errors.New("purl has no name")
		}
		return scope{eco: eco, name: name, version: pu.Version}, nil
	}
	if s == "" {
		return scope{}, errors.New("empty")
	}
	if first, rest, ok := strings.Cut(s, "/"); ok {
		if eco := ecosystem.Canonical(first); eco != "" && !strings.Contains(first, ":") {
			name, version := rest, ""
			if i := strings.LastIndex(rest, "@"); i > 0 {
				name, version = rest[:i], rest[i+1:]
				if version == "" {
					return scope{}, errors.New("empty version after @")
				}
			}
			if name == "" {
				return scope{}, errors.New("no name after the ecosystem")
			}
			return scope{eco: eco, name: name, version: version}, nil
		}
	}
	return scope{name: s}, nil
}
