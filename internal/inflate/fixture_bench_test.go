package inflate

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"testing"

	kpflate "github.com/klauspost/compress/flate"
)

// BenchmarkDecodeFixtures inflates the largest member of Lambda fixtures
// (a Go binary, a fat jar, a jar-heavy package) with Decode and with
// klauspost/compress's streaming reader; bench/inflate.sh prints the
// ratio. It needs ../shared beside the checkout.
func BenchmarkDecodeFixtures(b *testing.B) {
	for _, name := range []string{"go-function", "fat-jar-function", "java-function"} {
		zr, err := zip.OpenReader(filepath.Join("..", "..", "..", "shared", "fixtures", "lambda", name+".zip"))
		if err != nil {
			b.Skipf("shared fixtures absent: %v", err)
		}
		var big *zip.File
		for _, f := range zr.File {
			if big == nil || f.CompressedSize64 > big.CompressedSize64 {
				big = f
			}
		}
		rr, err := big.OpenRaw()
		if err != nil {
			b.Fatal(err)
		}
		src, err := io.ReadAll(rr)
		if err != nil {
			b.Fatal(err)
		}
		zr.Close()
		dst := make([]byte, big.UncompressedSize64)
		b.Run(name+"/Decode", func(b *testing.B) {
			b.SetBytes(int64(len(dst)))
			for b.Loop() {
				if n, err := Decode(dst, bytes.NewReader(src)); err != nil || n != len(dst) {
					b.Fatal(n, err)
				}
			}
		})
		b.Run(name+"/klauspost", func(b *testing.B) {
			b.SetBytes(int64(len(dst)))
			for b.Loop() {
				if _, err := io.ReadFull(kpflate.NewReader(bytes.NewReader(src)), dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
