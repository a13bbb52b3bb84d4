package deployed

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// AccessDeniedError is AWS refusing a call for lack of permission: the CLI
// maps it to exit 2 (bad input), since no scan result can be trusted.
type AccessDeniedError struct {
	Action   string // the IAM action refused, "lambda:GetFunction"
	Resource string // the ARN or name it was called on
	Message  string // AWS's own message (names the caller's identity); may be ""
}

func (e *AccessDeniedError) Error() string {
	s := "access denied: " + e.Action + " on " + e.Resource
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// short is the reason without AWS's message, for a role note.
func (e *AccessDeniedError) short() string {
	return e.Action + " denied on " + e.Resource
}

// apiError turns an SDK error into a one-line error naming the action and
// resource; access denied becomes *AccessDeniedError.
func apiError(err error, action, resource string) error {
	var ae smithy.APIError
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// Kept wrapped: a failure elsewhere cancels the rest, and that
		// cancellation must not be taken for their failure.
		return fmt.Errorf("%s %s: %w", action, resource, err)
	}
	if !errors.As(err, &ae) {
		// SDK errors (no credentials, a refused connection) can span lines.
		return fmt.Errorf("%s %s: %s", action, resource, oneLine(err.Error()))
	}
	msg := oneLine(ae.ErrorMessage())
	switch ae.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
		return &AccessDeniedError{Action: action, Resource: resource, Message: msg}
	}
	if msg == "" {
		return fmt.Errorf("%s %s: %s", action, resource, ae.ErrorCode())
	}
	return fmt.Errorf("%s %s: %s: %s", action, resource, ae.ErrorCode(), msg)
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
