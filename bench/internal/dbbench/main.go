// Command dbbench supports bench/dbsize.sh, which measures the two database
// goals of issue 13: an update with nothing changed, and a scan's peak RSS on
// a database several times larger whose extra records match nothing. It is
// not part of fnguard.
//
//	dbbench serve -osv DIR [-addr 127.0.0.1:0] [-url-file FILE]
//	    serves DIR over HTTP in osv.dev's bucket layout: ecosystems.txt,
//	    <Eco>/all.zip, <Eco>/modified_id.csv (generated from the zip, newest
//	    first: the shared data has none) and <Eco>/<ID>.json (read from the
//	    zip), each with an ETag and Last-Modified and answering conditional
//	    requests with 304 as the bucket does. Writes its base URL to
//	    -url-file (or stdout) once listening; runs until killed.
//	dbbench grow -osv DIR -factor N -o OUT
//	    writes an export folder (ecosystems.txt, <Eco>/all.zip) holding every
//	    record of DIR and N-1 renamed copies of it: IDs, aliases, related IDs
//	    and affected package names get a "-dbbenchK" suffix, so the copies
//	    sit between the real records in every bbolt bucket (as new advisories
//	    do) but match no real package.
//	dbbench nomatch -i package-lock.json -o OUT [-suffix -nomatch]
//	    rewrites a package-lock.json (v2/v3 "packages") so that every package
//	    name carries suffix: the same shape and size, but like most packages
//	    of a real project none has an advisory, so a scan of it is index
//	    seeks that find nothing.
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "grow":
		err = grow(os.Args[2:])
	case "nomatch":
		err = noMatch(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: dbbench serve -osv DIR [-addr 127.0.0.1:0] [-url-file FILE]\n       dbbench grow -osv DIR -factor N -o OUT\n       dbbench nomatch -i package-lock.json -o OUT [-suffix S]")
	os.Exit(2)
}

// ecosystems lists the ecosystem folders of an export that hold an all.zip.
func ecosystems(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if fi, err := os.Stat(filepath.Join(dir, e.Name(), "all.zip")); err == nil && fi.Mode().IsRegular() {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no <Ecosystem>/all.zip", dir)
	}
	return out, nil
}

// object is one file of the served bucket.
type object struct {
	body    []byte
	etag    string
	modTime time.Time
}

