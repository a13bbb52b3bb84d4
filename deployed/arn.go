package deployed

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// target is one parsed command-line target.
type target struct {
	raw       string
	layer     bool // a layer version, not a function
	partition string
	region    string // "" for a bare function name: the caller's region applies
	account   string
	name      string
	qualifier string // function version or alias; "" for unqualified and $LATEST
	version   int64  // layer version
}

// Patterns from the Lambda API reference (FunctionName, Qualifier,
// LayerName), kept strict so a typo fails here with a clear message instead
// of as a confusing AWS error after credentials were resolved. Compiled on
// first use: their bounded repetitions cost a third of a megabyte, which
// every run would pay at start-up.
var (
	reRegion    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`) })
	reAccount   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	reFuncName  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`) })
	reQualifier = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\$LATEST|[A-Za-z0-9_-]{1,128})$`) })
	reLayerName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,140}$`) })
)

// IsTarget reports whether s names a deployed function or layer by ARN
// (anything starting "arn:", so a malformed ARN reaches Load and gets its
// precise error instead of being taken for a file). A bare function name is
// not recognised here: it is indistinguishable from a path, so the CLI
// treats an argument as one only when it is not a path and a region is
// given; ValidFunctionName checks its shape.
func IsTarget(s string) bool { return strings.HasPrefix(s, "arn:") }

// ValidFunctionName reports whether s is a function name Lambda accepts,
// optionally qualified ("orders", "orders:prod", "orders:7").
func ValidFunctionName(s string) bool {
	name, qual, ok := strings.Cut(s, ":")
	return reFuncName().MatchString(name) && (!ok || reQualifier().MatchString(qual))
}

// parseTarget reads a function ARN, a layer version ARN or a bare function
// name.
func parseTarget(s string) (target, error) {
	if !strings.HasPrefix(s, "arn:") {
		if !ValidFunctionName(s) {
			return target{}, fmt.Errorf("%q: not a Lambda function name (letters, digits, - and _, at most 64, optionally :QUALIFIER) nor an arn:aws:lambda: ARN", s)
		}
		name, qual, _ := strings.Cut(s, ":")
		if qual == "$LATEST" {
			qual = ""
		}
		return target{raw: s, name: name, qualifier: qual}, nil
	}
	bad := func(format string, a ...any) (target, error) {
		return target{}, fmt.Errorf("ARN %q: %s", s, fmt.Sprintf(format, a...))
	}
	f := strings.Split(s, ":")
	if len(f) < 7 {
		return bad("want arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] or arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION")
	}
	t := target{raw: s, partition: f[1], region: f[3], account: f[4]}
	switch t.partition {
	case "aws", "aws-cn", "aws-us-gov":
	default:
		return bad("partition %q is not aws, aws-cn or aws-us-gov", t.partition)
	}
	if f[2] != "lambda" {
		return bad("service %q is not lambda", f[2])
	}
	if !reRegion().MatchString(t.region) {
		return bad("region %q is not a region name like us-east-1", t.region)
	}
	cn, gov := strings.HasPrefix(t.region, "cn-"), strings.HasPrefix(t.region, "us-gov-")
	if (t.partition == "aws-cn") != cn || (t.partition == "aws-us-gov") != gov {
		return bad("region %s is not in partition %s", t.region, t.partition)
	}
	if !reAccount().MatchString(t.account) {
		return bad("account %q is not 12 digits", t.account)
	}
	t.name = f[6]
	switch f[5] {
	case "function":
		if len(f) > 8 {
			return bad("too many fields after the function name")
		}
		if !reFuncName().MatchString(t.name) {
			return bad("function name %q is not 1-64 letters, digits, - or _", t.name)
		}
		if len(f) == 8 {
			if !reQualifier().MatchString(f[7]) {
				return bad("qualifier %q is not $LATEST, a version or an alias", f[7])
			}
			// GetFunction of an ARN ending in :$LATEST is what the
			// unqualified name means; moto even answers 404 to it.
			if f[7] != "$LATEST" {
				t.qualifier = f[7]
			}
		}
	case "layer":
		t.layer = true
		if !reLayerName().MatchString(t.name) {
			return bad("layer name %q is not 1-140 letters, digits, - or _", t.name)
		}
		if len(f) == 7 {
			return bad("a layer ARN needs its version: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION")
		}
		if len(f) > 8 {
			return bad("too many fields after the layer version")
		}
		v, err := strconv.ParseInt(f[7], 10, 64)
		if err != nil || v < 1 || f[7][0] == '0' {
			return bad("layer version %q is not a positive number", f[7])
		}
		t.version = v
	default:
		return bad("resource type %q is not function or layer", f[5])
	}
	return t, nil
}

// layerARN is the layer's ARN without its version: what GetLayerVersion
// takes as LayerName for another account's layer.
func (t target) layerARN() string {
	return fmt.Sprintf("arn:%s:lambda:%s:%s:layer:%s", t.partition, t.region, t.account, t.name)
}
