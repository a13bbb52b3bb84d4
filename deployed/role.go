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

// roleName is the last path segment of a role ARN
// ("arn:aws:iam::123456789012:role/service-role/orders" is "orders").
func roleName(roleARN string) (string, error) {
	f := strings.SplitN(roleARN, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !strings.HasPrefix(f[5], "role/") {
		return "", fmt.Errorf("role %q is not an IAM role ARN", roleARN)
	}
	name := f[5][strings.LastIndexByte(f[5], '/')+1:]
	if name == "" {
		return "", fmt.Errorf("role %q is not an IAM role ARN", roleARN)
	}
	return name, nil
}

// readRole reads the role, its inline policies and its attached managed
// policies. Any failure makes the whole role unknown: judging half a role
// would make what could not be read look like a clean pass.
func readRole(ctx context.Context, client *awsiam.Client, roleARN string) (*iam.Role, error) {
	name, err := roleName(roleARN)
	if err != nil {
		return nil, err
	}
	out, err := client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: &name})
	if err != nil {
		if errorCode(err) == "NoSuchEntity" {
			return nil, fmt.Errorf("role %s does not exist", roleARN)
		}
		return nil, apiError(err, "iam:GetRole", roleARN)
	}
	arn := roleARN
	if out.Role != nil && out.Role.Arn != nil {
		arn = *out.Role.Arn
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
