package inflate

import (
	"bytes"
	stdflate "compress/flate"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	kpflate "github.com/klauspost/compress/flate"
)

// ref is the oracle: compress/flate's reading of src, at most limit bytes.
func ref(src []byte, limit int) ([]byte, error, bool) {
	out, err := io.ReadAll(io.LimitReader(stdflate.NewReader(bytes.NewReader(src)), int64(limit)+1))
	return out, err, len(out) > limit
}

// agree holds Decode to the oracle on one stream: the same bytes when
// compress/flate reads it, an error when compress/flate fails.
func agree(t *testing.T, name string, src []byte) {
	t.Helper()
	const limit = 4 << 20
	want, werr, tooBig := ref(src, limit)
	if tooBig {
		return
	}
	for _, r := range []io.Reader{bytes.NewReader(src), iotest.OneByteReader(bytes.NewReader(src))} {
		agreeFrom(t, name, r, want, werr)
	}
}

func agreeFrom(t *testing.T, name string, r io.Reader, want []byte, werr error) {
	t.Helper()
	dst := make([]byte, len(want))
	n, err := Decode(dst, r)
	switch {
	case werr != nil && err == nil:
		t.Errorf("%s: compress/flate fails (%v), Decode returned %d bytes and no error", name, werr, n)
	case werr == nil && err != nil:
		t.Errorf("%s: compress/flate reads %d bytes, Decode fails: %v", name, len(want), err)
	case werr == nil && (n != len(want) || !bytes.Equal(dst[:n], want)):
		t.Errorf("%s: Decode wrote %d bytes differing from compress/flate's %d", name, n, len(want))
	}
}

// corpora of the shapes zip members have: text, incompressible bytes
// (a jar inside a zip), long runs and repeats, and a mix.
func corpora() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 300_000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	runs := bytes.Repeat([]byte{'a'}, 70_000)
	runs = append(runs, bytes.Repeat([]byte("abc"), 40_000)...)
	var mixed []byte
	for i := 0; len(mixed) < 400_000; i++ {
		if i%3 == 0 {
			mixed = append(mixed, random[i%1000:i%1000+500]...)
		} else {
			mixed = append(mixed, sample(700+i%300)...)
		}
	}
	return map[string][]byte{
		"empty": {}, "one": {'x'}, "text": sample(250_000), "random": random,
		"runs": runs, "mixed": mixed, "short text": sample(300),
	}
}

// encoders are the two DEFLATE writers zips and databases come from, at
// the levels that make different streams: Huffman only, stored, fast,
// default, best.
func encoders() map[string]func([]byte) []byte { return dictEncoders(nil) }

