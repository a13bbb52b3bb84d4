package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// loadErr loads dir and returns the error, failing when there is none.
func loadErr(t *testing.T, dir string) error {
	t.Helper()
	a, err := Load(dir)
	if err == nil {
		t.Fatalf("loaded %d functions, want an error", len(a.Functions))
	}
	return err
}

// wantParseError checks an error is a ParseError at file:line whose message
// contains msg.
func wantParseError(t *testing.T, err error, file string, line int, msg string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != file || pe.Line != line || !strings.Contains(pe.Msg, msg) {
		t.Errorf("error %v; want %s:%d: ...%s...", err, file, line, msg)
	}
}

func loadOK(t *testing.T, dir string) *Application {
	t.Helper()
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fnByID(t *testing.T, a *Application, id string) *Function {
	t.Helper()
	for _, f := range a.Functions {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no function %s in %d", id, len(a.Functions))
	return nil
}

func hasNote(notes []string, s string) bool {
	for _, n := range notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

const childTemplate = `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}
`

// A parent whose only resources are nested applications is an application:
// the functions are in the children.
func TestNestedOnlyParent(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"template.yaml": `Transform: AWS::Serverless-2016-10-31
Resources:
  Svc:
    Type: AWS::Serverless::Application
    Properties: {Location: svc/template.yaml}
  Other:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: other.yaml}
`,
		"svc/template.yaml": childTemplate,
		"svc/src/.keep":     "",
		"other.yaml":        "Resources:\n  Fn2:\n    Type: AWS::Lambda::Function\n    Properties: {Code: {ZipFile: x}, Handler: i.h, Runtime: nodejs20.x}\n",
	})
	a := loadOK(t, dir)
	if f := fnByID(t, a, "Fn"); f.File != "svc/template.yaml" || f.Code.Path != "svc/src" {
		t.Errorf("nested function at %s, code %s", f.File, f.Code.Path)
	}
	fnByID(t, a, "Fn2")
}

// Nested applications that cannot be read: absent locally is an error,
// elsewhere (SAR, S3) is said.
func TestNestedNotInspected(t *testing.T) {
	missing := writeTree(t, map[string]string{"template.yaml": `Transform: AWS::Serverless-2016-10-31
Resources:
  Svc:
    Type: AWS::Serverless::Application
    Properties:
      Location: svc/template.yaml
`})
	wantParseError(t, loadErr(t, missing), filepath.Join(missing, "template.yaml"), 6, `nested application Svc: template "svc/template.yaml" does not exist`)

	remote := writeTree(t, map[string]string{"template.yaml": samMinimal + `  Sar:
    Type: AWS::Serverless::Application
    Properties:
      Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x, SemanticVersion: 1.0.0}
  S3:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: https://bucket.s3.amazonaws.com/child.yaml}
`, "src/.keep": ""})
	a := loadOK(t, remote)
	if !hasNote(a.Notes, "nested application Sar not inspected") || !hasNote(a.Notes, "nested stack S3 not inspected") {
		t.Errorf("notes %q", a.Notes)
	}
}

// sam build output of nested applications is keyed by nesting path, as SAM
// CLI names its folders: a child's Fn is not the parent's Fn.
func TestSAMBuildNestedKeys(t *testing.T) {
	parent := strings.Replace(samMinimal, "CodeUri: src/", "CodeUri: src/", 1) + `  Svc:
    Type: AWS::Serverless::Application
    Properties: {Location: svc/template.yaml}
`
	builtParent := strings.Replace(samMinimal, "CodeUri: src/", "CodeUri: Fn", 1) + `  Svc:
    Type: AWS::Serverless::Application
    Properties: {Location: Svc/template.yaml}
`
	dir := writeTree(t, map[string]string{
		"template.yaml":                    parent,
		"src/.keep":                        "",
		"svc/template.yaml":                childTemplate,
		"svc/src/.keep":                    "",
		".aws-sam/build/template.yaml":     builtParent,
		".aws-sam/build/Fn/.keep":          "",
		".aws-sam/build/Svc/template.yaml": strings.Replace(childTemplate, "CodeUri: src/", "CodeUri: Fn", 1),
		".aws-sam/build/Svc/Fn/.keep":      "",
	})
	a := loadOK(t, filepath.Join(dir, "template.yaml"))
	var got []string
	for _, f := range a.Functions {
		got = append(got, f.File+"="+f.Code.Path)
	}
	if want := []string{"template.yaml=.aws-sam/build/Fn", "svc/template.yaml=.aws-sam/build/Svc/Fn"}; !reflect.DeepEqual(got, want) {
		t.Errorf("code %q, want %q", got, want)
	}
}

// A template too big to read must stop the scan, not let the folder pass
// as a folder of code.
func TestOversizedTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 32 MiB file")
	}
	dir := writeTree(t, map[string]string{"src/index.js": "x"})
	p := filepath.Join(dir, "template.yaml")
	pad := "\n#" + strings.Repeat("x", 1<<20)
	if err := os.WriteFile(p, []byte(samMinimal+strings.Repeat(pad, 33)), 0o644); err != nil {
		t.Fatal(err)
	}
	if k, ok := Detect(dir); !ok {
		t.Errorf("Detect = %q, %v", k, ok)
	}
	err := loadErr(t, dir)
	if !strings.Contains(err.Error(), "larger than 32 MiB") || !strings.Contains(err.Error(), "template.yaml") {
		t.Errorf("error %v", err)
	}
}

