package iam

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const samplePolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
     "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders:*"},
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": ["*"],
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    {"Effect": "Deny", "Action": "s3:DeleteBucket", "NotResource": "arn:aws:s3:::scratch"}
  ]
}`

func TestParseDocument(t *testing.T) {
	want := []Statement{
		{Effect: "Allow", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, NotActions: []string{},
			Resources: []string{"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders:*"}, Source: "inline:p"},
		{Effect: "Allow", Actions: []string{}, NotActions: []string{"iam:*"}, Resources: []string{"*"},
			HasCondition: true, Source: "inline:p"},
		{Effect: "Deny", Actions: []string{"s3:DeleteBucket"}, NotActions: []string{}, Resources: []string{},
			NotResources: []string{"arn:aws:s3:::scratch"}, Source: "inline:p"},
	}
	got, err := ParseDocument([]byte(samplePolicy), "inline:p")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// IAM's GetRolePolicy returns the document URL-encoded (RFC 3986).
	enc := strings.ReplaceAll(url.QueryEscape(samplePolicy), "+", "%20")
	got, err = ParseDocument([]byte(enc), "inline:p")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("URL-encoded: got %+v", got)
	}
	// A single Statement object, and "+" kept literal in an encoded document.
	one := url.PathEscape(`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/*"}}`)
	got, err = ParseDocument([]byte(one), "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Resources[0] != "arn:aws:s3:::a+b/*" {
		t.Fatalf("single statement: %+v", got)
	}
	fs := Evaluate(&Role{Statements: got})
	if len(fs) != 0 {
		t.Errorf("read on a bucket judged: %+v", fs)
	}
}

func TestParseDocumentErrors(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{``, "empty"},
		{`[]`, "not a JSON object"},
		{`null`, "not a JSON object"},
		{"{\n \"Statement\": [\n  {\"Effect\": \"Allow\",,}\n ]\n}", "line 3, column"},
		{`{"Version":"2012-10-17"}`, "no Statement"},
		{`{"Statement":"x"}`, "Statement: want an object"},
		{`{"Statement":[1]}`, "statement 0: want an object"},
		{`{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, `Effect: want "Allow" or "Deny", got "allow"`},
		{`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, "exactly one of Action and NotAction"},
		{`{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`, "exactly one of Action and NotAction"},
		{`{"Statement":[{"Effect":"Allow","Action":["s3:GetObject",7],"Resource":"*"}]}`, "Action[1]: want a string, got 7"},
		{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":{"a":1}}]}`, "Resource: want a string or a list"},
		{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"x"}]}`, "both Resource and NotResource"},
		{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}]}`, "Condition: want an object"},
		{`{"Version":"2020-01-01","Statement":[]}`, "unknown policy language version"},
		{`{"Statement":[]} {}`, "data after the JSON object"},
		{`%7B%ZZ`, "URL-encoded"},
		{`{"Statement":[` + strings.Repeat(" ", MaxDocumentSize) + `]}`, "more than the"},
	} {
		_, err := ParseDocument([]byte(c.doc), "inline:x")
		if err == nil {
			t.Errorf("%.40q: no error, want %q", c.doc, c.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) || !strings.HasPrefix(msg, "policy document inline:x: ") || strings.Contains(msg, "\n") {
			t.Errorf("%.40q: error %q, want one line naming the source and %q", c.doc, msg, c.want)
		}
	}
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(samplePolicy))
	f.Add([]byte(url.PathEscape(samplePolicy)))
	f.Add([]byte(`{"Statement":{"Effect":"Deny","NotAction":["*"],"NotResource":"*"}}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Action":"iam:Pass*","Resource":"*"}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		stmts, err := ParseDocument(doc, "fuzz")
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, s := range stmts {
			if s.Effect != "Allow" && s.Effect != "Deny" {
				t.Fatalf("effect %q accepted", s.Effect)
			}
			if (len(s.Actions) == 0) == (len(s.NotActions) == 0) && len(s.Actions)+len(s.NotActions) > 0 {
				t.Fatalf("both Action and NotAction: %+v", s)
			}
		}
		for _, fd := range Evaluate(&Role{Statements: stmts}) {
			if fd.Statement < 0 || fd.Statement >= len(stmts) || stmts[fd.Statement].Effect == "Deny" {
				t.Fatalf("finding %+v for statements %+v", fd, stmts)
			}
		}
	})
}
