package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// percent reads the GC percent without changing it.
func percent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// settle runs collections until cond holds or the finalizers had ample
// chances to run (each collection is one); it reports whether cond held.
func settle(cond func() bool) bool {
	for i := 0; i < 50; i++ {
		runtime.GC()
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

func TestTuner(t *testing.T) {
	defer debug.SetGCPercent(percent())
	t.Setenv("GOGC", "")
	t.Run("GOGC set: left alone", func(t *testing.T) {
		debug.SetGCPercent(100)
		t.Setenv("GOGC", "100")
		Start()
		big := make([][]byte, 0, 100)
		for range 100 {
			big = append(big, make([]byte, 1<<20))
		}
		if settle(func() bool { return percent() != 100 }) {
			t.Errorf("GOGC=100 in the environment, percent changed to %d", percent())
		}
		runtime.KeepAlive(big)
	})
	// t.Setenv("GOGC", "") sets it empty, which LookupEnv sees; the tuner
	// must run as it does in a process without GOGC.
	t.Run("small heap: default kept", func(t *testing.T) {
		unsetGOGC(t)
		debug.SetGCPercent(100)
		Start()
		if settle(func() bool { return percent() != 100 }) {
			t.Errorf("a heap far below the threshold changed the percent to %d", percent())
		}
	})
	t.Run("large heap: less headroom", func(t *testing.T) {
		unsetGOGC(t)
		debug.SetGCPercent(100)
		Start()
		big := make([][]byte, 0, 96)
		for range 96 {
			big = append(big, make([]byte, 1<<20))
		}
		if !settle(func() bool { return percent() == Percent }) {
			t.Errorf("%d MB live, percent still %d, want %d", len(big), percent(), Percent)
		}
		runtime.KeepAlive(big)
	})
}

func unsetGOGC(t *testing.T) {
	t.Helper()
	t.Setenv("GOGC", "") // restores the old value after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
}
