package deployed

import (
	"strings"
	"testing"
)

const otherAccount = "999999999999"

// TestCrossAccountRole: IAM's GetRole takes a name and reads the
// credentials' own account. Another account's function (readable through
// its resource policy) must not be judged by the caller's role of the same
// name; its role is unknown, never clean.
func TestCrossAccountRole(t *testing.T) {
	code := fixture(t, "node-function.zip")
	const configured = "arn:aws:iam::" + otherAccount + ":role/lambda-role"
	f := newFake(t)
	f.functions["other/orders"] = &fakeFunction{Name: "orders", Account: otherAccount, Runtime: "nodejs20.x", Handler: "index.handler", PackageType: "Zip",
		Role: configured, Zip: code}
	// The caller's own, harmless role of the same name.
	f.roles["lambda-role"] = &fakeRole{Path: "/", Inline: map[string]string{"s3": s3Doc}}
	a, err := Load(ctx(t), []string{accountFnARN(otherAccount, "orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	fn := a.Functions[0]
	want := "not readable: role in account " + otherAccount + " is not readable with these credentials: permissions unknown"
	if fn.Role != nil || fn.RoleNote != want || fn.RoleRef != configured {
		t.Fatalf("role %+v, note %q, ref %q\nwant no role, note %q, ref %s", fn.Role, fn.RoleNote, fn.RoleRef, want, configured)
	}
	if fn.File != accountFnARN(otherAccount, "orders") {
		t.Errorf("function ARN %s", fn.File)
	}
	// The code is still scanned.
	sameFile(t, fn.Code.Local, code)
	if n := f.count("iam:ListRolePolicies"); n != 0 {
		t.Errorf("the caller's role was read on: %d ListRolePolicies", n)
	}

	// Without a role of that name in the caller's account, the note does
	// not claim the other account's role is missing.
	delete(f.roles, "lambda-role")
	a, err = Load(ctx(t), []string{accountFnARN(otherAccount, "orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if fn := a.Functions[0]; fn.Role != nil || fn.RoleNote != "not readable: role "+configured+" does not exist in the account these credentials read" {
		t.Errorf("role %+v, note %q", fn.Role, fn.RoleNote)
	}
}

// TestRoleOtherPath: same account and name but another path is not the
// role Lambda assumes.
func TestRoleOtherPath(t *testing.T) {
	f, _, _ := nodeApp(t)
	configured := "arn:aws:iam::" + fakeAccount + ":role/orders-role"
	f.functions["orders"].Role = configured // IAM answers .../service-role/orders-role
	a, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	fn := a.Functions[0]
	want := "not readable: iam:GetRole " + configured + " answered with " + roleARN("orders-role") + ", another role: permissions unknown"
	if fn.Role != nil || fn.RoleNote != want || fn.RoleRef != configured {
		t.Errorf("role %+v, note %q\nwant %q", fn.Role, fn.RoleNote, want)
	}

	// The path IAM reports is the one configured: read as usual.
	f.roles["orders-role"].Path = "/"
	a, err = Load(ctx(t), []string{fnARN("orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if fn := a.Functions[0]; fn.Role == nil || *fn.Role.ARN != configured || len(fn.Role.Findings) == 0 {
		t.Errorf("role %+v, note %q", fn.Role, fn.RoleNote)
	}
}

// TestSameNameTwoAccounts: targets are told apart by account, so two
// accounts' "orders" are two functions, each with its own code and role.
func TestSameNameTwoAccounts(t *testing.T) {
	f, code, _ := nodeApp(t)
	other := fixture(t, "python-function.zip")
	otherRole := "arn:aws:iam::" + otherAccount + ":role/service-role/orders-role"
	f.functions["other/orders"] = &fakeFunction{Name: "orders", Account: otherAccount, Runtime: "python3.12", Handler: "app.handler", PackageType: "Zip",
		Role: otherRole, Zip: other}
	a, err := Load(ctx(t), []string{fnARN("orders"), accountFnARN(otherAccount, "orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 2 || f.count("lambda:GetFunction") != 2 {
		t.Fatalf("2 targets in 2 accounts: %d function(s), %d GetFunction calls", len(a.Functions), f.count("lambda:GetFunction"))
	}
	mine, theirs := a.Functions[0], a.Functions[1]
	if mine.File != fnARN("orders") || theirs.File != accountFnARN(otherAccount, "orders") || theirs.Runtime != "python3.12" {
		t.Errorf("functions %s (%s), %s (%s)", mine.File, mine.Runtime, theirs.File, theirs.Runtime)
	}
	sameFile(t, mine.Code.Local, code)
	sameFile(t, theirs.Code.Local, other)
	if mine.Role == nil || theirs.Role != nil || !strings.Contains(theirs.RoleNote, "role in account "+otherAccount+" is not readable") {
		t.Errorf("roles: %v (%q), %v (%q)", mine.Role, mine.RoleNote, theirs.Role, theirs.RoleNote)
	}
}

// TestSameFunctionTwice: the same function given twice, or by name and by
// ARN, is read and listed once.
func TestSameFunctionTwice(t *testing.T) {
	f, _, _ := nodeApp(t)
	a, err := Load(ctx(t), []string{fnARN("orders"), "orders", fnARN("orders") + ":$LATEST"}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 1 || a.Functions[0].File != fnARN("orders") {
		t.Fatalf("%d functions: %+v", len(a.Functions), a.Functions)
	}
	// The ARN twice is one call; the bare name has no account, so only
	// Lambda's answer shows it is the same function.
	if n := f.count("lambda:GetFunction"); n != 2 {
		t.Errorf("GetFunction calls: %d, want 2", n)
	}
	// A qualified target is another function version.
	a, err = Load(ctx(t), []string{fnARN("orders"), fnARN("orders") + ":prod"}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 2 || a.Functions[1].ID != "orders:prod" {
		t.Errorf("%d functions", len(a.Functions))
	}
}
