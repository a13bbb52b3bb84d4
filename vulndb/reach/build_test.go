package reach

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The test programs are real Go builds against old module versions fetched
// through the module proxy / module cache, because what matters is what the
// linker keeps, which only a real build shows.

const testGoMod = `module example.com/fnguard/reachtest

go 1.22

require (
	golang.org/x/text v0.3.5
	gopkg.in/yaml.v2 v2.2.2
)
`

// go.sum pinned so the build neither needs nor consults the checksum DB
// beyond what the module cache already verified.
const testGoSum = `golang.org/x/text v0.3.5 h1:i6eZZ+zk0SOf0xgBpEpPD18qWcJda6q1sxt3S0kzyUQ=
golang.org/x/text v0.3.5/go.mod h1:5Zoc/QRtKVWzQhOtBMvqHzDpF6irO9z98xDceosuGiQ=
golang.org/x/tools v0.0.0-20180917221912-90fa682c2a6e/go.mod h1:n7NCudcB/nEzxVGmLbDWY5pfWTLqBcC2KZ6jyYvM4mQ=
gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405/go.mod h1:Co6ibVJAznAaIkqp8huTwlJQCZ016jof/cbN4VW5Yz0=
gopkg.in/yaml.v2 v2.2.2 h1:ZCJp+EgiOT7lHqUV2J862kp8Qj64Jo6az82+3Td9dZw=
gopkg.in/yaml.v2 v2.2.2/go.mod h1:hI93XBmqTisBFMUTm0b8Fm+jr3Dg1NNxqwp+5A1VGuI=
`

// calls uses the vulnerable entry points: language.Parse (GO-2021-0113),
// yaml.Unmarshal (GO-2020-0036, GO-2021-0061, GO-2022-0956) and url.Parse
// (GO-2025-4010, affected only for Go < 1.25.2).
const callsMain = `package main

import (
	"fmt"
	"net/url"
	"os"

	"golang.org/x/text/language"
	"gopkg.in/yaml.v2"
)

func main() {
	tag, err := language.Parse(os.Args[1])
	fmt.Println(tag, err)
	var v map[string]string
	fmt.Println(yaml.Unmarshal([]byte(os.Args[2]), &v), v)
	u, err := url.Parse(os.Args[3])
	fmt.Println(u, err)
}
`

// marshal links gopkg.in/yaml.v2 but only its encoder: none of the yaml.v2
// advisories' symbols (Unmarshal, UnmarshalStrict, Decoder.Decode).
const marshalMain = `package main

import (
	"fmt"

	"gopkg.in/yaml.v2"
)

func main() {
	out, err := yaml.Marshal(map[string]string{"a": "b"})
	fmt.Println(string(out), err)
}
`

type builtBins struct {
	calls         string // calls, with symbols
	callsStripped string // calls, -ldflags "-s -w"
	marshal       string // marshal, with symbols
	skip          string // set when the module proxy / cache is unavailable
	err           error
}

var (
	buildOnce sync.Once
	built     builtBins
	// buildRoot is created by TestMain and removed after all tests, so the
	// binaries built once serve every test and benchmark.
	buildRoot string
)

func TestMain(m *testing.M) {
	var err error
	buildRoot, err = os.MkdirTemp("", "fnguard-reach-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(buildRoot)
	os.Exit(code)
}

func goEnv() []string {
	return append(os.Environ(),
		"GOFLAGS=-mod=mod -buildvcs=false",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
		"GO111MODULE=on",
		"CGO_ENABLED=0",
	)
}

func runGo(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv()
	return cmd.CombinedOutput()
}

// testBinaries builds the test programs once per test process.
func testBinaries(tb testing.TB) builtBins {
	tb.Helper()
	buildOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			built.skip = "go command not found"
			return
		}
		dir := filepath.Join(buildRoot, "src")
		files := map[string]string{
			"go.mod":              testGoMod,
			"go.sum":              testGoSum,
			"cmd/calls/main.go":   callsMain,
			"cmd/marshal/main.go": marshalMain,
		}
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				built.err = err
				return
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				built.err = err
				return
			}
		}
		if out, err := runGo(dir, "mod", "download"); err != nil {
			built.skip = fmt.Sprintf("cannot fetch golang.org/x/text v0.3.5 and gopkg.in/yaml.v2 v2.2.2 (module proxy or cache unavailable): %v\n%s", err, out)
			return
		}
		bin := filepath.Join(buildRoot, "bin")
		built.calls = filepath.Join(bin, "calls")
		built.callsStripped = filepath.Join(bin, "calls-stripped")
		built.marshal = filepath.Join(bin, "marshal")
		for _, b := range [][]string{
			{"build", "-trimpath", "-o", built.calls, "./cmd/calls"},
			{"build", "-trimpath", "-ldflags=-s -w", "-o", built.callsStripped, "./cmd/calls"},
			{"build", "-trimpath", "-o", built.marshal, "./cmd/marshal"},
		} {
			if out, err := runGo(dir, b...); err != nil {
				built.err = fmt.Errorf("go %s: %v\n%s", strings.Join(b, " "), err, out)
				return
			}
		}
	})
	if built.skip != "" {
		tb.Skip(built.skip)
	}
	if built.err != nil {
		tb.Fatal(built.err)
	}
	return built
}

var buildInfoMagic = []byte("\xff Go buildinf:")

// withGoVersion copies the binary at src to dst with the Go version in its
// build info replaced by version, which must have the same length (the
// string is stored inline after the magic, so equal length keeps the rest of
// the blob in place). This stands in for a binary built by an older release
// that GOTOOLCHAIN=local cannot produce; only metadata changes, the linked
// symbols stay those of the real build.
func withGoVersion(tb testing.TB, src, dst, version string) {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	bi, err := buildinfo.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	if len(bi.GoVersion) != len(version) {
		tb.Skipf("cannot patch %q into a binary built by %q: lengths differ", version, bi.GoVersion)
	}
	i := bytes.Index(b, buildInfoMagic)
	if i < 0 {
		tb.Fatal("no build info magic")
	}
	j := bytes.Index(b[i:], []byte(bi.GoVersion))
	if j < 0 || j > 64 {
		tb.Fatalf("Go version %q not found right after the build info magic", bi.GoVersion)
	}
	copy(b[i+j:], version)
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		tb.Fatal(err)
	}
	got, err := buildinfo.ReadFile(dst)
	if err != nil || got.GoVersion != version {
		tb.Fatalf("patched binary: GoVersion %v, err %v", got, err)
	}
}

// withoutBuildInfo copies src to dst with the build info magic destroyed: a
// Go executable whose build info cannot be found, as after
// objcopy --remove-section .go.buildinfo.
func withoutBuildInfo(tb testing.TB, src, dst string) {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	i := bytes.Index(b, buildInfoMagic)
	if i < 0 {
		tb.Fatal("no build info magic")
	}
	copy(b[i:], bytes.Repeat([]byte{0}, len(buildInfoMagic)))
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		tb.Fatal(err)
	}
	if _, err := buildinfo.ReadFile(dst); err == nil {
		tb.Fatal("build info still readable after removing its magic")
	}
}
