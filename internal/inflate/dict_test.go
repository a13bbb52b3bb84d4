package inflate

import (
	"bytes"
	stdflate "compress/flate"
	"errors"
	"io"
	"testing"
)

// refDict is the oracle for DecodeDict: compress/flate's reading of src
// with dict, at most limit bytes.
func refDict(dict, src []byte, limit int) ([]byte, error, bool) {
	r := stdflate.NewReaderDict(bytes.NewReader(src), dict)
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	return out, err, len(out) > limit
}

// agreeDict holds DecodeDict to the oracle on one stream: the same bytes
// when compress/flate reads it, an error when it fails, and ErrOutputFull
// when the buffer is a byte short.
func agreeDict(t *testing.T, name string, dict, src []byte) {
	t.Helper()
	want, werr, tooBig := refDict(dict, src, 4<<20)
	if tooBig {
		return
	}
	dst := make([]byte, len(dict)+len(want))
	n, err := DecodeDict(dst, dict, src)
	switch {
	case werr != nil && err == nil:
		t.Errorf("%s: compress/flate fails (%v), DecodeDict returned %d bytes and no error", name, werr, n)
	case werr == nil && err != nil:
		t.Errorf("%s: compress/flate reads %d bytes, DecodeDict fails: %v", name, len(want), err)
	case werr == nil && (n != len(want) || !bytes.Equal(dst[len(dict):len(dict)+n], want)):
		t.Errorf("%s: DecodeDict wrote %d bytes differing from compress/flate's %d", name, n, len(want))
	case werr == nil && !bytes.Equal(dst[:len(dict)], dict):
		t.Errorf("%s: DecodeDict did not leave the dictionary before the output", name)
	}
	if werr == nil && len(want) > 0 {
		if _, err := DecodeDict(dst[:len(dst)-1], dict, src); !errors.Is(err, ErrOutputFull) {
			t.Errorf("%s: a buffer one byte short: %v, want ErrOutputFull", name, err)
		}
	}
}

// Streams that reach back into the dictionary (every distance up to the
// 32 KiB window, from dictionaries shorter and longer than it) decode as
// compress/flate decodes them, whole and cut or damaged anywhere.
func TestDecodeDictAgrees(t *testing.T) {
	text := sample(50_000)
	dicts := map[string][]byte{
		"none": nil, "short": text[:200], "record-sized": text[1000:5000],
		"past the window": text[:40_000], "random": corpora()["random"][:3000],
	}
	inputs := map[string][]byte{
		"empty": {}, "one": {'x'}, "in the dictionary": text[1000:3000],
		"text": text[7000:30_000], "mixed": corpora()["mixed"][:60_000],
	}
	for dn, dict := range dicts {
		for in, data := range inputs {
			for en, enc := range dictEncoders(dict) {
				name := dn + "/" + in + "/" + en
				src := enc(data)
				agreeDict(t, name, dict, src)
				if in != "in the dictionary" || dn != "record-sized" {
					continue
				}
				for cut := range len(src) {
					agreeDict(t, name+" cut at "+itoa(cut), dict, src[:cut])
				}
				for i := range min(len(src), 200) {
					bad := bytes.Clone(src)
					bad[i*7%len(bad)] ^= 1 << (i % 8)
					agreeDict(t, name+" damaged at "+itoa(i*7%len(bad)), dict, bad)
				}
			}
		}
	}
}

// A reference into the dictionary from the first byte on is the point of
// a preset dictionary: a stream whose output is all back-references must
// come out right, and one reaching a byte before the dictionary is
// corrupt.
func TestDecodeDictReachesBack(t *testing.T) {
	dict := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	var buf bytes.Buffer
	w, _ := stdflate.NewWriterDict(&buf, stdflate.BestCompression, dict)
	w.Write(dict[10:])
	w.Close()
	dst := make([]byte, len(dict)+len(dict)-10)
	n, err := DecodeDict(dst, dict, buf.Bytes())
	if err != nil || string(dst[len(dict):len(dict)+n]) != string(dict[10:]) {
		t.Fatalf("DecodeDict = %q, %v; want %q", dst[len(dict):len(dict)+n], err, dict[10:])
	}
	// Without the dictionary the same stream reaches before its start.
	if _, err := DecodeDict(dst, nil, buf.Bytes()); !errors.As(err, new(CorruptError)) {
		t.Errorf("without the dictionary: %v, want a CorruptError", err)
	}
	if _, err := DecodeDict(make([]byte, 3), dict, buf.Bytes()); !errors.Is(err, ErrOutputFull) {
		t.Errorf("a buffer shorter than the dictionary: %v, want ErrOutputFull", err)
	}
}

func FuzzDecodeDict(f *testing.F) {
	dict := sample(2000)
	for _, enc := range dictEncoders(dict) {
		f.Add(dict, enc(sample(3000)))
		f.Add(dict[:100], enc(dict[500:900]))
	}
	f.Fuzz(func(t *testing.T, dict, src []byte) {
		agreeDict(t, "fuzz", dict, src)
	})
}
