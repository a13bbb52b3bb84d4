package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// updateProgress is where `db update` sends vulndb's progress. On a
// terminal (TERM not dumb) it is stderr itself, so vulndb draws its
// download bars and each ecosystem's summary; elsewhere only notices pass
// (the summaries are the command's output, on stdout). -q silences it.
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
	return &updateProgress{Writer: struct{ io.Writer }{e.stderr}}
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
