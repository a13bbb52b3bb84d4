package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

type mapDoc struct {
	Version    int      `json:"version"`
	Sources    []string `json:"sources"`
	SourceRoot string   `json:"sourceRoot"`
	// An index map (ECMA-426 §"Index source map") nests ordinary maps.
	Sections []struct {
		Map *struct {
			Sources    []string `json:"sources"`
			SourceRoot string   `json:"sourceRoot"`
		} `json:"map"`
	} `json:"sections"`
}

// errNotSourceMap marks JSON that is no source map.
var errNotSourceMap = errors.New("not a source map (no sources or sections)")

// parseSourceMap returns a source map's sources, sourceRoot applied. Only
// sources is decoded; sourcesContent and mappings are skipped unread.
func parseSourceMap(data []byte) ([]string, error) {
	var doc mapDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, errors.New(jsonErr(data, err))
	}
	if doc.Sources == nil && doc.Sections == nil {
		return nil, errNotSourceMap
	}
	if doc.Version != 0 && doc.Version != 3 {
		return nil, fmt.Errorf("source map version %d, only 3 is defined", doc.Version)
	}
	var out []string
	add := func(root string, srcs []string) {
		for _, s := range srcs {
			if root != "" && !strings.Contains(s, "://") {
				s = strings.TrimSuffix(root, "/") + "/" + s
			}
			out = append(out, s)
		}
	}
	add(doc.SourceRoot, doc.Sources)
	for _, s := range doc.Sections {
		if s.Map != nil {
			add(s.Map.SourceRoot, s.Map.Sources)
		}
	}
	return out, nil
}

// sourceMappingURL returns the last sourceMappingURL comment of a bundle
// ("//# sourceMappingURL=x" or the legacy "//@"), "" if there is none.
func sourceMappingURL(code []byte) string {
	const key = "sourceMappingURL="
	i := bytes.LastIndex(code, []byte(key))
	for i >= 0 {
		if i >= 4 && (bytes.Equal(code[i-4:i], []byte("//# ")) || bytes.Equal(code[i-4:i], []byte("//@ "))) {
			rest := code[i+len(key):]
			end := bytes.IndexAny(rest, " \t\r\n*")
			if end < 0 {
				end = len(rest)
			}
			return string(rest[:end])
		}
		if i >= 4 && (bytes.Equal(code[i-4:i], []byte("/*# ")) || bytes.Equal(code[i-4:i], []byte("/*@ "))) {
			rest := code[i+len(key):]
			end := bytes.IndexAny(rest, " \t\r\n*")
			if end < 0 {
				end = len(rest)
			}
			return string(rest[:end])
		}
		i = bytes.LastIndex(code[:i], []byte(key))
	}
	return ""
}

// decodeDataURL reads an inline map, "data:application/json[;charset=..]
// [;base64],...", refusing one that would decode to more than limit bytes.
func decodeDataURL(u string, limit int64) ([]byte, error) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return nil, errors.New("not a data: URL")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, errors.New("data: URL without a comma")
	}
	params := strings.Split(meta, ";")
	if mt := strings.ToLower(strings.TrimSpace(params[0])); mt != "application/json" && mt != "text/plain" && mt != "" {
		return nil, fmt.Errorf("data: URL of type %q, not application/json", params[0])
	}
	isB64 := false
	for _, p := range params[1:] {
		if strings.EqualFold(strings.TrimSpace(p), "base64") {
			isB64 = true
		}
	}
	if isB64 {
		if int64(base64.StdEncoding.DecodedLen(len(payload))) > limit {
			return nil, fmt.Errorf("inline source map decodes to more than %d bytes", limit)
		}
		payload = strings.TrimRight(payload, "=")
		b, err := base64.RawStdEncoding.DecodeString(payload)
		if err != nil {
			return nil, fmt.Errorf("inline source map: bad base64: %v", err)
		}
		return b, nil
	}
	if int64(len(payload)) > limit {
		return nil, fmt.Errorf("inline source map longer than %d bytes", limit)
	}
	s, err := url.PathUnescape(payload)
	if err != nil {
		return nil, fmt.Errorf("inline source map: %v", err)
	}
	return []byte(s), nil
}
