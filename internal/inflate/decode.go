package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync"
)

// Decode inflates one raw DEFLATE stream (RFC 1951) read from r into dst
// and returns how many bytes it wrote. It is for members whose size is
// declared before they are read (zip members): a streaming decoder keeps a
// 32 KiB window and copies every byte out of it, this one writes each byte
// once, straight where it belongs, and reads its input with one 64-bit
// load per refill instead of a call per byte. On the Lambda fixtures' jars
// and Go binaries it takes about two thirds of klauspost/compress's time,
// and inflating is most of what a zip scan costs (bench/inflate.sh).
//
// It accepts exactly the streams compress/flate accepts and produces the
// same bytes; FuzzDecode holds it to that. Which error a broken stream
// gets can differ in one case: compress/flate wants as many bits as the
// end-of-block code is long before it decodes any symbol, so a stream cut
// just after a shorter one is "unexpected EOF" to it and "corrupt" here.
//
// A stream that would write past len(dst) stops with ErrOutputFull, so a
// member cannot inflate past its declared size however it was built;
// bytes of dst past the n it returns may have been written to. It reads r
// no further than a buffer past the final block and ignores what follows
// it, as compress/flate does. A read error of r is returned as it is.
func Decode(dst []byte, r io.Reader) (int, error) { return decode(dst, r, nil) }

// DecodeFollowed is Decode calling follow, on another goroutine, with
// consecutive pieces of dst as they are written, so that a digest of a
// member is taken on a second core while it inflates. When it returns
// without error, follow has been given all of dst[:n], in order; after an
// error, some prefix of it.
func DecodeFollowed(dst []byte, r io.Reader, follow func([]byte)) (int, error) {
	written := make(chan int, 64)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		done := 0
		for upto := range written {
			follow(dst[done:upto])
			done = upto
		}
	}()
	n, err := decode(dst, r, written)
	if err == nil {
		written <- n
	}
	close(written)
	<-finished
	return n, err
}

// DecodeDict inflates src, one whole raw DEFLATE stream compressed with
// dict as its preset dictionary (flate.NewWriterDict), into dst after a
// copy of dict, and returns how many bytes follow the copy:
// dst[len(dict):len(dict)+n] is the output. The input is read where it
// lies, with no buffer of its own: it is for the database's records, a few
// hundred bytes to a few kilobytes each, where a streaming reader's reset
// costs more than the inflating. Errors are Decode's.
func DecodeDict(dst, dict, src []byte) (int, error) {
	if len(dict) > len(dst) {
		return 0, ErrOutputFull
	}
	start := copy(dst, dict)
	d := decoders.Get().(*decoder)
	defer decoders.Put(d)
	d.r, d.rerr, d.dst = nil, io.EOF, dst
	d.src, d.base = src, 0
	d.written, d.told = nil, 0
	d.out = start
	n, err := d.run()
	d.dst, d.src = nil, nil
	return n - start, err
}

// followStep is how much output a follower is handed at a time, at block
// ends: blocks are tens of kilobytes, so it lags by little.
const followStep = 256 << 10

func decode(dst []byte, r io.Reader, written chan<- int) (int, error) {
	d := decoders.Get().(*decoder)
	defer decoders.Put(d)
	d.r, d.rerr, d.dst = r, nil, dst
	d.src, d.base = d.buf[:0], 0
	d.written, d.told = written, 0
	d.out = 0
	n, err := d.run()
	d.r, d.dst, d.src, d.written = nil, nil, nil, nil
	if err == io.ErrUnexpectedEOF && d.rerr != nil && d.rerr != io.EOF {
		err = d.rerr
	}
	return n, err
}

// ErrOutputFull: the stream inflates to more bytes than the buffer holds.
var ErrOutputFull = errors.New("inflates past its declared size")

// CorruptError is compress/flate's CorruptInputError: the input offset
// near which the stream stopped making sense.
type CorruptError int64

func (e CorruptError) Error() string {
	return fmt.Sprintf("corrupt DEFLATE data at input byte %d", int64(e))
}

