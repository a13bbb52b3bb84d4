// Package app turns a serverless application definition (an AWS SAM or
// CloudFormation template, a CDK cloud assembly, a Serverless Framework
// service) into the functions and layers it releases: where each one's code
// is, which layers it uses and which execution role it runs with. It reads
// definitions only; inventorying the code is the caller's (lockfiles).
package app

import "github.com/fnguard/fnguard/iam"

// Kinds of application, as the JSON report names them.
const (
	KindSAM            = "sam"
	KindCloudFormation = "cloudformation"
	KindCDK            = "cdk"
	KindServerless     = "serverless"
	KindDeployed       = "deployed"
)

// Code types.
const (
	CodeDir    = "dir"
	CodeZip    = "zip"
	CodeInline = "inline"
	CodeImage  = "image"
	CodeS3     = "s3"
	// CodeUnresolved is a local code path that depends on a parameter or
	// a loop variable ("src/${Stage}"): not inventoried, and said so.
	CodeUnresolved = "unresolved"
)

// Application is one release: every function and layer it defines.
type Application struct {
	Kind string
	// Root is the folder that relative paths are relative to, as given (not
	// made absolute, so reports show what the user typed).
	Root string
	// Entry is the definition read, relative to Root ("template.yaml",
	// "cdk.out/manifest.json", ".serverless/cloudformation-template-update-stack.json").
	Entry string
	// Notes say what was chosen and why (built output preferred, several
	// definitions in one folder, ...): shown to the user.
	Notes     []string
	Functions []*Function
	Layers    []*Layer
	// UnusedRoles are the logical ids of roles no function runs with: never
	// attributed to a function.
	UnusedRoles []string
}

// Code is where a function's or layer's code is.
type Code struct {
	Type string // CodeDir, CodeZip, CodeInline, CodeImage, CodeS3, CodeUnresolved
	// Path is relative to Application.Root for dir and zip; the image URI or
	// Dockerfile context for image; the s3:// location for s3; the path as
	// declared, variables symbolic, for unresolved; "" for inline.
	Path string
	// Local is the path on disk to inventory (Root joined with Path) for dir
	// and zip; "" for every other type.
	Local string
	// Note says why code is not inventoried ("image: not inspected", "not
	// available locally", "inline").
	Note string
}

// Function is one AWS::Lambda::Function, AWS::Serverless::Function or
// Serverless Framework function.
type Function struct {
	ID  string // CloudFormation logical id
	Key string // the Serverless Framework function key; "" elsewhere
	// Name is the declared FunctionName with intrinsics kept symbolic
	// ("orders-api-${Stage}"); "" when the template declares none.
	Name         string
	Runtime      string
	Architecture string // "x86_64" or "arm64"; x86_64 when undeclared
	Handler      string
	PackageType  string // "Zip" or "Image"
	// Condition is the CloudFormation condition the resource is under.
	Condition string
	Code      Code
	// Layers are the local layers' logical ids and external ARNs (symbolic),
	// in declaration order.
	Layers []string
	// Role is the execution role; nil when it cannot be known, with RoleNote
	// saying why ("role not in the template: permissions unknown").
	Role     *iam.Role
	RoleNote string
	// RoleRef is the declared role when it is not in the template (an
	// external ARN, rendered symbolically).
	RoleRef string
	// Notes are warnings about this function's reading that a report must
	// show (a SAM policy template that could not be expanded: the role's
	// permissions are then incomplete).
	Notes []string
	// File and Line locate the function's resource in its definition.
	File string
	Line int
	// Error is set when the function could not be read (a deployed function
	// whose code could not be fetched): never a clean pass.
	Error string
}

// Layer is a layer the application defines itself.
type Layer struct {
	ID                 string
	Name               string
	CompatibleRuntimes []string
	Code               Code
	File               string
	Line               int
	Error              string
}
