package app

import (
	"strings"
	"testing"
)

// A cloud assembly with a stage (nested assembly), a nested stack, an asset
// found only through the asset manifest, and a zip asset.
func TestCDKNested(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"cdk.json": "{}",
		"cdk.out/manifest.json": `{"version": "36.0.0", "artifacts": {
  "assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"}},
  "Top": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Top.template.json"}}}}`,
		"cdk.out/Top.template.json": `{"Resources": {
  "Fn1": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}, "Handler": "index.h", "Runtime": "nodejs20.x", "Role": {"Fn::GetAtt": ["R", "Arn"]}}},
  "R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}]}},
  "Nested": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "TopNested.nested.template.json"}}}}`,
		"cdk.out/TopNested.nested.template.json": `{"Resources": {
  "Fn2": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Bucket": "b", "S3Key": "abc.zip"}, "Handler": "index.h", "Runtime": "nodejs20.x"}}}}`,
		"cdk.out/Top.assets.json":    `{"version": "36.0.0", "files": {"abc": {"source": {"path": "asset.abc", "packaging": "zip"}, "destinations": {"d": {"bucketName": "b", "objectKey": "abc.zip"}}}}}`,
		"cdk.out/asset.abc/index.js": "",
		"cdk.out/assembly-Prod/manifest.json": `{"version": "36.0.0", "artifacts": {
  "Prod-Svc.assets": {"type": "cdk:asset-manifest", "properties": {"file": "Prod-Svc.assets.json"}},
  "Prod-Svc": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Prod-Svc.template.json"}}}}`,
		"cdk.out/assembly-Prod/Prod-Svc.assets.json": `{"files": {}}`,
		"cdk.out/assembly-Prod/Prod-Svc.template.json": `{"Resources": {
  "Fn3": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:asset:path": "../asset.zipped.zip", "aws:asset:property": "Code"}, "Properties": {"Code": {"S3Bucket": "b", "S3Key": "z.zip"}, "Handler": "index.h", "Runtime": "python3.12"}}}}`,
	})
	// The stage's asset path leaves its folder: refused as code? It is
	// metadata of a resource, read relative to the template; it must exist.
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "asset.zipped.zip") {
		t.Fatalf("missing asset: %v", err)
	}
	writeFile(t, dir, "cdk.out/asset.zipped.zip", "PK")
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range a.Functions {
		got = append(got, f.ID+" "+f.Code.Type+" "+f.Code.Path+" "+f.File)
	}
	want := []string{
		"Fn3 zip cdk.out/asset.zipped.zip cdk.out/assembly-Prod/Prod-Svc.template.json",
		"Fn1 inline  cdk.out/Top.template.json",
		"Fn2 dir cdk.out/asset.abc cdk.out/TopNested.nested.template.json",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("functions\n got %q\nwant %q", got, want)
	}
	if a.Entry != "cdk.out/manifest.json" || a.Kind != KindCDK {
		t.Errorf("entry %s kind %s", a.Entry, a.Kind)
	}
	if r := a.Functions[1].Role; r == nil || r.ManagedPolicies[0] != "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" {
		t.Errorf("role %+v", r)
	}
	if a.Functions[2].RoleNote == "" {
		t.Error("a function without Role has no note")
	}
}
