package app

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// CDK passes a parent stack's role and layer to a nested stack as
// parameters. Read unbound, the nested function's role was "unknown", the
// parent's AdministratorAccess role "unused", and the layer external: the
// gate passed. The nested stack's template is found through its
// aws:asset:path, without the note that it is not local.
func TestCDKNestedStackParameters(t *testing.T) {
	parent := `{"Resources": {
  "AdminRole": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [
    {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}]}},
  "Layer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"Content": {"S3Bucket": "b", "S3Key": "l.zip"}},
    "Metadata": {"aws:asset:path": "asset.layer", "aws:asset:property": "Content"}},
  "Child": {"Type": "AWS::CloudFormation::Stack",
    "Properties": {"TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".amazonaws.com/b/c.json"]]},
      "Parameters": {"refRole": {"Fn::GetAtt": ["AdminRole", "Arn"]}, "refLayer": {"Ref": "Layer"}}},
    "Metadata": {"aws:asset:path": "ParentChild.nested.template.json"}}}}`
	child := `{"Parameters": {"refRole": {"Type": "String"}, "refLayer": {"Type": "String"}},
 "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
   "Code": {"S3Bucket": "b", "S3Key": "f.zip"}, "Handler": "index.handler", "Runtime": "nodejs20.x",
   "Role": {"Ref": "refRole"}, "Layers": [{"Ref": "refLayer"}]},
   "Metadata": {"aws:asset:path": "asset.fn", "aws:asset:property": "Code"}}}}`
	dir := writeTree(t, map[string]string{
		"cdk.out/manifest.json":                    `{"version": "36.0.0", "artifacts": {"Parent": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Parent.template.json"}}}}`,
		"cdk.out/Parent.template.json":             parent,
		"cdk.out/ParentChild.nested.template.json": child,
		"cdk.out/asset.fn/index.js":                "x",
		"cdk.out/asset.layer/nodejs/x.js":          "x",
	})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 1 {
		t.Fatalf("%d functions", len(a.Functions))
	}
	f := a.Functions[0]
	if f.Role == nil || f.Role.ID != "AdminRole" || !reflect.DeepEqual(f.Role.ManagedPolicies, []string{"arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}) {
		t.Errorf("role %+v (%s), want the parent's AdminRole", f.Role, f.RoleNote)
	}
	if len(a.UnusedRoles) != 0 {
		t.Errorf("unused roles %q", a.UnusedRoles)
	}
	if !reflect.DeepEqual(f.Layers, []string{"Layer"}) {
		t.Errorf("layers %q, want the parent's Layer", f.Layers)
	}
	for _, n := range a.Notes {
		if strings.Contains(n, "not inspected") {
			t.Errorf("note %q: the nested template was read", n)
		}
	}
}

// In a stage (a nested cloud assembly) CDK's asset manifest names sources
// "../asset.<hash>": the app's assets sit at the assembly's top. Refused
// as leaving the assembly, a custom resource handler's code read as "in
// S3" and its packages went unchecked. Climbing out of the top still is
// refused.
func TestCDKStageAssetsAtTheTop(t *testing.T) {
	stack := `{"Resources": {"Handler": {"Type": "AWS::Lambda::Function", "Properties": {
  "Code": {"S3Bucket": "b", "S3Key": "h1.zip"}, "Handler": "index.handler", "Runtime": "nodejs20.x", "Role": "arn:aws:iam::1:role/r"}},
 "Escape": {"Type": "AWS::Lambda::Function", "Properties": {
  "Code": {"S3Bucket": "b", "S3Key": "h2.zip"}, "Handler": "index.handler", "Runtime": "nodejs20.x", "Role": "arn:aws:iam::1:role/r"}}}}`
	assets := `{"version": "36.0.0", "files": {
  "h1": {"source": {"path": "../asset.h1", "packaging": "zip"}, "destinations": {"d": {"bucketName": "b", "objectKey": "h1.zip"}}},
  "h2": {"source": {"path": "../../outside", "packaging": "zip"}, "destinations": {"d": {"bucketName": "b", "objectKey": "h2.zip"}}}}}`
	dir := writeTree(t, map[string]string{
		"cdk.out/manifest.json":                     `{"version": "36.0.0", "artifacts": {"Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}}}`,
		"cdk.out/assembly-Prod/manifest.json":       `{"version": "36.0.0", "artifacts": {"ProdS": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "ProdS.template.json"}}, "ProdS.assets": {"type": "cdk:asset-manifest", "properties": {"file": "ProdS.assets.json"}}}}`,
		"cdk.out/assembly-Prod/ProdS.template.json": stack,
		"cdk.out/assembly-Prod/ProdS.assets.json":   assets,
		"cdk.out/asset.h1/index.js":                 "x",
		"outside/index.js":                          "x",
	})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Code{}
	for _, f := range a.Functions {
		got[f.ID] = f.Code
	}
	if c := got["Handler"]; c.Type != CodeDir || c.Path != filepath.ToSlash(filepath.Join("cdk.out", "asset.h1")) {
		t.Errorf("Handler code %+v, want the folder cdk.out/asset.h1", c)
	}
	if c := got["Escape"]; c.Type != CodeS3 {
		t.Errorf("Escape code %+v, want S3 (outside the assembly)", c)
	}
	// The assembly folder given itself is one application: its stack
	// templates are not rival definitions.
	b, err := Load(filepath.Join(dir, "cdk.out"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range b.Notes {
		if strings.Contains(n, "several application definitions") {
			t.Errorf("note %q", n)
		}
	}
}

// CDK's cross-stack references: one stack exports a role's ARN, another's
// function imports it. Unresolved, the function's role was "unknown" and
// the AdministratorAccess role "unused", and the gate passed. The
// importing stack comes first in the manifest here: order must not matter.
func TestCDKCrossStackRole(t *testing.T) {
	roles := `{"Resources": {"AdminRole": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}},
  "Spare": {"Type": "AWS::IAM::Role", "Properties": {}}},
 "Outputs": {"ExportsOutputRoleArn": {"Value": {"Fn::GetAtt": ["AdminRole", "Arn"]}, "Export": {"Name": "RoleStack:ExportsOutputRoleArn"}}}}`
	fns := `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}, "Handler": "index.h", "Runtime": "nodejs20.x",
  "Role": {"Fn::ImportValue": "RoleStack:ExportsOutputRoleArn"}}}}}`
	dir := writeTree(t, map[string]string{
		"cdk.out/manifest.json": `{"version": "36.0.0", "artifacts": {
  "FnStack": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "FnStack.template.json"}, "dependencies": ["RoleStack"]},
  "RoleStack": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "RoleStack.template.json"}}}}`,
		"cdk.out/FnStack.template.json":   fns,
		"cdk.out/RoleStack.template.json": roles,
	})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Functions[0]
	if f.Role == nil || f.Role.ID != "AdminRole" || !reflect.DeepEqual(f.Role.ManagedPolicies, []string{"arn:aws:iam::aws:policy/AdministratorAccess"}) {
		t.Errorf("role %+v (%s), want the exported AdminRole", f.Role, f.RoleNote)
	}
	if !reflect.DeepEqual(a.UnusedRoles, []string{"Spare"}) {
		t.Errorf("unused roles %q, want only Spare", a.UnusedRoles)
	}
}
