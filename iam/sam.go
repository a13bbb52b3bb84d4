package iam

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// samTemplatesJSON holds every SAM policy template, rendered from
// aws-sam-translator's own definitions; see data/SOURCES.md.
//
//go:embed data/sam_policy_templates.json
var samTemplatesJSON []byte

type samTemplate struct {
	Parameters []string    `json:"parameters"`
	Statements []Statement `json:"statements"`
}

type samTable struct {
	Source    string                 `json:"source"`
	Templates map[string]samTemplate `json:"templates"`
}

var loadSAM = sync.OnceValues(func() (*samTable, error) {
	var t samTable
	if err := json.Unmarshal(samTemplatesJSON, &t); err != nil {
		return nil, err
	}
	if len(t.Templates) == 0 {
		return nil, fmt.Errorf("no templates")
	}
	return &t, nil
})

func samTemplates() *samTable {
	t, err := loadSAM()
	if err != nil {
		// Generated data checked by the tests: a build defect, not input.
		panic("iam: embedded SAM policy templates: " + err.Error())
	}
	return t
}

// samParam is how the generator marks a template parameter; "@" cannot occur
// in a CloudFormation name, so it never collides with ${AWS::Region} or a
// caller's ${Resource.Attr}.
var samParam = regexp.MustCompile(`\$\{@([A-Za-z0-9_]+)\}`)

// SAMPolicyTemplateSource names the aws-sam-translator release the templates
// were generated from.
func SAMPolicyTemplateSource() string { return samTemplates().Source }

// SAMPolicyTemplateNames returns the names of all SAM policy templates, sorted.
func SAMPolicyTemplateNames() []string {
	t := samTemplates()
	names := make([]string, 0, len(t.Templates))
	for n := range t.Templates {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SAMPolicyTemplateParams returns the parameter names of a SAM policy
// template, and false when name is not a SAM policy template (so a SAM
// Policies: entry can be told apart from a managed policy name).
func SAMPolicyTemplateParams(name string) ([]string, bool) {
	tpl, ok := samTemplates().Templates[name]
	if !ok {
		return nil, false
	}
	return append([]string{}, tpl.Parameters...), true
}

// ExpandSAMPolicyTemplate returns the statements of one SAM policy template
// (DynamoDBCrudPolicy, SQSPollerPolicy, ...) with its parameters substituted
// symbolically: params maps each template parameter (TableName) to its
// value already rendered in Sub-normal form ("${OrdersTable}"). Source is
// left for the caller. An unknown name or a missing parameter is an error;
// parameters the template does not use are ignored, as SAM ignores them.
func ExpandSAMPolicyTemplate(name string, params map[string]string) ([]Statement, error) {
	tpl, ok := samTemplates().Templates[name]
	if !ok {
		return nil, fmt.Errorf("unknown SAM policy template %q", name)
	}
	var missing []string
	for _, p := range tpl.Parameters {
		if _, ok := params[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("SAM policy template %s: missing parameter %s", name, strings.Join(missing, ", "))
	}
	sub := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			// One pass over the template text: values are never rescanned,
			// so a value containing "${@X}" stays literal.
			out[i] = samParam.ReplaceAllStringFunc(s, func(m string) string {
				return params[m[3:len(m)-1]]
			})
		}
		return out
	}
	stmts := make([]Statement, len(tpl.Statements))
	for i, st := range tpl.Statements {
		stmts[i] = Statement{
			Effect:       st.Effect,
			Actions:      sub(st.Actions),
			NotActions:   sub(st.NotActions),
			Resources:    sub(st.Resources),
			HasCondition: st.HasCondition,
		}
		if len(st.NotResources) > 0 {
			stmts[i].NotResources = sub(st.NotResources)
		}
	}
	return stmts, nil
}
