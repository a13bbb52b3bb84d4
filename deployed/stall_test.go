package deployed

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stallServer serves code for download that stops at `after` bytes
// (-1: before the headers) until the client gives up or the test ends, or,
// with gap > 0, arrives slowly but steadily.
func stallServer(t *testing.T, code []byte, after int, gap time.Duration) string {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := func() {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
		if after < 0 {
			wait()
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(code)))
		if gap > 0 {
			for chunk := range chunks(code, 10) {
				w.Write(chunk)
				w.(http.Flusher).Flush()
				time.Sleep(gap)
			}
			return
		}
		w.Write(code[:after])
		w.(http.Flusher).Flush()
		wait()
	}))
	// Cleanups run last-in first-out: release the handlers, then close.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv.URL + "/stall?X-Amz-Signature=s3cr3t"
}

func chunks(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		size := (len(b) + n - 1) / n
		for len(b) > 0 {
			c := b[:min(size, len(b))]
			b = b[len(c):]
			if !yield(c) {
				return
			}
		}
	}
}

// TestDownloadStalls: a code location that stops sending fails the
// function, named, soon after the deadline instead of holding a
// concurrency slot for ever.
func TestDownloadStalls(t *testing.T) {
	code := fixture(t, "node-function.zip")
	for _, tc := range []struct {
		name          string
		after         int
		defaultClient bool
		want          string
	}{
		// Any client: the idle deadline runs from the request on.
		{"headers", -1, false, ": no data for 200ms"},
		{"body", 1000, false, ": after 1000 bytes: no data for 200ms"},
		// The default client bounds the wait for headers by itself.
		{"default-client", -1, true, ": net/http: timeout awaiting response headers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.functions["stall"] = &fakeFunction{Name: "stall", Runtime: "nodejs20.x", PackageType: "Zip", Zip: code,
				Location: stallServer(t, code, tc.after, 0)}
			opts := f.options(t)
			opts.idleTimeout = 200 * time.Millisecond
			if tc.defaultClient {
				opts.HTTPClient = nil
				opts.idleTimeout = time.Minute
				opts.headerTimeout = 200 * time.Millisecond
			}
			done := make(chan error, 1)
			go func() {
				_, err := Load(ctx(t), []string{fnARN("stall")}, opts)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("a stalled download still holds Load after 20 s")
			}
			prefix := "function stall (" + fnARN("stall") + "): downloading code from http://127.0.0.1:"
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.HasSuffix(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %s...%s", err, prefix, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error leaks the signature: %q", err)
			}
		})
	}
}

// TestDownloadSlowButSteady: the deadline is for silence, not for the
// whole transfer: a download longer than it that keeps arriving succeeds.
func TestDownloadSlowButSteady(t *testing.T) {
	code := fixture(t, "node-function.zip")
	f := newFake(t)
	f.functions["slow"] = &fakeFunction{Name: "slow", Runtime: "nodejs20.x", PackageType: "Zip", Zip: code,
		Location: stallServer(t, code, 0, 50*time.Millisecond)}
	opts := f.options(t)
	opts.idleTimeout = 300 * time.Millisecond // ten chunks take 500 ms
	a, err := Load(ctx(t), []string{fnARN("slow")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, a.Functions[0].Code.Local, code)
}

// TestLoadAllStalledFunction: in a scan of every function, one stalled
// download is that function's error; it does not hold the only slot.
func TestLoadAllStalledFunction(t *testing.T) {
	code := fixture(t, "node-function.zip")
	f := newFake(t)
	f.functions["a-stall"] = &fakeFunction{Name: "a-stall", Runtime: "nodejs20.x", PackageType: "Zip", Zip: code,
		Location: stallServer(t, code, 1000, 0)}
	f.functions["b-fine"] = &fakeFunction{Name: "b-fine", Runtime: "nodejs20.x", PackageType: "Zip", Zip: code}
	opts := f.options(t)
	opts.Concurrency = 1
	opts.idleTimeout = 200 * time.Millisecond
	a, err := LoadAll(ctx(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Functions) != 2 {
		t.Fatalf("%d functions", len(a.Functions))
	}
	if e := a.Functions[0].Error; !strings.HasPrefix(e, "function a-stall (") || !strings.HasSuffix(e, "after 1000 bytes: no data for 200ms") {
		t.Errorf("stalled function: error %q", e)
	}
	if fn := a.Functions[1]; fn.Error != "" {
		t.Errorf("the function after it: %q", fn.Error)
	} else {
		sameFile(t, fn.Code.Local, code)
	}
}
