package app

import (
	"reflect"
	"testing"
)

// A nested application's function may run with what a sibling outputs:
// the parent passes GetAtt Sibling.Outputs.X as a parameter. Unfollowed,
// the layer was "external, not inspected" and the role "unknown".
func TestSiblingNestedOutputs(t *testing.T) {
	parent := `Transform: AWS::Serverless-2016-10-31
Resources:
  FnApp:
    Type: AWS::Serverless::Application
    Properties:
      Location: fn/template.yaml
      Parameters:
        LayerArn: !GetAtt LayerApp.Outputs.LayerArn
        RoleArn: !GetAtt LayerApp.Outputs.RoleArn
  LayerApp:
    Type: AWS::Serverless::Application
    Properties:
      Location: layer/template.yaml
`
	fn := `Transform: AWS::Serverless-2016-10-31
Parameters:
  LayerArn: {Type: String}
  RoleArn: {Type: String}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: index.h
      Runtime: nodejs20.x
      Layers: [!Ref LayerArn]
      Role: !Ref RoleArn
`
	layer := `Transform: AWS::Serverless-2016-10-31
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: src/}
  Admin:
    Type: AWS::IAM::Role
    Properties: {ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]}
Outputs:
  LayerArn: {Value: !Ref Shared}
  RoleArn: {Value: !GetAtt Admin.Arn}
`
	dir := writeTree(t, map[string]string{"template.yaml": parent, "fn/template.yaml": fn, "layer/template.yaml": layer, "layer/src/nodejs/x.js": "x"})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Functions[0]
	if !reflect.DeepEqual(f.Layers, []string{"Shared"}) {
		t.Errorf("layers %q, want the sibling's Shared", f.Layers)
	}
	if f.Role == nil || f.Role.ID != "Admin" {
		t.Errorf("role %+v (%s), want the sibling's Admin", f.Role, f.RoleNote)
	}
	if len(a.UnusedRoles) != 0 {
		t.Errorf("unused roles %q", a.UnusedRoles)
	}
}