// A table entry: bits 0-7 the code's length in bits (for a link, the
// width of the subtable it points to), bits 8-11 the extra bits that
// follow a length or distance code, bits 12-15 what the entry is, bits
// 16-31 its value (literal byte, length or distance base, subtable start).
const (
	kBad     = 1 << 12 // no symbol: an unused code, or a reserved one
	kLink    = 1 << 13
	kEnd     = 1 << 14
	kLiteral = 1 << 15

	litBits  = 10 // primary table index widths: most codes resolve in one look-up
	distBits = 8
	lenBits  = 7 // code length codes are at most 7 bits: no subtables

	// Subtables hang off the primary table for codes longer than its
	// index. Within one primary slot the longest code fixes the subtable's
	// width (at most 15-primary bits); with at most 288 or 32 symbols these
	// bounds are loose but safe.
	litTableSize  = 1<<litBits + 288<<(15-litBits)
	distTableSize = 1<<distBits + 32<<(15-distBits)
)

type decoder struct {
	r    io.Reader // nil once it has returned an error or io.EOF
	rerr error     // what r returned last, io.EOF included
	buf  [64 << 10]byte
	src  []byte // the read part of buf
	base int    // the input offset of src[0]
	pos  int    // next unread byte of src
	b    uint64 // bit buffer, next bit lowest
	nb   uint   // bits held in b
	pad  int    // zero bytes fed in past the end of src
	dst  []byte
	out  int

	written chan<- int // DecodeFollowed's follower, told of output at block ends
	told    int

	lens [286 + 32]uint8
	lit  [litTableSize]uint32
	dist [distTableSize]uint32
	clen [1 << lenBits]uint32
}

var decoders = sync.Pool{New: func() any { return new(decoder) }}

// Payloads (value, kind, extra bits) of each symbol, from RFC 1951 3.2.5.
var litPayload, distPayload, clenPayload = func() (l [288]uint32, d [32]uint32, c [19]uint32) {
	for s := range 256 {
		l[s] = uint32(s)<<16 | kLiteral
	}
	l[256] = kEnd
	base := 3
	for s := 257; s < 285; s++ {
		extra := 0
		if s >= 265 {
			extra = (s - 261) / 4
		}
		l[s] = uint32(base)<<16 | uint32(extra)<<8
		base += 1 << extra
	}
	l[285] = 258 << 16
	l[286], l[287] = kBad, kBad
	base = 1
	for s := range 30 {
		extra := 0
		if s >= 4 {
			extra = s/2 - 1
		}
		d[s] = uint32(base)<<16 | uint32(extra)<<8
		base += 1 << extra
	}
	d[30], d[31] = kBad, kBad
	for s := range 19 {
		c[s] = uint32(s) << 16
	}
	return
}()

// The fixed code of block type 1, built on first use rather than at
// start-up: most runs never meet one.
var fixed = sync.OnceValue(func() *fixedTables {
	var lens [288 + 32]uint8
	for s := range 288 {
		switch {
		case s < 144:
			lens[s] = 8
		case s < 256:
			lens[s] = 9
		case s < 280:
			lens[s] = 7
		default:
			lens[s] = 8
		}
	}
	for s := range 32 {
		lens[288+s] = 5
	}
	t := new(fixedTables)
	if !build(t.lit[:], lens[:288], litBits, litPayload[:]) || !build(t.dist[:], lens[288:], distBits, distPayload[:]) {
		panic("inflate: the fixed Huffman code does not build")
	}
	return t
})

type fixedTables struct {
	lit  [litTableSize]uint32
	dist [distTableSize]uint32
}

