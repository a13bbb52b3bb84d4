package app

import (
	"reflect"
	"strings"
	"testing"
)

// A policy under Fn::If is read with both branches, whatever level the
// condition is at: the whole document, its Statement list, a role's
// Policies or ManagedPolicyArns list. Found in real templates: each of
// these once left the role with no statements, so Action "*" passed.
func TestConditionalPoliciesReadBothBranches(t *testing.T) {
	tpl := `AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  IsAdmin: !Equals [!Ref Admin, 'true']
Resources:
  DocIf:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument: !If
            - IsAdmin
            - Statement: [{Effect: Allow, Action: '*', Resource: '*'}]
            - Statement: [{Effect: Allow, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*'}]
  StatementIf:
    Type: AWS::IAM::Role
  Pol:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      Roles: [!Ref StatementIf]
      PolicyDocument:
        Statement: !If
          - IsAdmin
          - [{Effect: Allow, Action: 'iam:*', Resource: '*'}]
          - [{Effect: Allow, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*'}]
  ListsIf:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: !If
        - IsAdmin
        - ['arn:aws:iam::aws:policy/AdministratorAccess']
        - ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']
      Policies: !If
        - IsAdmin
        - [{PolicyName: a, PolicyDocument: {Statement: [{Effect: Allow, Action: 'iam:PassRole', Resource: '*'}]}}]
        - !Ref AWS::NoValue
  JSONString:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: s
          PolicyDocument: '{"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}'
  A: {Type: AWS::Lambda::Function, Properties: {Code: {ZipFile: x}, Role: !GetAtt DocIf.Arn}}
  B: {Type: AWS::Lambda::Function, Properties: {Code: {ZipFile: x}, Role: !GetAtt StatementIf.Arn}}
  C: {Type: AWS::Lambda::Function, Properties: {Code: {ZipFile: x}, Role: !GetAtt ListsIf.Arn}}
  D: {Type: AWS::Lambda::Function, Properties: {Code: {ZipFile: x}, Role: !GetAtt JSONString.Arn}}
`
	a, err := Load(writeTree(t, map[string]string{"template.yaml": tpl}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"A": {"* * inline:p @template.yaml:12", "s3:GetObject arn:aws:s3:::b/* inline:p @template.yaml:13"},
		"B": {"iam:* * Policy:Pol @template.yaml:24", "s3:GetObject arn:aws:s3:::b/* Policy:Pol @template.yaml:25"},
		"C": {"iam:PassRole * inline:a @template.yaml:35"},
		"D": {"dynamodb:* * inline:s @template.yaml:42"},
	}
	for _, f := range a.Functions {
		if got := stmtSummary(f.Role); !reflect.DeepEqual(got, want[f.ID]) {
			t.Errorf("%s: statements\n got %q\nwant %q", f.ID, got, want[f.ID])
		}
		if len(f.Notes) > 0 {
			t.Errorf("%s: notes %q, want none", f.ID, f.Notes)
		}
	}
	if c := a.Functions[2].Role; !reflect.DeepEqual(c.ManagedPolicies, []string{"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}) {
		t.Errorf("C: managed policies %q", c.ManagedPolicies)
	}
}

// What cannot be read before deployment (a document pulled in by
// AWS::Include, one given by a parameter, SAM Policies included the same
// way) makes the role incomplete, said on the function; resources an
// include or a macro adds are said on the application. None of it may
// read as a role with no permissions.
func TestUnreadPoliciesAreNotes(t *testing.T) {
	tpl := `AWSTemplateFormatVersion: '2010-09-09'
Transform: [AWS::Serverless-2016-10-31, MyMacro]
Parameters:
  Doc: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: included
          PolicyDocument:
            Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/policy.json}}
        - PolicyName: param
          PolicyDocument: !Ref Doc
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: {ZipFile: x}, Role: !GetAtt Role.Arn}
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: index.h
      Runtime: nodejs20.x
      Policies:
        Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/policies.yaml}}
  Fn::Transform:
    Name: AWS::Include
    Parameters: {Location: s3://b/more.yaml}
`
	a, err := Load(writeTree(t, map[string]string{"template.yaml": tpl}))
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]string{}
	for _, f := range a.Functions {
		notes[f.ID] = strings.Join(f.Notes, "\n")
		if f.Role == nil {
			t.Fatalf("%s: no role", f.ID)
		}
	}
	for _, want := range []string{
		"template.yaml:12: policy inline:included: its document is given by Fn::Transform AWS::Include, not read: the role's permissions are incomplete",
		"template.yaml:14: policy inline:param: its document is given by Ref, not read: the role's permissions are incomplete",
	} {
		if !strings.Contains(notes["Fn"], want) {
			t.Errorf("Fn notes %q\nlack %q", notes["Fn"], want)
		}
	}
	if want := "template.yaml:25: policy inline:SamRolePolicy0: the policy is given by Fn::Transform AWS::Include, not read"; !strings.Contains(notes["Sam"], want) {
		t.Errorf("Sam notes %q\nlack %q", notes["Sam"], want)
	}
	for _, f := range a.Functions {
		for _, mp := range f.Role.ManagedPolicies {
			if strings.Contains(mp, "Transform") {
				t.Errorf("%s: an include read as a managed policy: %q", f.ID, mp)
			}
		}
	}
	app := strings.Join(a.Notes, "\n")
	for _, want := range []string{
		"template.yaml:2: transform MyMacro rewrites the template at deployment",
		"template.yaml:26: Resources include AWS::Include: the resources it adds are not read",
	} {
		if !strings.Contains(app, want) {
			t.Errorf("application notes %q\nlack %q", app, want)
		}
	}
}

// CloudFormation deploys the last of a repeated key, in YAML and JSON
// alike; fnguard reads that one and says so. Read first-wins, this
// template passed with the role the file shows first, not the one it
// deploys.
func TestRepeatedKeysReadLast(t *testing.T) {
	yamlTpl := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: index.h
      Runtime: nodejs20.x
      Policies: [AWSLambdaExecute]
      Policies: [AdministratorAccess]
`
	jsonTpl := `{"Transform": "AWS::Serverless-2016-10-31", "Resources": {
  "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"InlineCode": "x", "Handler": "index.h", "Runtime": "nodejs20.x",
    "Policies": ["AWSLambdaExecute"],
    "Policies": ["AdministratorAccess"]}}}}
