package report

import (
	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/lockfiles"
)

// JSONApplication is the application a scan read: every function and
// layer it defines, each function with its role and the gate's verdict.
// Paths are relative to the application's folder (Root), as the
// definition writes them.
type JSONApplication struct {
	Kind  string `json:"kind"`  // sam|cloudformation|cdk|serverless|deployed
	Entry string `json:"entry"` // the definition read, relative to root
	Root  string `json:"root"`  // the application's folder, as given
	// Notes say what was chosen while reading it (built output preferred,
	// several definitions, ...).
	Notes []string `json:"notes"`
	// UnusedRoles are roles no function runs with: never attributed.
	UnusedRoles []string       `json:"unused_roles"`
	Functions   []JSONFunction `json:"functions"`
	Layers      []JSONLayer    `json:"layers"`
}

// JSONFunction is one function of the application.
type JSONFunction struct {
	ID string `json:"id"` // CloudFormation logical id
	// Key is the Serverless Framework function key (Serverless only).
	Key          string   `json:"key,omitempty"`
	Name         string   `json:"name"`  // declared name, intrinsics symbolic; "" when none
	Label        string   `json:"label"` // how reports name it
	Runtime      string   `json:"runtime"`
	Architecture string   `json:"architecture"`
	Handler      string   `json:"handler"`
	PackageType  string   `json:"package_type"`
	Condition    *string  `json:"condition"`
	Code         JSONCode `json:"code"`
	// Layers are the local layers' logical ids and the external ARNs, in
	// declaration order; ExternalLayers repeats the ARNs fnguard did not
	// inspect.
	Layers         []string `json:"layers"`
	ExternalLayers []string `json:"external_layers"`
	// Artifacts are the inventory artifacts of its own code and its local
	// layers (artifacts[].path).
	Artifacts []string `json:"artifacts"`
	// Packages are the purls of every package it ships, own code and
	// layers, sorted.
	Packages []string `json:"packages"`
	// Empty is set when its code was read and holds no third-party package.
	Empty bool `json:"empty"`
	// Role is the execution role with its findings; null when it cannot be
	// known, with RoleNote saying why.
	Role     *iam.Role `json:"role"`
	RoleNote string    `json:"role_note,omitempty"`
	RoleRef  string    `json:"role_ref,omitempty"`
	// Error is set when its code could not be read: never a clean pass.
	Error string   `json:"error,omitempty"`
	Notes []string `json:"notes"`
	File  string   `json:"file"`
	Line  int      `json:"line"`
	// Verdict is the gate's decision for this function; null when no gate
	// ran.
	Verdict *JSONFunctionVerdict `json:"verdict"`
}

// JSONCode is where code is: type dir|zip|inline|image|s3, path relative
// to the application's folder (the image URI, the s3:// location).
type JSONCode struct {
	Type string `json:"type"`
	Path string `json:"path"`
	Note string `json:"note,omitempty"`
}

