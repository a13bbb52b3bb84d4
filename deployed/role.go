package deployed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/fnguard/fnguard/iam"
)

// roles resolves execution roles through IAM, once per role ARN however
// many functions share it.
type roles struct {
	mu    sync.Mutex
	calls map[string]*roleCall
}

type roleCall struct {
	done chan struct{}
	role *iam.Role
	note string
	err  error // only context cancellation: every other failure is a note
}

// get returns the role with its statements and findings, or nil and a note
// saying why it could not be read. A copy is returned so that functions
// sharing a role do not share a struct a caller may modify.
func (r *roles) get(ctx context.Context, client *awsiam.Client, roleARN string) (*iam.Role, string, error) {
	r.mu.Lock()
	call, ok := r.calls[roleARN]
	if !ok {
		call = &roleCall{done: make(chan struct{})}
		r.calls[roleARN] = call
		r.mu.Unlock()
		call.role, call.err = readRole(ctx, client, roleARN)
		if call.err != nil && ctx.Err() == nil {
			call.note, call.err = "not readable: "+roleReason(call.err), nil
		}
		close(call.done)
		if call.err != nil {
			r.mu.Lock()
			delete(r.calls, roleARN)
			r.mu.Unlock()
		}
	} else {
		r.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, "", ctx.Err()
		}
	}
	if call.err != nil {
		return nil, "", call.err
	}
	if call.role == nil {
		return nil, call.note, nil
	}
	c := *call.role
	return &c, "", nil
}

func roleReason(err error) string {
	var ad *AccessDeniedError
	if errors.As(err, &ad) {
		return ad.short()
	}
	return err.Error()
}

// roleARNParts is what identifies a role: its partition, its account and
// its resource ("role/service-role/orders").
type roleARNParts struct{ partition, account, resource, name string }

// parseRoleARN splits a role ARN; name is the last path segment
// ("arn:aws:iam::123456789012:role/service-role/orders" is "orders").
func parseRoleARN(roleARN string) (roleARNParts, error) {
	f := strings.SplitN(roleARN, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !strings.HasPrefix(f[5], "role/") {
		return roleARNParts{}, fmt.Errorf("role %q is not an IAM role ARN", roleARN)
	}
	name := f[5][strings.LastIndexByte(f[5], '/')+1:]
	if name == "" {
		return roleARNParts{}, fmt.Errorf("role %q is not an IAM role ARN", roleARN)
	}
	return roleARNParts{partition: f[1], account: f[4], resource: f[5], name: name}, nil
}

// sameRole checks that IAM's answer is the configured role. GetRole takes
// a name and reads the credentials' own account: for another account's
// function it answers with whatever role of that name the caller happens
// to have, and judging that one would pass a role nobody has read.
func sameRole(configured string, want roleARNParts, answered string) error {
	got, err := parseRoleARN(answered)
	if err != nil {
		return fmt.Errorf("iam:GetRole %s: the answer's ARN %q is not a role ARN", configured, answered)
	}
	if got.partition != want.partition || got.account != want.account {
		return fmt.Errorf("role in account %s is not readable with these credentials: permissions unknown", want.account)
	}
	// Role names are unique per account regardless of case; the path is
	// part of the ARN Lambda assumes.
	if !strings.EqualFold(got.resource, want.resource) {
		return fmt.Errorf("iam:GetRole %s answered with %s, another role: permissions unknown", configured, answered)
	}
	return nil
}

// readRole reads the role, its inline policies and its attached managed
// policies. Any failure makes the whole role unknown: judging half a role
// would make what could not be read look like a clean pass.
func readRole(ctx context.Context, client *awsiam.Client, roleARN string) (*iam.Role, error) {
	want, err := parseRoleARN(roleARN)
	if err != nil {
		return nil, err
	}
	name := want.name
	out, err := client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: &name})
	if err != nil {
		if errorCode(err) == "NoSuchEntity" {
			// Only the credentials' account was searched: the role may
			// well exist in the function's.
			return nil, fmt.Errorf("role %s does not exist in the account these credentials read", roleARN)
		}
		return nil, apiError(err, "iam:GetRole", roleARN)
	}
	if out.Role == nil || aws.ToString(out.Role.Arn) == "" {
		return nil, fmt.Errorf("iam:GetRole %s: no role ARN in the answer", roleARN)
	}
	arn := *out.Role.Arn
	if err := sameRole(roleARN, want, arn); err != nil {
		return nil, err
	}
	role := &iam.Role{ID: name, ARN: &arn, ManagedPolicies: []string{}, Statements: []iam.Statement{}}

	inline := awsiam.NewListRolePoliciesPaginator(client, &awsiam.ListRolePoliciesInput{RoleName: &name})
	for inline.HasMorePages() {
		page, err := inline.NextPage(ctx)
		if err != nil {
			return nil, apiError(err, "iam:ListRolePolicies", arn)
		}
		for _, pn := range page.PolicyNames {
			p, err := client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String(pn)})
			if err != nil {
				return nil, apiError(err, "iam:GetRolePolicy", arn+" policy "+pn)
			}
			sts, err := iam.ParseDocument([]byte(aws.ToString(p.PolicyDocument)), "inline:"+pn)
			if err != nil {
				return nil, fmt.Errorf("inline policy %s: %v", pn, err)
			}
			role.Statements = append(role.Statements, sts...)
		}
	}

	attached := awsiam.NewListAttachedRolePoliciesPaginator(client, &awsiam.ListAttachedRolePoliciesInput{RoleName: &name})
	for attached.HasMorePages() {
		page, err := attached.NextPage(ctx)
		if err != nil {
			return nil, apiError(err, "iam:ListAttachedRolePolicies", arn)
		}
		for _, ap := range page.AttachedPolicies {
			parn := aws.ToString(ap.PolicyArn)
			if awsManaged(parn) {
				// Judged by name: AWS's documents change under the same
				// ARN, and the rules know what their names grant.
				role.ManagedPolicies = append(role.ManagedPolicies, parn)
				continue
			}
			sts, err := readManagedPolicy(ctx, client, parn)
			if err != nil {
				return nil, err
			}
			role.Statements = append(role.Statements, sts...)
		}
	}
	role.Findings = iam.Evaluate(role)
	if role.Findings == nil {
		role.Findings = []iam.Finding{}
	}
	return role, nil
}

// awsManaged reports whether a policy ARN is AWS managed
// ("arn:aws:iam::aws:policy/AdministratorAccess").
func awsManaged(policyARN string) bool {
	f := strings.SplitN(policyARN, ":", 6)
	return len(f) == 6 && f[4] == "aws"
}

func readManagedPolicy(ctx context.Context, client *awsiam.Client, policyARN string) ([]iam.Statement, error) {
	p, err := client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: &policyARN})
	if err != nil {
		return nil, apiError(err, "iam:GetPolicy", policyARN)
	}
	if p.Policy == nil || aws.ToString(p.Policy.DefaultVersionId) == "" {
		return nil, fmt.Errorf("iam:GetPolicy %s: no default version in the answer", policyARN)
	}
	v, err := client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: &policyARN, VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		return nil, apiError(err, "iam:GetPolicyVersion", policyARN)
	}
	if v.PolicyVersion == nil || aws.ToString(v.PolicyVersion.Document) == "" {
		return nil, fmt.Errorf("iam:GetPolicyVersion %s: no document in the answer", policyARN)
	}
	sts, err := iam.ParseDocument([]byte(*v.PolicyVersion.Document), "managed:"+policyARN)
	if err != nil {
		return nil, fmt.Errorf("managed policy %s: %v", policyARN, err)
	}
	return sts, nil
}
