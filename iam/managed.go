package iam

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// samManagedTSV maps AWS managed policy names to their ARN paths; see
// data/SOURCES.md.
//
//go:embed data/sam_managed_policies.tsv
var samManagedTSV string

var loadManaged = sync.OnceValues(func() (map[string]string, error) {
	m := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(samManagedTSV, "\n"), "\n") {
		if i == 0 && strings.HasPrefix(line, "# ") {
			continue
		}
		name, path, ok := strings.Cut(line, "\t")
		if !ok || name == "" {
			return nil, fmt.Errorf("line %d: want name<TAB>path, got %q", i+1, line)
		}
		m[name] = path
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("no policies")
	}
	return m, nil
})

// SAMManagedPolicyARN resolves an AWS managed policy name as SAM's
// Policies: accepts it ("AWSLambdaDynamoDBExecutionRole") to the ARN SAM
// puts in the generated role
// ("arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole").
// SAM asks IAM at transform time; this answers offline from cfn-lint's copy
// of that list, and false means the name is not a known managed policy.
func SAMManagedPolicyARN(name string) (string, bool) {
	m, err := loadManaged()
	if err != nil {
		// Generated data checked by the tests: a build defect, not input.
		panic("iam: embedded managed policy list: " + err.Error())
	}
	path, ok := m[name]
	if !ok {
		return "", false
	}
	return "arn:aws:iam::aws:policy/" + path + name, true
}