// JSONLayer is a layer the application defines.
type JSONLayer struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Code     JSONCode `json:"code"`
	Artifact string   `json:"artifact"`
	Packages []string `json:"packages"`
	Empty    bool     `json:"empty"`
	Error    string   `json:"error,omitempty"`
	// Functions are the functions using it.
	Functions []string `json:"functions"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
}

// JSONFunctionVerdict is the gate's decision for one function: pass, and
// the lines of the release verdict that concern it.
type JSONFunctionVerdict struct {
	Pass    bool     `json:"pass"`
	Reasons []string `json:"reasons"`
	Notes   []string `json:"notes"`
	// Roles are the decisions on the role's findings, in role order.
	Roles       []JSONRoleDecision `json:"roles"`
	BlastRadius *JSONBlastRadius   `json:"blast_radius"`
}

// JSONRoleDecision is one role finding with the gate's decision.
type JSONRoleDecision struct {
	Rule      string `json:"rule"`
	Role      string `json:"role"`
	Statement int    `json:"statement"`
	// Source is the statement's source or the managed policy's ARN.
	Source        string   `json:"source"`
	Detail        string   `json:"detail"`
	File          string   `json:"file"`
	Line          int      `json:"line"`
	Failing       bool     `json:"failing"`
	Blocking      bool     `json:"blocking"`
	Ignored       bool     `json:"ignored"`
	IgnoreReason  string   `json:"ignore_reason"`
	IgnoreExpires *string  `json:"ignore_expires"`
	IgnoreExpired bool     `json:"ignore_expired"`
	Why           []string `json:"why"`
}

// JSONBlastRadius is the combined reason of a function whose failing role
// meets a serious advisory.
type JSONBlastRadius struct {
	Finding  string         `json:"finding"`
	Package  JSONPackageRef `json:"package"`
	Artifact string         `json:"artifact"`
	More     int            `json:"more_findings"`
	Rule     string         `json:"rule"`
	MoreRole int            `json:"more_role_findings"`
	Severity string         `json:"severity"` // always critical
	// Score is the advisory's CVSS v3 base score and EnvironmentalScore
	// the same vector with CR:H/IR:H/AR:H; 0 without a v3 vector.
	Score               float64 `json:"score"`
	EnvironmentalScore  float64 `json:"environmental_score"`
	EnvironmentalVector string  `json:"environmental_vector"`
	Text                string  `json:"text"`
}

func (m *model) jsonFunctions(p *lockfiles.Package) *[]string {
	if m.app == nil {
		return nil
	}
	ids := strs(m.functionIDs(p))
	return &ids
}

func (m *model) jsonApplication() *JSONApplication {
	if m.app == nil {
		return nil
	}
	r := m.app.rel
	a := r.App
	ja := &JSONApplication{Kind: a.Kind, Entry: a.Entry, Root: a.Root, Notes: strs(a.Notes), UnusedRoles: strs(a.UnusedRoles),
		Functions: []JSONFunction{}, Layers: []JSONLayer{}}
	for _, f := range r.Functions {
		jf := JSONFunction{ID: f.ID, Key: f.Key, Name: f.Name, Label: f.Label(), Runtime: f.Runtime, Architecture: f.Architecture,
			Handler: f.Handler, PackageType: f.PackageType, Code: jsonCode(f.Code), Layers: strs(f.Layers),
			ExternalLayers: strs(f.ExternalLayers), Artifacts: strs(f.Artifacts()), Packages: m.functionPURLs(f.Artifacts()),
			Empty: f.Empty, Role: jsonRole(f.Role), RoleRef: f.RoleRef, Error: f.Error, Notes: strs(f.Notes), File: f.File, Line: f.Line}
		if f.Role == nil {
			jf.RoleNote = f.RoleNote
			if jf.RoleNote == "" {
				jf.RoleNote = "permissions unknown"
			}
		}
		if f.Condition != "" {
			c := f.Condition
			jf.Condition = &c
		}
		if fv := m.app.fv[f.ID]; fv != nil {
			jf.Verdict = jsonFunctionVerdict(fv)
		}
		ja.Functions = append(ja.Functions, jf)
	}
	for _, l := range r.Layers {
		jl := JSONLayer{ID: l.ID, Name: l.Name, Code: jsonCode(l.Code), Artifact: l.Artifact, Packages: []string{}, Empty: l.Empty,
			Error: l.Error, Functions: []string{}, File: l.File, Line: l.Line}
		if l.Artifact != "" {
			jl.Packages = m.functionPURLs([]string{l.Artifact})
		}
		for _, f := range r.Functions {
			for _, ll := range f.LocalLayers {
				if ll == l {
					jl.Functions = append(jl.Functions, f.ID)
				}
			}
		}
		ja.Layers = append(ja.Layers, jl)
	}
	return ja
}

func jsonCode(c app.Code) JSONCode {
	return JSONCode{Type: c.Type, Path: c.Path, Note: c.Note}
}

// jsonRole copies a role so that its lists encode as [] rather than null.
func jsonRole(r *iam.Role) *iam.Role {
	if r == nil {
		return nil
	}
	c := *r
	c.ManagedPolicies = strs(r.ManagedPolicies)
	c.Statements = make([]iam.Statement, len(r.Statements))
	for i, s := range r.Statements {
		s.Actions, s.NotActions, s.Resources = strs(s.Actions), strs(s.NotActions), strs(s.Resources)
		c.Statements[i] = s
	}
	c.Findings = append([]iam.Finding{}, r.Findings...)
	return &c
}

func jsonFunctionVerdict(fv *gate.FunctionVerdict) *JSONFunctionVerdict {
	jv := &JSONFunctionVerdict{Pass: fv.Pass, Reasons: strs(fv.Reasons), Notes: strs(fv.Notes), Roles: []JSONRoleDecision{}}
	for _, rd := range fv.Roles {
		jv.Roles = append(jv.Roles, JSONRoleDecision{Rule: rd.Finding.Rule, Role: rd.Role, Statement: rd.Finding.Statement,
			Source: rd.Source, Detail: rd.Finding.Detail, File: rd.Finding.File, Line: rd.Finding.Line,
			Failing: rd.Failing, Blocking: rd.Blocking, Ignored: rd.Ignored, IgnoreReason: rd.IgnoreReason,
			IgnoreExpires: dateOrNil(rd.IgnoreExpires), IgnoreExpired: rd.IgnoreExpired, Why: strs(rd.Why)})
	}
	if b := fv.Blast; b != nil {
		jv.BlastRadius = &JSONBlastRadius{Finding: b.Finding.ID, Package: pkgRef(b.Finding.Package), Artifact: artifactPath(b.Finding.Package),
			More: b.More, Rule: b.Role.Finding.Rule, MoreRole: b.MoreRole, Severity: b.Severity,
			Score: b.BaseScore, EnvironmentalScore: b.Environmental, EnvironmentalVector: b.EnvVector, Text: b.Text}
	}
	return jv
}