// dictEncoders are encoders with a preset dictionary, as the database's
// records are written (none for nil).
func dictEncoders(dict []byte) map[string]func([]byte) []byte {
	type writer interface {
		io.Writer
		Close() error
	}
	libs := []struct {
		name   string
		levels []int
		open   func(io.Writer, int) writer
	}{
		{"compress/flate", []int{stdflate.HuffmanOnly, stdflate.NoCompression, stdflate.BestSpeed, stdflate.DefaultCompression, stdflate.BestCompression},
			func(w io.Writer, l int) writer { fw, _ := stdflate.NewWriterDict(w, l, dict); return fw }},
		{"klauspost", []int{kpflate.HuffmanOnly, kpflate.BestSpeed, 4, kpflate.BestCompression},
			func(w io.Writer, l int) writer { fw, _ := kpflate.NewWriterDict(w, l, dict); return fw }},
	}
	enc := map[string]func([]byte) []byte{}
	for _, lib := range libs {
		for _, level := range lib.levels {
			enc[lib.name+" "+itoa(level)] = func(b []byte) []byte {
				var buf bytes.Buffer
				w := lib.open(&buf, level)
				w.Write(b)
				w.Close()
				return buf.Bytes()
			}
		}
	}
	return enc
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestDecodeMatchesCompressFlate(t *testing.T) {
	for cn, data := range corpora() {
		for en, enc := range encoders() {
			src := enc(data)
			agree(t, cn+" / "+en, src)
			dst := make([]byte, len(data)+10)
			if n, err := Decode(dst, bytes.NewReader(src)); err != nil || n != len(data) || !bytes.Equal(dst[:n], data) {
				t.Errorf("%s / %s into a larger buffer: %d bytes, %v; want %d", cn, en, n, err, len(data))
			}
			if len(data) > 0 {
				if _, err := Decode(make([]byte, len(data)-1), bytes.NewReader(src)); !errors.Is(err, ErrOutputFull) {
					t.Errorf("%s / %s into a buffer one byte short: %v, want ErrOutputFull", cn, en, err)
				}
			}
		}
	}
}

// Go's own hand-made edge streams (compress/flate TestStreams, BSD
// licence): degenerate, empty, over-subscribed and incomplete codes,
// missing symbols, reserved block types.
var edgeStreams = []struct{ desc, hex string }{
	{"degenerate HCLenTree", "05e001000000000010000000000000000000000000000000000000000000000000000000000000000004"},
	{"complete HCLenTree, empty HLitTree, empty HDistTree", "05e001040000000000000000000000000000000000000000000000000000000000000000000000000010"},
	{"empty HCLenTree", "05e001000000000000000000000000000000000000000000000000000000000000000000000000000010"},
	{"complete HCLenTree, complete HLitTree, empty HDistTree, use missing HDist symbol", "000100feff000de00104000000001000000000000000000000000000000000000000000000000000000000000000002c"},
	{"complete HCLenTree, complete HLitTree, degenerate HDistTree, use missing HDist symbol", "000100feff000de001000000000000000000000000000000000000000000000000000000000000000610000000004070"},
	{"complete HCLenTree, empty HLitTree, empty HDistTree", "05e00104000000001004000000000000000000000000000000000000000000000000000000000000000000000008"},
	{"complete HCLenTree, empty HLitTree, degenerate HDistTree", "05e00104000000001004000000000000000000000000000000000000000000000000000000000000000800000008"},
	{"complete HCLenTree, degenerate HLitTree, degenerate HDistTree, use missing HLit symbol", "05e00104000000001000000000000000000000000000000000000000000000000000000000000000001c"},
	{"complete HCLenTree, complete HLitTree, too large HDistTree", "edff870500000000200400000000000000000000000000000000000000000000000000000000000000080000000000000004"},
	{"complete HCLenTree, complete HLitTree, empty HDistTree, excessive repeater code", "edfd870500000000200400000000000000000000000000000000000000000000000000000000000000e8b100"},
	{"complete HCLenTree, complete HLitTree, empty HDistTree of normal length 30", "05fd01240000000000f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff07000000fe01"},
	{"complete HCLenTree, complete HLitTree, empty HDistTree of excessive length 31", "05fe01240000000000f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff07000000fc03"},
	{"complete HCLenTree, over-subscribed HLitTree, empty HDistTree", "05e001240000000000fcffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff07f00f"},
	{"complete HCLenTree, under-subscribed HLitTree, empty HDistTree", "05e001240000000000fcfffffffffffffffffffffffffffffffffffffffffffffffffffffcffffffff07f00f"},
	{"complete HCLenTree, complete HLitTree with single code, empty HDistTree", "05e001240000000000f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff07f00f"},
	{"complete HCLenTree, complete HLitTree with multiple codes, empty HDistTree", "05e301240000000000f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff07807f"},
	{"complete HCLenTree, complete HLitTree, degenerate HDistTree, use valid HDist symbol", "000100feff000de00104000000001000000000000000000000000000000000000000000000000000000000000000003c"},
	{"complete HCLenTree, degenerate HLitTree, degenerate HDistTree", "05e00104000000001000000000000000000000000000000000000000000000000000000000000000000c"},
	{"complete HCLenTree, degenerate HLitTree, empty HDistTree", "05e001040000000010000000000000000000000000000000000000000000000000000000000000000004"},
	{"complete HCLenTree, complete HLitTree, empty HDistTree, spanning repeater code", "edfd870500000000200400000000000000000000000000000000000000000000000000000000000000e8b000"},
	{"complete HCLenTree with length codes, complete HLitTree, empty HDistTree", "ede00104000000001000000000000000000000000000000000000000000000000000000000000000000400004000"},
	{"complete HCLenTree, complete HLitTree, degenerate HDistTree, use valid HLit symbol 284 with count 31", "000100feff00ede0010400000000100000000000000000000000000000000000000000000000000000000000000000040000407f00"},
	{"complete HCLenTree, complete HLitTree, degenerate HDistTree, use valid HLit and HDist symbols", "0cc2010d00000082b0ac4aff0eb07d27060000ffff"},
	{"fixed block, use reserved symbol 287", "33180700"},
	{"raw block", "010100feff11"},
	{"issue 10426 - over-subscribed HCLenTree causes a hang", "344c4a4e494d4b070000ff2e2eff2e2e2e2e2eff"},
	{"issue 11030 - empty HDistTree unexpectedly leads to error", "05c0070600000080400fff37a0ca"},
	{"issue 11033 - empty HDistTree unexpectedly leads to error", "050fb109c020cca5d017dcbca044881ee1034ec149c8980bbc413c2ab35be9dcb1473449922449922411202306ee97b0383a521b4ffdcf3217f9f7d3adb701"},
}

func TestDecodeEdgeStreams(t *testing.T) {
	if len(edgeStreams) < 20 {
		t.Fatalf("only %d edge streams", len(edgeStreams))
	}
	for _, s := range edgeStreams {
		src, err := hex.DecodeString(s.hex)
		if err != nil {
			t.Fatalf("%s: %v", s.desc, err)
		}
		agree(t, s.desc, src)
	}
}

// Every truncation and many single-byte changes of real streams: Decode
// fails exactly when compress/flate does and otherwise writes its bytes.
func TestDecodeDamagedStreams(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := corpora()["mixed"][:20_000]
	for en, enc := range encoders() {
		src := enc(data)
		for i := 0; i < len(src); i += 1 + len(src)/400 {
			agree(t, fmt.Sprintf("%s truncated to %d bytes", en, i), src[:i])
		}
		for range 300 {
			bad := bytes.Clone(src)
			bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
			agree(t, en+" with a changed byte", bad)
		}
	}
}

func TestDecodeTruncatedIsUnexpectedEOF(t *testing.T) {
	const data = "\x00\f\x00\xf3\xffhello, world\x01\x00\x00\xff\xff"
	for i := 0; i < len(data)-1; i++ {
		if _, err := Decode(make([]byte, 64), strings.NewReader(data[:i])); err != io.ErrUnexpectedEOF {
			t.Errorf("truncated at %d: %v, want io.ErrUnexpectedEOF", i, err)
		}
	}
	dst := make([]byte, 64)
	if n, err := Decode(dst, strings.NewReader(data)); err != nil || string(dst[:n]) != "hello, world" {
		t.Errorf("whole stream: %q, %v", dst[:n], err)
	}
}

// A failing input is reported as itself, not as a damaged stream; a
// stream that ends inside a stored block longer than the read buffer is
// unexpected EOF.
func TestDecodeReadErrors(t *testing.T) {
	var buf bytes.Buffer
	w, _ := stdflate.NewWriter(&buf, stdflate.NoCompression)
	w.Write(corpora()["random"])
	w.Close()
	src := buf.Bytes()
	boom := errors.New("disk on fire")
	dst := make([]byte, 300_000)
	for _, cut := range []int{0, 3, 5000, 100_000, len(src) - 1} {
		r := io.MultiReader(bytes.NewReader(src[:cut]), iotest.ErrReader(boom))
		if _, err := Decode(dst, r); err != boom {
			t.Errorf("read error after %d bytes: %v, want %v", cut, err, boom)
		}
		if _, err := Decode(dst, bytes.NewReader(src[:cut])); err != io.ErrUnexpectedEOF {
			t.Errorf("input cut at %d bytes: %v, want io.ErrUnexpectedEOF", cut, err)
		}
	}
	if n, err := Decode(dst, iotest.HalfReader(bytes.NewReader(src))); err != nil || !bytes.Equal(dst[:n], corpora()["random"]) {
		t.Errorf("stored blocks through short reads: %d bytes, %v", n, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range edgeStreams {
		src, _ := hex.DecodeString(s.hex)
		f.Add(src)
	}
	for _, enc := range encoders() {
		f.Add(enc(sample(3000)))
		f.Add(enc([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcabcabc")))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		agree(t, "fuzz", src)
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, cn := range []string{"text", "random", "mixed"} {
		data := corpora()[cn]
		var buf bytes.Buffer
		w, _ := stdflate.NewWriter(&buf, stdflate.DefaultCompression)
		w.Write(data)
		w.Close()
		src := buf.Bytes()
		b.Run(cn+"/Decode", func(b *testing.B) {
			dst := make([]byte, len(data))
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Decode(dst, bytes.NewReader(src)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(cn+"/klauspost", func(b *testing.B) {
			dst := make([]byte, len(data))
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r := kpflate.NewReader(bytes.NewReader(src))
				if _, err := io.ReadFull(r, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The follower sees every byte once, in order, in pieces, whatever the
// stream's blocks; on a failure it has seen no more than was written.
func TestDecodeFollowed(t *testing.T) {
	for cn, data := range corpora() {
		for en, enc := range encoders() {
			src := enc(data)
			var seen []byte
			pieces := 0
			dst := make([]byte, len(data))
			n, err := DecodeFollowed(dst, bytes.NewReader(src), func(p []byte) {
				seen = append(seen, p...)
				pieces++
			})
			if err != nil || n != len(data) || !bytes.Equal(seen, data) {
				t.Errorf("%s / %s: followed %d of %d bytes in %d pieces, %v", cn, en, len(seen), len(data), pieces, err)
			}
			if len(data) > 2*followStep && pieces < 2 && en != "compress/flate 0" {
				t.Errorf("%s / %s: %d bytes followed in %d piece: not while inflating", cn, en, len(data), pieces)
			}
			seen = seen[:0]
			short := make([]byte, len(data)/2)
			if _, err := DecodeFollowed(short, bytes.NewReader(src), func(p []byte) { seen = append(seen, p...) }); len(data) > 1 && err == nil {
				t.Errorf("%s / %s into half the room: no error", cn, en)
			}
			if !bytes.Equal(seen, data[:len(seen)]) {
				t.Errorf("%s / %s: after a failure the follower saw bytes that were not the stream's", cn, en)
			}
		}
	}
}

// bitWriter builds hand-made streams, bits lowest first as DEFLATE packs.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

func (w *bitWriter) put(v uint64, n uint) {
	w.acc |= v << w.n
	for w.n += n; w.n >= 8; w.n -= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
	}
}

// code writes a Huffman code, which goes most significant bit first.
func (w *bitWriter) code(c uint64, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.put(c>>uint(i)&1, 1)
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		return append(bytes.Clone(w.out), byte(w.acc))
	}
	return w.out
}

// A stream that ends inside a code is truncated, whatever the bits read
// past its end (zeros) would have decoded to: Decode says
// io.ErrUnexpectedEOF there as compress/flate does, not "corrupt" or
// "too long".
func TestDecodeEndsInsideACode(t *testing.T) {
	// A fixed block: literals, a length code, then the first 4 of the 5
	// bits of the reserved distance code 30; where they end the input on
	// a byte boundary, the stream is cut, else the byte's padding makes
	// the code and it is corrupt.
	cut := 0
	for nine := range 8 {
		w := &bitWriter{}
		w.put(1, 1)
		w.put(1, 2)
		w.code(0x30+'a', 8)
		for range nine {
			w.code(0x190, 9) // literal 144
		}
		w.code(1, 7)
		w.code(0xf, 4)
		src := w.bytes()
		_, werr, _ := ref(src, 100)
		_, err := Decode(make([]byte, 100), bytes.NewReader(src))
		if (werr == io.ErrUnexpectedEOF) != (err == io.ErrUnexpectedEOF) || err == nil {
			t.Errorf("distance code cut after %d 9-bit literals: %v, compress/flate %v", nine, err, werr)
		}
		if werr == io.ErrUnexpectedEOF {
			cut++
		}
	}
	if cut == 0 {
		t.Error("no case ends the input inside the code")
	}
	// A dynamic block whose all-zero code is the literal 'a' (1 bit, EOB
	// the other), cut after five of them: the zeros read past the end
	// decode to more 'a's, which must not look like an overlong member.
	w := &bitWriter{}
	w.put(1, 1)
	w.put(2, 2)
	w.put(0, 5)  // 257 literal/length codes
	w.put(0, 5)  // 1 distance code
	w.put(15, 4) // 19 code length codes, each 4 bits: symbols 0-15 get codes 0-15
	for i := range 19 {
		if codeOrder[i] < 16 {
			w.put(4, 3)
		} else {
			w.put(0, 3)
		}
	}
	for s := range 257 {
		switch s {
		case 'a', 256:
			w.code(1, 4) // length 1
		default:
			w.code(0, 4)
		}
	}
	w.code(0, 4) // the one distance code: unused
	for range 5 {
		w.code(0, 1)
	}
	src := w.bytes()
	want, werr, _ := ref(src, 100)
	if werr != io.ErrUnexpectedEOF {
		t.Fatalf("the hand-made stream is not what it should be: compress/flate says %v", werr)
	}
	if _, err := Decode(make([]byte, len(want)), bytes.NewReader(src)); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated into a buffer it fills: %v, want io.ErrUnexpectedEOF", err)
	}
}

type nothingReader struct{}

func (nothingReader) Read([]byte) (int, error) { return 0, nil }

// A reader that never gives anything nor fails stops the decoder, as it
// stops bufio, instead of being asked forever.
func TestDecodeGivesUpOnAReaderThatGivesNothing(t *testing.T) {
	if _, err := Decode(make([]byte, 10), nothingReader{}); err != io.ErrNoProgress {
		t.Errorf("%v, want io.ErrNoProgress", err)
	}
}
