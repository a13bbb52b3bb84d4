package deployed

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want target
	}{
		{"arn:aws:lambda:us-east-1:123456789012:function:orders",
			target{partition: "aws", region: "us-east-1", account: "123456789012", name: "orders"}},
		{"arn:aws:lambda:eu-west-3:123456789012:function:orders:prod",
			target{partition: "aws", region: "eu-west-3", account: "123456789012", name: "orders", qualifier: "prod"}},
		{"arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST",
			target{partition: "aws", region: "us-east-1", account: "123456789012", name: "orders"}},
		{"arn:aws:lambda:us-east-1:123456789012:function:orders:17",
			target{partition: "aws", region: "us-east-1", account: "123456789012", name: "orders", qualifier: "17"}},
		{"arn:aws-cn:lambda:cn-north-1:123456789012:function:a_b-c",
			target{partition: "aws-cn", region: "cn-north-1", account: "123456789012", name: "a_b-c"}},
		{"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:deps:3",
			target{layer: true, partition: "aws-us-gov", region: "us-gov-west-1", account: "123456789012", name: "deps", version: 3}},
		{"arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:52",
			target{layer: true, partition: "aws", region: "us-east-1", account: "580247275435", name: "LambdaInsightsExtension", version: 52}},
		{"orders", target{name: "orders"}},
		{"orders:live", target{name: "orders", qualifier: "live"}},
		{"orders:$LATEST", target{name: "orders"}},
	} {
		got, err := parseTarget(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		tc.want.raw = tc.in
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
		if strings.HasPrefix(tc.in, "arn:") != IsTarget(tc.in) {
			t.Errorf("IsTarget(%s) = %v", tc.in, IsTarget(tc.in))
		}
	}
}

func TestParseTargetErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"arn:aws:lambda:us-east-1:123456789012", "want arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"},
		{"arn:azure:lambda:us-east-1:123456789012:function:x", `partition "azure" is not aws, aws-cn or aws-us-gov`},
		{"arn:aws:lambda:cn-north-1:123456789012:function:x", "region cn-north-1 is not in partition aws"},
		{"arn:aws-cn:lambda:us-east-1:123456789012:function:x", "region us-east-1 is not in partition aws-cn"},
		{"arn:aws:lambda:us-gov-west-1:123456789012:function:x", "region us-gov-west-1 is not in partition aws"},
		{"arn:aws:lambda:US-EAST-1:123456789012:function:x", `region "US-EAST-1" is not a region name`},
		{"arn:aws:lambda:us-east-1:12345678901a:function:x", `account "12345678901a" is not 12 digits`},
		{"arn:aws:lambda:us-east-1:123456789012:function:has.dot", `function name "has.dot" is not 1-64`},
		{"arn:aws:lambda:us-east-1:123456789012:function:" + strings.Repeat("a", 65), "is not 1-64"},
		{"arn:aws:lambda:us-east-1:123456789012:function:x:a:b", "too many fields"},
		{"arn:aws:lambda:us-east-1:123456789012:function:x:", `qualifier "" is not`},
		{"arn:aws:lambda:us-east-1:123456789012:layer:x:0", `layer version "0" is not a positive number`},
		{"arn:aws:lambda:us-east-1:123456789012:layer:x:07", `layer version "07" is not a positive number`},
		{"arn:aws:lambda:us-east-1:123456789012:layer:x:1:2", "too many fields after the layer version"},
		{"arn:aws:lambda:us-east-1:123456789012:layer:x", "needs its version"},
		{"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:x", `resource type "event-source-mapping" is not function or layer`},
		{"my function", "not a Lambda function name"},
		{"", "not a Lambda function name"},
	} {
		_, err := parseTarget(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want …%s", tc.in, err, tc.want)
		}
	}
}

