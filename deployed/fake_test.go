package deployed

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

const (
	fakeAccount = "123456789012"
	fakeRegion  = "us-east-1"
)

// fake is an in-process Lambda and IAM: Lambda's REST-JSON routes, IAM's
// query protocol on POST /, and code downloads, all on one httptest server
// so that a Code.Location can point back at it.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	functions map[string]*fakeFunction // by name (any key for another account's)
	layers    map[string]*fakeLayer    // by layer version ARN
	roles     map[string]*fakeRole     // by name
	policies  map[string]string        // customer managed: ARN -> document
	blobs     map[string][]byte        // download path -> bytes
	deny      map[string]bool          // "lambda:GetFunction", "iam:GetRole", ...
	throttle  map[string]int           // action -> answers still to throttle
	requests  map[string]int           // action or "GET /path" -> count
	listPage  int
}

type fakeFunction struct {
	Name, Runtime, Handler, Role, PackageType, Arch, ImageURI string
	// Account owns the function ("" = fakeAccount): a GetFunction by ARN
	// finds it only in that account, as Lambda does.
	Account string
	Layers  []string
	Zip     []byte
	// Sha and Size override what GetFunction reports (corruption tests).
	Sha  string
	Size int64
	// Location overrides the download URL; S3Host serves the code under an
	// AWS S3 host name that the endpoint rewrite must map back here.
	Location string
	S3Host   bool
}

type fakeLayer struct {
	Zip   []byte
	Empty bool // answer {} as moto does to GetLayerVersionByArn
}

type fakeRole struct {
	Path     string            // "" = /service-role/
	Inline   map[string]string // name -> document
	Attached []string          // policy ARNs
}

func newFake(t *testing.T) *fake {
	f := &fake{
		t: t, functions: map[string]*fakeFunction{}, layers: map[string]*fakeLayer{},
		roles: map[string]*fakeRole{}, policies: map[string]string{}, blobs: map[string][]byte{},
		deny: map[string]bool{}, throttle: map[string]int{}, requests: map[string]int{}, listPage: 3,
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func fnARN(name string) string { return accountFnARN(fakeAccount, name) }

func accountFnARN(account, name string) string {
	return "arn:aws:lambda:" + fakeRegion + ":" + account + ":function:" + name
}

func (fn *fakeFunction) account() string {
	if fn.Account == "" {
		return fakeAccount
	}
	return fn.Account
}

// lookup finds a function by account and name; the caller holds f.mu.
func (f *fake) lookup(account, name string) *fakeFunction {
	for _, fn := range f.functions {
		if fn.Name == name && fn.account() == account {
			return fn
		}
	}
	return nil
}

func layerARN(name string, v int) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:layer:%s:%d", fakeRegion, fakeAccount, name, v)
}

func roleARN(name string) string { return "arn:aws:iam::" + fakeAccount + ":role/service-role/" + name }

func (f *fake) count(k string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[k]
}

// downloads counts code GETs (everything that is not an API call).
func (f *fake) downloads() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, n := range f.requests {
		if strings.HasPrefix(k, "GET /") {
			out[k] = n
		}
	}
	return out
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/2015-03-31/functions"):
		f.lambdaFunctions(w, r)
	case strings.HasPrefix(r.URL.Path, "/2018-10-31/layers"):
		f.lambdaLayers(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/":
		f.iam(w, r)
	default:
		f.mu.Lock()
		f.requests["GET "+r.URL.Path]++
		b, ok := f.blobs[r.URL.Path]
		f.mu.Unlock()
		if !ok || r.URL.Query().Get("X-Amz-Signature") != "s3cr3t" {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/short-body") {
			// Declares the full length and stops half way.
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b[:len(b)/2])
			return
		}
		if strings.HasSuffix(r.URL.Path, "-length") {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		}
		w.Write(b)
	}
}

// gate counts the call and answers denials and throttling; false when it
// answered.
func (f *fake) gate(w http.ResponseWriter, action string, lambdaAPI bool) bool {
	f.mu.Lock()
	f.requests[action]++
	denied := f.deny[action]
	throttled := f.throttle[action] > 0
	if throttled {
		f.throttle[action]--
	}
	f.mu.Unlock()
	switch {
	case denied && lambdaAPI:
		lambdaError(w, 403, "AccessDeniedException", "User: arn:aws:sts::"+fakeAccount+":assumed-role/ci/x is not authorized to perform: "+action)
	case denied:
		iamError(w, 403, "AccessDenied", "User: arn:aws:sts::"+fakeAccount+":assumed-role/ci/x is not authorized to perform: "+action)
	case throttled && lambdaAPI:
		lambdaError(w, 429, "TooManyRequestsException", "Rate exceeded")
	case throttled:
		iamError(w, 400, "Throttling", "Rate exceeded")
	default:
		return true
	}
	return false
}

func lambdaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-Errortype", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "Message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (f *fake) lambdaFunctions(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions")
	if rest == "/" || rest == "" {
		if !f.gate(w, "lambda:ListFunctions", true) {
			return
		}
		f.mu.Lock()
		var names []string
		for _, fn := range f.functions {
			if fn.account() == fakeAccount {
				names = append(names, fn.Name)
			}
		}
		f.mu.Unlock()
		sort.Strings(names)
		start, _ := strconv.Atoi(r.URL.Query().Get("Marker"))
		end := min(start+f.listPage, len(names))
		page := map[string]any{}
		var list []map[string]any
		for _, n := range names[start:end] {
			list = append(list, map[string]any{"FunctionName": n, "FunctionArn": fnARN(n)})
		}
		page["Functions"] = list
		if end < len(names) {
			page["NextMarker"] = strconv.Itoa(end)
		}
		writeJSON(w, page)
		return
	}
	if !f.gate(w, "lambda:GetFunction", true) {
		return
	}
	name, account := strings.TrimPrefix(rest, "/"), fakeAccount
	if before, after, ok := strings.Cut(name, ":function:"); ok {
		name, _, _ = strings.Cut(after, ":")
		account = before[strings.LastIndexByte(before, ':')+1:]
	}
	f.mu.Lock()
	fn := f.lookup(account, name)
	f.mu.Unlock()
	if fn == nil {
		lambdaError(w, 404, "ResourceNotFoundException", "Function not found: "+accountFnARN(account, name))
		return
	}
	arn := accountFnARN(account, name)
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		arn += ":" + q
	}
	conf := map[string]any{
		"FunctionName": fn.Name, "FunctionArn": arn, "Role": fn.Role,
		"PackageType": fn.PackageType, "CodeSha256": sha(fn.Zip), "CodeSize": len(fn.Zip),
	}
	if fn.Sha != "" {
		conf["CodeSha256"] = fn.Sha
	}
	if fn.Size != 0 {
		conf["CodeSize"] = fn.Size
	}
	if fn.PackageType != "Image" {
		conf["Runtime"], conf["Handler"] = fn.Runtime, fn.Handler
	}
	if fn.Arch != "" {
		conf["Architectures"] = []string{fn.Arch}
	}
	var layers []map[string]any
	for _, l := range fn.Layers {
		layers = append(layers, map[string]any{"Arn": l, "CodeSize": 1})
	}
	if layers != nil {
		conf["Layers"] = layers
	}
	out := map[string]any{"Configuration": conf}
	if fn.PackageType == "Image" {
		out["Code"] = map[string]any{"RepositoryType": "ECR", "ImageUri": fn.ImageURI}
	} else {
		out["Code"] = map[string]any{"RepositoryType": "S3", "Location": f.location(fn)}
	}
	writeJSON(w, out)
}

// location registers the function's zip for download and returns its
// presigned-looking URL.
func (f *fake) location(fn *fakeFunction) string {
	if fn.Location != "" {
		return fn.Location
	}
	path := "/code/" + fn.Name
	if fn.account() != fakeAccount {
		path = "/code/" + fn.account() + "/" + fn.Name
	}
	if fn.S3Host {
		path = "/awslambda-" + fakeRegion + "-tasks/snapshots/" + fn.account() + "/" + fn.Name
	}
	f.mu.Lock()
	f.blobs[path] = fn.Zip
	f.mu.Unlock()
	if fn.S3Host {
		return "https://awslambda-" + fakeRegion + "-tasks.s3." + fakeRegion + ".amazonaws.com/snapshots/" + fn.account() + "/" + fn.Name + "?X-Amz-Security-Token=tok&X-Amz-Signature=s3cr3t"
	}
	return f.srv.URL + path + "?X-Amz-Security-Token=tok&X-Amz-Signature=s3cr3t"
}

