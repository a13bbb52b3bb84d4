// Package deployed turns Lambda functions and layers that are running now
// into an application: each function's configuration, its code downloaded
// and verified against Lambda's CodeSha256 into a cache of zips, its layers
// and its execution role read from IAM. The code is inventoried by the
// caller like any other zip.
package deployed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/logging"

	"github.com/fnguard/fnguard/app"
)

// DefaultConcurrency is how many functions are read and downloaded at once.
const DefaultConcurrency = 4

// Options configures where and how deployed functions are read.
type Options struct {
	// Regions: for LoadAll every function of each; for Load a bare function
	// name needs exactly one (else the region of the AWS configuration).
	// ARNs carry their own region.
	Regions []string
	// Profile selects a shared-config profile ("" = the default chain).
	Profile string
	// EndpointURL sends every AWS call to a compatible endpoint (LocalStack,
	// moto); AWS_ENDPOINT_URL does the same through the SDK. Code locations
	// on AWS S3 hosts are then fetched from it path-style.
	EndpointURL string
	// CacheDir holds downloaded zips named by SHA-256 ("" = the user cache
	// directory's fnguard/lambda).
	CacheDir string
	// HTTPClient downloads code (nil = a client that gives up when the
	// response headers take over 30 s). Whatever the client, a download
	// fails once no byte has arrived for 60 s. AWS API calls use the SDK's
	// own client, with its retries for throttling.
	HTTPClient *http.Client
	// MaxCodeBytes bounds one zip (0 = DefaultMaxCodeBytes).
	MaxCodeBytes int64
	// Concurrency bounds functions read at once (0 = DefaultConcurrency).
	Concurrency int
	// Progress, if set, is called after each function of LoadAll with the
	// number done and the total; never concurrently.
	Progress func(done, total int)

	// loadOptions are extra SDK configuration options: tests use them for
	// fake credentials instead of the machine's.
	loadOptions []func(*config.LoadOptions) error
	// idleTimeout and headerTimeout replace the download deadlines
	// (0 = the defaults) so tests need not wait a minute.
	idleTimeout, headerTimeout time.Duration
}

// Download deadlines. A presigned S3 URL that stops answering would
// otherwise hold one of the Concurrency slots for ever, and LoadAll would
// never finish.
const (
	defaultIdleTimeout   = 60 * time.Second
	defaultHeaderTimeout = 30 * time.Second
)

// downloadClient is the default code client: http.DefaultTransport's
// settings (proxy from the environment, dial and TLS timeouts) plus a
// bound on the wait for response headers, which http.DefaultClient lacks.
func downloadClient(headerTimeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = headerTimeout
	return &http.Client{Transport: t}
}

// loader holds what one Load or LoadAll shares: the SDK configuration,
// clients per region, the code cache and the role reader.
type loader struct {
	opts  Options
	cfg   aws.Config
	cache *cache
	roles roles

	mu      sync.Mutex
	lambdas map[string]*lambda.Client
	iams    map[string]*awsiam.Client
}

func newLoader(ctx context.Context, opts Options) (*loader, error) {
	// The SDK's own log lines (an IMDS fallback, a retry) would break the
	// one-line error rule; what fails is returned as an error instead.
	lo := append([]func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}, opts.loadOptions...)
	if opts.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.EndpointURL != "" {
		lo = append(lo, config.WithBaseEndpoint(opts.EndpointURL))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %v", oneLine(err.Error()))
	}
	if opts.CacheDir == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("cache directory: %v (set one)", err)
		}
		opts.CacheDir = filepath.Join(d, "fnguard", "lambda")
	}
	if opts.idleTimeout <= 0 {
		opts.idleTimeout = defaultIdleTimeout
	}
	if opts.headerTimeout <= 0 {
		opts.headerTimeout = defaultHeaderTimeout
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = downloadClient(opts.headerTimeout)
	}
	if opts.MaxCodeBytes <= 0 {
		opts.MaxCodeBytes = DefaultMaxCodeBytes
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	c := &cache{dir: opts.CacheDir, client: opts.HTTPClient, max: opts.MaxCodeBytes, idle: opts.idleTimeout, inflight: map[string]*fetchCall{}}
	// cfg.BaseEndpoint is also where AWS_ENDPOINT_URL and the profile's
	// endpoint_url land.
	if ep := aws.ToString(cfg.BaseEndpoint); ep != "" {
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("endpoint URL %q is not an http(s) URL", ep)
		}
		c.endpoint = u
	}
	return &loader{
		opts: opts, cfg: cfg, cache: c,
		roles:   roles{calls: map[string]*roleCall{}},
		lambdas: map[string]*lambda.Client{}, iams: map[string]*awsiam.Client{},
	}, nil
}