`
	for name, tpl := range map[string]string{"template.yaml": yamlTpl, "template.json": jsonTpl} {
		a, err := Load(writeTree(t, map[string]string{name: tpl}))
		if err != nil {
			t.Fatal(err)
		}
		r := a.Functions[0].Role
		if !reflect.DeepEqual(r.ManagedPolicies, []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/AdministratorAccess"}) {
			t.Errorf("%s: managed policies %q, want the last Policies'", name, r.ManagedPolicies)
		}
		line := map[string]string{"template.yaml": ":9: Policies is given again at line 10", "template.json": ":3: Policies is given again at line 4"}[name]
		if got := strings.Join(a.Notes, "\n"); !strings.Contains(got, name+line+": the last is read, as CloudFormation deploys it") {
			t.Errorf("%s: notes %q lack the repeat", name, got)
		}
	}
	// The Serverless Framework refuses a repeated key in YAML.
	sls := "service: s\nprovider: {name: aws, runtime: nodejs20.x}\nfunctions:\n  f: {handler: h.h}\n  f: {handler: i.h}\n"
	_, err := Load(writeTree(t, map[string]string{"serverless.yml": sls, "h.js": "x"}))
	if err == nil || !strings.Contains(err.Error(), "serverless.yml:5") || !strings.Contains(err.Error(), "f is given twice in one mapping (first at line 4)") {
		t.Errorf("serverless.yml with a repeated key: %v", err)
	}
}

// A template named on its own is a template even when it defines no
// function: it says so, rather than being read as a file of code.
func TestTemplateWithoutFunctions(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"queue.yaml":   "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
		"empty.yaml":   "Transform: AWS::Serverless-2016-10-31\nResources:\n",
		"sam.yaml":     "Transform: AWS::Serverless-2016-10-31\nResources:\n  App: {Type: AWS::Serverless::Application, Properties: {Location: {ApplicationId: arn:x, SemanticVersion: 1.0.0}}}\n",
		"config.yaml":  "Resources:\n  limits: {cpu: 1}\n",
		"package.json": `{"name": "x", "dependencies": {}}`,
	})
	for name, want := range map[string]string{
		"queue.yaml": "queue.yaml: the application defines no functions",
		"empty.yaml": "empty.yaml: the application defines no functions",
		"sam.yaml":   "sam.yaml: the application defines no functions (nested application App not inspected",
	} {
		if _, ok := Detect(dir + "/" + name); !ok {
			t.Errorf("%s: not detected as a template", name)
		}
		if _, err := Load(dir + "/" + name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	for _, name := range []string{"config.yaml", "package.json"} {
		if k, ok := Detect(dir + "/" + name); ok {
			t.Errorf("%s detected as %s", name, k)
		}
	}
}

// A Layers list under Fn::If whose branches are lists is each branch's
// layers, not one rendered "A,B" string.
func TestConditionalLayersList(t *testing.T) {
	tpl := `Conditions:
  C: !Equals [a, a]
Resources:
  L1: {Type: AWS::Lambda::LayerVersion, Properties: {Content: {S3Bucket: b, S3Key: k}}}
  F:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: x}
      Role: arn:aws:iam::1:role/r
      Layers: !If [C, [!Ref L1, arn:aws:lambda:us-east-1:1:layer:x:1], !Ref AWS::NoValue]
`
	a, err := Load(writeTree(t, map[string]string{"template.yaml": tpl}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Functions[0].Layers, []string{"L1", "arn:aws:lambda:us-east-1:1:layer:x:1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("layers %q, want %q", got, want)
	}
}