func newObject(b []byte, mod time.Time) *object {
	sum := sha256.Sum256(b)
	return &object{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, modTime: mod}
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fs.String("osv", "", "OSV export folder (<Ecosystem>/all.zip)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	urlFile := fs.String("url-file", "", "write the base URL here once listening (default stdout)")
	fs.Parse(args)
	if *dir == "" {
		usage()
	}
	ecos, err := ecosystems(*dir)
	if err != nil {
		return err
	}
	// Listings are built up front, so that while an update is timed the
	// server only answers requests; records stay in their zips.
	objs := map[string]*object{}
	zipPaths := map[string]string{}
	records := map[string]*zip.File{}
	for _, eco := range ecos {
		zp := filepath.Join(*dir, eco, "all.zip")
		fi, err := os.Stat(zp)
		if err != nil {
			return err
		}
		zipPaths["/"+eco+"/all.zip"] = zp
		zr, err := zip.OpenReader(zp)
		if err != nil {
			return err
		}
		defer zr.Close()
		csv, err := listing(zp, zr, func(id string, f *zip.File) { records["/"+eco+"/"+id+".json"] = f })
		if err != nil {
			return err
		}
		objs["/"+eco+"/modified_id.csv"] = newObject(csv, fi.ModTime())
	}
	objs["/ecosystems.txt"] = newObject([]byte(strings.Join(ecos, "\n")+"\n"), time.Unix(0, 0))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + "/"
	if *urlFile != "" {
		// Written whole and renamed, so a polling script never reads half.
		if err := os.WriteFile(*urlFile+".tmp", []byte(base+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(*urlFile+".tmp", *urlFile); err != nil {
			return err
		}
	} else {
		fmt.Println(base)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean(r.URL.Path)
		if zp, ok := zipPaths[p]; ok {
			f, err := os.Open(zp)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer f.Close()
			fi, _ := f.Stat()
			w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.Size(), fi.ModTime().UnixNano()))
			http.ServeContent(w, r, "", fi.ModTime(), f)
			return
		}
		o, ok := objs[p]
		if zf, isRec := records[p]; isRec {
			raw, err := readZipFile(zf)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			o, ok = newObject(raw, zf.Modified), true
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", o.etag)
		http.ServeContent(w, r, "", o.modTime, bytes.NewReader(o.body))
	})
	return http.Serve(ln, h)
}

// listing reads an all.zip and returns its modified_id.csv, calling rec for
// each record with its ID.
func listing(zp string, zr *zip.ReadCloser, rec func(id string, f *zip.File)) ([]byte, error) {
	type line struct {
		mod time.Time
		id  string
	}
	var lines []line
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		raw, err := readZipFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", zp, f.Name, err)
		}
		var head struct {
			ID       string    `json:"id"`
			Modified time.Time `json:"modified"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
			return nil, fmt.Errorf("%s: %s: not an OSV record (%v)", zp, f.Name, err)
		}
		rec(head.ID, f)
		lines = append(lines, line{head.Modified.UTC(), head.ID})
	}
	sort.Slice(lines, func(i, j int) bool {
		if !lines[i].mod.Equal(lines[j].mod) {
			return lines[i].mod.After(lines[j].mod)
		}
		return lines[i].id < lines[j].id
	})
	var b bytes.Buffer
	for _, l := range lines {
		fmt.Fprintf(&b, "%s,%s\n", l.mod.Format(time.RFC3339Nano), l.id)
	}
	return b.Bytes(), nil
}

// maxRecord bounds one record read from a zip: the shared data is trusted,
// but a damaged file must not exhaust memory.
const maxRecord = 64 << 20

func readZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxRecord+1))
	if err == nil && len(b) > maxRecord {
		err = errors.New("record larger than 64 MiB")
	}
	return b, err
}

func grow(args []string) error {
	fs := flag.NewFlagSet("grow", flag.ExitOnError)
	dir := fs.String("osv", "", "OSV export folder (<Ecosystem>/all.zip)")
	factor := fs.Int("factor", 6, "records in the output per record of the input")
	out := fs.String("o", "", "output folder")
	fs.Parse(args)
	if *dir == "" || *out == "" || *factor < 1 {
		usage()
	}
	ecos, err := ecosystems(*dir)
	if err != nil {
		return err
	}
	for _, eco := range ecos {
		if err := growZip(filepath.Join(*dir, eco, "all.zip"), filepath.Join(*out, eco, "all.zip"), *factor); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(*out, "ecosystems.txt"), []byte(strings.Join(ecos, "\n")+"\n"), 0o644)
}

// A flate.Writer holds about 1 MiB of tables: one per zip entry made
// clearing memory most of the work.
var flatePool sync.Pool

type pooledFlate struct{ *flate.Writer }

func (p *pooledFlate) Close() error {
	err := p.Writer.Close()
	flatePool.Put(p.Writer)
	return err
}

func growZip(src, dst string, factor int) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	// The zip is read once by the import: compressing it hard only costs
	// the benchmark's setup time.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		fw, _ := flatePool.Get().(*flate.Writer)
		if fw == nil {
			var err error
			if fw, err = flate.NewWriter(w, flate.BestSpeed); err != nil {
				return nil, err
			}
		} else {
			fw.Reset(w)
		}
		return &pooledFlate{fw}, nil
	})
	add := func(name string, b []byte) error {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	}
	for _, zf := range zr.File {
		raw, err := readZipFile(zf)
		if err != nil {
			return fmt.Errorf("%s: %s: %v", src, zf.Name, err)
		}
		if err := add(zf.Name, raw); err != nil {
			return fmt.Errorf("%s: %v", dst, err)
		}
		if !strings.HasSuffix(zf.Name, ".json") {
			continue
		}
		if factor == 1 {
			continue
		}
		c, err := newCopier(raw)
		if err != nil {
			return fmt.Errorf("%s: %s: %v", src, zf.Name, err)
		}
		for k := 1; k < factor; k++ {
			id, b, err := c.copy(fmt.Sprintf("-dbbench%d", k))
			if err != nil {
				return fmt.Errorf("%s: %s: %v", src, zf.Name, err)
			}
			if err := add(id+".json", b); err != nil {
				return fmt.Errorf("%s: %v", dst, err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %v", dst, err)
	}
	return f.Close()
}

// copier renames one OSV record's IDs and affected package names with a
// suffix per copy. The record is decoded once; each copy rewrites the same
// fields from their original values. Package URLs are dropped: they would
// still name the real package.
type copier struct {
	rec   map[string]any
	id    string
	ids   map[string][]string // aliases, related, upstream
	names []map[string]any    // affected[].package objects
	orig  []string            // their names
}

func newCopier(raw []byte) (*copier, error) {
	c := &copier{ids: map[string][]string{}}
	if err := json.Unmarshal(raw, &c.rec); err != nil {
		return nil, err
	}
	c.id, _ = c.rec["id"].(string)
	if c.id == "" {
		return nil, errors.New("no id")
	}
	for _, key := range []string{"aliases", "related", "upstream"} {
		list, _ := c.rec[key].([]any)
		for _, v := range list {
			if s, ok := v.(string); ok {
				c.ids[key] = append(c.ids[key], s)
			}
		}
		if len(c.ids[key]) != len(list) {
			delete(c.ids, key) // not a list of strings: left as it is
		}
	}
	aff, _ := c.rec["affected"].([]any)
	for _, a := range aff {
		am, _ := a.(map[string]any)
		pkg, _ := am["package"].(map[string]any)
		if name, ok := pkg["name"].(string); ok && name != "" {
			c.names = append(c.names, pkg)
			c.orig = append(c.orig, name)
			delete(pkg, "purl")
		}
	}
	return c, nil
}

// copy returns the ID and JSON of the copy with the given suffix, indented
// like osv.dev's files so that it costs what its original costs once
// compressed and stored.
func (c *copier) copy(suffix string) (string, []byte, error) {
	c.rec["id"] = c.id + suffix
	for key, list := range c.ids {
		out := make([]any, len(list))
		for i, s := range list {
			out[i] = s + suffix
		}
		c.rec[key] = out
	}
	for i, pkg := range c.names {
		pkg["name"] = c.orig[i] + suffix
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(c.rec)
	return c.id + suffix, bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

func noMatch(args []string) error {
	fs := flag.NewFlagSet("nomatch", flag.ExitOnError)
	in := fs.String("i", "", "package-lock.json (v2 or v3)")
	out := fs.String("o", "", "output file")
	suffix := fs.String("suffix", "-nomatch", "appended to every package name")
	fs.Parse(args)
	if *in == "" || *out == "" || *suffix == "" {
		usage()
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var lock map[string]any
	if err := json.Unmarshal(raw, &lock); err != nil {
		return fmt.Errorf("%s: %v", *in, err)
	}
	pkgs, ok := lock["packages"].(map[string]any)
	if !ok {
		return fmt.Errorf("%s: no \"packages\" object (lockfileVersion 2 or 3 needed)", *in)
	}
	const nm = "node_modules/"
	renamed := map[string]any{}
	for key, v := range pkgs {
		entry, _ := v.(map[string]any)
		if key != "" {
			// node_modules/a/node_modules/@s/b: every name after a
			// node_modules/ is a package name.
			parts := strings.Split(key, nm)
			for i := 1; i < len(parts); i++ {
				parts[i] = strings.TrimSuffix(parts[i], "/") + *suffix
				if i < len(parts)-1 {
					parts[i] += "/"
				}
			}
			key = strings.Join(parts, nm)
			if n, ok := entry["name"].(string); ok {
				entry["name"] = n + *suffix
			}
		}
		for _, deps := range []string{"dependencies", "devDependencies", "optionalDependencies", "peerDependencies"} {
			if m, ok := entry[deps].(map[string]any); ok {
				r := map[string]any{}
				for n, spec := range m {
					r[n+*suffix] = spec
				}
				entry[deps] = r
			}
		}
		renamed[key] = v
	}
	lock["packages"] = renamed
	delete(lock, "dependencies") // the v2 copy of the same tree
	b, err := json.MarshalIndent(lock, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}