func (f *fake) lambdaLayers(w http.ResponseWriter, r *http.Request) {
	if !f.gate(w, "lambda:GetLayerVersion", true) {
		return
	}
	// /2018-10-31/layers/{LayerName}/versions/{N}
	rest := strings.TrimPrefix(r.URL.Path, "/2018-10-31/layers/")
	name, v, ok := strings.Cut(rest, "/versions/")
	if !ok {
		lambdaError(w, 400, "InvalidParameterValueException", "bad path")
		return
	}
	if !strings.HasPrefix(name, "arn:") {
		name = "arn:aws:lambda:" + fakeRegion + ":" + fakeAccount + ":layer:" + name
	}
	arn := name + ":" + v
	f.mu.Lock()
	l, ok := f.layers[arn]
	f.mu.Unlock()
	if !ok {
		lambdaError(w, 404, "ResourceNotFoundException", "Layer version "+arn+" does not exist.")
		return
	}
	if l.Empty {
		writeJSON(w, map[string]any{})
		return
	}
	path := "/layers/" + strings.ReplaceAll(arn, ":", "_")
	f.mu.Lock()
	f.blobs[path] = l.Zip
	f.mu.Unlock()
	ver, _ := strconv.Atoi(v)
	writeJSON(w, map[string]any{
		"LayerArn": name, "LayerVersionArn": arn, "Version": ver,
		"CompatibleRuntimes": []string{"nodejs20.x"},
		"Content": map[string]any{
			"Location":   f.srv.URL + path + "?X-Amz-Signature=s3cr3t",
			"CodeSha256": sha(l.Zip), "CodeSize": len(l.Zip),
		},
	})
}

func iamError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r1</RequestId></ErrorResponse>`, code, xmlText(msg))
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// iamEncode encodes a policy document as IAM returns it (RFC 3986).
func iamEncode(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func (f *fake) iam(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		iamError(w, 400, "MalformedInput", err.Error())
		return
	}
	action := r.PostForm.Get("Action")
	if !f.gate(w, "iam:"+action, false) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	roleName := r.PostForm.Get("RoleName")
	role := f.roles[roleName]
	if role == nil && roleName != "" {
		iamError(w, 404, "NoSuchEntity", "The role with name "+roleName+" cannot be found.")
		return
	}
	var result string
	switch action {
	case "GetRole":
		// IAM reads the caller's account only: fakeAccount.
		path := role.Path
		if path == "" {
			path = "/service-role/"
		}
		arn := "arn:aws:iam::" + fakeAccount + ":role" + path + roleName
		result = fmt.Sprintf(`<Role><Path>%s</Path><RoleName>%s</RoleName><RoleId>AROAFAKE</RoleId><Arn>%s</Arn><CreateDate>2024-01-02T03:04:05Z</CreateDate></Role>`, path, roleName, arn)
	case "ListRolePolicies":
		var names []string
		for n := range role.Inline {
			names = append(names, n)
		}
		sort.Strings(names)
		result = "<PolicyNames>"
		for _, n := range names {
			result += "<member>" + n + "</member>"
		}
		result += "</PolicyNames><IsTruncated>false</IsTruncated>"
	case "GetRolePolicy":
		pn := r.PostForm.Get("PolicyName")
		result = fmt.Sprintf(`<RoleName>%s</RoleName><PolicyName>%s</PolicyName><PolicyDocument>%s</PolicyDocument>`, roleName, pn, xmlText(iamEncode(role.Inline[pn])))
	case "ListAttachedRolePolicies":
		result = "<AttachedPolicies>"
		for _, a := range role.Attached {
			result += fmt.Sprintf("<member><PolicyName>%s</PolicyName><PolicyArn>%s</PolicyArn></member>", a[strings.LastIndexByte(a, '/')+1:], a)
		}
		result += "</AttachedPolicies><IsTruncated>false</IsTruncated>"
	case "GetPolicy":
		arn := r.PostForm.Get("PolicyArn")
		result = fmt.Sprintf(`<Policy><Arn>%s</Arn><DefaultVersionId>v3</DefaultVersionId></Policy>`, arn)
	case "GetPolicyVersion":
		arn := r.PostForm.Get("PolicyArn")
		if r.PostForm.Get("VersionId") != "v3" {
			iamError(w, 404, "NoSuchEntity", "not the default version")
			return
		}
		result = fmt.Sprintf(`<PolicyVersion><Document>%s</Document><VersionId>v3</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>`, xmlText(iamEncode(f.policies[arn])))
	default:
		iamError(w, 400, "InvalidAction", action)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></%sResponse>`, action, action, result, action, action)
}

// options points Load at the fake with fake credentials, an empty cache
// and retries without waiting.
func (f *fake) options(t *testing.T) Options {
	hermetic(t)
	return Options{
		Regions:     []string{fakeRegion},
		EndpointURL: f.srv.URL,
		CacheDir:    t.TempDir(),
		HTTPClient:  f.srv.Client(),
		loadOptions: fakeCredentials(),
	}
}

// hermetic keeps the machine's AWS settings out of a test.
func hermetic(t *testing.T) {
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_IAM", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

func fakeCredentials() []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKE", "fake-secret", "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		}),
	}
}

// fixture reads a zip from ../shared/fixtures/lambda, skipping without it.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "fixtures", "lambda", name))
	if os.IsNotExist(err) {
		t.Skipf("fixture %s not present (../shared/fixtures/lambda)", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ctx(t *testing.T) context.Context { return t.Context() }
