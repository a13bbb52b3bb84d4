// Package jsonpos says where in a JSON document encoding/json failed, so
// every reader of untrusted JSON names the line and column the same way.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// Of returns the line and column (from 1) of the byte err points at in
// data; ok is false when err carries no position inside data.
func Of(data []byte, err error) (line, col int, ok bool) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
		// Offset counts the offending byte: point at it. At the end of the
		// input there is none, and the position is just past the last byte.
		if off > 0 && !strings.HasPrefix(se.Error(), "unexpected end") {
			off--
		}
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return 0, 0, false
	}
	line, col = LineCol(data, off)
	return line, col, true
}

// LineCol is the line and column (from 1) of byte off of data; an offset
// past the end is the position just after the last byte.
func LineCol(data []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	return 1 + bytes.Count(before, []byte("\n")), int(off) - bytes.LastIndexByte(before, '\n')
}
