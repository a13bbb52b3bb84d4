package inflate

import (
	"archive/zip"
	"bytes"
	stdflate "compress/flate"
	"fmt"
	"io"
	"testing"
)

func sample(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":"GHSA-%04d","affected":[{"package":{"name":"pkg-%d"}}]}`+"\n", i, i*7%1000)
	}
	return b.Bytes()[:n]
}

// TestReadsWhatTheStandardLibraryWrote: databases and zips written before
// the decoder changed read the same, with and without a dictionary, and
// what this package writes the standard library reads.
func TestReadsWhatTheStandardLibraryWrote(t *testing.T) {
	dict := []byte(`{"id":"GHSA-","affected":[{"package":{"name":"`)
	for _, n := range []int{0, 1, 1000, 200_000} {
		raw := sample(n)
		var std bytes.Buffer
		w, _ := stdflate.NewWriterDict(&std, stdflate.DefaultCompression, dict)
		w.Write(raw)
		w.Close()
		got := make([]byte, len(dict)+n)
		m, err := DecodeDict(got, dict, std.Bytes())
		if err != nil || !bytes.Equal(got[len(dict):len(dict)+m], raw) {
			t.Errorf("%d bytes from compress/flate: got %d bytes, %v", n, m, err)
		}

		var ours bytes.Buffer
		ow, err := NewWriterDict(&ours, DefaultCompression, dict)
		if err != nil {
			t.Fatal(err)
		}
		ow.Write(raw)
		ow.Close()
		back, err := io.ReadAll(stdflate.NewReaderDict(bytes.NewReader(ours.Bytes()), dict))
		if err != nil || !bytes.Equal(back, raw) {
			t.Errorf("%d bytes to compress/flate: got %d bytes, %v", n, len(back), err)
		}
	}
}

func zipOf(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestZipMembersThroughThePool: every member reads whole through a reused
// decoder, checksums still checked; a closed member refuses to read rather
// than reading from a decoder another member now holds.
func TestZipMembersThroughThePool(t *testing.T) {
	members := map[string][]byte{"a": sample(70_000), "b": sample(10), "c": sample(300_000)}
	data := zipOf(t, members)
	zr, err := NewZipReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 3; round++ {
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, members[f.Name]) {
				t.Errorf("%s: %d bytes, %v", f.Name, len(got), err)
			}
			if err := rc.Close(); err != nil {
				t.Errorf("%s: close: %v", f.Name, err)
			}
			if n, err := rc.Read(make([]byte, 1)); n != 0 || err == nil {
				t.Errorf("%s: read after close gave %d, %v", f.Name, n, err)
			}
		}
	}

	// A flipped byte in the deflated stream is an error, never silent data.
	bad := bytes.Clone(data)
	for i := range bad {
		if bytes.HasPrefix(bad[i:], []byte("PK\x01\x02")) {
			break
		}
		if i > 200 {
			bad[i] ^= 0xff
		}
	}
	zr, err = NewZipReader(bytes.NewReader(bad), int64(len(bad)))
	if err != nil {
		t.Fatal(err)
	}
	failed := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			failed = true
			continue
		}
		if _, err := io.ReadAll(rc); err != nil {
			failed = true
		}
		rc.Close()
	}
	if !failed {
		t.Error("a damaged zip read without an error")
	}
}