func TestJSONEscapedTypes(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"template.json": `{"Transform":"AWS::Serverless-2016-10-31","Resources":{"Fn":{"Type":"AWS::Serverless::\u0046unction","Properties":{"Handler":"i.h","Runtime":"nodejs20.x","CodeUri":"src/","Policies":[{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}]}}}}`,
		"src/.keep":     "",
	})
	a := loadOK(t, dir)
	if f := fnByID(t, a, "Fn"); f.Role == nil || len(f.Role.Statements) != 1 {
		t.Errorf("role %+v", f.Role)
	}
}

// Serverless variables have one node budget and one include budget for the
// whole expansion.
func TestServerlessExpansionBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("service: s\nprovider: {name: aws, runtime: nodejs20.x}\ncustom:\n  big: [")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "x%d, ", i)
	}
	b.WriteString("x]\n  copies:\n")
	for i := 0; i < 300; i++ {
		b.WriteString("    - ${self:custom.big}\n")
	}
	b.WriteString("functions:\n  f: {handler: h.h}\n")
	dir := writeTree(t, map[string]string{"serverless.yml": b.String()})
	// 1000-node copies: the budget runs out at the 200th, line 6+199.
	wantParseError(t, loadErr(t, dir), filepath.Join(dir, "serverless.yml"), 205, "variables expand to more than 200000 nodes")

	// Bytes: includes of a big file, each under the node budget.
	big := "k: \"" + strings.Repeat("y", 9<<20) + "\"\n"
	yml := "service: s\nprovider: {name: aws}\ncustom:\n  inc:\n" + strings.Repeat("    - ${file(big.yml)}\n", 5) + "functions:\n  f: {handler: h.h}\n"
	dir = writeTree(t, map[string]string{"serverless.yml": yml, "big.yml": big})
	wantParseError(t, loadErr(t, dir), filepath.Join(dir, "serverless.yml"), 8, "includes total more than 32 MiB")
}

// An include that is missing or broken is an error: the functions or roles
// it holds would silently vanish. Included functions are located in their
// own file.
func TestServerlessIncludes(t *testing.T) {
	svc := "service: s\nprovider: {name: aws, runtime: nodejs20.x}\nfunctions:\n  - ${file(fns/a.yml)}\nresources:\n  - ${file(fns/roles.yml)}\n"
	dir := writeTree(t, map[string]string{"serverless.yml": svc, "fns/a.yml": "hello:\n  handler: h.hello\n"})
	wantParseError(t, loadErr(t, dir), filepath.Join(dir, "serverless.yml"), 6, "${file(fns/roles.yml)}: the included file does not exist")

	dir = writeTree(t, map[string]string{"serverless.yml": svc, "fns/a.yml": "hello:\n  handler: [\n", "fns/roles.yml": "Resources: {}\n"})
	err := loadErr(t, dir)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != filepath.Join(dir, "fns", "a.yml") || !strings.Contains(pe.Msg, "included by serverless.yml:4") {
		t.Errorf("broken include: %v", err)
	}

	dir = writeTree(t, map[string]string{"serverless.yml": svc, "fns/a.yml": "hello:\n  handler: h.hello\n", "fns/roles.yml": "Resources: {}\n"})
	a := loadOK(t, dir)
	if f := a.Functions[0]; f.File != "fns/a.yml" || f.Line != 1 {
		t.Errorf("included function at %s:%d", f.File, f.Line)
	}
}