// build fills table with the canonical Huffman code of lengths (RFC 1951
// 3.2.2), each symbol's entry its payload. It refuses what compress/flate
// refuses: an over-subscribed code, or an incomplete one other than a
// single code of one bit. An empty code builds; using it fails.
func build(table []uint32, lengths []uint8, primary uint, payload []uint32) bool {
	var count [16]int
	maxLen := 0
	for _, l := range lengths {
		count[l]++
		maxLen = max(maxLen, int(l))
	}
	if maxLen == 0 {
		fillBad(table[:1<<primary])
		return true
	}
	left := 1
	for l := 1; l <= 15; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return false
		}
	}
	if left > 0 {
		if !(maxLen == 1 && count[1] == 1) {
			return false
		}
		fillBad(table[:1<<primary])
	}
	// Symbols sorted by (length, symbol): canonical codes increase along
	// this order, so the codes sharing a primary slot are contiguous and
	// the last of them is the longest.
	var offs [17]int
	for l := 1; l <= 15; l++ {
		offs[l+1] = offs[l] + count[l]
	}
	var sorted [320]uint16
	for s, l := range lengths {
		if l != 0 {
			sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	n := offs[15]
	code, prevLen := 0, 0
	next := 1 << primary
	slot, subStart, subBits := -1, 0, 0 // the current subtable's primary slot, start and width
	for i := range n {
		s := sorted[i]
		l := int(lengths[s])
		code <<= l - prevLen
		prevLen = l
		rev := int(bits.Reverse16(uint16(code)) >> (16 - l))
		e := payload[s] | uint32(l)
		if uint(l) <= primary {
			for j := rev; j < 1<<primary; j += 1 << l {
				table[j] = e
			}
		} else {
			p := rev & (1<<primary - 1)
			if p != slot {
				// A new primary slot: its last code is its longest and
				// sizes the subtable.
				prefix := code >> (l - int(primary))
				c, pl, last := code, l, l
				for k := i + 1; k < n; k++ {
					kl := int(lengths[sorted[k]])
					c = (c + 1) << (kl - pl)
					pl = kl
					if c>>(kl-int(primary)) != prefix {
						break
					}
					last = kl
				}
				slot, subStart, subBits = p, next, last-int(primary)
				next += 1 << subBits
				table[p] = uint32(subStart)<<16 | kLink | uint32(subBits)
			}
			for j := rev >> primary; j < 1<<subBits; j += 1 << (l - int(primary)) {
				table[subStart+j] = e
			}
		}
		code++
	}
	return true
}

func fillBad(t []uint32) {
	for i := range t {
		t[i] = kBad
	}
}

// refill tops the bit buffer up to at least 56 bits. Past the end of the
// input it feeds zero bytes, and fails once a bit of them would have been
// used: compress/flate would have met the end of its input there.
func (d *decoder) refill() bool {
	if d.pos+8 > len(d.src) {
		d.more(8)
	}
	if d.pos+8 <= len(d.src) {
		d.b |= binary.LittleEndian.Uint64(d.src[d.pos:]) << d.nb
		d.pos += int(63-d.nb) >> 3
		d.nb |= 56
		return true
	}
	for d.nb <= 56 {
		if d.pos < len(d.src) {
			d.b |= uint64(d.src[d.pos]) << d.nb
			d.pos++
		} else {
			if d.overrun() {
				return false
			}
			d.pad++
		}
		d.nb += 8
	}
	return !d.overrun()
}

// more moves the unread input to the front of the buffer and reads until
// at least k bytes are unread or the input has ended. The 8 bytes before
// the unread ones stay: the bit buffer may hold them, and a stored block
// hands them back.
func (d *decoder) more(k int) {
	if d.r == nil {
		return
	}
	keep := max(d.pos-8, 0)
	n := copy(d.buf[:], d.src[keep:])
	d.base += keep
	d.pos -= keep
	for empty := 0; n-d.pos < k && d.r != nil; {
		m, err := d.r.Read(d.buf[n:])
		n += m
		switch {
		case err != nil:
			d.r, d.rerr = nil, err
		case m > 0:
			empty = 0
		default:
			// As bufio does: a reader that keeps returning nothing
			// would otherwise be asked forever.
			if empty++; empty == 100 {
				d.r, d.rerr = nil, io.ErrNoProgress
			}
		}
	}
	d.src = d.buf[:n]
}

// full is ErrOutputFull, unless the stream had already ended: output
// decoded from the zero bytes fed in past the end of the input is a
// truncated stream's, not one too long for its buffer.
func (d *decoder) full() error {
	if d.overrun() {
		return io.ErrUnexpectedEOF
	}
	return ErrOutputFull
}

// overrun reports whether padding bits have been consumed.
func (d *decoder) overrun() bool { return uint(d.pad)*8 > d.nb }

func (d *decoder) need(n uint) bool {
	if d.nb >= n {
		return true
	}
	return d.refill()
}

func (d *decoder) take(n uint) uint32 {
	v := uint32(d.b & (1<<n - 1))
	d.b >>= n
	d.nb -= n
	return v
}

func (d *decoder) errAt() error {
	if d.overrun() {
		return io.ErrUnexpectedEOF
	}
	return CorruptError(d.base + d.pos - int(d.nb/8) + d.pad)
}

// run decodes the stream into dst from d.out on and returns where the
// output ended.
func (d *decoder) run() (int, error) {
	d.pos, d.b, d.nb, d.pad = 0, 0, 0, 0
	for {
		if !d.need(3) {
			return d.out, io.ErrUnexpectedEOF
		}
		final := d.take(1) == 1
		var err error
		switch d.take(2) {
		case 0:
			err = d.stored()
		case 1:
			f := fixed()
			err = d.huffman(&f.lit, &f.dist)
		case 2:
			if err = d.dynamic(); err == nil {
				err = d.huffman(&d.lit, &d.dist)
			}
		default:
			err = d.errAt()
		}
		if err != nil {
			return d.out, err
		}
		if d.written != nil && d.out-d.told >= followStep {
			d.written <- d.out
			d.told = d.out
		}
		if final {
			if d.overrun() {
				return d.out, io.ErrUnexpectedEOF
			}
			return d.out, nil
		}
	}
}

// stored copies an uncompressed block, which starts at a byte boundary:
// the whole bytes still in the bit buffer go back to the input first.
func (d *decoder) stored() error {
	d.take(d.nb & 7)
	back := int(d.nb/8) - d.pad
	if back < 0 {
		return io.ErrUnexpectedEOF
	}
	d.pos -= back
	d.b, d.nb, d.pad = 0, 0, 0
	if len(d.src)-d.pos < 4 {
		d.more(4)
		if len(d.src)-d.pos < 4 {
			return io.ErrUnexpectedEOF
		}
	}
	n := int(binary.LittleEndian.Uint16(d.src[d.pos:]))
	if nn := binary.LittleEndian.Uint16(d.src[d.pos+2:]); uint16(n) != ^nn {
		return CorruptError(d.base + d.pos + 4)
	}
	d.pos += 4
	if len(d.dst)-d.out < n {
		if d.r == nil && len(d.src)-d.pos < n {
			return io.ErrUnexpectedEOF // the input ended first
		}
		return ErrOutputFull
	}
	c := copy(d.dst[d.out:d.out+n], d.src[d.pos:])
	d.pos += c
	d.out += c
	if c < n {
		// The rest straight from the input, past the buffer.
		if d.r == nil {
			return io.ErrUnexpectedEOF
		}
		m, err := io.ReadFull(d.r, d.dst[d.out:d.out+n-c])
		d.base += len(d.src) + m
		d.src, d.pos = d.buf[:0], 0
		d.out += m
		if err != nil {
			d.r, d.rerr = nil, err
			return io.ErrUnexpectedEOF
		}
	}
	return nil
}

var codeOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamic reads a block's own code (RFC 1951 3.2.7) into d.lit and d.dist.
func (d *decoder) dynamic() error {
	if !d.need(14) {
		return io.ErrUnexpectedEOF
	}
	nlit := int(d.take(5)) + 257
	ndist := int(d.take(5)) + 1
	nclen := int(d.take(4)) + 4
	if nlit > 286 || ndist > 30 {
		return d.errAt()
	}
	var cl [19]uint8
	for i := range nclen {
		if !d.need(3) {
			return io.ErrUnexpectedEOF
		}
		cl[codeOrder[i]] = uint8(d.take(3))
	}
	if !build(d.clen[:], cl[:], lenBits, clenPayload[:]) {
		return d.errAt()
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		if !d.need(7 + 7) {
			return io.ErrUnexpectedEOF
		}
		e := d.clen[d.b&(1<<lenBits-1)]
		if e&kBad != 0 {
			return d.errAt()
		}
		d.take(uint(e & 0xff))
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return d.errAt()
			}
			rep, v = 3+int(d.take(2)), lens[i-1]
		case 17:
			rep = 3 + int(d.take(3))
		default:
			rep = 11 + int(d.take(7))
		}
		if i+rep > len(lens) {
			return d.errAt()
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if !build(d.lit[:], lens[:nlit], litBits, litPayload[:]) || !build(d.dist[:], lens[nlit:], distBits, distPayload[:]) {
		return d.errAt()
	}
	return nil
}

// huffman decodes one compressed block. The bit buffer, input and output
// positions live in locals so they stay in registers. After a refill the
// buffer holds at least 48 bits: two literals (15 bits each at most), or a
// whole length-distance pair (15+5+15+13). The next symbol's primary
// entry is looked up before the refill, from bits already held (a refill
// only adds bits above them), so the table load and the input load
// overlap instead of waiting on each other.
func (d *decoder) huffman(lit *[litTableSize]uint32, dist *[distTableSize]uint32) error {
	src, dst := d.src, d.dst
	pos, b, nb, out := d.pos, d.b, d.nb, d.out
	var e uint32
	var n uint
	ok := true
	if nb < 48 {
		if src, pos, b, nb, ok = d.slowFill(pos, b, nb, out); !ok {
			return io.ErrUnexpectedEOF
		}
	}
	e = lit[b&(1<<litBits-1)]
	for {
		// e is the primary entry of the bits at the bottom of b.
		if nb < 48 {
			if pos+8 <= len(src) {
				pos, b, nb = fill(src, pos, b, nb)
			} else if src, pos, b, nb, ok = d.slowFill(pos, b, nb, out); !ok {
				return io.ErrUnexpectedEOF
			}
		}
		if e&kLiteral != 0 {
			// Literals come in runs: take a second before refilling.
			n = uint(e & 0xff)
			b >>= n
			nb -= n
			if uint(out) >= uint(len(dst)) {
				d.pos, d.b, d.nb, d.out = pos, b, nb, out
				return d.full()
			}
			dst[out] = byte(e >> 16)
			out++
			e = lit[b&(1<<litBits-1)] // at least 33 bits held
			if e&kLiteral != 0 {
				n = uint(e & 0xff)
				b >>= n
				nb -= n
				if uint(out) >= uint(len(dst)) {
					d.pos, d.b, d.nb, d.out = pos, b, nb, out
					return d.full()
				}
				dst[out] = byte(e >> 16)
				out++
				e = lit[b&(1<<litBits-1)] // at least 18 bits held
			}
			continue
		}
		if e&kLink != 0 {
			e = lit[e>>16+uint32(b>>litBits)&(1<<(e&0xff)-1)]
		}
		n = uint(e & 0xff)
		b >>= n
		nb -= n
		if e&kLiteral != 0 {
			if uint(out) >= uint(len(dst)) {
				d.pos, d.b, d.nb, d.out = pos, b, nb, out
				return d.full()
			}
			dst[out] = byte(e >> 16)
			out++
			e = lit[b&(1<<litBits-1)] // at least 33 bits held
			continue
		}
		if e&(kEnd|kBad) != 0 {
			d.pos, d.b, d.nb, d.out = pos, b, nb, out
			if e&kBad != 0 {
				return d.errAt()
			}
			return nil
		}
		x := uint(e>>8) & 15
		length := int(e>>16) + int(b&(1<<x-1))
		b >>= x
		nb -= x

		e = dist[b&(1<<distBits-1)]
		if e&kLink != 0 {
			e = dist[e>>16+uint32(b>>distBits)&(1<<(e&0xff)-1)]
		}
		n = uint(e & 0xff)
		if e&kBad != 0 {
			// Its bits are taken first: a reserved code read from past
			// the end of the input is the end of the input.
			d.pos, d.b, d.nb, d.out = pos, b>>n, nb-n, out
			return d.errAt()
		}
		b >>= n
		nb -= n
		x = uint(e>>8) & 15
		back := int(e>>16) + int(b&(1<<x-1))
		b >>= x
		nb -= x

		if back > out {
			d.pos, d.b, d.nb, d.out = pos, b, nb, out
			return d.errAt()
		}
		if length > len(dst)-out {
			d.pos, d.b, d.nb, d.out = pos, b, nb, out
			return d.full()
		}
		from, end := out-back, out+length
		if back >= 8 && length <= 32 && end+8 <= len(dst) {
			// Most matches are short: 8 bytes at a time, each read from
			// before where it is written (back >= 8), the last store
			// running up to 7 bytes into room not written yet, instead of
			// a call to memmove.
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(dst[out+i:], binary.LittleEndian.Uint64(dst[from+i:]))
			}
			out = end
		} else if back >= length {
			copy(dst[out:end], dst[from:])
			out = end
		} else {
			// Overlapping: the source grows as it is copied, doubling each pass.
			for out < end {
				out += copy(dst[out:end], dst[from:out])
			}
		}
		// Up to 48 bits were used: refill before looking the next one up.
		if nb < 48 {
			if pos+8 <= len(src) {
				pos, b, nb = fill(src, pos, b, nb)
			} else if src, pos, b, nb, ok = d.slowFill(pos, b, nb, out); !ok {
				return io.ErrUnexpectedEOF
			}
		}
		e = lit[b&(1<<litBits-1)]
	}
}

// slowFill is refill for the huffman loop's locals, near the end of the
// buffered input.
func (d *decoder) slowFill(pos int, b uint64, nb uint, out int) ([]byte, int, uint64, uint, bool) {
	d.pos, d.b, d.nb, d.out = pos, b, nb, out
	ok := d.refill()
	return d.src, d.pos, d.b, d.nb, ok
}

// fill is refill's fast path, on the huffman loop's locals: one 64-bit
// load tops the buffer up to 56-63 bits.
func fill(src []byte, pos int, b uint64, nb uint) (int, uint64, uint) {
	b |= binary.LittleEndian.Uint64(src[pos:]) << nb
	return pos + int(63-nb)>>3, b, nb | 56
}
