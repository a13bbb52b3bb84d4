package vulndb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Limits on untrusted input. osv.dev's largest export (npm, PyPI) is tens of
// MB compressed and a few hundred MB uncompressed today, and the largest
// single OSV records (distro advisories listing thousands of versions) are a
// few MB; each limit leaves well over 10x headroom so that growth does not
// break updates, while a hostile or broken server still cannot fill the disk
// or memory.
const (
	maxZipBytes          = 4 << 30   // an all.zip download
	maxZipEntries        = 4_000_000 // records in one all.zip
	maxZipUncompressed   = 32 << 30  // sum of uncompressed record sizes in one all.zip
	maxRecordBytes       = 32 << 20  // one record, in a zip or fetched alone
	maxCSVBytes          = 1 << 30   // modified_id.csv (read only up to the cut-off)
	maxEcosystemsTxt     = 1 << 20   // ecosystems.txt
	maxCSVLine           = 4 << 10   // one "<time>,<id>" line
	defaultSourceURL     = "https://osv-vulnerabilities.storage.googleapis.com/"
	fileAllZip           = "all.zip"
	fileModifiedIDs      = "modified_id.csv"
	fileEcosystems       = "ecosystems.txt"
	userAgent            = "fnguard-vulndb"
	incrementalFetchCost = 4 << 10 // see maxIncremental
)

// validators are the HTTP cache validators of one fetched file. For local
// files ETag holds size and modification time, which serves the same purpose.
type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

func (v validators) empty() bool { return v.ETag == "" && v.LastModified == "" }

// response is one fetched file. Exactly one of notModified, notFound, body
// and file is meaningful.
type response struct {
	notModified bool
	notFound    bool
	body        io.ReadCloser // remote content, already size-limited
	file        *os.File      // local content, read in place
	size        int64         // -1 if unknown
	valid       validators
}

func (r *response) Close() error {
	if r.body != nil {
		return r.body.Close()
	}
	if r.file != nil {
		return r.file.Close()
	}
	return nil
}

// source is where export files come from: osv.dev's bucket over HTTP, a copy
// of its layout on disk, or a single all.zip.
type source interface {
	// fetch gets <eco>/<name> (or <name> when eco is ""), conditionally on
	// prev, with at most limit bytes.
	fetch(ctx context.Context, eco, name string, prev validators, limit int64) (*response, error)
	// where names the file in errors and reports.
	where(eco, name string) string
	String() string
}

func newSource(src string, client *http.Client) (source, error) {
	if src == "" {
		src = defaultSourceURL
	}
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		u, err := url.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("source %q: %v", src, err)
		}
		if client == nil {
			client = http.DefaultClient
		}
		return &httpSource{base: u, client: client}, nil
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, fmt.Errorf("source %s: %v", src, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("source %s: %v", src, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source %s: not a directory or http(s) URL", src)
	}
	return dirSource(abs), nil
}

type httpSource struct {
	base   *url.URL
	client *http.Client
}

func (s *httpSource) String() string { return s.base.String() }

func (s *httpSource) where(eco, name string) string {
	if eco == "" {
		return s.base.JoinPath(name).String()
	}
	return s.base.JoinPath(eco, name).String()
}

func (s *httpSource) fetch(ctx context.Context, eco, name string, prev validators, limit int64) (*response, error) {
	u := s.where(eco, name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", u, err)
	}
	req.Header.Set("User-Agent", userAgent)
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, unwrapURLError(err))
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		resp.Body.Close()
		return &response{notModified: true, valid: prev}, nil
	case http.StatusNotFound:
		resp.Body.Close()
		return &response{notFound: true}, nil
	default:
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %d bytes exceeds the limit of %d", u, resp.ContentLength, limit)
	}
	return &response{
		body:  &limitedBody{rc: resp.Body, n: limit, what: u},
		size:  resp.ContentLength,
		valid: validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")},
	}, nil
}

// unwrapURLError drops url.Error's "Get \"...\": " prefix, which would repeat
// the URL already in our message, while keeping the cause for errors.Is.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// limitedBody fails, rather than silently truncating, once more than n bytes
// have been read, so an oversized file is an error and not a short read.
type limitedBody struct {
	rc   io.ReadCloser
	n    int64
	what string
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for one more byte to tell "exactly at the limit" from "over".
		var one [1]byte
		n, err := l.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s: larger than the limit", l.what)
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.rc.Read(p)
	l.n -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

type dirSource string

func (s dirSource) String() string { return string(s) }

func (s dirSource) where(eco, name string) string {
	return filepath.Join(string(s), eco, name)
}

func (s dirSource) fetch(_ context.Context, eco, name string, prev validators, limit int64) (*response, error) {
	return fetchFile(s.where(eco, name), prev, limit)
}

func fetchFile(p string, prev validators, limit int64) (*response, error) {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &response{notFound: true}, nil
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	if fi.Size() > limit {
		f.Close()
		return nil, fmt.Errorf("%s: %d bytes exceeds the limit of %d", p, fi.Size(), limit)
	}
	v := validators{ETag: strconv.FormatInt(fi.Size(), 10) + "-" + strconv.FormatInt(fi.ModTime().UnixNano(), 10)}
	if !prev.empty() && prev == v {
		f.Close()
		return &response{notModified: true, valid: v}, nil
	}
	return &response{file: f, size: fi.Size(), valid: v}, nil
}

// zipFileSource serves one all.zip file as the all.zip of one ecosystem.
type zipFileSource struct {
	path string
	eco  string
}

func (s *zipFileSource) String() string { return s.path }

func (s *zipFileSource) where(eco, name string) string {
	if eco == s.eco && name == fileAllZip {
		return s.path
	}
	return s.path + ": " + eco + "/" + name
}

func (s *zipFileSource) fetch(_ context.Context, eco, name string, prev validators, limit int64) (*response, error) {
	if eco != s.eco || name != fileAllZip {
		return &response{notFound: true}, nil
	}
	return fetchFile(s.path, prev, limit)
}

// readAllLimited reads a whole response that is expected to be small.
func readAllLimited(r *response, limit int64) ([]byte, error) {
	var rd io.Reader = r.body
	if r.file != nil {
		rd = r.file
	}
	return io.ReadAll(io.LimitReader(rd, limit))
}

func encodeValidators(v validators) []byte {
	b, _ := json.Marshal(v)
	return b
}

func decodeValidators(b []byte) validators {
	var v validators
	json.Unmarshal(b, &v)
	return v
}
