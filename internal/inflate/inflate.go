// Package inflate holds fnguard's DEFLATE decoders: zip members
// (function and layer zips, jars inside them), OSV exports and the
// database's stored records.
//
// A deflated zip member of declared size is inflated whole by Decode, a
// decoder of fnguard's own that writes straight into the member's buffer
// (ReadZipMember checks sizes and CRC-32 as archive/zip does); a database
// record by DecodeDict, after the preset dictionary it was compressed
// with. Members read piecewise through a zip.Reader's own Open, and the
// records' encoder, are klauspost/compress's, not the standard library's:
// it inflates the same bytes in 0.63-0.87 of the time. That module was
// already linked (scalibr's dependencies use it), and the stream format is
// the same DEFLATE, so databases and zips written before read as they did.
package inflate

import (
	"archive/zip"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// NewWriterDict is the matching encoder, for the database's records.
func NewWriterDict(w io.Writer, level int, dict []byte) (*flate.Writer, error) {
	return flate.NewWriterDict(w, level, dict)
}

// Writer is the encoder NewWriterDict returns.
type Writer = flate.Writer

// A decoder carries a 32 KiB window and its Huffman tables; a zip of a
// thousand members would otherwise allocate one per member, as archive/zip
// avoids with a pool of its own.
var pool sync.Pool

// zipDecompressor is registered on every zip.Reader fnguard opens.
func zipDecompressor(r io.Reader) io.ReadCloser {
	if d, ok := pool.Get().(io.ReadCloser); ok {
		if err := d.(flate.Resetter).Reset(r, nil); err == nil {
			return &pooled{d: d}
		}
	}
	return &pooled{d: flate.NewReader(r)}
}

// pooled hands its decoder back on Close; reads after Close fail as a
// closed reader's do rather than touching a decoder someone else holds.
type pooled struct {
	mu sync.Mutex
	d  io.ReadCloser
}

func (p *pooled) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.d == nil {
		return 0, errClosed
	}
	return p.d.Read(b)
}

func (p *pooled) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	if p.d != nil {
		err = p.d.Close()
		pool.Put(p.d)
		p.d = nil
	}
	return err
}

type closedErr struct{}

func (closedErr) Error() string { return "read of a closed zip member" }

var errClosed error = closedErr{}

// NewZipReader is zip.NewReader reading deflated members with this
// package's decoder. Its error is zip.NewReader's, unwrapped.
func NewZipReader(r io.ReaderAt, size int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if zr != nil {
		zr.RegisterDecompressor(zip.Deflate, zipDecompressor)
	}
	return zr, err
}

// DefaultCompression is the encoder's default level.
const DefaultCompression = flate.DefaultCompression
