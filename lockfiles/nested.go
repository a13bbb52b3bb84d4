package lockfiles

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
)

// nestedZips inventories the zips a deployment package carries (a function
// shipping vendor/md-tools.zip, a Python layer it unpacks at run time) as
// nested jars are: in place, under the same budget and depth limit, with
// "!/" locations. A zip inside an installed package's folder (node_modules,
// site-packages, gems) is that package's data, not part of the release's
// dependencies, and is left alone.
func (r *reader) nestedZips(ctx context.Context, v *vfs) ([]found, error) {
	var out []found
	for _, name := range v.names {
		if !strings.EqualFold(path.Ext(name), ".zip") || inOwnedDir(name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if v.depth+1 > v.budget.limits.MaxDepth {
			return nil, &memberErr{name, fmt.Errorf("nesting deeper than %d archives", v.budget.limits.MaxDepth)}
		}
		data, err := v.readFile(name)
		if err != nil {
			return nil, &memberErr{name, err}
		}
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil && len(zr.File) == 0 {
			continue // an empty zip holds nothing to miss
		}
		t, err := openZip(inMemory(data), int64(len(data)), v.budget, name+"!/")
		if err != nil {
			var me *memberErr
			if errors.As(err, &me) {
				return nil, err
			}
			return nil, &memberErr{name, err}
		}
		sub := zipVFS(t, v.budget)
		sub.depth, sub.mavenNames = v.depth+1, v.mavenNames
		prefix := name + "!/"
		if v.warn != nil {
			sub.warn = func(member, msg string) { v.warn(prefix+member, msg) }
		}
		sub.incompleteSink = func(member, msg string) { v.incomplete(prefix+member, msg) }
		if keep := v.keep; keep != nil {
			sub.keep = func(member string, data []byte) { keep(prefix+member, data) }
		}
		fs, err := extractAll(ctx, sub, r.plugins, sub.warn)
		if err != nil {
			return nil, nestErr(prefix, err)
		}
		inner, err := r.nestedZips(ctx, sub)
		if err != nil {
			return nil, nestErr(prefix, err)
		}
		fs = append(fs, inner...)
		for i := range fs {
			fs[i].location = prefix + fs[i].location
		}
		out = append(out, fs...)
	}
	return out, nil
}

// nestErr names the member of a nested zip an error came from as a "!/"
// chain from the artifact's root.
func nestErr(prefix string, err error) error {
	var me *memberErr
	if errors.As(err, &me) && !strings.HasPrefix(me.member, prefix) {
		return &memberErr{prefix + me.member, me.err}
	}
	if me == nil {
		return &memberErr{strings.TrimSuffix(prefix, "!/"), err}
	}
	return err
}
