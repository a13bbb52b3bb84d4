package deployed

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/fnguard/fnguard/iam"
)

// TestMoto runs the whole flow against moto's server (python3 -m
// moto.server, started with MOTO_IAM_LOAD_MANAGED_POLICIES=true; .ci/run
// sets FNGUARD_TEST_MOTO_URL). What moto can and cannot do shapes the test:
// a function's Code.Location (bucket awslambda-<region>-tasks on an AWS S3
// host) is served only for code created from a public-read object in that
// bucket, so the code is uploaded there first; a layer's Content.Location
// is "s3://", which must fail, never scan as an empty layer.
func TestMoto(t *testing.T) {
	endpoint := os.Getenv("FNGUARD_TEST_MOTO_URL")
	if endpoint == "" {
		t.Skip("FNGUARD_TEST_MOTO_URL not set (start MOTO_IAM_LOAD_MANAGED_POLICIES=true python3 -m moto.server and point it there)")
	}
	code, layerZip := fixture(t, "node-function.zip"), fixture(t, "node-layer.zip")
	hermetic(t)
	ctx := t.Context()
	cfg, err := config.LoadDefaultConfig(ctx, append(fakeCredentials(), config.WithRegion(fakeRegion), config.WithBaseEndpoint(endpoint))...)
	if err != nil {
		t.Fatal(err)
	}
	ic, lc := awsiam.NewFromConfig(cfg), lambda.NewFromConfig(cfg)

	// Names unique to this run: a developer's moto keeps state between runs.
	var rnd [4]byte
	rand.Read(rnd[:])
	sfx := hex.EncodeToString(rnd[:])
	roleName, bucket, key := "fnguard-role-"+sfx, "awslambda-"+fakeRegion+"-tasks", "fnguard/"+sfx+".zip"

	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	role, err := ic.CreateRole(ctx, &awsiam.CreateRoleInput{
		RoleName:                 aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	must(role, err)
	must(ic.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("admin"), PolicyDocument: aws.String(starDoc)}))
	pol, err := ic.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("fnguard-extra-" + sfx), PolicyDocument: aws.String(s3Doc)})
	must(pol, err)
	must(ic.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: pol.Policy.Arn}))
	must(ic.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: aws.String(adminPolicy)}))

	// moto's S3 accepts unsigned requests; the object must be public-read
	// for moto to serve it at the function's Code.Location.
	put := func(path string, body []byte, hdr map[string]string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, strings.TrimSuffix(endpoint, "/")+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("PUT %s: %s", path, resp.Status)
		}
	}
	put("/"+bucket, nil, nil)
	put("/"+bucket+"/"+key, code, map[string]string{"x-amz-acl": "public-read", "Content-Type": "application/zip"})

	lv, err := lc.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{
		LayerName: aws.String("fnguard-deps-" + sfx), Content: &ltypes.LayerVersionContentInput{ZipFile: layerZip},
		CompatibleRuntimes: []ltypes.Runtime{ltypes.RuntimeNodejs20x},
	})
	must(lv, err)
	create := func(name string, layers []string) string {
		t.Helper()
		out, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Runtime: ltypes.RuntimeNodejs20x, Handler: aws.String("index.handler"),
			Role: role.Role.Arn, Code: &ltypes.FunctionCode{S3Bucket: aws.String(bucket), S3Key: aws.String(key)},
			Layers: layers, Architectures: []ltypes.Architecture{ltypes.ArchitectureArm64},
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.FunctionArn)
	}
	plainARN := create("fnguard-plain-"+sfx, nil)
	layeredARN := create("fnguard-layered-"+sfx, []string{aws.ToString(lv.LayerVersionArn)})

	opts := Options{Regions: []string{fakeRegion}, EndpointURL: endpoint, CacheDir: t.TempDir(), loadOptions: fakeCredentials()}

	// By ARN, by ARN with :$LATEST (moto answers 404 to it), by name.
	for _, target := range []string{plainARN, plainARN + ":$LATEST", "fnguard-plain-" + sfx} {
		a, err := Load(ctx, []string{target}, opts)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		fn := a.Functions[0]
		if fn.Name != "fnguard-plain-"+sfx || fn.Runtime != "nodejs20.x" || fn.Architecture != "arm64" || fn.Handler != "index.handler" || fn.PackageType != "Zip" {
			t.Errorf("%s: %+v", target, fn)
		}
		sameFile(t, fn.Code.Local, code)
		r := fn.Role
		if r == nil {
			t.Fatalf("%s: role not read: %s", target, fn.RoleNote)
		}
		if r.ID != roleName || *r.ARN != aws.ToString(role.Role.Arn) || len(r.ManagedPolicies) != 1 || r.ManagedPolicies[0] != adminPolicy {
			t.Errorf("%s: role %+v", target, r)
		}
		sources := map[string]bool{}
		for _, s := range r.Statements {
			sources[s.Source] = true
		}
		if len(r.Statements) != 2 || !sources["inline:admin"] || !sources["managed:"+aws.ToString(pol.Policy.Arn)] {
			t.Errorf("%s: statements %+v", target, r.Statements)
		}
		rules := map[string]bool{}
		for _, f := range r.Findings {
			rules[f.Rule] = true
		}
		if !rules[iam.RuleActionStar] || !rules[iam.RuleAdminManaged] {
			t.Errorf("%s: findings %+v", target, r.Findings)
		}
	}

	// moto's layer content cannot be fetched: an error naming the layer.
	layerARN := aws.ToString(lv.LayerVersionArn)
	want := "layer " + layerARN + `: code location "s3://" is not an http(s) URL`
	if _, err := Load(ctx, []string{layeredARN}, opts); err == nil || err.Error() != want {
		t.Errorf("function with a moto layer: %v, want %s", err, want)
	}
	if _, err := Load(ctx, []string{layerARN}, opts); err == nil || err.Error() != want {
		t.Errorf("moto layer: %v, want %s", err, want)
	}

	// All functions: ours are there (moto may hold others from earlier
	// runs), the layer fails on its own.
	a, err := LoadAll(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, fn := range a.Functions {
		if strings.HasSuffix(fn.Name, sfx) {
			seen++
			if fn.Error != "" {
				t.Errorf("%s: %s", fn.Name, fn.Error)
			}
			sameFile(t, fn.Code.Local, code)
		}
	}
	if seen != 2 {
		t.Errorf("all functions: %d of ours, want 2", seen)
	}
	layerSeen := false
	for _, ly := range a.Layers {
		if ly.ID == layerARN {
			layerSeen = true
			if ly.Error != want {
				t.Errorf("layer error %q, want %q", ly.Error, want)
			}
		}
	}
	if !layerSeen {
		t.Errorf("layer %s not reported", layerARN)
	}
}
