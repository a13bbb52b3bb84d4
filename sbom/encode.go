package sbom

import (
	"bytes"
	"fmt"
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Output formats Encode accepts, as the CLI names them.
const (
	FormatJSON = "cyclonedx-json"
	FormatXML  = "cyclonedx-xml"
)

// DefaultSpec is the spec version written when none is asked for.
const DefaultSpec = "1.6"

var specVersions = map[string]cdx.SpecVersion{
	"1.5": cdx.SpecVersion1_5,
	"1.6": cdx.SpecVersion1_6,
	"1.7": cdx.SpecVersion1_7,
}

// CheckSpec says whether spec is a CycloneDX version Encode writes.
func CheckSpec(spec string) error {
	if _, ok := specVersions[spec]; !ok {
		return fmt.Errorf("unsupported CycloneDX spec version %q (want 1.5, 1.6 or 1.7)", spec)
	}
	return nil
}

// Encode writes bom in format ("cyclonedx-json" or "cyclonedx-xml") and spec
// version ("1.5", "1.6", "1.7"; "" means 1.6). The BOM is converted on a copy
// by cyclonedx-go's EncodeVersion, which drops what the older spec lacks;
// bom itself is not modified.
func Encode(w io.Writer, bom *cdx.BOM, format, spec string) error {
	if bom == nil {
		return fmt.Errorf("sbom: nothing to encode")
	}
	if spec == "" {
		spec = DefaultSpec
	}
	if err := CheckSpec(spec); err != nil {
		return fmt.Errorf("sbom: %w", err)
	}
	sv := specVersions[spec]
	var ff cdx.BOMFileFormat
	switch format {
	case FormatJSON:
		ff = cdx.BOMFileFormatJSON
	case FormatXML:
		ff = cdx.BOMFileFormatXML
	default:
		return fmt.Errorf("sbom: unsupported format %q (want %s or %s)", format, FormatJSON, FormatXML)
	}
	// Buffer so a failed conversion leaves nothing half-written behind.
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, ff).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, sv); err != nil {
		return fmt.Errorf("sbom: encoding CycloneDX %s %s: %w", format, spec, err)
	}
	if ff == cdx.BOMFileFormatXML {
		// The XML encoder ends without a newline; files should.
		buf.WriteByte('\n')
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// sniffWindow bounds how much of a file Sniff looks at: generators write
// bomFormat or the namespace first, and input detection must stay cheap on
// large zips.
const sniffWindow = 8 << 10

// Sniff reports whether data looks like a CycloneDX document and in which
// encoding ("json" or "xml"). It reads at most the first 8 KiB and does not
// validate; Decode does.
func Sniff(data []byte) (format string, ok bool) {
	if len(data) > sniffWindow {
		data = data[:sniffWindow]
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(data) == 0:
		return "", false
	case data[0] == '{':
		if jsonHasCycloneDXFormat(data) || bytes.Contains(data, []byte("cyclonedx.org/schema/bom-")) {
			return "json", true
		}
	case data[0] == '<':
		if bytes.Contains(data, []byte("http://cyclonedx.org/schema/bom/")) {
			return "xml", true
		}
	}
	return "", false
}

// jsonHasCycloneDXFormat looks for "bomFormat" : "CycloneDX" with any
// whitespace between the tokens, without parsing the (possibly cut) document.
func jsonHasCycloneDXFormat(data []byte) bool {
	key := []byte(`"bomFormat"`)
	for {
		i := bytes.Index(data, key)
		if i < 0 {
			return false
		}
		rest := bytes.TrimLeft(data[i+len(key):], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			rest = bytes.TrimLeft(rest[1:], " \t\r\n")
			if bytes.HasPrefix(rest, []byte(`"CycloneDX"`)) {
				return true
			}
		}
		data = data[i+len(key):]
	}
}
