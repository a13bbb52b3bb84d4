package app

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzTemplate feeds arbitrary bytes through the template parser, the
// intrinsic renderer and the application builder: none may panic or hang.
func FuzzTemplate(f *testing.F) {
	f.Add([]byte(samMinimal))
	f.Add([]byte(`{"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}, "Role": {"Fn::GetAtt": ["R", "Arn"]}}}, "R": {"Type": "AWS::IAM::Role"}}}`))
	f.Add([]byte("a: &a [!Ref X, !GetAtt Y.Z, !Sub '${A}']\nb: [*a, *a]\nc: !If [C, !Join ['', [a, *a]], !Ref AWS::NoValue]\n"))
	f.Add([]byte("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      InlineCode: x\n      Policies: [{SQSPollerPolicy: {QueueName: !GetAtt Q.QueueName}}, AWSLambdaExecute, {Statement: [{Effect: Allow, Action: '*', Resource: '*'}]}]\n      Events: {E: {Type: MQ, Properties: {Broker: !Ref B}}}\n"))
	f.Add([]byte("Resources:\n  Fn::ForEach::A:\n    - X\n    - [a, b]\n    - Fn::ForEach::B:\n        - Y\n        - !Ref P\n        - F${X}&{Y}: {Type: AWS::Lambda::Function, Properties: {Code: 'src/${Y}', Role: !If [C, !GetAtt R.Arn, !Ref AWS::NoValue]}}\n  R: {Type: AWS::IAM::Role}\n  P: {Type: AWS::IAM::RolePolicy, Properties: {RoleName: !Ref R, PolicyDocument: {Statement: [{Effect: Allow}]}}}\n  N: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: https://x/y}}\n"))
	// Policies under Fn::If at every level, an included and a parameter
	// document, a repeated key, a macro, an import of another stack's
	// export and a nested stack's parameter.
	f.Add([]byte("Transform: [AWS::Serverless-2016-10-31, M]\nParameters: {D: {Type: String}}\nOutputs: {O: {Value: !GetAtt R.Arn, Export: {Name: X}}}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies: !If [C, [{PolicyName: a, PolicyDocument: !If [C, {Statement: !If [C, [{Effect: Allow, Action: '*'}], []]}, !Ref D]}], !Ref AWS::NoValue]\n      ManagedPolicyArns: !If [C, [a, b], [c]]\n      Policies: [{PolicyName: b, PolicyDocument: {Fn::Transform: {Name: AWS::Include}}}, {PolicyName: s, PolicyDocument: '{\"Statement\": []}'}]\n  F: {Type: AWS::Lambda::Function, Properties: {Code: {ZipFile: x}, Role: !ImportValue X, Layers: [!Ref D]}}\n  Fn::Transform: {Name: AWS::Include}\n"))
	for _, g := range []string{"../../shared/fixtures/apps/*/*.yaml", "../../shared/fixtures/apps/*/*.yml"} {
		names, _ := filepath.Glob(g)
		for _, n := range names {
			if data, err := os.ReadFile(n); err == nil {
				f.Add(data)
			}
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := parseDocument("fuzz.yaml", data)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		r := &renderer{mappings: get(root, "Mappings")}
		r.render(root)
		r.list(root, 0)
		tm, err := newTemplate(root, "fuzz.yaml", dir)
		if err != nil {
			return
		}
		b, err := newBuilder(KindCloudFormation, dir)
		if err != nil {
			t.Fatal(err)
		}
		if b.addTemplate(tm, 0) == nil {
			b.finish()
		}
	})
}

// FuzzServerless feeds arbitrary serverless.yml content through the
// Serverless Framework reader (variables, includes, roles).
func FuzzServerless(f *testing.F) {
	f.Add([]byte("service: s\nprovider: {name: aws, runtime: nodejs20.x, stage: '${opt:stage, \"dev\"}'}\nfunctions:\n  f: {handler: h.h, role: R}\nresources:\n  Resources:\n    R: {Type: AWS::IAM::Role}\n"))
	f.Add([]byte("service: s\ncustom: {a: '${self:custom.b}', b: '${self:custom.a}'}\nfunctions: ${file(fns.yml)}\nresources: [${file(fns.yml)}]\n"))
	f.Add([]byte("service: ${self:service}\nprovider:\n  iam: {role: {statements: [{Effect: Allow, Action: '*', Resource: '*'}], managedPolicies: [x]}}\n  iamRoleStatements: [{Effect: Allow}]\nfunctions: [{a: {handler: x, events: [{sqs: arn}, {stream: {arn: y}}]}}]\nlayers: {l: {path: .}}\n"))
	for _, n := range []string{"../../shared/fixtures/apps/sls-node-mailparser/serverless.yml", "../../shared/fixtures/apps/sls-python-dynamodb/serverless.yml"} {
		if data, err := os.ReadFile(n); err == nil {
			f.Add(data)
		}
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fns.yml"), []byte("g: {handler: g.h}\nResources: {X: {Type: AWS::IAM::Role}}\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "serverless.yml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = loadServerless(dir, p)
	})
}
