// Package gctune makes the garbage collector keep less headroom once a
// scan's heap is large.
//
// Go's default (GOGC=100) lets the heap grow to twice what is live before
// collecting. A scan of a few hundred packages lives in a few MB and that
// headroom costs nothing; a 200,000-entry lockfile keeps about 190 MB of
// packages and findings live from its middle to its end, and doubling that
// was most of its 460 MB peak. Measured on 2 cores (bench/scale.sh):
// GOGC=50 from the start cut the peak at 50,000 and 200,000 entries by 18%
// for 6-12% more wall time, but cost 1,000 entries 13% more time for no
// memory at all. So the switch is made only once the live heap has passed
// Threshold, which small scans never reach.
//
// A GOGC set in the environment is the user's choice and is left alone.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Threshold is the live heap above which Percent applies.
const Threshold = 64 << 20

// Percent is the GOGC value for a large heap.
const Percent = 50

// Start watches the live heap after each collection until it passes
// Threshold, then sets Percent. It does nothing when GOGC is set.
func Start() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	arm()
}

// sentinel is an object whose only use is to be collected: its finalizer
// runs once after each garbage collection that found it unreachable.
type sentinel struct{ _ [16]byte }

func arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if liveHeap() > Threshold {
			debug.SetGCPercent(Percent)
			return
		}
		arm()
	})
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
