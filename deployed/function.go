package deployed

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/fnguard/fnguard/app"
)

// fnRef is a function to read, its region resolved.
type fnRef struct{ target }

// resource names the function in errors: its ARN when given one.
func (f fnRef) resource() string {
	if strings.HasPrefix(f.raw, "arn:") {
		return f.raw
	}
	return fmt.Sprintf("function %s in %s", f.raw, f.region)
}

// dedupe drops repeated targets before any call. The account and partition
// are part of the key: the same name in two accounts is two functions. A
// bare name (no account) is keyed apart from ARNs; sameFunctions catches it
// being one of them once Lambda has answered.
func dedupe(fns []fnRef) []fnRef {
	seen := map[string]bool{}
	out := fns[:0]
	for _, f := range fns {
		k := strings.Join([]string{f.partition, f.account, f.region, f.name, f.qualifier}, "\x00")
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// sameFunctions drops functions whose ARN (as Lambda answered, qualifier
// included) an earlier one has: "orders" and its ARN given together are
// one function. Load's functions are all read, none nil.
func sameFunctions(fns []*app.Function) []*app.Function {
	seen := map[string]bool{}
	out := fns[:0]
	for _, f := range fns {
		k := f.ID + "\x00" + f.File
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// functions reads fns, a bounded number at once, into results in the same
// order. strict stops at the first failure (Load); otherwise every function
// is tried and Progress is reported (LoadAll).
func (l *loader) functions(ctx context.Context, fns []fnRef, strict bool) ([]*app.Function, []error) {
	out := make([]*app.Function, len(fns))
	errs := l.run(ctx, len(fns), strict, !strict, func(ctx context.Context, i int) error {
		f, err := l.readFunction(ctx, fns[i])
		out[i] = f
		return err
	})
	return out, errs
}

// run calls do for 0..n-1 with at most opts.Concurrency at once.
func (l *loader) run(ctx context.Context, n int, strict, progress bool, do func(context.Context, int) error) []error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	sem := make(chan struct{}, l.opts.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := do(ctx, i)
			errs[i] = err
			if err != nil && strict {
				cancel()
			}
			if progress && l.opts.Progress != nil {
				mu.Lock()
				done++
				l.opts.Progress(done, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// firstError is the first failure in target order, skipping the
// cancellations that failure caused in the others.
func firstError(ctx context.Context, errs []error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var canceled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			canceled = err
		default:
			return err
		}
	}
	return canceled
}

func (l *loader) readFunction(ctx context.Context, f fnRef) (*app.Function, error) {
	in := &lambda.GetFunctionInput{FunctionName: aws.String(f.name)}
	if strings.HasPrefix(f.raw, "arn:") && f.partition != "" {
		// The ARN (without qualifier) keeps the account: another account's
		// function with the same name is not this one.
		in.FunctionName = aws.String(fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", f.partition, f.region, f.account, f.name))
	}
	if f.qualifier != "" {
		in.Qualifier = aws.String(f.qualifier)
	}
	out, err := l.lambda(f.region).GetFunction(ctx, in)
	if err != nil {
		if errorCode(err) == "ResourceNotFoundException" {
			return nil, fmt.Errorf("%s: not found", f.resource())
		}
		return nil, apiError(err, "lambda:GetFunction", f.resource())
	}
	c := out.Configuration
	if c == nil || aws.ToString(c.FunctionName) == "" {
		return nil, fmt.Errorf("lambda:GetFunction %s: no configuration in the answer", f.resource())
	}
	fn := &app.Function{
		ID:           aws.ToString(c.FunctionName),
		Name:         aws.ToString(c.FunctionName),
		Runtime:      string(c.Runtime),
		Architecture: "x86_64",
		Handler:      aws.ToString(c.Handler),
		PackageType:  string(c.PackageType),
		File:         aws.ToString(c.FunctionArn),
	}
	if f.qualifier != "" {
		fn.ID += ":" + f.qualifier
	}
	if fn.File == "" {
		fn.File = f.raw
	}
	if len(c.Architectures) > 0 {
		fn.Architecture = string(c.Architectures[0])
	}
	if fn.PackageType == "" {
		fn.PackageType = "Zip"
	}
	for _, ly := range c.Layers {
		fn.Layers = append(fn.Layers, aws.ToString(ly.Arn))
	}
	what := "function " + fn.Name
	if fn.File != "" {
		what += " (" + fn.File + ")"
	}

	if fn.PackageType == "Image" {
		uri := ""
		if out.Code != nil {
			uri = aws.ToString(out.Code.ImageUri)
			if uri == "" {
				uri = aws.ToString(out.Code.ResolvedImageUri)
			}
		}
		fn.Code = app.Code{Type: app.CodeImage, Path: uri, Note: "image: not inspected"}
	} else {
		loc := ""
		if out.Code != nil {
			loc = aws.ToString(out.Code.Location)
		}
		path, err := l.cache.fetch(ctx, loc, aws.ToString(c.CodeSha256), c.CodeSize)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		fn.Code = l.zipCode(path)
	}

	if roleARN := aws.ToString(c.Role); roleARN == "" {
		fn.RoleNote = "no execution role in the configuration"
	} else {
		fn.Role, fn.RoleNote, err = l.roles.get(ctx, l.iam(f.region), roleARN)
		if err != nil {
			return nil, err
		}
		if fn.Role == nil {
			fn.RoleRef = roleARN
		}
	}
	return fn, nil
}

// zipCode describes a cached zip relative to Application.Root, the cache.
func (l *loader) zipCode(path string) app.Code {
	rel, err := filepath.Rel(l.opts.CacheDir, path)
	if err != nil {
		rel = path
	}
	return app.Code{Type: app.CodeZip, Path: rel, Local: path}
}

// layerRef is a layer version to read; err is set when the ARN a function
// configuration names cannot be parsed.
type layerRef struct {
	arn string
	t   target
	err error
}

// layerRefs lists the layers given as targets, then those the functions
// use, each ARN once.
func layerRefs(given []target, fns []*app.Function) []layerRef {
	seen := map[string]bool{}
	var out []layerRef
	for _, t := range given {
		seen[t.raw] = true
		out = append(out, layerRef{arn: t.raw, t: t})
	}
	for _, f := range fns {
		if f == nil {
			continue
		}
		for _, arn := range f.Layers {
			if seen[arn] {
				continue
			}
			seen[arn] = true
			t, err := parseTarget(arn)
			if err == nil && !t.layer {
				err = fmt.Errorf("ARN %q: not a layer version", arn)
			}
			out = append(out, layerRef{arn: arn, t: t, err: err})
		}
	}
	return out
}

// layers reads each layer version; in strict mode the first failure is the
// answer, otherwise a layer that cannot be read gets its Error.
func (l *loader) layers(ctx context.Context, refs []layerRef, strict bool) ([]*app.Layer, []error) {
	out := make([]*app.Layer, len(refs))
	errs := l.run(ctx, len(refs), strict, false, func(ctx context.Context, i int) error {
		ly, err := l.readLayer(ctx, refs[i])
		if err != nil {
			ly = &app.Layer{ID: refs[i].arn, Name: refs[i].t.name, File: refs[i].arn, Error: err.Error()}
		}
		out[i] = ly
		return err
	})
	return out, errs
}

func (l *loader) readLayer(ctx context.Context, r layerRef) (*app.Layer, error) {
	if r.err != nil {
		return nil, fmt.Errorf("layer %s: %v", r.arn, r.err)
	}
	t := r.t
	out, err := l.lambda(t.region).GetLayerVersion(ctx, &lambda.GetLayerVersionInput{
		LayerName:     aws.String(t.layerARN()),
		VersionNumber: aws.Int64(t.version),
	})
	if err != nil {
		if errorCode(err) == "ResourceNotFoundException" {
			return nil, fmt.Errorf("layer %s: not found", r.arn)
		}
		return nil, apiError(err, "lambda:GetLayerVersion", r.arn)
	}
	// moto answers GetLayerVersionByArn with an empty object; an answer
	// without content must not become a layer with no packages.
	if out.Content == nil || aws.ToString(out.Content.CodeSha256) == "" || aws.ToString(out.LayerVersionArn) == "" {
		return nil, fmt.Errorf("layer %s: lambda:GetLayerVersion returned no content", r.arn)
	}
	path, err := l.cache.fetch(ctx, aws.ToString(out.Content.Location), aws.ToString(out.Content.CodeSha256), out.Content.CodeSize)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("layer %s: %v", r.arn, err)
	}
	ly := &app.Layer{ID: r.arn, Name: t.name, File: r.arn, Code: l.zipCode(path)}
	for _, rt := range out.CompatibleRuntimes {
		ly.CompatibleRuntimes = append(ly.CompatibleRuntimes, string(rt))
	}
	return ly, nil
}

func (l *loader) notes() []string {
	c := l.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.downloads+c.hits == 0 {
		return nil
	}
	return []string{fmt.Sprintf("code: %d zip(s) downloaded (%d bytes), %d already in the cache %s", c.downloads, c.bytes, c.hits, c.dir)}
}
