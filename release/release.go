// Package release joins an application's definition with what its code
// ships: each function's own code and the layers it uses are inventoried as
// artifacts, and every package and finding can then be attributed to the
// functions that ship it. The definition readers (app, deployed) know
// nothing of packages and lockfiles knows nothing of templates; this is
// where the two meet.
package release

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/lockfiles"
)

// Release is an application with its code inventoried.
type Release struct {
	App       *app.Application
	Functions []*Function
	Layers    []*Layer
	// byArtifact maps an inventory artifact path to the functions whose
	// release includes it (own code or a layer).
	byArtifact map[string][]*Function
}

// Function is one function of the release.
type Function struct {
	*app.Function
	// Artifact is the inventory artifact of the function's own code; "" when
	// the code is not inventoried (inline, image, S3, unreadable).
	Artifact string
	// LocalLayers are the layers of the application the function uses, in
	// declaration order; ExternalLayers are the ARNs fnguard did not read.
	LocalLayers    []*Layer
	ExternalLayers []string
	// Empty is set when the function's code was read and holds no
	// third-party package: legitimate (a handler using only the runtime's
	// SDK), but shown, so a wrong code path does not pass unnoticed.
	Empty bool
}

// Layer is one layer of the release.
type Layer struct {
	*app.Layer
	Artifact string
	Empty    bool
}

// Label names a function as a person reads it: its declared name when it
// has a literal one, else its logical id.
func (f *Function) Label() string {
	if f.Name != "" && !strings.Contains(f.Name, "${") {
		return f.Name
	}
	if f.Key != "" {
		return f.Key
	}
	return f.ID
}

// Options configure the inventory of a release.
type Options struct {
	// Inventory is passed to lockfiles.Read for every code location;
	// AllowEmpty and Layers are set here.
	Inventory lockfiles.Options
}

// Inventory reads the code of every function and local layer once, even
// when several functions share it, and evaluates each function's role.
// A code location that cannot be read is an error naming the function or
// layer: an application with a hole in it must not look whole.
func Inventory(ctx context.Context, a *app.Application, opts Options) (*lockfiles.Inventory, *Release, error) {
	if len(a.Functions) == 0 && len(a.Layers) == 0 {
		return nil, nil, fmt.Errorf("%s: no Lambda functions or layers defined", entryPath(a))
	}
	inv := &lockfiles.Inventory{}
	r := &Release{App: a, byArtifact: map[string][]*Function{}}
	read := map[string]*lockfiles.Artifact{}
	readCode := func(c app.Code, kind, what string) (*lockfiles.Artifact, error) {
		if c.Local == "" || (c.Type != app.CodeDir && c.Type != app.CodeZip) {
			return nil, nil
		}
		p := filepath.Clean(c.Local)
		if art, ok := read[p]; ok {
			return art, nil
		}
		o := opts.Inventory
		o.Layers = nil
		o.AllowEmpty = true
		one, err := lockfiles.Read(ctx, []string{p}, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		art := one.Artifacts[0]
		if kind == lockfiles.KindLayer || art.Kind == lockfiles.KindDirectory {
			art.Kind = kind
		}
		inv.Artifacts = append(inv.Artifacts, art)
		inv.Warnings = append(inv.Warnings, one.Warnings...)
		read[p] = art
		return art, nil
	}
	layers := map[string]*Layer{}
	for _, l := range a.Layers {
		rl := &Layer{Layer: l}
		if l.Error == "" {
			art, err := readCode(l.Code, lockfiles.KindLayer, "layer "+l.ID)
			if err != nil {
				return nil, nil, err
			}
			if art != nil {
				rl.Artifact = art.Path
				rl.Empty = len(art.Packages) == 0
			}
		}
		layers[l.ID] = rl
		r.Layers = append(r.Layers, rl)
	}
	for _, f := range a.Functions {
		rf := &Function{Function: f}
		if f.Error == "" {
			art, err := readCode(f.Code, lockfiles.KindFunction, "function "+f.ID)
			if err != nil {
				return nil, nil, err
			}
			if art != nil {
				rf.Artifact = art.Path
				rf.Empty = len(art.Packages) == 0
				r.byArtifact[art.Path] = appendOnce(r.byArtifact[art.Path], rf)
			}
		}
		for _, ref := range f.Layers {
			if l, ok := layers[ref]; ok {
				rf.LocalLayers = append(rf.LocalLayers, l)
				if l.Artifact != "" {
					r.byArtifact[l.Artifact] = appendOnce(r.byArtifact[l.Artifact], rf)
				}
				continue
			}
			rf.ExternalLayers = append(rf.ExternalLayers, ref)
		}
		if f.Role != nil {
			f.Role.Findings = iam.Evaluate(f.Role)
			// An action the rules cannot match (an unresolved parameter such
			// as ${ActionParam}, a typo, one newer than the table) may grant
			// anything: the role's permissions are then not known.
			if u := iam.UnknownActions(f.Role); len(u) > 0 {
				f.Notes = append(f.Notes, fmt.Sprintf("role %s grants actions fnguard cannot judge (%s): its permissions are not fully known", f.Role.ID, strings.Join(u, ", ")))
			}
		}
		r.Functions = append(r.Functions, rf)
	}
	for _, rf := range r.Functions {
		if rf.Empty {
			inv.Warnings = append(inv.Warnings, lockfiles.Warning{Artifact: rf.Artifact,
				Message: fmt.Sprintf("function %s ships no third-party packages (looked for lockfiles, installed packages, jars, binaries and bundles in %s)", rf.ID, rf.Code.Path)})
		}
	}
	for _, l := range r.Layers {
		if l.Empty {
			inv.Warnings = append(inv.Warnings, lockfiles.Warning{Artifact: l.Artifact,
				Message: fmt.Sprintf("layer %s ships no third-party packages (looked in %s)", l.ID, l.Code.Path)})
		}
	}
	return inv, r, nil
}

func appendOnce(fs []*Function, f *Function) []*Function {
	for _, x := range fs {
		if x == f {
			return fs
		}
	}
	return append(fs, f)
}

func entryPath(a *app.Application) string {
	if a.Entry == "" {
		return a.Root
	}
	return filepath.Join(a.Root, a.Entry)
}

// FunctionsOf returns the functions that ship an artifact's packages, in
// definition order.
func (r *Release) FunctionsOf(artifact string) []*Function {
	if r == nil {
		return nil
	}
	return r.byArtifact[artifact]
}

// FunctionIDs returns the logical ids of the functions that ship an
// artifact, sorted.
func (r *Release) FunctionIDs(artifact string) []string {
	var ids []string
	for _, f := range r.FunctionsOf(artifact) {
		ids = append(ids, f.ID)
	}
	sort.Strings(ids)
	return ids
}

// Artifacts returns the inventory artifacts of a function: its own code
// first, then its local layers.
func (f *Function) Artifacts() []string {
	var out []string
	if f.Artifact != "" {
		out = append(out, f.Artifact)
	}
	for _, l := range f.LocalLayers {
		if l.Artifact != "" {
			out = append(out, l.Artifact)
		}
	}
	return out
}
