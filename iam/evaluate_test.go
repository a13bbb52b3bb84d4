package iam

import (
	"reflect"
	"strings"
	"testing"
)

func allow(actions []string, resources ...string) Statement {
	return Statement{Effect: "Allow", Actions: actions, Resources: resources}
}

func rulesOf(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestEvaluateRules(t *testing.T) {
	tests := []struct {
		name  string
		st    Statement
		rules []string
		// detail of the first finding, when set
		detail string
	}{
		{"admin", allow([]string{"*"}, "*"),
			[]string{RuleActionStar, RuleResourceStarWrite, RulePassRoleStar}, `Action "*"`},
		{"action star on one bucket", allow([]string{"*"}, "arn:aws:s3:::b/*"),
			[]string{RuleActionStar}, ""},
		{"service wildcard scoped", allow([]string{"s3:*"}, "arn:aws:s3:::b/*"),
			[]string{RuleServiceWildcard}, "s3:*"},
		{"case-insensitive service wildcard", allow([]string{"S3:*", "iam:*"}, "${Bucket.Arn}"),
			[]string{RuleServiceWildcard, RuleServiceWildcard}, "S3:*"},
		{"partial wildcards on specific ARNs", allow([]string{"s3:Put*", "s3:Get*", "dynamodb:*Item"}, "arn:aws:s3:::b/*", "${Table.Arn}"),
			nil, ""},
		{"s3 star-like resource is not star", allow([]string{"s3:PutObject", "s3:DeleteObject"}, "arn:aws:s3:::*"),
			nil, ""},
		{"scoped passrole", allow([]string{"iam:PassRole"}, "arn:aws:iam::123456789012:role/worker"),
			nil, ""},
		{"passrole star", allow([]string{"iam:PassRole"}, "*"),
			[]string{RuleResourceStarWrite, RulePassRoleStar}, ""},
		{"passrole through lower-case wildcard", allow([]string{"IAM:pass*"}, "*"),
			[]string{RuleResourceStarWrite, RulePassRoleStar}, ""},
		{"passrole through ?", allow([]string{"iam:P?ssRole"}, "*"),
			[]string{RuleResourceStarWrite, RulePassRoleStar}, ""},
		{"question mark needs one char", allow([]string{"iam:PassRole?"}, "*"),
			nil, ""},
		{"write pattern expanded", allow([]string{"s3:Put*"}, "*"),
			[]string{RuleResourceStarWrite}, `Resource "*" with write/permissions-management actions: s3:Put*`},
		{"lower-case action still counts", allow([]string{"s3:putobject"}, "*"),
			[]string{RuleResourceStarWrite}, `Resource "*" with write/permissions-management actions: s3:putobject`},
		{"tagging counts", allow([]string{"s3:PutObjectTagging"}, "*"),
			[]string{RuleResourceStarWrite}, ""},
		{"unscoped writes alone do not count", allow([]string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, "*"),
			nil, ""},
		{"read and list on star", allow([]string{"s3:Get*", "s3:List*", "ec2:Describe*"}, "*"),
			nil, ""},
		{"deny never", Statement{Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"}},
			nil, ""},
		{"deny never with NotAction", Statement{Effect: "Deny", NotActions: []string{"s3:*"}, Resources: []string{"*"}},
			nil, ""},
		{"notaction complement", Statement{Effect: "Allow", NotActions: []string{"iam:*", "organizations:*"}, Resources: []string{"*"}},
			[]string{RuleResourceStarWrite, RuleNotActionAllow}, `Resource "*" with write/permissions-management actions: every action except iam:*, organizations:*`},
		{"notaction not excluding passrole", Statement{Effect: "Allow", NotActions: []string{"s3:*"}, Resources: []string{"*"}},
			[]string{RuleResourceStarWrite, RulePassRoleStar, RuleNotActionAllow}, ""},
		{"notaction complement without writes", Statement{Effect: "Allow", NotActions: []string{"*"}, Resources: []string{"*"}},
			[]string{RuleNotActionAllow}, "NotAction: *"},
		{"notaction scoped", Statement{Effect: "Allow", NotActions: []string{"s3:DeleteBucket"}, Resources: []string{"arn:aws:s3:::b"}},
			[]string{RuleNotActionAllow}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Evaluate(&Role{Statements: []Statement{tt.st}})
			want := tt.rules
			if want == nil {
				want = []string{}
			}
			if got := rulesOf(fs); !reflect.DeepEqual(got, want) {
				t.Fatalf("rules %v, want %v (%+v)", got, want, fs)
			}
			if tt.detail != "" && fs[0].Detail != tt.detail {
				t.Errorf("detail %q, want %q", fs[0].Detail, tt.detail)
			}
			for _, f := range fs {
				if f.Statement != 0 {
					t.Errorf("%s: statement %d, want 0", f.Rule, f.Statement)
				}
			}
		})
	}
}

func TestEvaluateManagedPolicies(t *testing.T) {
	r := &Role{File: "template.yaml", Line: 7, ManagedPolicies: []string{
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
		"arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess",
		"arn:aws-us-gov:iam::aws:policy/PowerUserAccess",
		"IAMFullAccess",
		"arn:aws:iam::aws:policy/AmazonS3FullAccess",
		"arn:aws:iam::123456789012:policy/TeamFullAccess", // customer managed: not judged by name
		"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
	}, Statements: []Statement{allow([]string{"logs:*"}, "*")}}
	fs := Evaluate(r)
	got := rulesOf(fs)
	want := []string{RuleServiceWildcard, RuleResourceStarWrite, RuleAdminManaged, RuleAdminManaged, RuleAdminManaged, RuleFullAccessManaged}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rules %v, want %v", got, want)
	}
	for _, f := range fs[2:] {
		if f.Statement != -1 || f.Policy == "" || f.Detail != f.Policy || f.File != "template.yaml" || f.Line != 7 {
			t.Errorf("managed finding %+v", f)
		}
	}
	if fs[5].Policy != "arn:aws:iam::aws:policy/AmazonS3FullAccess" {
		t.Errorf("full-access finding names %q", fs[5].Policy)
	}
}

