package deployed

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultMaxCodeBytes bounds one downloaded zip. Lambda's own limit is 250
// MB unzipped (and a zip holds at least as much as it weighs), so anything
// larger cannot be a real package.
const DefaultMaxCodeBytes = 256 << 20

// cache keeps verified code zips on disk named by their SHA-256, so
// unchanged code is downloaded once however many functions or scans use it.
type cache struct {
	dir      string
	client   *http.Client
	max      int64
	idle     time.Duration // a download fails when no byte arrives for this long
	endpoint *url.URL      // set when calls go to a compatible endpoint

	mu       sync.Mutex
	inflight map[string]*fetchCall
	// downloads and hits count code packages for the notes and the tests.
	downloads, hits int
	bytes           int64
}

type fetchCall struct {
	done chan struct{}
	path string
	err  error
}

// fetch returns the local path of the zip whose SHA-256 is codeSha256
// (base64, as Lambda reports it), downloading it from location unless the
// cache already holds it. size is Lambda's CodeSize, used to refuse an
// oversized package before downloading and to tell truncation apart.
func (c *cache) fetch(ctx context.Context, location, codeSha256 string, size int64) (string, error) {
	sum, err := base64.StdEncoding.DecodeString(codeSha256)
	if err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("CodeSha256 %q is not a base64 SHA-256", codeSha256)
	}
	key := hex.EncodeToString(sum)

	c.mu.Lock()
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
			return call.path, call.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	call := &fetchCall{done: make(chan struct{})}
	c.inflight[key] = call
	c.mu.Unlock()

	call.path, call.err = c.get(ctx, key, sum, location, size)
	close(call.done)
	c.mu.Lock()
	// A failure is not remembered: another function with the same code may
	// have a location that works.
	if call.err != nil {
		delete(c.inflight, key)
	}
	c.mu.Unlock()
	return call.path, call.err
}

func (c *cache) get(ctx context.Context, key string, sum []byte, location string, size int64) (string, error) {
	final := filepath.Join(c.dir, key+".zip")
	if ok, err := fileHasHash(final, sum); err != nil {
		return "", err
	} else if ok {
		c.mu.Lock()
		c.hits++
		c.mu.Unlock()
		return final, nil
	}
	if size > c.max {
		return "", fmt.Errorf("code is %d bytes, over the %d-byte limit", size, c.max)
	}
	if location == "" {
		return "", errors.New("no code location in the answer")
	}
	u, err := c.resolve(location)
	if err != nil {
		return "", err
	}
	// The idle deadline covers connecting and the headers too, so that a
	// caller's client without timeouts is bounded as well.
	dctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := c.idle
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	stalled := fmt.Errorf("no data for %v", idle)
	timer := time.AfterFunc(idle, func() { cancel(stalled) })
	defer timer.Stop()
	// why replaces a cancellation this deadline caused by what it means;
	// the caller's own cancellation stays context.Canceled.
	why := func(err error) error {
		if ctx.Err() == nil && errors.Is(context.Cause(dctx), stalled) {
			return stalled
		}
		return err
	}

	req, err := http.NewRequestWithContext(dctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("code location %s: %v", redact(u), err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// The client's error repeats the URL, signature included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("downloading code from %s: %v", redact(u), why(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("downloading code from %s: HTTP %s", redact(u), resp.Status)
	}
	if resp.ContentLength > c.max {
		return "", fmt.Errorf("code from %s is %d bytes, over the %d-byte limit", redact(u), resp.ContentLength, c.max)
	}

	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return "", fmt.Errorf("cache directory: %v", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".download-*")
	if err != nil {
		return "", fmt.Errorf("cache directory: %v", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	body := &idleReader{r: resp.Body, timer: timer, idle: idle}
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, c.max+1))
	if err != nil {
		return "", fmt.Errorf("downloading code from %s: after %d bytes: %v", redact(u), n, why(err))
	}
	timer.Stop()
	if n > c.max {
		return "", fmt.Errorf("code from %s is over the %d-byte limit", redact(u), c.max)
	}
	if got := h.Sum(nil); !bytes.Equal(got, sum) {
		why := ""
		if size > 0 && n < size {
			why = fmt.Sprintf(" (truncated: %d of %d bytes)", n, size)
		}
		return "", fmt.Errorf("code from %s does not match its CodeSha256%s: got %s, want %s",
			redact(u), why, base64.StdEncoding.EncodeToString(got), base64.StdEncoding.EncodeToString(sum))
	}
	// The hash proves the bytes are what Lambda holds, not that they are a
	// zip: a package that cannot be opened must not inventory as empty.
	if _, err := zip.NewReader(tmp, n); err != nil {
		return "", fmt.Errorf("code from %s is not a readable zip: %v", redact(u), err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("cache: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("cache: %v", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", fmt.Errorf("cache: %v", err)
	}
	tmp = nil
	c.mu.Lock()
	c.downloads++
	c.bytes += n
	c.mu.Unlock()
	return final, nil
}

// idleReader restarts the idle deadline whenever bytes arrive: a large zip
// on a slow link is fine, a connection that goes silent is not.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}

// fileHasHash reports whether path exists with the given SHA-256. A cached
// file is re-hashed on every use: it is cheap next to the inventory, and a
// file changed on disk must not be scanned under the deployed code's name.
// A mismatching file is removed so that it is downloaded again.
func fileHasHash(path string, sum []byte) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cache: %v", err)
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return false, fmt.Errorf("cache: %s: %v", path, err)
	}
	if bytes.Equal(h.Sum(nil), sum) {
		return true, nil
	}
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("cache: %v", err)
	}
	return false, nil
}

