package app

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeTree creates files (path -> content) under a new temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, "/") {
			continue
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const samMinimal = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
`

func TestDetect(t *testing.T) {
	zipDir := t.TempDir()
	zf, _ := os.Create(filepath.Join(zipDir, "function.zip"))
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("index.js")
	w.Write([]byte("exports.handler = async () => 1;\n"))
	zw.Close()
	zf.Close()

	cases := []struct {
		name  string
		files map[string]string
		sub   string
		kind  string
	}{
		{"zip", nil, "", ""},
		{"lockfile", map[string]string{"package-lock.json": `{"name":"x","lockfileVersion":3,"packages":{}}`}, "package-lock.json", ""},
		{"code folder", map[string]string{"index.js": "x", "package.json": `{"name":"x"}`}, "", ""},
		{"sam file", map[string]string{"template.yaml": samMinimal, "src/": ""}, "template.yaml", KindSAM},
		{"sam folder", map[string]string{"template.yaml": samMinimal, "src/": ""}, "", KindSAM},
		{"sam json", map[string]string{"t.json": `{"Transform": "AWS::Serverless-2016-10-31", "Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"InlineCode": "x"}}}}`}, "t.json", KindSAM},
		{"cloudformation", map[string]string{"stack.yaml": "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: {ZipFile: x}\n"}, "", KindCloudFormation},
		{"cloudformation without functions", map[string]string{"stack.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"}, "", ""},
		{"mention only", map[string]string{"notes.yaml": "text: AWS::Lambda::Function Resources\n"}, "notes.yaml", ""},
		{"broken template still detected", map[string]string{"template.yaml": "Resources:\n  F:\n    Type: AWS::Lambda::Function\n   bad: [\n"}, "template.yaml", KindCloudFormation},
		{"cdk project", map[string]string{"cdk.json": "{}", "cdk.out/manifest.json": `{"version":"36.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack"}}}`}, "", KindCDK},
		{"cdk assembly", map[string]string{"manifest.json": `{"version":"36.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack"}}}`}, "", KindCDK},
		{"other manifest", map[string]string{"manifest.json": `{"version":"1","artifacts":["a.jar"]}`}, "", ""},
		// Not synthesized: still an application (Load says to synthesize),
		// never a folder of code that would pass clean.
		{"cdk project not synthesized", map[string]string{"cdk.json": "{}", "bin/app.ts": ""}, "", KindCDK},
		{"serverless.ts not packaged", map[string]string{"serverless.ts": "export default {}", "package.json": "{}"}, "", KindServerless},
		{"nested applications only", map[string]string{"template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Svc:\n    Type: AWS::Serverless::Application\n    Properties: {Location: svc/template.yaml}\n"}, "", KindSAM},
		{"nested stack only", map[string]string{"root.yaml": "Resources:\n  Svc:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: svc.yaml}\n"}, "", KindCloudFormation},
		{"remote nested stack only", map[string]string{"root.yaml": "Resources:\n  Svc:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: https://s3.amazonaws.com/b/svc.yaml}\n"}, "", ""},
		{"json escapes", map[string]string{"template.json": `{"Transform":"AWS::Serverless-2016-10-31","Resources":{"Fn":{"Type":"AWS::Serverless::\u0046unction","Properties":{"InlineCode":"x"}}}}`}, "", KindSAM},
		{"json escapes, not a template", map[string]string{"data.json": `{"Resources":{"B":{"Type":"AWS::S3::Buck\u0065t"}}}`}, "", ""},
		{"serverless", map[string]string{"serverless.yml": "service: s\nprovider: {name: aws}\nfunctions: {}\n"}, "", KindServerless},
	}
	for _, c := range cases {
		dir := zipDir
		if c.files != nil {
			dir = writeTree(t, c.files)
		}
		p := filepath.Join(dir, c.sub)
		if c.name == "zip" {
			p = filepath.Join(zipDir, "function.zip")
		}
		kind, ok := Detect(p)
		if ok != (c.kind != "") || kind != c.kind {
			t.Errorf("%s: Detect = %q, %v; want %q", c.name, kind, ok, c.kind)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	// A function whose code path does not exist.
	dir := writeTree(t, map[string]string{"template.yaml": samMinimal})
	_, err := Load(dir)
	if err == nil || err.Error() != filepath.Join(dir, "template.yaml")+":7: function Fn: code path \"src/\" does not exist" {
		t.Errorf("missing code: %v", err)
	}
	// A template that does not parse: file:line:col.
	dir = writeTree(t, map[string]string{"template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n   x: [\n"})
	_, err = Load(dir)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != filepath.Join(dir, "template.yaml") || pe.Line < 2 || pe.Col != 1 {
		t.Errorf("broken template: %v", err)
	}
	// An application with no function.
	dir = writeTree(t, map[string]string{"cdk.out/manifest.json": `{"version":"36.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack","properties":{"templateFile":"S.template.json"}}}}`,
		"cdk.out/S.template.json": `{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}`})
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "no functions") {
		t.Errorf("no functions: %v", err)
	}
	// Not an application at all.
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("empty folder loaded")
	}
}

func TestSeveralDefinitions(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"template.yaml":  samMinimal,
		"src/":           "",
		"serverless.yml": "service: s\nprovider: {name: aws, runtime: nodejs20.x}\nfunctions:\n  f: {handler: h.h}\n",
	})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != KindServerless || len(a.Notes) == 0 || !strings.Contains(a.Notes[0], "several") || !strings.Contains(a.Notes[0], "template.yaml") {
		t.Errorf("kind %s notes %q", a.Kind, a.Notes)
	}
}