func TestStatementOrderAndLocation(t *testing.T) {
	r := &Role{Statements: []Statement{
		allow([]string{"dynamodb:GetItem"}, "${T.Arn}"),
		{Effect: "Allow", Actions: []string{"sqs:*"}, Resources: []string{"*"}, File: "t.yaml", Line: 12},
	}}
	fs := Evaluate(r)
	if len(fs) != 2 || fs[0].Statement != 1 || fs[0].Line != 12 || fs[0].File != "t.yaml" {
		t.Fatalf("findings %+v", fs)
	}
	if Evaluate(nil) != nil || Evaluate(&Role{}) != nil {
		t.Error("empty role has findings")
	}
}

func TestManagedPolicyName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": "AWSLambdaBasicExecutionRole",
		"arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess":        "AdministratorAccess",
		"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess":              "ViewOnlyAccess",
		"AmazonS3FullAccess": "AmazonS3FullAccess",
	} {
		if got := ManagedPolicyName(in); got != want {
			t.Errorf("ManagedPolicyName(%q) = %q, want %q", in, got, want)
		}
	}
	if IsAWSManagedPolicy("arn:aws:iam::123456789012:policy/AdministratorAccess") || IsAWSManagedPolicy("${PolicyParam}") {
		t.Error("customer or unresolved policy taken for AWS managed")
	}
}

func TestDefaultFailingRules(t *testing.T) {
	want := map[string]bool{RuleActionStar: true, RulePassRoleStar: true, RuleNotActionAllow: true, RuleAdminManaged: true}
	for _, r := range Rules {
		if IsFailing(r) != want[r] {
			t.Errorf("IsFailing(%s) = %v", r, IsFailing(r))
		}
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{
		{"*", "s3:getobject", true},
		{"s3:get*", "s3:getobject", true},
		{"s3:*object", "s3:getobject", true},
		{"s3:g?tobject", "s3:getobject", true},
		{"s3:g?tobject", "s3:gtobject", false},
		{"s3:*t*t", "s3:getobject", true},
		{"s3:get", "s3:getobject", false},
		{"", "", true},
		{"s?:*", "s3:x", true},
		{strings.Repeat("*a", 30) + "b", strings.Repeat("a", 200), false},
	} {
		if got := globMatch(c.p, c.s); got != c.ok {
			t.Errorf("globMatch(%q, %q) = %v", c.p, c.s, got)
		}
	}
	if !MatchAction("IAM:PassRole", "iam:passrole") {
		t.Error("MatchAction is case-sensitive")
	}
}

func TestUnknownActions(t *testing.T) {
	r := &Role{Statements: []Statement{
		allow([]string{"s3:GetObject", "s3:GetObjekt", "${ActionParam}", "s3:Get*", "s3:GetObjekt"}, "*"),
		{Effect: "Deny", Actions: []string{"nosuch:Thing"}, Resources: []string{"*"}},
		{Effect: "Allow", NotActions: []string{"madeup:*"}, Resources: []string{"arn:aws:s3:::b"}},
	}}
	got := UnknownActions(r)
	want := []string{"s3:GetObjekt", "${ActionParam}", "madeup:*"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UnknownActions = %v, want %v", got, want)
	}
}

func TestSAMManagedPolicyARN(t *testing.T) {
	for name, want := range map[string]string{
		"AWSLambdaDynamoDBExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
		"AWSLambdaBasicExecutionRole":    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
		"AmazonS3FullAccess":             "arn:aws:iam::aws:policy/AmazonS3FullAccess",
		"AWSXrayWriteOnlyAccess":         "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
	} {
		if got, ok := SAMManagedPolicyARN(name); !ok || got != want {
			t.Errorf("SAMManagedPolicyARN(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := SAMManagedPolicyARN("DynamoDBCrudPolicy"); ok {
		t.Error("a SAM policy template resolved as a managed policy")
	}
}

// An Allow with NotResource grants on every resource but those it names:
// the Resource "*" rules judge it as "*".
func TestNotResourceIsResourceStar(t *testing.T) {
	r := &Role{Statements: []Statement{{
		Effect: "Allow", Actions: []string{"iam:PassRole", "s3:PutObject"},
		NotResources: []string{"arn:aws:iam::123456789012:role/x"}, Source: "inline:p",
	}}}
	got := map[string]string{}
	for _, f := range Evaluate(r) {
		got[f.Rule] = f.Detail
	}
	if d := got[RulePassRoleStar]; !strings.Contains(d, "NotResource arn:aws:iam::123456789012:role/x") {
		t.Errorf("passrole-star: %q (findings %v)", d, got)
	}
	if d := got[RuleResourceStarWrite]; !strings.HasPrefix(d, "NotResource ") || !strings.Contains(d, "s3:PutObject") {
		t.Errorf("resource-star-write: %q", d)
	}
}
