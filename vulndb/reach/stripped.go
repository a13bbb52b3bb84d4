package reach

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"io"
	"os"
)

// errUnknownFormat is returned for files that are neither ELF, PE nor
// (thin) Mach-O. govulncheck v1.9.0 cannot read symbols of anything else
// either (fat Mach-O included), so there is nothing to decide.
var errUnknownFormat = errors.New("unrecognized executable format (want ELF, PE or thin Mach-O)")

// exeInfo is what Analyze needs to know about the executable before
// trusting govulncheck's symbol-level answers.
type exeInfo struct {
	format   string // "elf", "pe", "macho"
	stripped bool   // no symbol table: govulncheck assumes every vulnerable symbol is present
	// machoNoSymtab: a Mach-O file without LC_SYMTAB. govulncheck v1.9.0
	// dereferences the missing symbol table (internal/buildinfo
	// machoExe.lookupSymbol) and panics in a goroutine we cannot recover,
	// which would take the whole scanner down; Analyze refuses such files.
	machoNoSymtab bool
}

// Stripped reports whether the ELF, PE or Mach-O executable at binPath has no
// symbol table, as produced by go build -ldflags "-s -w". For such binaries
// govulncheck cannot tell which functions were linked and falls back to
// reporting every vulnerable symbol of an affected module as present.
//
// The rules mirror govulncheck v1.9.0 (internal/buildinfo): ELF without a
// SHT_SYMTAB section (what debug/elf reports as ErrNoSymbols), PE without COFF
// symbols, Mach-O whose symbol table lacks runtime.main (the Darwin linker
// keeps a few dynamic symbols even when stripping) or has no LC_SYMTAB.
func Stripped(binPath string) (bool, error) {
	f, err := os.Open(binPath)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := inspect(f)
	if err != nil {
		return false, fmt.Errorf("reach: %s: %w", binPath, err)
	}
	return info.stripped, nil
}

// inspect classifies the executable in r. r is untrusted input (it comes out
// of a deployment zip), hence the fuzz target FuzzInspect.
func inspect(r io.ReaderAt) (info exeInfo, err error) {
	// The standard debug/* parsers are meant to return errors on malformed
	// input, but have had panics on crafted files before; a scanner of
	// third-party artifacts must not crash on one, so treat a panic as a
	// malformed file.
	defer func() {
		if p := recover(); p != nil {
			info, err = exeInfo{}, fmt.Errorf("malformed executable: %v", p)
		}
	}()

	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		if errors.Is(err, io.EOF) {
			return exeInfo{}, errUnknownFormat
		}
		return exeInfo{}, err
	}
	// Same magic tests as govulncheck's openExe, so both agree on the format.
	switch {
	case bytes.HasPrefix(magic[:], []byte("\x7FELF")):
		f, err := elf.NewFile(r)
		if err != nil {
			return exeInfo{}, err
		}
		// debug/elf's Symbols() returns ErrNoSymbols exactly when there is
		// no SHT_SYMTAB section; checking the section avoids decoding tens
		// of thousands of symbols.
		return exeInfo{format: "elf", stripped: f.SectionByType(elf.SHT_SYMTAB) == nil}, nil
	case bytes.HasPrefix(magic[:], []byte("MZ")):
		f, err := pe.NewFile(r)
		if err != nil {
			return exeInfo{}, err
		}
		return exeInfo{format: "pe", stripped: len(f.Symbols) == 0}, nil
	case bytes.HasPrefix(magic[:], []byte("\xFE\xED\xFA")) || bytes.HasPrefix(magic[1:], []byte("\xFA\xED\xFE")):
		f, err := macho.NewFile(r)
		if err != nil {
			return exeInfo{}, err
		}
		if f.Symtab == nil {
			return exeInfo{format: "macho", stripped: true, machoNoSymtab: true}, nil
		}
		for _, s := range f.Symtab.Syms {
			if s.Name == "runtime.main" {
				return exeInfo{format: "macho"}, nil
			}
		}
		return exeInfo{format: "macho", stripped: true}, nil
	}
	return exeInfo{}, errUnknownFormat
}
