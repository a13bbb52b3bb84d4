package vulndb

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports downloads as bars on a terminal and as one line per
// ecosystem elsewhere (CI logs, pipes), where bars would be noise.
type progress struct {
	w           io.Writer
	tty         bool
	noSummaries bool // UpdateOptions.OwnSummaries, off a terminal
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// track wraps a download; done must be called when it ends.
func (p *progress) track(r io.Reader, size int64, desc string) (io.Reader, func()) {
	if p.w == nil || !p.tty {
		return r, func() {}
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	rd := progressbar.NewReader(r, bar)
	return &rd, func() { bar.Finish() }
}

// summary prints an ecosystem's result line, unless the caller reports
// results itself.
func (p *progress) summary(e *EcosystemResult) {
	if !p.noSummaries {
		p.printf("%s", e.summary())
	}
}

func (p *progress) printf(format string, args ...any) {
	if p.w != nil {
		fmt.Fprintf(p.w, format+"\n", args...)
	}
}
