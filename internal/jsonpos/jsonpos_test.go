package jsonpos

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestOf(t *testing.T) {
	for _, c := range []struct {
		doc       string
		into      any
		line, col int
	}{
		{"{\n  \"a\": 1,,\n}", new(any), 2, 10},          // the second comma
		{`{"a": [1, 2`, new(any), 1, 12},                 // truncated: just past the end
		{"{\n\"a\": \"x\"}", new(struct{ A int }), 2, 9}, // a string where a number goes
	} {
		err := json.Unmarshal([]byte(c.doc), c.into)
		if err == nil {
			t.Fatalf("%q decoded", c.doc)
		}
		line, col, ok := Of([]byte(c.doc), err)
		if !ok || line != c.line || col != c.col {
			t.Errorf("%q: %v at line %d, column %d (%v), want %d, %d", c.doc, err, line, col, ok, c.line, c.col)
		}
	}
	if _, _, ok := Of([]byte("{}"), errors.New("no position")); ok {
		t.Error("an error without an offset has a position")
	}
	if l, c := LineCol([]byte("ab\ncd"), 99); l != 2 || c != 3 {
		t.Errorf("past the end: %d, %d", l, c)
	}
}