func TestForEachBounded(t *testing.T) {
	var items []string
	for i := 0; i < 300; i++ {
		items = append(items, fmt.Sprintf("a%d", i))
	}
	list := "[" + strings.Join(items, ", ") + "]"
	tpl := `Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::A:
    - X
    - ` + list + `
    - Fn::ForEach::B:
        - Y
        - ` + list + `
        - F${X}${Y}:
            Type: AWS::Lambda::Function
            Properties: {Code: {ZipFile: x}, Handler: i.h, Runtime: nodejs20.x}
`
	dir := writeTree(t, map[string]string{"template.yaml": tpl})
	wantParseError(t, loadErr(t, dir), filepath.Join(dir, "template.yaml"), 6, "Fn::ForEach::B expands to more than")
}

const roleFn = `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Role: %s
      Code: {ZipFile: x}
`

func TestRolePolicy(t *testing.T) {
	tpl := `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties: {RoleName: app-role, AssumeRolePolicyDocument: {}}
  ByRef:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref Role
      PolicyName: a
      PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
  ByName:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: app-role
      PolicyName: b
      PolicyDocument: {Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}
  Elsewhere:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: other-role
      PolicyName: c
      PolicyDocument: {Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}
` + fmt.Sprintf(roleFn, "!GetAtt Role.Arn")
	a := loadOK(t, writeTree(t, map[string]string{"template.yaml": tpl}))
	var got []string
	for _, st := range a.Functions[0].Role.Statements {
		got = append(got, st.Source+"="+strings.Join(st.Actions, ","))
	}
	if want := []string{"Policy:ByRef=*", "Policy:ByName=s3:*"}; !reflect.DeepEqual(got, want) {
		t.Errorf("statements %q, want %q", got, want)
	}
}

func TestConditionalRoles(t *testing.T) {
	tpl := `Conditions:
  IsProd: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  SafeRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]}}]
  AdminRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
` + fmt.Sprintf(roleFn, "!If [IsProd, !GetAtt SafeRole.Arn, !GetAtt AdminRole.Arn]")
	a := loadOK(t, writeTree(t, map[string]string{"template.yaml": tpl}))
	f := a.Functions[0]
	if len(a.UnusedRoles) != 0 {
		t.Errorf("unused roles %q", a.UnusedRoles)
	}
	if f.Role == nil || !reflect.DeepEqual(f.Role.ManagedPolicies, []string{"arn:aws:iam::aws:policy/AdministratorAccess"}) ||
		len(f.Role.Statements) != 1 || f.Role.Statements[0].Source != "SafeRole/inline:p" {
		t.Errorf("role %+v", f.Role)
	}
	if !hasNote(f.Notes, "depends on a condition (SafeRole or AdminRole)") {
		t.Errorf("notes %q", f.Notes)
	}

	// SAM: the NoValue branch means the generated role.
	sam := `Transform: AWS::Serverless-2016-10-31
Parameters:
  ExistingRole: {Type: String, Default: ""}
Conditions:
  HasRole: !Not [!Equals [!Ref ExistingRole, ""]]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      InlineCode: x
      Role: !If [HasRole, !Ref ExistingRole, !Ref AWS::NoValue]
      Policies: [AdministratorAccess]
`
	a = loadOK(t, writeTree(t, map[string]string{"template.yaml": sam}))
	f = a.Functions[0]
	if f.Role == nil || !f.Role.Generated || f.Role.ID != "FnRole" || len(f.Role.ManagedPolicies) != 2 || f.RoleNote != "" || f.RoleRef != "${ExistingRole}" {
		t.Errorf("role %+v note %q ref %q", f.Role, f.RoleNote, f.RoleRef)
	}
	if !hasNote(f.Notes, "SAM generates FnRole") || !hasNote(f.Notes, "${ExistingRole} is not in the template") {
		t.Errorf("notes %q", f.Notes)
	}
}

