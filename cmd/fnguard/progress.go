package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"
)

// summaryLine is vulndb's per-ecosystem progress summary, which `db update`
// prints on stdout as its result: shown once, not on both streams.
var summaryLine = regexp.MustCompile(`^\S+: \S+, \d+ records \(`)

// updateProgress is where `db update` sends vulndb's progress. On a
// terminal (TERM not dumb) it is stderr itself, so vulndb draws its
// download bars; elsewhere the summary lines are dropped (stdout has them)
// and notices pass. -q silences it.
type updateProgress struct {
	// Writer is what vulndb gets: on a terminal the *os.File itself, so
	// it can tell it is one.
	Writer io.Writer
	tty    bool
}

func newProgress(e *env) *updateProgress {
	switch {
	case e.quiet:
		return &updateProgress{Writer: io.Discard}
	case e.fancy(e.stderr):
		return &updateProgress{Writer: e.stderr, tty: true}
	}
	return &updateProgress{Writer: &lineFilter{w: e.stderr, drop: summaryLine}}
}

func (p *updateProgress) done() {
	if f, ok := p.Writer.(*lineFilter); ok {
		f.flush()
	}
}

// lineFilter passes whole lines that do not match drop.
type lineFilter struct {
	w    io.Writer
	drop *regexp.Regexp
	buf  []byte
}

func (f *lineFilter) Write(b []byte) (int, error) {
	f.buf = append(f.buf, b...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := f.buf[:i+1]
		if !f.drop.Match(line) {
			if _, err := f.w.Write(line); err != nil {
				return len(b), err
			}
		}
		f.buf = f.buf[i+1:]
	}
}

func (f *lineFilter) flush() {
	if len(f.buf) > 0 && !f.drop.Match(f.buf) {
		f.w.Write(f.buf)
	}
	f.buf = nil
}

// fetchProgress is where a scan's or check's first database fetch reports:
// stderr itself on a terminal (vulndb draws bars when it sees one), else a
// wrapper vulndb cannot take for a terminal, so TERM=dumb gets lines only.
func fetchProgress(e *env) io.Writer {
	switch {
	case e.quiet:
		return io.Discard
	case e.fancy(e.stderr):
		return e.stderr
	}
	return struct{ io.Writer }{e.stderr}
}

// startSpinner shows what is happening and for how long on a terminal
// (vulndb.Import reports no progress of its own); the line is cleared when
// stop is called. Off a terminal, with TERM=dumb or -q it does nothing.
func startSpinner(e *env, what string) (stop func()) {
	if e.quiet || !e.fancy(e.stderr) {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := `|/-\`
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(e.stderr, "\r%c %s (%ds)\x1b[K", frames[i%len(frames)], what, int(time.Since(start).Seconds()))
			select {
			case <-done:
				fmt.Fprint(e.stderr, "\r\x1b[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