// resolve turns a code location into the URL to fetch. With a compatible
// endpoint, a location on an AWS S3 host is fetched from that endpoint
// path-style (LocalStack and moto hand out real-looking S3 URLs they serve
// themselves); anything else is fetched as given.
func (c *cache) resolve(location string) (*url.URL, error) {
	u, err := url.Parse(location)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("code location %q is not an http(s) URL", trimQuery(location))
	}
	if c.endpoint == nil {
		return u, nil
	}
	bucket, ok := s3Bucket(u.Hostname())
	if !ok {
		return u, nil
	}
	r := *c.endpoint
	path := u.EscapedPath()
	if bucket != "" {
		path = "/" + url.PathEscape(bucket) + path
	}
	r.RawPath = strings.TrimSuffix(c.endpoint.EscapedPath(), "/") + path
	r.Path, err = url.PathUnescape(r.RawPath)
	if err != nil {
		return nil, fmt.Errorf("code location %q: %v", trimQuery(location), err)
	}
	r.RawQuery = u.RawQuery
	return &r, nil
}

// s3Bucket recognises an AWS S3 host: "BUCKET.s3.REGION.amazonaws.com",
// "BUCKET.s3-REGION.amazonaws.com", "BUCKET.s3.amazonaws.com" (bucket
// returned) and the path-style "s3.REGION.amazonaws.com" (bucket "").
func s3Bucket(host string) (string, bool) {
	host = strings.ToLower(host)
	rest, ok := strings.CutSuffix(host, ".amazonaws.com")
	if !ok {
		if rest, ok = strings.CutSuffix(host, ".amazonaws.com.cn"); !ok {
			return "", false
		}
	}
	labels := strings.Split(rest, ".")
	for i, l := range labels {
		if l == "s3" || strings.HasPrefix(l, "s3-") {
			return strings.Join(labels[:i], "."), true
		}
	}
	return "", false
}

// redact drops the query of a presigned URL: its signature and session
// token must not reach error messages or reports.
func redact(u *url.URL) string {
	r := *u
	// ForceQuery would keep a bare "?" (from "http://h/k?") in the string.
	r.RawQuery, r.ForceQuery, r.Fragment, r.RawFragment, r.User = "", false, "", "", nil
	return r.String()
}

func trimQuery(s string) string {
	s, _, _ = strings.Cut(s, "?")
	return s
}