// CloudFormation rejects a reference to a resource the template does not
// define; fnguard does too, rather than calling the role external.
func TestMissingRoleReference(t *testing.T) {
	tpl := "Parameters:\n  RoleArn: {Type: String}\nResources:\n" + fmt.Sprintf(roleFn, "!GetAtt MissingRole.Arn")
	dir := writeTree(t, map[string]string{"template.yaml": tpl})
	wantParseError(t, loadErr(t, dir), filepath.Join(dir, "template.yaml"), 9, "Role refers to MissingRole, which the template does not define")

	// A parameter is a role the template does not define, legitimately.
	a := loadOK(t, writeTree(t, map[string]string{"template.yaml": "Parameters:\n  RoleArn: {Type: String}\nResources:\n" + fmt.Sprintf(roleFn, "!Ref RoleArn")}))
	if f := a.Functions[0]; f.Role != nil || f.RoleRef != "${RoleArn}" {
		t.Errorf("parameter role: %+v %q", f.Role, f.RoleRef)
	}
}

func TestSAMLayerWithoutContentUri(t *testing.T) {
	dir := writeTree(t, map[string]string{"template.yaml": samMinimal + "  Layer:\n    Type: AWS::Serverless::LayerVersion\n    Properties: {LayerName: deps}\n", "src/.keep": ""})
	wantParseError(t, loadErr(t, dir), filepath.Join(dir, "template.yaml"), 10, "layer Layer: no ContentUri")
}

func TestUnbuiltProjects(t *testing.T) {
	for _, c := range []struct {
		files map[string]string
		msg   string
	}{
		{map[string]string{"cdk.json": `{"app": "npx ts-node bin/app.ts"}`, "bin/app.ts": "", "lambda/index.js": ""}, "CDK project not synthesized: run cdk synth first"},
		{map[string]string{"serverless.ts": "export default {}", "handler.ts": ""}, "Serverless service written in TypeScript/JavaScript (serverless.ts): run serverless package first"},
	} {
		dir := writeTree(t, c.files)
		if err := loadErr(t, dir); err.Error() != dir+": "+c.msg {
			t.Errorf("error %v; want %s", err, c.msg)
		}
	}
}

func TestCodePaths(t *testing.T) {
	// An absolute code path makes the verdict depend on the machine.
	abs := filepath.Join(t.TempDir(), "code")
	os.MkdirAll(abs, 0o755)
	dir := writeTree(t, map[string]string{"template.yaml": strings.Replace(samMinimal, "src/", abs, 1)})
	wantParseError(t, loadErr(t, dir), filepath.Join(dir, "template.yaml"), 7, "absolute code path")

	// SAM allows ../shared: read, and said.
	dir = writeTree(t, map[string]string{"app/template.yaml": strings.Replace(samMinimal, "src/", "../shared", 1), "shared/x.py": ""})
	a := loadOK(t, filepath.Join(dir, "app"))
	if f := a.Functions[0]; f.Code.Path != "../shared" || !hasNote(a.Notes, "outside the application folder") || hasNote(f.Notes, "outside") {
		t.Errorf("code %s notes %q", f.Code.Path, f.Notes)
	}

	// A path that depends on a parameter is not S3, and not inventoried.
	dir = writeTree(t, map[string]string{"template.yaml": strings.Replace(samMinimal, "CodeUri: src/", "CodeUri: !Sub src/${Stage}", 1)})
	a = loadOK(t, dir)
	if c := a.Functions[0].Code; c.Type != CodeUnresolved || c.Path != "src/${Stage}" || c.Local != "" || !strings.Contains(c.Note, "depends on a parameter") {
		t.Errorf("code %+v", c)
	}
}

// A SAM function may run with another's generated role: not a missing
// reference, and judged as that role.
func TestSharedGeneratedRole(t *testing.T) {
	tpl := `Transform: AWS::Serverless-2016-10-31
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: x, Handler: i.h, Runtime: nodejs20.x, Policies: [AdministratorAccess]}
  B:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: x, Handler: i.h, Runtime: nodejs20.x, Role: !GetAtt ARole.Arn}
`
	a := loadOK(t, writeTree(t, map[string]string{"template.yaml": tpl}))
	if r := fnByID(t, a, "B").Role; r == nil || r.ID != "ARole" || !r.Generated || len(r.ManagedPolicies) != 2 {
		t.Errorf("role %+v", r)
	}
}