func TestResolveLocation(t *testing.T) {
	ep, _ := url.Parse("http://127.0.0.1:5055")
	withPath, _ := url.Parse("https://emulator.example/base/")
	for _, tc := range []struct {
		endpoint *url.URL
		in, want string
	}{
		// No endpoint: as given.
		{nil, "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/k?X-Amz-Signature=a", "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/k?X-Amz-Signature=a"},
		// Virtual-hosted S3 hosts, every spelling, become path-style.
		{ep, "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/k?X-Amz-Signature=a", "http://127.0.0.1:5055/awslambda-us-east-1-tasks/snapshots/k?X-Amz-Signature=a"},
		{ep, "https://prod-04-2014-tasks.s3-eu-west-1.amazonaws.com/a%20b", "http://127.0.0.1:5055/prod-04-2014-tasks/a%20b"},
		{ep, "https://my.dotted.bucket.s3.amazonaws.com/k", "http://127.0.0.1:5055/my.dotted.bucket/k"},
		{ep, "https://bucket.s3.cn-north-1.amazonaws.com.cn/k", "http://127.0.0.1:5055/bucket/k"},
		// Path-style stays path-style.
		{ep, "https://s3.us-east-1.amazonaws.com/bucket/k?x=1", "http://127.0.0.1:5055/bucket/k?x=1"},
		{withPath, "https://b.s3.amazonaws.com/k", "https://emulator.example/base/b/k"},
		// Not S3: as given (LocalStack's own host, a fake).
		{ep, "http://localhost.localstack.cloud:4566/k", "http://localhost.localstack.cloud:4566/k"},
		{ep, "https://amazonaws.com.evil.example/k", "https://amazonaws.com.evil.example/k"},
	} {
		c := &cache{endpoint: tc.endpoint}
		got, err := c.resolve(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	c := &cache{endpoint: ep}
	for _, bad := range []string{"s3://", "file:///etc/passwd", "ftp://x/y", "http://", "::"} {
		if _, err := c.resolve(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseRoleARN(t *testing.T) {
	for in, want := range map[string]roleARNParts{
		"arn:aws:iam::123456789012:role/orders":                   {"aws", "123456789012", "role/orders", "orders"},
		"arn:aws:iam::123456789012:role/service-role/orders-role": {"aws", "123456789012", "role/service-role/orders-role", "orders-role"},
		"arn:aws-cn:iam::123456789012:role/a/b/c":                 {"aws-cn", "123456789012", "role/a/b/c", "c"},
	} {
		if got, err := parseRoleARN(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"orders", "arn:aws:iam::123456789012:user/x", "arn:aws:iam::123456789012:role/", "arn:aws:sts::1:role/x"} {
		if _, err := parseRoleARN(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestSameRole: IAM's answer is the configured role only when partition,
// account and path/name agree.
func TestSameRole(t *testing.T) {
	const configured = "arn:aws:iam::999999999999:role/service-role/lambda-role"
	want, err := parseRoleARN(configured)
	if err != nil {
		t.Fatal(err)
	}
	for answered, wantErr := range map[string]string{
		configured: "",
		"arn:aws:iam::999999999999:role/service-role/Lambda-Role":    "",
		"arn:aws:iam::123456789012:role/service-role/lambda-role":    "role in account 999999999999 is not readable with these credentials: permissions unknown",
		"arn:aws-cn:iam::999999999999:role/service-role/lambda-role": "role in account 999999999999 is not readable with these credentials: permissions unknown",
		"arn:aws:iam::999999999999:role/lambda-role":                 "iam:GetRole " + configured + " answered with arn:aws:iam::999999999999:role/lambda-role, another role: permissions unknown",
		"lambda-role": "iam:GetRole " + configured + `: the answer's ARN "lambda-role" is not a role ARN`,
	} {
		err := sameRole(configured, want, answered)
		if (err == nil) != (wantErr == "") || (err != nil && err.Error() != wantErr) {
			t.Errorf("answer %s: %v, want %q", answered, err, wantErr)
		}
	}
}

// FuzzSameRole: whatever IAM answers, a role is accepted only when its
// account and partition are the configured role's.
func FuzzSameRole(f *testing.F) {
	f.Add("arn:aws:iam::123456789012:role/service-role/orders", "arn:aws:iam::123456789012:role/service-role/orders")
	f.Add("arn:aws:iam::999999999999:role/x", "arn:aws:iam::123456789012:role/x")
	f.Add("arn:aws:iam::1:role/a/b", "arn:aws:iam::1:role/A/B")
	f.Fuzz(func(t *testing.T, configured, answered string) {
		want, err := parseRoleARN(configured)
		if err != nil {
			return
		}
		err = sameRole(configured, want, answered)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(configured+answered, "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		got, perr := parseRoleARN(answered)
		if perr != nil || got.account != want.account || got.partition != want.partition || !strings.EqualFold(got.name, want.name) {
			t.Fatalf("%q accepted for %q", answered, configured)
		}
	})
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"arn:aws:lambda:us-east-1:123456789012:function:orders:prod",
		"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:deps:3",
		"orders:$LATEST", "arn:", "arn:aws:lambda:::::::",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := parseTarget(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if tg.name == "" || (tg.layer && tg.version < 1) || tg.qualifier == "$LATEST" {
			t.Fatalf("%q parsed to %+v", s, tg)
		}
		if IsTarget(s) && (tg.region == "" || tg.account == "") {
			t.Fatalf("ARN %q parsed without region or account: %+v", s, tg)
		}
	})
}

func FuzzResolveLocation(f *testing.F) {
	f.Add("https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/k?X-Amz-Signature=a")
	f.Add("https://s3.amazonaws.com/b/%2F..%2Fk")
	f.Add("http://127.0.0.1/code")
	ep, _ := url.Parse("http://127.0.0.1:5055/base")
	f.Fuzz(func(t *testing.T, s string) {
		c := &cache{endpoint: ep}
		u, err := c.resolve(s)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("%q resolved to %s", s, u)
		}
		if _, ok := s3Bucket(mustParse(t, s).Hostname()); ok && u.Host != ep.Host {
			t.Fatalf("S3 location %q not sent to the endpoint: %s", s, u)
		}
		if strings.Contains(redact(u), "?") {
			t.Fatalf("redact kept a query: %s", redact(u))
		}
	})
}

func mustParse(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
