package vulndb

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"testing"

	kpflate "github.com/klauspost/compress/flate"
)

// BenchmarkDecodeFixtures/records inflates real OSV records, compressed as
// the database stores them, with recordBuf.inflate and with the pooled
// klauspost/compress reader it replaced; bench/inflate.sh prints the
// ratio beside the zip members' (internal/inflate).
func BenchmarkDecodeFixtures(b *testing.B) {
	var stored [][]byte
	raw := 0
	for _, eco := range []string{"Go", "PyPI", "npm"} {
		zr, err := zip.OpenReader(filepath.Join(sharedOSV(b), eco, "all.zip"))
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range zr.File[:min(len(zr.File), 3000)] {
			rc, err := f.Open()
			if err != nil {
				b.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			raw += len(data)
			stored = append(stored, compress(data))
		}
		zr.Close()
	}
	b.Run("records/Decode", func(b *testing.B) {
		b.SetBytes(int64(raw))
		rb := new(recordBuf)
		for b.Loop() {
			for _, v := range stored {
				if _, err := rb.inflate(v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("records/klauspost", func(b *testing.B) {
		b.SetBytes(int64(raw))
		r := kpflate.NewReaderDict(bytes.NewReader(nil), dictBytes)
		var buf bytes.Buffer
		for b.Loop() {
			for _, v := range stored {
				r.(kpflate.Resetter).Reset(bytes.NewReader(v), dictBytes)
				buf.Reset()
				if _, err := buf.ReadFrom(r); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
