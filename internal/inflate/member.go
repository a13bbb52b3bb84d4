package inflate

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
)

// ReadZipMember inflates f, a deflated member of the archive in r, into
// dst, which is f's declared size, and checks it as archive/zip's reader
// does: not a byte more (ErrOutputFull) or less (io.ErrUnexpectedEOF)
// than declared, then the CRC-32, against the data descriptor's as well
// when the member has one (zip.ErrChecksum). A follow that is not nil is
// given the member's bytes as they inflate, as DecodeFollowed does.
func ReadZipMember(r io.ReaderAt, f *zip.File, dst []byte, follow func([]byte)) error {
	if f.Method != zip.Deflate {
		return zip.ErrAlgorithm
	}
	off, err := f.DataOffset()
	if err != nil {
		return err
	}
	// A size past what an offset can reach reads to the end, as
	// archive/zip's section reader does.
	in := io.NewSectionReader(r, off, int64(min(f.CompressedSize64, math.MaxInt64)))
	var n int
	if follow != nil {
		n, err = DecodeFollowed(dst, in, follow)
	} else {
		n, err = Decode(dst, in)
	}
	if err != nil {
		return err
	}
	if n != len(dst) {
		return io.ErrUnexpectedEOF
	}
	return Check(r, f, dst)
}

// Check holds data, all of member f of the archive in r, to the CRC-32
// the archive declares for it, as archive/zip's reader does: against the
// data descriptor's as well when the member has one, and not at all when
// the central directory's is zero and there is no descriptor.
func Check(r io.ReaderAt, f *zip.File, data []byte) error {
	off, err := f.DataOffset()
	if err != nil {
		return err
	}
	sum := crc32.ChecksumIEEE(data)
	if f.Flags&0x8 != 0 {
		if f.CompressedSize64 > math.MaxInt64-16-uint64(off) {
			return io.ErrUnexpectedEOF // no descriptor can follow data that long
		}
		want, err := descriptorCRC(io.NewSectionReader(r, off+int64(f.CompressedSize64), 16))
		if err != nil {
			return err
		}
		if want != f.CRC32 || sum != f.CRC32 {
			return zip.ErrChecksum
		}
		return nil
	}
	if f.CRC32 != 0 && sum != f.CRC32 {
		return zip.ErrChecksum
	}
	return nil
}

// descriptorCRC reads a data descriptor's CRC-32 as archive/zip does: the
// signature is optional, and the sizes after the CRC must be there but
// are not compared (the central directory's are used).
func descriptorCRC(r io.Reader) (uint32, error) {
	var buf [12]byte
	if _, err := io.ReadFull(r, buf[:4]); err != nil {
		return 0, noEOF(err)
	}
	rest := buf[4:12]
	if binary.LittleEndian.Uint32(buf[:4]) == 0x08074b50 {
		rest = buf[:12]
	}
	if _, err := io.ReadFull(r, rest); err != nil {
		return 0, noEOF(err)
	}
	return binary.LittleEndian.Uint32(buf[:4]), nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
