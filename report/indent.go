package report

import (
	"bytes"
	"encoding/json"
	"io"
)

// indenter writes values as json.Encoder with SetIndent would, reusing its
// buffers across the elements of a streamed list. encoding/json indents
// through its validating scanner, a byte at a time: for a report of 100,000
// findings that was two thirds of the time spent writing JSON. The input
// here is the encoder's own compact output, already valid, so indenting it
// needs only to know whether a byte is inside a string.
type indenter struct {
	raw bytes.Buffer
	enc *json.Encoder
	out []byte
}

func newIndenter() *indenter {
	in := &indenter{}
	in.enc = json.NewEncoder(&in.raw)
	// Summaries and reasons quote code ("<script>", "&&"); escaping them
	// would only make the file harder to read.
	in.enc.SetEscapeHTML(false)
	return in
}

// write writes v indented by "  " per level, each new line starting with
// prefix, without a trailing newline.
func (in *indenter) write(w io.Writer, v any, prefix string) error {
	in.raw.Reset()
	if err := in.enc.Encode(v); err != nil {
		return err
	}
	in.out = appendIndent(in.out[:0], bytes.TrimSuffix(in.raw.Bytes(), []byte("\n")), prefix, "  ")
	_, err := w.Write(in.out)
	return err
}

// appendIndent appends compact, valid JSON src to dst indented exactly as
// json.Indent does: a newline and prefix before every member and element,
// empty objects and arrays kept as {} and [], ": " after keys.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	pending := false // an opened { or [ whose first line is not written yet
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for i := 0; i < depth; i++ {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if pending && c != '}' && c != ']' {
			pending = false
			depth++
			newline()
		}
		switch c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				j = len(src) - 1
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			pending = true
		case '}', ']':
			if pending {
				pending = false // empty: stays {} or []
			} else {
				depth--
				newline()
			}
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, c, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
