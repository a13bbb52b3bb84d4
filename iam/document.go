package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/fnguard/fnguard/internal/jsonpos"
)

// MaxDocumentSize bounds a policy document, encoded or not. IAM itself caps
// managed policies at 6,144 and a role's inline policies at 10,240
// characters, so anything near this is not a real policy.
const MaxDocumentSize = 128 << 10

// ParseDocument reads an IAM policy document (JSON, as IAM returns it,
// possibly URL-encoded) into statements, each with the given source.
// Statement may be one object or a list; Action, NotAction, Resource and
// NotResource a string or a list of strings. Errors are one line naming
// source.
func ParseDocument(doc []byte, source string) ([]Statement, error) {
	stmts, err := parseDocument(doc, source)
	if err != nil {
		return nil, fmt.Errorf("policy document %s: %w", source, err)
	}
	return stmts, nil
}

func parseDocument(doc []byte, source string) ([]Statement, error) {
	if len(doc) > MaxDocumentSize {
		return nil, fmt.Errorf("%d bytes, more than the %d allowed", len(doc), MaxDocumentSize)
	}
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		return nil, fmt.Errorf("empty")
	}
	if doc[0] == '%' {
		// GetRolePolicy and GetPolicyVersion return RFC 3986 encoding; a
		// JSON document itself always starts with "{" (or whitespace).
		// PathUnescape keeps "+" literal, which QueryUnescape would not.
		dec, err := url.PathUnescape(string(doc))
		if err != nil {
			return nil, fmt.Errorf("URL-encoded, but %v", err)
		}
		doc = bytes.TrimSpace([]byte(dec))
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var top map[string]any
	if err := d.Decode(&top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", jsonErr(doc, err))
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON object")
	}
	if top == nil {
		return nil, fmt.Errorf("not a JSON object: null")
	}
	if v, ok := top["Version"]; ok {
		if s, ok := v.(string); !ok || (s != "2012-10-17" && s != "2008-10-17") {
			return nil, fmt.Errorf("Version: unknown policy language version %s", short(v))
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, fmt.Errorf("no Statement")
	}
	var list []any
	switch v := raw.(type) {
	case []any:
		list = v
	case map[string]any:
		list = []any{v}
	default:
		return nil, fmt.Errorf("Statement: want an object or a list of objects, got %s", short(raw))
	}
	out := make([]Statement, 0, len(list))
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %d: want an object, got %s", i, short(item))
		}
		st, err := parseStatement(obj, source)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %v", i, err)
		}
		out = append(out, st)
	}
	return out, nil
}

func parseStatement(obj map[string]any, source string) (Statement, error) {
	st := Statement{Source: source, Actions: []string{}, NotActions: []string{}, Resources: []string{}}
	eff, _ := obj["Effect"].(string)
	if eff != "Allow" && eff != "Deny" {
		return st, fmt.Errorf("Effect: want \"Allow\" or \"Deny\", got %s", short(obj["Effect"]))
	}
	st.Effect = eff
	var err error
	if st.Actions, err = stringOrList(obj, "Action"); err != nil {
		return st, err
	}
	if st.NotActions, err = stringOrList(obj, "NotAction"); err != nil {
		return st, err
	}
	if st.Resources, err = stringOrList(obj, "Resource"); err != nil {
		return st, err
	}
	notRes, err := stringOrList(obj, "NotResource")
	if err != nil {
		return st, err
	}
	if len(notRes) > 0 {
		st.NotResources = notRes
	}
	_, hasA := obj["Action"]
	_, hasNA := obj["NotAction"]
	if hasA == hasNA {
		return st, fmt.Errorf("want exactly one of Action and NotAction")
	}
	_, hasR := obj["Resource"]
	_, hasNR := obj["NotResource"]
	if hasR && hasNR {
		return st, fmt.Errorf("both Resource and NotResource")
	}
	if c, ok := obj["Condition"]; ok {
		if _, ok := c.(map[string]any); !ok {
			return st, fmt.Errorf("Condition: want an object, got %s", short(c))
		}
		st.HasCondition = true
	}
	return st, nil
}

// stringOrList reads an optional policy element that IAM accepts as one
// string or a list of strings; absent is an empty, non-nil list.
func stringOrList(obj map[string]any, key string) ([]string, error) {
	v, ok := obj[key]
	if !ok {
		return []string{}, nil
	}
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, 0, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s[%d]: want a string, got %s", key, i, short(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: want a string or a list of strings, got %s", key, short(v))
}

// short renders an offending JSON value for a one-line error.
func short(v any) string {
	if v == nil {
		return "nothing"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	s := string(b)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

// jsonErr adds line and column to a syntax error.
func jsonErr(doc []byte, err error) string {
	line, col, ok := jsonpos.Of(doc, err)
	if !ok {
		return err.Error()
	}
	return fmt.Sprintf("line %d, column %d: %s", line, col, strings.TrimPrefix(err.Error(), "json: "))
}
