package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fnguard/fnguard/report"
)

// Format names, the same in every command and case-insensitive on input.
const (
	FormatTable         = "table"
	FormatJSON          = "json"
	FormatSARIF         = "sarif"
	FormatMarkdown      = "markdown"
	FormatCycloneDXJSON = "cyclonedx-json"
	FormatCycloneDXXML  = "cyclonedx-xml"
)

// Format sets per command.
var (
	ScanFormats  = []string{FormatTable, FormatJSON, FormatSARIF, FormatMarkdown, FormatCycloneDXJSON, FormatCycloneDXXML}
	SBOMFormats  = []string{FormatCycloneDXJSON, FormatCycloneDXXML}
	CheckFormats = []string{FormatTable, FormatJSON}
)

// aliases are other spellings users bring from other tools.
var aliases = map[string]string{
	"cyclonedx": FormatCycloneDXJSON, "cdx": FormatCycloneDXJSON, "cdx-json": FormatCycloneDXJSON,
	"cdx-xml": FormatCycloneDXXML, "md": FormatMarkdown,
}

// ParseFormat reads a format name (any case, or an alias) against the
// formats a command offers.
func ParseFormat(flag, s string, allowed []string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(s))
	if a, ok := aliases[f]; ok {
		f = a
	}
	for _, x := range allowed {
		if x == f {
			return f, nil
		}
	}
	return "", InputErr("%s %q: want one of %s", flag, s, strings.Join(allowed, ", "))
}

// Output is one report to write: Format to File ("" is stdout).
type Output struct {
	Format string
	File   string
}

// ParseOutputs reads the output vocabulary every command shares:
//
//	-f/--format FORMAT   the main report (default per command), on stdout
//	-o/--output FILE     the main report to FILE instead of stdout
//	-o FORMAT=FILE       another report (repeatable)
//
// A value of -o is FORMAT=FILE when the part before "=" is a format name
// the command knows; anything else is a file. The main report comes first
// in the result. Two reports to one file, or a file whose extension says
// another format (a table in report.json), are errors.
func ParseOutputs(format string, outputs []string, allowed []string) ([]Output, error) {
	main := Output{Format: format}
	var extra []Output
	plain := 0
	for _, o := range outputs {
		if f, file, ok := strings.Cut(o, "="); ok {
			if pf, err := ParseFormat("--output", f, allowed); err == nil {
				if file == "" {
					return nil, InputErr("--output %q: no file after =", o)
				}
				extra = append(extra, Output{pf, file})
				continue
			} else if !strings.ContainsAny(f, `/\.`) {
				return nil, InputErr("--output %q: want FILE or FORMAT=FILE with FORMAT one of %s", o, strings.Join(allowed, ", "))
			}
		}
		if plain++; plain > 1 {
			return nil, InputErr("--output %q: only one plain FILE (for --format %s); name the others FORMAT=FILE", o, format)
		}
		main.File = o
	}
	all := append([]Output{main}, extra...)
	seen := map[string]string{}
	for _, o := range all {
		if o.File == "" || o.File == "-" {
			continue
		}
		if err := checkExtension(o); err != nil {
			return nil, err
		}
		key, err := filepath.Abs(o.File)
		if err != nil {
			key = filepath.Clean(o.File)
		}
		if prev, dup := seen[key]; dup {
			return nil, InputErr("--output: %s would receive both the %s and the %s report", o.File, prev, o.Format)
		}
		seen[key] = o.Format
	}
	return all, nil
}

// checkExtension refuses a report whose file name promises another format.
func checkExtension(o Output) error {
	ext := strings.ToLower(filepath.Ext(o.File))
	var want []string
	switch ext {
	case ".json":
		want = []string{FormatJSON, FormatSARIF, FormatCycloneDXJSON}
	case ".sarif":
		want = []string{FormatSARIF}
	case ".xml":
		want = []string{FormatCycloneDXXML}
	case ".md", ".markdown":
		want = []string{FormatMarkdown}
	default:
		return nil
	}
	for _, w := range want {
		if w == o.Format {
			return nil
		}
	}
	return InputErr("%s: a %s report in a %s file; use --format %s or FORMAT=FILE (--output %s=%s)", o.File, o.Format, ext, want[0], want[0], o.File)
}

// WriteAll renders every output: files first (a failure to write one is an
// error, and what lands on stdout should be the last thing a person sees),
// then stdout. render writes one format; toStdout says where it goes.
func WriteAll(stdout io.Writer, outs []Output, render func(w io.Writer, o Output, toStdout bool) error) error {
	for _, toStdout := range []bool{false, true} {
		for _, o := range outs {
			if (o.File == "" || o.File == "-") != toStdout {
				continue
			}
			if toStdout {
				if err := render(stdout, o, true); err != nil {
					return err
				}
				continue
			}
			if err := writeFileWith(o.File, func(w io.Writer) error { return render(w, o, false) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeFileWith streams what write produces into a temporary file beside
// file and renames it into place: a report of 100,000 findings is not held
// in memory first, and a render that fails leaves nothing behind.
func writeFileWith(file string, write func(io.Writer) error) error {
	dir := filepath.Dir(file)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp*")
	if err != nil {
		return InputErr("cannot write %s: %v", file, strings.TrimPrefix(err.Error(), "open "))
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(&fileErrWriter{f: tmp}, 64<<10)
	if err := write(bw); err != nil {
		tmp.Close()
		var fe *fileWriteErr
		if errors.As(err, &fe) {
			return InputErr("cannot write %s: %v", file, fe.err)
		}
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		var fe *fileWriteErr
		if errors.As(err, &fe) {
			err = fe.err
		}
		return InputErr("cannot write %s: %v", file, err)
	}
	if err := tmp.Close(); err != nil {
		return InputErr("cannot write %s: %v", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return InputErr("cannot write %s: %v", file, err)
	}
	return nil
}

// fileErrWriter marks errors of the file itself (a full disk), so they are
// reported as "cannot write FILE" and not as the renderer's own errors.
type fileErrWriter struct{ f *os.File }

type fileWriteErr struct{ err error }

func (e *fileWriteErr) Error() string { return e.err.Error() }
func (e *fileWriteErr) Unwrap() error { return e.err }

func (w *fileErrWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		return n, &fileWriteErr{err}
	}
	return n, nil
}

// AppendSummary appends the outcome's markdown report to file, as GitHub
// Actions reads $GITHUB_STEP_SUMMARY; the report is rendered before the
// file is opened, so a failed render appends nothing.
func AppendSummary(file string, o *Outcome, opts report.Options) error {
	var buf bytes.Buffer
	if err := o.Write(&buf, FormatMarkdown, opts); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return InputErr("--github-summary: %v", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return InputErr("--github-summary: %v", err)
	}
	if err := f.Close(); err != nil {
		return InputErr("--github-summary: %v", err)
	}
	return nil
}
