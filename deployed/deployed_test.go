package deployed

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/iam"
)

const (
	adminPolicy    = "arn:aws:iam::aws:policy/AdministratorAccess"
	customerPolicy = "arn:aws:iam::" + fakeAccount + ":policy/orders-extra"
	starDoc        = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	s3Doc          = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::orders bucket/*"}]}`
)

// nodeApp is a function with a layer and a role with Action "*", an AWS
// managed and a customer managed policy.
func nodeApp(t *testing.T) (*fake, []byte, []byte) {
	code, layer := fixture(t, "node-function.zip"), fixture(t, "node-layer.zip")
	f := newFake(t)
	f.functions["orders"] = &fakeFunction{
		Name: "orders", Runtime: "nodejs20.x", Handler: "index.handler", PackageType: "Zip", Arch: "arm64",
		Role: roleARN("orders-role"), Layers: []string{layerARN("deps", 3)}, Zip: code,
	}
	f.layers[layerARN("deps", 3)] = &fakeLayer{Zip: layer}
	f.roles["orders-role"] = &fakeRole{Inline: map[string]string{"admin": starDoc}, Attached: []string{adminPolicy, customerPolicy}}
	f.policies[customerPolicy] = s3Doc
	return f, code, layer
}

func sameFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes, not the %d deployed", path, len(got), len(want))
	}
}

func TestFunctionByARN(t *testing.T) {
	f, code, layer := nodeApp(t)
	opts := f.options(t)
	a, err := Load(ctx(t), []string{fnARN("orders")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != app.KindDeployed || a.Root != opts.CacheDir || len(a.Functions) != 1 || len(a.Layers) != 1 {
		t.Fatalf("application: kind %q root %q, %d functions, %d layers", a.Kind, a.Root, len(a.Functions), len(a.Layers))
	}
	fn := a.Functions[0]
	want := app.Function{
		ID: "orders", Name: "orders", Runtime: "nodejs20.x", Architecture: "arm64", Handler: "index.handler",
		PackageType: "Zip", Layers: []string{layerARN("deps", 3)}, File: fnARN("orders"),
	}
	got := *fn
	got.Code, got.Role, got.RoleNote, got.RoleRef = app.Code{}, nil, "", ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("function:\n got %+v\nwant %+v", got, want)
	}
	if fn.Code.Type != app.CodeZip || fn.Code.Local != filepath.Join(a.Root, fn.Code.Path) || fn.Code.Note != "" {
		t.Errorf("code: %+v", fn.Code)
	}
	sameFile(t, fn.Code.Local, code)
	ly := a.Layers[0]
	if ly.ID != layerARN("deps", 3) || ly.Name != "deps" || ly.Error != "" || !slices.Equal(ly.CompatibleRuntimes, []string{"nodejs20.x"}) {
		t.Errorf("layer: %+v", ly)
	}
	sameFile(t, ly.Code.Local, layer)
	// The presigned URL's signature must not leak into what is reported.
	if s := fmt.Sprintf("%+v", a); strings.Contains(s, "s3cr3t") || strings.Contains(s, "X-Amz") {
		t.Errorf("report carries the presigned URL: %s", s)
	}
	if len(a.Notes) != 1 || !strings.Contains(a.Notes[0], "2 zip(s) downloaded") {
		t.Errorf("notes: %q", a.Notes)
	}
}

// TestRole needs iam.ParseDocument and iam.Evaluate: statements come back
// through the real reader, findings through the real rules.
func TestRole(t *testing.T) {
	f, _, _ := nodeApp(t)
	a, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	fn := a.Functions[0]
	if fn.Role == nil {
		t.Fatalf("no role: %s", fn.RoleNote)
	}
	r := fn.Role
	if r.ID != "orders-role" || r.ARN == nil || *r.ARN != roleARN("orders-role") || fn.RoleNote != "" {
		t.Errorf("role %q arn %v note %q", r.ID, r.ARN, fn.RoleNote)
	}
	if !slices.Equal(r.ManagedPolicies, []string{adminPolicy}) {
		t.Errorf("managed policies: %q", r.ManagedPolicies)
	}
	want := []iam.Statement{
		{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}, Source: "inline:admin"},
		{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::orders bucket/*"}, Source: "managed:" + customerPolicy},
	}
	if len(r.Statements) != len(want) {
		t.Fatalf("statements: %+v", r.Statements)
	}
	for i, s := range r.Statements {
		w := want[i]
		if s.Effect != w.Effect || !slices.Equal(s.Actions, w.Actions) || !slices.Equal(s.Resources, w.Resources) || s.Source != w.Source {
			t.Errorf("statement %d: %+v, want %+v", i, s, w)
		}
	}
	rules := map[string]bool{}
	for _, fd := range r.Findings {
		rules[fd.Rule] = true
	}
	if !rules[iam.RuleActionStar] || !rules[iam.RuleAdminManaged] {
		t.Errorf("findings %+v: want %s and %s", r.Findings, iam.RuleActionStar, iam.RuleAdminManaged)
	}
}

func TestFunctionByName(t *testing.T) {
	code := fixture(t, "python-function.zip")
	f := newFake(t)
	f.functions["report"] = &fakeFunction{Name: "report", Runtime: "python3.12", Handler: "app.handler", PackageType: "Zip", Zip: code, Role: roleARN("r")}
	f.roles["r"] = &fakeRole{}
	for _, tc := range []struct{ target, id, file string }{
		{"report", "report", fnARN("report")},
		{"report:prod", "report:prod", fnARN("report") + ":prod"},
		{fnARN("report") + ":$LATEST", "report", fnARN("report")},
	} {
		a, err := Load(ctx(t), []string{tc.target}, f.options(t))
		if err != nil {
			t.Fatalf("%s: %v", tc.target, err)
		}
		fn := a.Functions[0]
		if fn.ID != tc.id || fn.Name != "report" || fn.File != tc.file || fn.Architecture != "x86_64" || fn.Runtime != "python3.12" {
			t.Errorf("%s: %+v", tc.target, fn)
		}
		if fn.Role == nil && !strings.Contains(fn.RoleNote, "not readable") {
			t.Errorf("%s: role note %q", tc.target, fn.RoleNote)
		}
		sameFile(t, fn.Code.Local, code)
	}

	// A bare name needs a region.
	opts := f.options(t)
	opts.Regions = nil
	if _, err := Load(ctx(t), []string{"report"}, opts); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("bare name without a region: %v", err)
	}
	opts.Regions = []string{"us-east-1", "eu-west-1"}
	if _, err := Load(ctx(t), []string{"report"}, opts); err == nil || !strings.Contains(err.Error(), "exactly one region") {
		t.Errorf("bare name with two regions: %v", err)
	}
	if _, err := Load(ctx(t), []string{"missing"}, f.options(t)); err == nil || err.Error() != "function missing in us-east-1: not found" {
		t.Errorf("missing function: %v", err)
	}
}

func TestLayerByARN(t *testing.T) {
	layer := fixture(t, "python-layer.zip")
	f := newFake(t)
	f.layers[layerARN("py", 12)] = &fakeLayer{Zip: layer}
	a, err := Load(ctx(t), []string{layerARN("py", 12)}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 0 || len(a.Layers) != 1 || a.Layers[0].Name != "py" || a.Layers[0].Code.Type != app.CodeZip {
		t.Fatalf("application: %+v", a)
	}
	sameFile(t, a.Layers[0].Code.Local, layer)
	if f.count("lambda:GetFunction") != 0 {
		t.Error("a layer target read a function")
	}
	if _, err := Load(ctx(t), []string{layerARN("py", 13)}, f.options(t)); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing layer version: %v", err)
	}
}

func TestEmptyLayerAnswer(t *testing.T) {
	f := newFake(t)
	f.layers[layerARN("moto", 1)] = &fakeLayer{Empty: true}
	_, err := Load(ctx(t), []string{layerARN("moto", 1)}, f.options(t))
	if err == nil || err.Error() != "layer "+layerARN("moto", 1)+": lambda:GetLayerVersion returned no content" {
		t.Fatalf("empty layer answer: %v", err)
	}
}

// TestAllFunctions: ten functions over four code packages and one layer,
// listed in pages of three; each hash is downloaded once, and a second scan
// with the same cache downloads nothing.
func TestAllFunctions(t *testing.T) {
	zips := [][]byte{fixture(t, "node-function.zip"), fixture(t, "python-function.zip"), fixture(t, "ruby-function.zip"), fixture(t, "go-function.zip")}
	layer := fixture(t, "node-layer.zip")
	f := newFake(t)
	f.roles["shared"] = &fakeRole{}
	f.layers[layerARN("deps", 1)] = &fakeLayer{Zip: layer}
	for i := range 10 {
		fn := &fakeFunction{Name: fmt.Sprintf("fn-%02d", i), Runtime: "nodejs20.x", Handler: "h", PackageType: "Zip", Zip: zips[i%4], Role: roleARN("shared"), S3Host: i%2 == 0}
		if i%3 == 0 {
			fn.Layers = []string{layerARN("deps", 1)}
		}
		f.functions[fn.Name] = fn
	}
	opts := f.options(t)
	opts.Concurrency = 3
	var progress [][2]int
	opts.Progress = func(done, total int) { progress = append(progress, [2]int{done, total}) }
	a, err := LoadAll(ctx(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 10 || len(a.Layers) != 1 {
		t.Fatalf("%d functions, %d layers", len(a.Functions), len(a.Layers))
	}
	for i, fn := range a.Functions {
		if fn.Name != fmt.Sprintf("fn-%02d", i) || fn.Error != "" {
			t.Fatalf("function %d: %+v", i, fn)
		}
		sameFile(t, fn.Code.Local, zips[i%4])
	}
	if n := f.count("lambda:ListFunctions"); n != 4 {
		t.Errorf("ListFunctions pages: %d, want 4", n)
	}
	// Ten functions: each code location is a URL of its own, but a hash is
	// fetched once.
	d := f.downloads()
	total := 0
	for _, n := range d {
		total += n
	}
	if total != 5 {
		t.Errorf("first scan downloaded %d times, want 5 (4 code hashes, 1 layer): %v", total, d)
	}
	if f.count("iam:GetRole") != 1 {
		t.Errorf("shared role read %d times", f.count("iam:GetRole"))
	}
	if len(progress) != 10 || progress[9] != [2]int{10, 10} || progress[0] != [2]int{1, 10} {
		t.Errorf("progress: %v", progress)
	}

	before := f.downloads()
	b, err := LoadAll(ctx(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if after := f.downloads(); !reflect.DeepEqual(before, after) {
		t.Errorf("second scan downloaded: %v, then %v", before, after)
	}
	if len(b.Notes) != 1 || !strings.HasPrefix(b.Notes[0], "code: 0 zip(s) downloaded (0 bytes), 5 already in the cache") {
		t.Errorf("second scan notes: %q", b.Notes)
	}
	for i, fn := range b.Functions {
		if fn.Code.Local != a.Functions[i].Code.Local {
			t.Errorf("%s: cached at %s, then %s", fn.Name, a.Functions[i].Code.Local, fn.Code.Local)
		}
	}

	// A cached file changed on disk is not trusted: downloaded again.
	if err := os.WriteFile(a.Functions[1].Code.Local, []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAll(ctx(t), opts); err != nil {
		t.Fatal(err)
	}
	sameFile(t, a.Functions[1].Code.Local, zips[1])
}

// TestAllFunctionsErrors: during an all-functions scan a function that
// cannot be read is reported on the function, never dropped.
func TestAllFunctionsErrors(t *testing.T) {
	code := fixture(t, "node-function.zip")
	f := newFake(t)
	f.functions["good"] = &fakeFunction{Name: "good", Runtime: "nodejs20.x", PackageType: "Zip", Zip: code}
	f.functions["corrupt"] = &fakeFunction{Name: "corrupt", Runtime: "nodejs20.x", PackageType: "Zip", Zip: code, Sha: sha([]byte("other"))}
	f.functions["badlayer"] = &fakeFunction{Name: "badlayer", Runtime: "nodejs20.x", PackageType: "Zip", Zip: code, Layers: []string{layerARN("gone", 1)}}
	a, err := LoadAll(ctx(t), f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*app.Function{}
	for _, fn := range a.Functions {
		byName[fn.Name] = fn
	}
	if fn := byName["corrupt"]; fn == nil || !strings.HasPrefix(fn.Error, "function corrupt ("+fnARN("corrupt")+"): code from ") || !strings.Contains(fn.Error, "does not match its CodeSha256") {
		t.Errorf("corrupt: %+v", fn)
	}
	if fn := byName["good"]; fn == nil || fn.Error != "" || fn.RoleNote != "no execution role in the configuration" {
		t.Errorf("good: %+v", fn)
	}
	if len(a.Layers) != 1 || a.Layers[0].Error != "layer "+layerARN("gone", 1)+": not found" {
		t.Errorf("layers: %+v", a.Layers)
	}

	f.deny["lambda:GetFunction"] = true
	a, err = LoadAll(ctx(t), f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range a.Functions {
		if !strings.HasPrefix(fn.Error, "access denied: lambda:GetFunction on arn:aws:lambda:") || fn.File != fnARN(fn.Name) {
			t.Errorf("denied %s: %+v", fn.Name, fn)
		}
	}

	f.deny["lambda:ListFunctions"] = true
	var ad *AccessDeniedError
	if _, err := LoadAll(ctx(t), f.options(t)); !errors.As(err, &ad) || ad.Action != "lambda:ListFunctions" || ad.Resource != "region us-east-1" {
		t.Errorf("ListFunctions denied: %v", err)
	}
}

func TestGetFunctionDenied(t *testing.T) {
	f, _, _ := nodeApp(t)
	f.deny["lambda:GetFunction"] = true
	_, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t))
	var ad *AccessDeniedError
	if !errors.As(err, &ad) {
		t.Fatalf("want *AccessDeniedError, got %T %v", err, err)
	}
	if ad.Action != "lambda:GetFunction" || ad.Resource != fnARN("orders") || !strings.Contains(ad.Message, "not authorized") {
		t.Errorf("%+v", ad)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	if f.count("lambda:GetFunction") != 1 {
		t.Errorf("access denied was retried: %d calls", f.count("lambda:GetFunction"))
	}

	f.deny["lambda:GetFunction"] = false
	f.deny["lambda:GetLayerVersion"] = true
	if _, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t)); !errors.As(err, &ad) || ad.Action != "lambda:GetLayerVersion" || ad.Resource != layerARN("deps", 3) {
		t.Errorf("layer denied: %v", err)
	}
}

// TestRoleNotReadable: without IAM read permission the code is still
// scanned; the role is unknown, with the denied action named.
func TestRoleNotReadable(t *testing.T) {
	for _, action := range []string{"iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"} {
		f, code, _ := nodeApp(t)
		f.deny[action] = true
		if action == "iam:ListAttachedRolePolicies" || action == "iam:GetPolicy" || action == "iam:GetPolicyVersion" {
			// Read after the inline policies: none, so that the denial
			// is what stops the reading.
			f.roles["orders-role"].Inline = nil
		}
		a, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t))
		if err != nil {
			t.Fatalf("%s denied: %v", action, err)
		}
		fn := a.Functions[0]
		res := roleARN("orders-role")
		switch action {
		case "iam:GetRolePolicy":
			res += " policy admin"
		case "iam:GetPolicy", "iam:GetPolicyVersion":
			res = customerPolicy
		}
		if want := "not readable: " + action + " denied on " + res; fn.Role != nil || fn.RoleNote != want || fn.RoleRef != roleARN("orders-role") {
			t.Errorf("%s denied: role %v, note %q, want %q", action, fn.Role, fn.RoleNote, want)
		}
		sameFile(t, fn.Code.Local, code)
	}

	f, _, _ := nodeApp(t)
	delete(f.roles, "orders-role")
	a, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if fn := a.Functions[0]; fn.Role != nil || fn.RoleNote != "not readable: role "+roleARN("orders-role")+" does not exist in the account these credentials read" {
		t.Errorf("deleted role: %v %q", fn.Role, fn.RoleNote)
	}
}

func TestThrottlingRetried(t *testing.T) {
	f, code, _ := nodeApp(t)
	f.throttle["lambda:GetFunction"] = 2
	f.throttle["iam:GetRole"] = 1
	a, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, a.Functions[0].Code.Local, code)
	if n := f.count("lambda:GetFunction"); n != 3 {
		t.Errorf("GetFunction calls: %d, want 3", n)
	}
	if n := f.count("iam:GetRole"); n != 2 {
		t.Errorf("GetRole calls: %d, want 2", n)
	}
}

func TestImageFunction(t *testing.T) {
	f := newFake(t)
	f.functions["img"] = &fakeFunction{Name: "img", PackageType: "Image", ImageURI: fakeAccount + ".dkr.ecr.us-east-1.amazonaws.com/img:1", Zip: []byte("x")}
	a, err := Load(ctx(t), []string{"img"}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	want := app.Code{Type: app.CodeImage, Path: fakeAccount + ".dkr.ecr.us-east-1.amazonaws.com/img:1", Note: "image: not inspected"}
	if fn := a.Functions[0]; fn.Code != want || fn.PackageType != "Image" {
		t.Errorf("%+v", fn)
	}
	if len(f.downloads()) != 0 {
		t.Errorf("an image function downloaded: %v", f.downloads())
	}
}

// TestCodeErrors: whatever goes wrong with the bytes is an error naming the
// function, and nothing is left in the cache.
func TestCodeErrors(t *testing.T) {
	code := fixture(t, "node-function.zip")
	half := code[:len(code)/2]
	for _, tc := range []struct {
		name string
		fn   fakeFunction
		max  int64
		want string
	}{
		{"mismatch", fakeFunction{Zip: code, Sha: sha(append([]byte{1}, code...))}, 0, "does not match its CodeSha256: got "},
		// Served short with a short Content-Length: the hash catches it.
		{"truncated", fakeFunction{Zip: half, Sha: sha(code), Size: int64(len(code))}, 0, fmt.Sprintf("does not match its CodeSha256 (truncated: %d of %d bytes)", len(half), len(code))},
		// Declares the full length and stops: the transfer fails.
		{"short-body", fakeFunction{Zip: code}, 0, "unexpected EOF"},
		// Lambda's hash matches, the bytes are no zip.
		{"notzip", fakeFunction{Zip: half}, 0, "is not a readable zip: zip: not a valid zip file"},
		{"oversize", fakeFunction{Zip: code}, 1000, fmt.Sprintf("code is %d bytes, over the 1000-byte limit", len(code))},
		// CodeSize understated: the body is cut at the limit.
		{"oversize-body", fakeFunction{Zip: code, Size: 10}, 1000, "is over the 1000-byte limit"},
		// ... or refused on its Content-Length.
		{"oversize-length", fakeFunction{Zip: code, Size: 10}, 1000, fmt.Sprintf("is %d bytes, over the 1000-byte limit", len(code))},
		{"gone", fakeFunction{Zip: code, Location: "http://127.0.0.1:1/x?X-Amz-Signature=s3cr3t"}, 0, "downloading code from http://127.0.0.1:1/x: "},
		{"badsha", fakeFunction{Zip: code, Sha: "bm90IGEgaGFzaA=="}, 0, `CodeSha256 "bm90IGEgaGFzaA==" is not a base64 SHA-256`},
		{"nolocation", fakeFunction{Zip: code, Location: "s3://"}, 0, `code location "s3://" is not an http(s) URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			fn := tc.fn
			fn.Name, fn.PackageType, fn.Runtime = tc.name, "Zip", "nodejs20.x"
			f.functions[tc.name] = &fn
			opts := f.options(t)
			opts.MaxCodeBytes = tc.max
			_, err := Load(ctx(t), []string{fnARN(tc.name)}, opts)
			prefix := "function " + tc.name + " (" + fnARN(tc.name) + "): "
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %s...%s", err, prefix, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error leaks the signature or spans lines: %q", err)
			}
			left, _ := os.ReadDir(opts.CacheDir)
			if len(left) != 0 {
				t.Errorf("cache keeps %d entries after a failure", len(left))
			}
		})
	}
}

func TestBadTargets(t *testing.T) {
	f := newFake(t)
	opts := f.options(t)
	for _, tc := range []struct{ target, want string }{
		{"arn:aws:lambda:us-east-1:123:function:x", `account "123" is not 12 digits`},
		{"arn:aws:s3:us-east-1:123456789012:function:x", `service "s3" is not lambda`},
		{"arn:aws:lambda:us-east-1:123456789012:layer:x", "needs its version"},
		{"nope nope", "not a Lambda function name"},
	} {
		_, err := Load(ctx(t), []string{tc.target}, opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.target, err)
		}
	}
	if len(f.requests) != 0 {
		t.Errorf("a bad target made calls: %v", f.requests)
	}
	opts.Profile = "no-such-profile"
	if _, err := Load(ctx(t), []string{fnARN("x")}, opts); err == nil || !strings.HasPrefix(err.Error(), "AWS configuration: ") || !strings.Contains(err.Error(), "no-such-profile") {
		t.Errorf("unknown profile: %v", err)
	}
}

// TestEndpointFromEnvironment: the SDK's AWS_ENDPOINT_URL, like
// --endpoint-url, sends the API calls and the S3-hosted code there.
func TestEndpointFromEnvironment(t *testing.T) {
	code := fixture(t, "ruby-function.zip")
	f := newFake(t)
	f.functions["rb"] = &fakeFunction{Name: "rb", Runtime: "ruby3.3", PackageType: "Zip", Zip: code, S3Host: true}
	opts := f.options(t)
	opts.EndpointURL = ""
	t.Setenv("AWS_ENDPOINT_URL", f.srv.URL)
	a, err := Load(ctx(t), []string{"rb"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, a.Functions[0].Code.Local, code)
	if n := f.count("GET /awslambda-us-east-1-tasks/snapshots/" + fakeAccount + "/rb"); n != 1 {
		t.Errorf("code fetched %d times from the endpoint", n)
	}
}
