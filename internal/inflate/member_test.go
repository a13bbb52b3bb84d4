package inflate

import (
	"archive/zip"
	"bytes"
	stdflate "compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"testing"
)

// streamedZip writes members the way zip.Writer streams them: deflated, with a
// data descriptor after each; stored ones without.
func streamedZip(t *testing.T, members map[string][]byte, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range []string{"a.json", "b.bin", "c.txt"} {
		data, ok := members[name]
		if !ok {
			continue
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// viaArchiveZip is the oracle: archive/zip's own reading of the member.
func viaArchiveZip(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestReadZipMemberAgreesWithArchiveZip(t *testing.T) {
	c := corpora()
	raw := streamedZip(t, map[string][]byte{"a.json": c["text"][:50_000], "b.bin": c["random"][:40_000], "c.txt": c["short text"]}, zip.Deflate)
	check := func(name string, z []byte) {
		t.Helper()
		zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
		if err != nil {
			return // the damage broke the directory: nothing to read
		}
		for _, f := range zr.File {
			if f.Method != zip.Deflate || f.UncompressedSize64 > 1<<20 {
				continue
			}
			want, werr := viaArchiveZip(f)
			got := make([]byte, f.UncompressedSize64)
			err := ReadZipMember(bytes.NewReader(z), f, got, nil)
			switch {
			case werr == nil && err != nil:
				t.Errorf("%s %s: archive/zip reads it, ReadZipMember fails: %v", name, f.Name, err)
			case werr != nil && err == nil:
				t.Errorf("%s %s: archive/zip fails (%v), ReadZipMember reads it", name, f.Name, werr)
			case werr == nil && !bytes.Equal(got, want):
				t.Errorf("%s %s: bytes differ from archive/zip's", name, f.Name)
			}
		}
	}
	check("intact", raw)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 400 {
		bad := bytes.Clone(raw)
		bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
		check("damaged "+itoa(i), bad)
	}
}

func TestReadZipMemberSizesAndChecksums(t *testing.T) {
	data := sample(20_000)
	z := streamedZip(t, map[string][]byte{"a.json": data}, zip.Deflate)
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	f := zr.File[0]
	if f.Flags&0x8 == 0 {
		t.Fatal("zip.Writer wrote no data descriptor; the descriptor path goes untested")
	}
	if err := ReadZipMember(bytes.NewReader(z), f, make([]byte, len(data)-1), nil); err != ErrOutputFull {
		t.Errorf("buffer one byte short: %v, want ErrOutputFull", err)
	}
	if err := ReadZipMember(bytes.NewReader(z), f, make([]byte, len(data)+1), nil); err != io.ErrUnexpectedEOF {
		t.Errorf("buffer one byte long: %v, want io.ErrUnexpectedEOF", err)
	}
	// The central directory's CRC wrong, then only the descriptor's.
	wrong := *f
	wrong.CRC32 ^= 1
	if err := ReadZipMember(bytes.NewReader(z), &wrong, make([]byte, len(data)), nil); err != zip.ErrChecksum {
		t.Errorf("central directory CRC wrong: %v, want zip.ErrChecksum", err)
	}
	off, _ := f.DataOffset()
	desc := int(off) + int(f.CompressedSize64)
	if binary.LittleEndian.Uint32(z[desc:]) != 0x08074b50 {
		t.Fatal("no descriptor signature where expected")
	}
	bad := bytes.Clone(z)
	bad[desc+4] ^= 1
	if err := ReadZipMember(bytes.NewReader(bad), f, make([]byte, len(data)), nil); err != zip.ErrChecksum {
		t.Errorf("descriptor CRC wrong: %v, want zip.ErrChecksum", err)
	}
	if err := ReadZipMember(bytes.NewReader(z[:desc+6]), f, make([]byte, len(data)), nil); err != io.ErrUnexpectedEOF {
		t.Errorf("descriptor cut short: %v, want io.ErrUnexpectedEOF", err)
	}
	stored := streamedZip(t, map[string][]byte{"a.json": data}, zip.Store)
	sr, _ := zip.NewReader(bytes.NewReader(stored), int64(len(stored)))
	if err := ReadZipMember(bytes.NewReader(stored), sr.File[0], make([]byte, len(data)), nil); err != zip.ErrAlgorithm {
		t.Errorf("stored member: %v, want zip.ErrAlgorithm", err)
	}
}

// A zip64 member may declare more compressed bytes than an offset can
// reach; archive/zip reads it to the end of the archive, and so does
// ReadZipMember.
func TestReadZipMemberHugeCompressedSize(t *testing.T) {
	data := []byte("hello hello hello")
	var comp bytes.Buffer
	fw, _ := stdflate.NewWriter(&comp, stdflate.BestCompression)
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "a", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: math.MaxInt64 - 10, UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	z := buf.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	want, werr := viaArchiveZip(zr.File[0])
	got := make([]byte, len(data))
	if err := ReadZipMember(bytes.NewReader(z), zr.File[0], got, nil); err != nil || werr != nil || !bytes.Equal(got, want) {
		t.Errorf("ReadZipMember: %q, %v; archive/zip: %q, %v", got, err, want, werr)
	}
}
