package lockfiles

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// noise is data deflate cannot shrink, so a member stays over prefetchMin
// inflated and its inflation takes real work.
func noise(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// prefetchVFS is one archive level of jars big enough to be prefetched,
// one too small to be, and a file no plugin reads.
func prefetchVFS(t *testing.T) (*vfs, map[string][]byte, []plugin) {
	t.Helper()
	want := map[string][]byte{}
	var ents []zent
	for i, name := range []string{"lib/a.jar", "lib/b.jar", "lib/c.jar", "lib/d.jar", "lib/small.jar", "lib/blob.bin"} {
		n := prefetchMin + 1000*i
		if name == "lib/small.jar" {
			n = 100
		}
		want[name] = noise(uint64(i), n)
		ents = append(ents, file(name, want[name]))
	}
	data := buildZip(t, ents...)
	b := &budget{limits: DefaultLimits}
	tree, err := openZip(bytes.NewReader(data), int64(len(data)), b, "")
	if err != nil {
		t.Fatal(err)
	}
	plugins, err := newPlugins()
	if err != nil {
		t.Fatal(err)
	}
	return zipVFS(tree, b), want, plugins
}

func TestPrefetchPlansWhatPluginsRead(t *testing.T) {
	v, _, plugins := prefetchVFS(t)
	p := startPrefetch(v, plugins)
	if p == nil {
		t.Fatal("no prefetch for four large jars")
	}
	defer p.close()
	if want := []string{"lib/a.jar", "lib/b.jar", "lib/c.jar", "lib/d.jar"}; !slices.Equal(p.order, want) {
		t.Errorf("planned %v, want %v (small members and files no plugin reads stay out)", p.order, want)
	}
	if startPrefetch(dirOnlyVFS(), plugins) != nil {
		t.Error("a folder is read where it lies; nothing to prefetch")
	}
}

func dirOnlyVFS() *vfs { return &vfs{files: map[string]*vfile{}} }

// TestPrefetchReadsInAnyOrder: taking members in order, passing some over
// and coming back to them, and asking for unplanned ones all return what
// readFile returns, and nothing waits forever.
func TestPrefetchReadsInAnyOrder(t *testing.T) {
	for _, seq := range [][]string{
		{"lib/a.jar", "lib/b.jar", "lib/c.jar", "lib/d.jar"},
		{"lib/c.jar", "lib/a.jar", "lib/d.jar", "lib/b.jar"},
		{"lib/d.jar", "lib/small.jar", "lib/blob.bin", "lib/a.jar"},
		{"lib/b.jar", "lib/b.jar", "lib/d.jar", "lib/d.jar"},
		{},
	} {
		t.Run(fmt.Sprint(seq), func(t *testing.T) {
			v, want, plugins := prefetchVFS(t)
			p := startPrefetch(v, plugins)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for _, name := range seq {
					got, err := p.read(name)
					if err != nil || !bytes.Equal(got, want[name]) {
						t.Errorf("%s: %d bytes, %v; want the member's %d bytes", name, len(got), err, len(want[name]))
					}
				}
				p.close()
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("prefetch deadlocked")
			}
		})
	}
}

// TestPrefetchKeepsErrors: a member that fails to inflate fails where the
// loop reads it, with the error readFile gives.
func TestPrefetchKeepsErrors(t *testing.T) {
	v, _, plugins := prefetchVFS(t)
	bad := v.files["lib/b.jar"]
	wantErr := fmt.Errorf("inflate failed")
	bad.read = func() ([]byte, error) { return nil, wantErr }
	p := startPrefetch(v, plugins)
	defer p.close()
	if _, err := p.read("lib/a.jar"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.read("lib/b.jar"); err != wantErr {
		t.Errorf("got %v, want %v", err, wantErr)
	}
}

// TestPrefetchBoundsMemory: however many cores, members are started only
// while those held stay within the byte bound (one at a time when each
// fills it), and all are still read.
func TestPrefetchBoundsMemory(t *testing.T) {
	for _, tc := range []struct {
		maxBytes int64
		want     int // most members held at once
	}{{1, 1}, {2 * (prefetchMin + 3000), 2}, {1 << 30, 4}} {
		v, want, _ := prefetchVFS(t)
		order := []string{"lib/a.jar", "lib/b.jar", "lib/c.jar", "lib/d.jar"}
		p := launch(v, order, 8, tc.maxBytes)
		for _, name := range order {
			got, err := p.read(name)
			if err != nil || !bytes.Equal(got, want[name]) {
				t.Errorf("%s: %d bytes, %v", name, len(got), err)
			}
		}
		p.close()
		if p.peak > tc.want {
			t.Errorf("bound %d bytes: %d members held at once, want at most %d", tc.maxBytes, p.peak, tc.want)
		}
	}
}
