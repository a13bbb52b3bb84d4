package lockfiles

import (
	"runtime"
	"sync"
)

// prefetchMin is the size below which a member is read where it is
// needed: inflating a small file costs less than handing it over.
const prefetchMin = 64 << 10

// maxPrefetchBytes bounds the members held inflated and not yet taken,
// whatever the number of cores: one member larger than this is still
// read, alone, as it would be without a prefetch.
const maxPrefetchBytes = 128 << 20

// prefetcher inflates the large archive members extractAll will read (the
// jars of a Java package, a Go executable beside them) on other cores, a
// few ahead of the loop that reads them. Inflating is most of what a zip
// of jars costs and the members are independent, so a package of many jars
// reads in about the time of its largest.
//
// At most 2 x GOMAXPROCS members, and maxPrefetchBytes of them, are held
// inflated and not yet taken. The loop takes members in the order they
// were planned; one it passes over is dropped when a later one is taken.
type prefetcher struct {
	v     *vfs
	order []string
	size  []int64
	index map[string]int
	slots []chan fetched
	next  int // first member not yet taken or dropped
	ahead int
	// maxBytes bounds the sizes of the members held (maxPrefetchBytes).
	maxBytes int64
	stop     chan struct{}
	wg       sync.WaitGroup

	mu      sync.Mutex
	room    *sync.Cond // signalled when a member is taken or dropped, or on close
	held    int        // members started and not yet taken or dropped
	peak    int        // the most held at once, which the bounds keep small
	bytes   int64      // their sizes
	stopped bool
}

type fetched struct {
	data []byte
	err  error
}

// startPrefetch plans the members of an archive level some plugin will
// read; nil when there are fewer than two, or v is not an archive.
func startPrefetch(v *vfs, plugins []plugin) *prefetcher {
	if !v.inArchive {
		return nil
	}
	var order []string
	for _, name := range v.names {
		f := v.files[name]
		if f == nil || f.stream != nil || f.info == nil || f.info.Size() < prefetchMin {
			continue
		}
		for _, pl := range plugins {
			if wants(pl, v, name) {
				order = append(order, name)
				break
			}
		}
	}
	if len(order) < 2 {
		return nil
	}
	return launch(v, order, runtime.GOMAXPROCS(0), maxPrefetchBytes)
}

// holds says whether p inflates name; false for a nil p.
func (p *prefetcher) holds(name string) bool {
	if p == nil {
		return false
	}
	_, ok := p.index[name]
	return ok
}

// launch starts workers inflating order's members, within maxBytes.
func launch(v *vfs, order []string, workers int, maxBytes int64) *prefetcher {
	p := &prefetcher{
		v:        v,
		order:    order,
		size:     make([]int64, len(order)),
		index:    make(map[string]int, len(order)),
		slots:    make([]chan fetched, len(order)),
		ahead:    2 * workers,
		maxBytes: maxBytes,
		stop:     make(chan struct{}),
	}
	p.room = sync.NewCond(&p.mu)
	for i, name := range order {
		p.index[name] = i
		p.size[i] = v.files[name].info.Size()
		p.slots[i] = make(chan fetched, 1) // a worker never waits to hand over
	}
	work := make(chan int)
	go func() {
		defer close(work)
		for i := range order {
			if !p.reserve(i) {
				return
			}
			select {
			case work <- i:
			case <-p.stop:
				return
			}
		}
	}()
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for i := range work {
				d, err := v.readFile(order[i])
				p.slots[i] <- fetched{d, err}
			}
		}()
	}
	return p
}

// read returns the member as v.readFile would, from the prefetch when it
// was planned and not yet taken.
func (p *prefetcher) read(name string) ([]byte, error) {
	i, ok := p.index[name]
	if !ok || i < p.next {
		return p.v.readFile(name)
	}
	// Members planned before this one and passed over give back their
	// room. Each was started: while the loop waits for the earliest member
	// it has not taken, nothing later holds room, so that one is started.
	for ; p.next < i; p.next++ {
		<-p.slots[p.next]
		p.release(p.next)
	}
	r := <-p.slots[i]
	p.release(i)
	p.next = i + 1
	return r.data, r.err
}

// reserve waits for room to start member i; false once closed. A member
// always starts when nothing is held, however large.
func (p *prefetcher) reserve(i int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.stopped && p.held > 0 && (p.held >= p.ahead || p.bytes+p.size[i] > p.maxBytes) {
		p.room.Wait()
	}
	if p.stopped {
		return false
	}
	p.held++
	p.peak = max(p.peak, p.held)
	p.bytes += p.size[i]
	return true
}

func (p *prefetcher) release(i int) {
	p.mu.Lock()
	p.held--
	p.bytes -= p.size[i]
	p.mu.Unlock()
	p.room.Broadcast()
}

// close stops planning and waits for the members being inflated, so no
// worker reads the archive after the caller has closed it.
func (p *prefetcher) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.room.Broadcast()
	close(p.stop)
	p.wg.Wait()
}
