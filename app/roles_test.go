package app

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/iam"
)

func stmtSummary(r *iam.Role) []string {
	var out []string
	for _, s := range r.Statements {
		out = append(out, fmt.Sprintf("%s %s %s @%s:%d", strings.Join(s.Actions, ","), strings.Join(s.Resources, ","), s.Source, s.File, s.Line))
	}
	return out
}

func TestCloudFormationRoles(t *testing.T) {
	tpl := `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fn-role
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess
        - !Ref OwnManaged
        - !If [IsProd, arn:aws:iam::aws:policy/ReadOnlyAccess, !Ref AWS::NoValue]
      Policies:
        - PolicyName: everything
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: "*"
                Resource: "*"
                Condition: {Bool: {aws:SecureTransport: true}}
  OwnManaged:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: [s3:GetObject], Resource: !Sub '${Bucket.Arn}/*'}
  ByName:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: by-name
      Roles: [fn-role]
      PolicyDocument:
        Statement: {Effect: Allow, NotAction: iam:*, Resource: "*"}
  Other:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: other
      Roles: [!Ref Unused]
      PolicyDocument: {Statement: [{Effect: Allow, Action: sqs:*, Resource: "*"}]}
  Unused:
    Type: AWS::IAM::Role
    Properties: {}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: x}
      Handler: index.h
      Runtime: nodejs20.x
      Role: !GetAtt Role.Arn
  Fn2:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: x}
      Role: !Sub arn:aws:iam::${AWS::AccountId}:role/${Role}
`
	dir := writeTree(t, map[string]string{"stack.yaml": tpl})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := a.Functions[0].Role
	if r == nil || r.ID != "Role" || r.Generated || r.ARN != nil {
		t.Fatalf("role %+v", r)
	}
	if want := []string{"arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"}; !reflect.DeepEqual(r.ManagedPolicies, want) {
		t.Errorf("managed %q, want %q", r.ManagedPolicies, want)
	}
	want := []string{
		"* * inline:everything @stack.yaml:14",
		"s3:GetObject ${Bucket.Arn}/* Policy:OwnManaged @stack.yaml:23",
		" * Policy:ByName @stack.yaml:30",
	}
	if got := stmtSummary(r); !reflect.DeepEqual(got, want) {
		t.Errorf("statements\n got %q\nwant %q", got, want)
	}
	if !r.Statements[0].HasCondition || !reflect.DeepEqual(r.Statements[2].NotActions, []string{"iam:*"}) {
		t.Errorf("condition/notaction lost: %+v", r.Statements)
	}
	if f2 := a.Functions[1]; f2.Role == nil || f2.Role.ID != "Role" {
		t.Errorf("role by ${Role} in an ARN not resolved: %+v %s", f2.Role, f2.RoleNote)
	}
	if !reflect.DeepEqual(a.UnusedRoles, []string{"Unused"}) {
		t.Errorf("unused %q", a.UnusedRoles)
	}
}

func TestSAMGeneratedRole(t *testing.T) {
	saved := samPolicyTemplates
	defer func() { samPolicyTemplates = saved }()
	var gotParams map[string]string
	samPolicyTemplates = func(name string, params map[string]string) ([]iam.Statement, error) {
		if name != "DynamoDBCrudPolicy" {
			return nil, fmt.Errorf("unknown template %s", name)
		}
		gotParams = params
		return []iam.Statement{{Effect: "Allow", Actions: []string{"dynamodb:GetItem"}, Resources: []string{"arn:table/" + params["TableName"]}}}, nil
	}
	tpl := `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tracing: Active
    Runtime: python3.12
    Handler: app.h
    InlineCode: x
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      VpcConfig: {SubnetIds: [a], SecurityGroupIds: [b]}
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt DLQ.Arn}
      Policies:
        - AWSLambdaBasicExecutionRole
        - AmazonS3ReadOnlyAccess
        - DynamoDBCrudPolicy: {TableName: !Ref Table}
        - Statement:
            - Effect: Allow
              Action: [sns:Publish]
              Resource: !Ref Topic
        - arn:aws:iam::123456789012:policy/custom
        - NoSuchTemplate: {X: y}
      Events:
        Q: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
        S: {Type: Kinesis, Properties: {Stream: !GetAtt K.Arn, StartingPosition: LATEST}}
        D: {Type: DocumentDB, Properties: {Cluster: !Ref C, SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: !Ref Secret}]}}
  Ext:
    Type: AWS::Serverless::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/ext
`
	dir := writeTree(t, map[string]string{"template.yaml": tpl})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Functions[0]
	r := f.Role
	if r == nil || r.ID != "FnRole" || !r.Generated {
		t.Fatalf("role %+v", r)
	}
	wantManaged := []string{
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
		"arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
		"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
		"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
		"arn:aws:iam::123456789012:policy/custom",
		"arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
		"arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole",
	}
	if !reflect.DeepEqual(r.ManagedPolicies, wantManaged) {
		t.Errorf("managed\n got %q\nwant %q", r.ManagedPolicies, wantManaged)
	}
	var sources []string
	for _, s := range r.Statements {
		sources = append(sources, strings.Join(s.Actions, ",")+" "+s.Source)
	}
	wantSources := []string{
		"sqs:SendMessage inline:DeadLetterQueuePolicy",
		"dynamodb:GetItem inline:FnRolePolicy2",
		"sns:Publish inline:FnRolePolicy3",
		"secretsmanager:GetSecretValue inline:SamAutoGeneratedDocumentDBPolicy",
		"rds:DescribeDBClusterParameters inline:SamAutoGeneratedDocumentDBPolicy",
		"rds:DescribeDBSubnetGroups inline:SamAutoGeneratedDocumentDBPolicy",
		"rds:DescribeDBClusters inline:SamAutoGeneratedDocumentDBPolicy",
		"ec2:CreateNetworkInterface,ec2:DescribeNetworkInterfaces,ec2:DeleteNetworkInterface,ec2:DescribeVpcs,ec2:DescribeSubnets,ec2:DescribeSecurityGroups inline:SamAutoGeneratedDocumentDBPolicy",
	}
	if !reflect.DeepEqual(sources, wantSources) {
		t.Errorf("statements\n got %q\nwant %q", sources, wantSources)
	}
	if gotParams["TableName"] != "${Table}" || r.Statements[1].Resources[0] != "arn:table/${Table}" || r.Statements[1].Line != 17 {
		t.Errorf("template params %v, statement %+v", gotParams, r.Statements[1])
	}
	if len(f.Notes) != 1 || !strings.Contains(f.Notes[0], "NoSuchTemplate") || !strings.Contains(f.Notes[0], "incomplete") {
		t.Errorf("notes %q", f.Notes)
	}
	if ext := a.Functions[1]; ext.Role != nil || ext.RoleNote != "role not in the template: permissions unknown" {
		t.Errorf("external role %+v %q", ext.Role, ext.RoleNote)
	}
}

func TestManagedPolicyTable(t *testing.T) {
	for name, want := range map[string]string{
		"AWSLambdaDynamoDBExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
		"AmazonS3FullAccess":             "arn:aws:iam::aws:policy/AmazonS3FullAccess",
		"AdministratorAccess":            "arn:aws:iam::aws:policy/AdministratorAccess",
		"arn:aws:iam::1:policy/x":        "arn:aws:iam::1:policy/x",
	} {
		if got := samManagedARN(name); got != want {
			t.Errorf("%s -> %s, want %s", name, got, want)
		}
	}
}