func (l *loader) lambda(region string) *lambda.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.lambdas[region]
	if !ok {
		c = lambda.NewFromConfig(l.cfg, func(o *lambda.Options) { o.Region = region })
		l.lambdas[region] = c
	}
	return c
}

// iam is the IAM client for a function's region: IAM is global per
// partition, and the SDK maps any region to its partition's endpoint.
func (l *loader) iam(region string) *awsiam.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.iams[region]
	if !ok {
		c = awsiam.NewFromConfig(l.cfg, func(o *awsiam.Options) { o.Region = region })
		l.iams[region] = c
	}
	return c
}

// Load reads the given targets: function ARNs (optionally qualified), bare
// function names and layer version ARNs. Every target is parsed before any
// call. Any failure is an error naming the function or layer: what the
// user asked for by name is never partly scanned.
func Load(ctx context.Context, targets []string, opts Options) (*app.Application, error) {
	if len(targets) == 0 {
		return nil, errors.New("no deployed function or layer given")
	}
	var fns []fnRef
	var layers []target
	seen := map[string]bool{}
	for _, s := range targets {
		t, err := parseTarget(s)
		if err != nil {
			return nil, err
		}
		if t.layer {
			if !seen[t.raw] {
				seen[t.raw] = true
				layers = append(layers, t)
			}
			continue
		}
		fns = append(fns, fnRef{target: t})
	}
	l, err := newLoader(ctx, opts)
	if err != nil {
		return nil, err
	}
	for i := range fns {
		if fns[i].region != "" {
			continue
		}
		switch {
		case len(l.opts.Regions) == 1:
			fns[i].region = l.opts.Regions[0]
		case len(l.opts.Regions) > 1:
			return nil, fmt.Errorf("function %s: a bare name needs exactly one region, got %d (use its ARN)", fns[i].raw, len(l.opts.Regions))
		case l.cfg.Region != "":
			fns[i].region = l.cfg.Region
		default:
			return nil, fmt.Errorf("function %s: no region (give --region or use its ARN)", fns[i].raw)
		}
		if !reRegion().MatchString(fns[i].region) {
			return nil, fmt.Errorf("function %s: region %q is not a region name like us-east-1", fns[i].raw, fns[i].region)
		}
	}
	fns = dedupe(fns)

	a := &app.Application{Kind: app.KindDeployed, Root: l.opts.CacheDir, Entry: strings.Join(targets, " ")}
	got, errs := l.functions(ctx, fns, true)
	if err := firstError(ctx, errs); err != nil {
		return nil, err
	}
	got = sameFunctions(got)
	a.Functions = got
	ls, lerrs := l.layers(ctx, layerRefs(layers, got), true)
	if err := firstError(ctx, lerrs); err != nil {
		return nil, err
	}
	a.Layers = ls
	a.Notes = l.notes()
	return a, nil
}

// LoadAll reads every function of every region in opts.Regions (or the
// configuration's region), paginated, a bounded number at once. A function
// or layer that cannot be read gets its Error set and the rest go on; only
// listing failures, a bad configuration and cancellation are errors.
func LoadAll(ctx context.Context, opts Options) (*app.Application, error) {
	l, err := newLoader(ctx, opts)
	if err != nil {
		return nil, err
	}
	regions := l.opts.Regions
	if len(regions) == 0 {
		if l.cfg.Region == "" {
			return nil, errors.New("all functions: no region (give --region)")
		}
		regions = []string{l.cfg.Region}
	}
	regions = uniq(regions)
	var fns []fnRef
	for _, r := range regions {
		if !reRegion().MatchString(r) {
			return nil, fmt.Errorf("region %q is not a region name like us-east-1", r)
		}
		p := lambda.NewListFunctionsPaginator(l.lambda(r), &lambda.ListFunctionsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, apiError(err, "lambda:ListFunctions", "region "+r)
			}
			for _, f := range page.Functions {
				name := aws.ToString(f.FunctionName)
				if name == "" {
					return nil, fmt.Errorf("lambda:ListFunctions region %s: a function without a name in the answer", r)
				}
				fns = append(fns, fnRef{target: target{raw: aws.ToString(f.FunctionArn), region: r, name: name}})
			}
		}
	}
	a := &app.Application{
		Kind:  app.KindDeployed,
		Root:  l.opts.CacheDir,
		Entry: "all functions in " + strings.Join(regions, ", "),
	}
	got, errs := l.functions(ctx, fns, false)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			got[i] = &app.Function{ID: fns[i].name, Name: fns[i].name, File: fns[i].raw, Error: err.Error()}
		}
	}
	a.Functions = got
	ls, _ := l.layers(ctx, layerRefs(nil, got), false)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.Layers = ls
	a.Notes = l.notes()
	if len(fns) == 0 {
		a.Notes = append(a.Notes, "no functions in "+strings.Join(regions, ", "))
	}
	return a, nil
}
