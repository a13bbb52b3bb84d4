package lockfiles

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

// TestHashValues: a digest reads back exactly as it was given, whether it
// is held as bytes (lowercase hex) or as given (anything else).
func TestHashValues(t *testing.T) {
	sum := sha512.Sum512([]byte("left-pad"))
	lower := hex.EncodeToString(sum[:])
	for _, v := range []string{lower, "ABCDEF0123", "abc", "not-a-digest", "0", "00ff"} {
		h := NewHash("SHA-512", v)
		if h.Value() != v {
			t.Errorf("NewHash(%q).Value() = %q", v, h.Value())
		}
	}
	if h := NewHash("SHA-512", lower); !h.raw || len(h.sum) != len(sum) {
		t.Errorf("a lowercase hex digest is held as %d bytes (raw %v), want its %d", len(h.sum), h.raw, len(sum))
	}
	hs := Hashes{}.With("SHA-512", lower).With("SHA-1", "not-a-digest").With("SHA-512", "00").With("SHA-256", "")
	if len(hs) != 2 || hs.Get("SHA-512") != lower || hs.Get("SHA-1") != "not-a-digest" || hs.Get("SHA-256") != "" {
		t.Errorf("hashes %+v", hs)
	}
	if s := hs.Sorted(); s[0].Alg != "SHA-1" || s[1].Value() != lower {
		t.Errorf("sorted %+v", s)
	}
	// An npm integrity is the tarball's digest in base64; its hex is what
	// the SBOM carries.
	integ := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]) + " sha1-" + base64.StdEncoding.EncodeToString(make([]byte, 20))
	got := npmIntegrity(integ)
	if got.Get("SHA-512") != lower || got.Get("SHA-1") != hex.EncodeToString(make([]byte, 20)) || len(got) != 2 {
		t.Errorf("npmIntegrity = %q, %q", got.Get("SHA-512"), got.Get("SHA-1"))
	}
}
