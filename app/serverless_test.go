package app

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestServerlessSource(t *testing.T) {
	yml := `service:
  name: orders
custom:
  table: ${self:service.name}-${sls:stage}-table
  region: ${opt:region, 'eu-west-1'}
provider:
  name: aws
  runtime: nodejs20.x
  stage: ${opt:stage, 'prod'}
  architecture: arm64
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem]
          Resource: arn:aws:dynamodb:${self:custom.region}:*:table/${self:custom.table}
        - Effect: Allow
          Action: s3:GetObject
          Resource: !Sub arn:aws:s3:::${Bucket}/*
      managedPolicies:
        - arn:aws:iam::aws:policy/AmazonS3FullAccess
  iamRoleStatements:
    - Effect: Allow
      Action: sns:Publish
      Resource: ${env:TOPIC_ARN, 'arn:aws:sns:eu-west-1:1:t'}
layers:
  shared-libs:
    path: layer
functions:
  get-order:
    handler: src/get.handler
    layers:
      - {Ref: SharedDashlibsLambdaLayer}
      - arn:aws:lambda:eu-west-1:1:layer:ext:3
    events:
      - sqs: {arn: {Fn::GetAtt: [Queue, Arn]}}
  own_role:
    handler: src/own.handler
    runtime: python3.12
    role: OwnRole
  image:
    image: 123.dkr.ecr.eu-west-1.amazonaws.com/x:latest
resources:
  Resources:
    OwnRole:
      Type: AWS::IAM::Role
      Properties:
        Policies:
          - PolicyName: p
            PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
    Spare:
      Type: AWS::IAM::Role
      Properties: {}
`
	dir := writeTree(t, map[string]string{"serverless.yml": yml, "layer/nodejs/": "", "src/get.js": ""})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != KindServerless || a.Entry != "serverless.yml" || len(a.Notes) == 0 {
		t.Errorf("kind %s entry %s notes %q", a.Kind, a.Entry, a.Notes)
	}
	f := a.Functions[0]
	got := strings.Join([]string{f.ID, f.Key, f.Name, f.Runtime, f.Architecture, f.Handler, f.Code.Type, f.Code.Path, strings.Join(f.Layers, ",")}, "|")
	want := "GetDashorderLambdaFunction|get-order|orders-prod-get-order|nodejs20.x|arm64|src/get.handler|dir|.|SharedDashlibsLambdaLayer,arn:aws:lambda:eu-west-1:1:layer:ext:3"
	if got != want {
		t.Errorf("function\n got %s\nwant %s", got, want)
	}
	r := f.Role
	if r == nil || r.ID != "IamRoleLambdaExecution" || !r.Generated {
		t.Fatalf("role %+v", r)
	}
	if !reflect.DeepEqual(r.ManagedPolicies, []string{"arn:aws:iam::aws:policy/AmazonS3FullAccess"}) {
		t.Errorf("managed %q", r.ManagedPolicies)
	}
	var sts []string
	for _, s := range r.Statements {
		sts = append(sts, strings.Join(s.Actions, ",")+" "+strings.Join(s.Resources, ",")+" "+s.Source)
	}
	wantSts := []string{
		"logs:CreateLogStream,logs:CreateLogGroup,logs:TagResource arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/orders-prod*:* framework-default (Serverless v3 logs statement)",
		"logs:PutLogEvents arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/orders-prod*:*:* framework-default (Serverless v3 logs statement)",
		"dynamodb:GetItem arn:aws:dynamodb:eu-west-1:*:table/orders-prod-table serverless.yml provider.iam.role.statements[0]",
		"s3:GetObject arn:aws:s3:::${Bucket}/* serverless.yml provider.iam.role.statements[1]",
		"sns:Publish arn:aws:sns:eu-west-1:1:t serverless.yml provider.iamRoleStatements[0]",
		"sqs:ReceiveMessage,sqs:DeleteMessage,sqs:GetQueueAttributes ${Queue.Arn} framework-default (Serverless v3 sqs event statement)",
	}
	if !reflect.DeepEqual(sts, wantSts) {
		t.Errorf("statements\n got %q\nwant %q", sts, wantSts)
	}
	if r.Statements[2].Line != 14 || r.Statements[2].File != "serverless.yml" {
		t.Errorf("statement at %s:%d", r.Statements[2].File, r.Statements[2].Line)
	}
	own := a.Functions[1]
	if own.Role == nil || own.Role.ID != "OwnRole" || own.Runtime != "python3.12" || own.ID != "OwnUnderscoreroleLambdaFunction" {
		t.Errorf("own role function %s %+v", own.ID, own.Role)
	}
	if img := a.Functions[2]; img.PackageType != "Image" || img.Code.Type != CodeImage || img.Code.Note != "image: not inspected" {
		t.Errorf("image function %+v", img.Code)
	}
	if len(a.Layers) != 1 || a.Layers[0].ID != "SharedDashlibsLambdaLayer" || a.Layers[0].Code.Path != "layer" {
		t.Errorf("layers %+v", a.Layers)
	}
	if !reflect.DeepEqual(a.UnusedRoles, []string{"Spare"}) {
		t.Errorf("unused %q", a.UnusedRoles)
	}
}

func TestServerlessPackagedMissingZip(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"serverless.yml": "service: s\nprovider: {name: aws, runtime: nodejs20.x}\nfunctions:\n  f: {handler: h.h}\n",
		".serverless/cloudformation-template-update-stack.json": `{"Resources": {"FLambdaFunction": {"Type": "AWS::Lambda::Function",
 "Properties": {"Code": {"S3Bucket": {"Ref": "ServerlessDeploymentBucket"}, "S3Key": "serverless/s/dev/1/s.zip"}, "Handler": "h.h", "Runtime": "nodejs20.x",
 "Role": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]}}}}}`,
	})
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), `packaged code ".serverless/s.zip" does not exist`) {
		t.Errorf("missing package zip: %v", err)
	}
}

func TestSlsID(t *testing.T) {
	for key, want := range map[string]string{"create": "CreateLambdaFunction", "get-order": "GetDashorderLambdaFunction", "own_role": "OwnUnderscoreroleLambdaFunction"} {
		if got := slsID(key, "LambdaFunction"); got != want {
			t.Errorf("%s -> %s, want %s", key, got, want)
		}
	}
}

func TestServerlessPackageOnly(t *testing.T) {
	src := "../../shared/fixtures/apps/sls-python-dynamodb/.serverless"
	if !isFile(src + "/" + slsPackageTemplate) {
		t.Skip("fixture absent")
	}
	dir := t.TempDir()
	for _, n := range []string{slsPackageTemplate, "serverless-rest-api-with-dynamodb.zip"} {
		data, err := os.ReadFile(src + "/" + n)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, ".serverless/"+n, string(data))
	}
	writeFile(t, dir, "serverless.ts", "export default {}\n")
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != KindServerless || len(a.Functions) != 5 || a.Functions[0].Code.Path != ".serverless/serverless-rest-api-with-dynamodb.zip" {
		t.Fatalf("package only: %s %d functions", a.Kind, len(a.Functions))
	}
	r := a.Functions[0].Role
	if r == nil || r.Statements[0].Source != slsLogsSource || r.Statements[2].Source != "inline:serverless-rest-api-with-dynamodb-dev-lambda" {
		t.Errorf("role %+v", r)
	}
}
