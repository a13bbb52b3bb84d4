package lockfiles

import (
	"runtime"
	"sync"
)

// prefetchMin is the size below which a member is read where it is
// needed: inflating a small file costs less than handing it over.
const prefetchMin = 64 << 10

// prefetcher inflates the large archive members extractAll will read (the
// jars of a Java package, a Go executable beside them) on other cores, a
// few ahead of the loop that reads them. Inflating is most of what a zip
// of jars costs and the members are independent, so a package of many jars
// reads in about the time of its largest.
//
// At most `ahead` members are held inflated and not yet taken, so memory
// stays within that many times the member limit whatever the archive holds.
// The loop takes members in the order they were planned; one it passes
// over is dropped when a later one is taken.
type prefetcher struct {
	v      *vfs
	order  []string
	index  map[string]int
	slots  []chan fetched
	next   int // first member not yet taken or dropped
	tokens chan struct{}
	stop   chan struct{}
	wg     sync.WaitGroup
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
	workers := runtime.GOMAXPROCS(0)
	p := &prefetcher{
		v:      v,
		order:  order,
		index:  make(map[string]int, len(order)),
		slots:  make([]chan fetched, len(order)),
		tokens: make(chan struct{}, 2*workers),
		stop:   make(chan struct{}),
	}
	for i, name := range order {
		p.index[name] = i
		p.slots[i] = make(chan fetched, 1) // a worker never waits to hand over
	}
	work := make(chan int)
	go func() {
		defer close(work)
		for i := range order {
			select {
			case p.tokens <- struct{}{}:
			case <-p.stop:
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
	// slots; each was started before this one, so none waits forever.
	for ; p.next < i; p.next++ {
		<-p.slots[p.next]
		<-p.tokens
	}
	r := <-p.slots[i]
	<-p.tokens
	p.next = i + 1
	return r.data, r.err
}

// close stops planning and waits for the members being inflated, so no
// worker reads the archive after the caller has closed it.
func (p *prefetcher) close() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
}