func TestSAMBuildPreferred(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"template.yaml":                      samMinimal,
		"src/":                               "",
		".aws-sam/build/template.yaml":       strings.Replace(samMinimal, "CodeUri: src/", "CodeUri: Fn", 1),
		".aws-sam/build/Fn/requirements.txt": "",
	})
	a, err := Load(filepath.Join(dir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Entry != "template.yaml" || a.Functions[0].Code.Path != ".aws-sam/build/Fn" || a.Functions[0].File != "template.yaml" || len(a.Notes) == 0 || !strings.Contains(a.Notes[0], ".aws-sam/build/template.yaml") {
		t.Errorf("entry %s code %s notes %q", a.Entry, a.Functions[0].Code.Path, a.Notes)
	}
	if a.Functions[0].Code.Local != filepath.Join(dir, ".aws-sam", "build", "Fn") {
		t.Errorf("local %s", a.Functions[0].Code.Local)
	}
}

func TestCodeKinds(t *testing.T) {
	tpl := `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Architectures: [arm64]
    Layers: [!Ref Shared]
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/, LayerName: !Sub 'shared-${Stage}'}
  Inline:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "exports.h=1", Handler: index.h}
  Image:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image}
    Metadata: {DockerContext: ./img, Dockerfile: Dockerfile}
  S3:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: {CodeUri: {Bucket: b, Key: k.zip}, Handler: h, Architectures: [x86_64], Layers: [arn:aws:lambda:us-east-1:1:layer:x:1]}
  Zip:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: dist/f.zip, Handler: h, FunctionName: !Sub 'orders-api-${Stage}'}
  NoUri:
    Type: AWS::Serverless::Function
    Properties: {Handler: h}
  Raw:
    Type: AWS::Lambda::Function
    Properties:
      Code: {S3Bucket: b, S3Key: k/v.zip}
      Handler: h
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/ext
`
	dir := writeTree(t, map[string]string{"template.yaml": tpl, "layer/python/": "", "dist/f.zip": "PK"})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range a.Functions {
		got[f.ID] = strings.Join([]string{f.Code.Type, f.Code.Path, f.Code.Note, f.PackageType, f.Architecture, strings.Join(f.Layers, ","), f.Condition, f.Name}, "|")
	}
	want := map[string]string{
		"Inline": "inline||inline|Zip|arm64|Shared||",
		"Image":  "image|img|image: not inspected|Image|arm64|Shared||",
		"S3":     "s3|s3://b/k.zip|not available locally|Zip|x86_64|Shared,arn:aws:lambda:us-east-1:1:layer:x:1|IsProd|",
		"Zip":    "zip|dist/f.zip||Zip|arm64|Shared||orders-api-${Stage}",
		"NoUri":  "dir|.||Zip|arm64|Shared||",
		"Raw":    "s3|s3://b/k/v.zip|not available locally|Zip|x86_64|||",
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s = %s, want %s", k, got[k], want[k])
			}
		}
	}
	if len(a.Layers) != 1 || a.Layers[0].Name != "shared-${Stage}" || a.Layers[0].Code.Path != "layer" {
		t.Errorf("layers %+v", a.Layers)
	}
	raw := a.Functions[len(a.Functions)-1]
	if raw.Role != nil || raw.RoleNote != "role not in the template: permissions unknown" || raw.RoleRef != "arn:aws:iam::123456789012:role/ext" {
		t.Errorf("external role: %+v %q %q", raw.Role, raw.RoleNote, raw.RoleRef)
	}
}

func writeFile(t *testing.T, dir, p, content string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNestedApplication(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"template.yaml":       "Transform: AWS::Serverless-2016-10-31\nResources:\n  Child:\n    Type: AWS::Serverless::Application\n    Properties: {Location: child/template.yaml}\n  Remote:\n    Type: AWS::Serverless::Application\n    Properties: {Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x, SemanticVersion: 1.0.0}}\n  Top:\n    Type: AWS::Serverless::Function\n    Properties: {InlineCode: x, Handler: h, Runtime: nodejs20.x}\n",
		"child/template.yaml": samMinimal,
		"child/src/app.py":    "",
		"loop/template.yaml":  "Resources:\n  Self:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: template.yaml}\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Code: {ZipFile: x}}\n",
	})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 2 || a.Functions[1].ID != "Fn" || a.Functions[1].Code.Path != "child/src" || a.Functions[1].File != "child/template.yaml" {
		t.Errorf("nested application: %+v", a.Functions)
	}
	if _, err := Load(filepath.Join(dir, "loop", "template.yaml")); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("self-nesting template: %v", err)
	}
}

func TestForEach(t *testing.T) {
	tpl := `Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Names: {Type: CommaDelimitedList}
Resources:
  Fn::ForEach::Workers:
    - Name
    - [orders, bill-ing]
    - Worker&{Name}:
        Type: AWS::Serverless::Function
        Properties: {InlineCode: x, Handler: h, FunctionName: "w-${Name}"}
  Fn::ForEach::Dynamic:
    - N
    - !Ref Names
    - Dyn${N}: {Type: AWS::Serverless::Function, Properties: {InlineCode: x}}
`
	dir := writeTree(t, map[string]string{"template.yaml": tpl})
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range a.Functions {
		got = append(got, f.ID+"="+f.Name)
	}
	// A loop over a parameter is read once, its identifier symbolic, so
	// its functions' code and roles are still judged.
	if want := []string{"Workerorders=w-orders", "Workerbilling=w-bill-ing", "Dyn${N}="}; !reflect.DeepEqual(got, want) {
		t.Errorf("functions %q, want %q", got, want)
	}
	if len(a.Notes) != 1 || !strings.Contains(a.Notes[0], "template.yaml:11: Fn::ForEach::Dynamic loops over a collection known only at deployment") {
		t.Errorf("notes %q", a.Notes)
	}
}
