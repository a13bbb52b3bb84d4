// Command scanbench runs what `fnguard scan --offline` runs before the
// report (inventory, then advisory matching) on the given paths and prints
// the package and finding counts and each phase's time. bench/scale.sh uses
// it when the fnguard command is not given (FNGUARD), so the benchmark does
// not depend on the CLI building, and it separates the two phases.
//
//	scanbench -db osv.db PATH...
//	scanbench -db osv.db -import DIR   (vulndb.Import, as `fnguard db import`)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
)

func main() {
	dbPath := flag.String("db", vulndb.DefaultPath(), "advisory database")
	cpu := flag.String("cpuprofile", "", "write a CPU profile to FILE")
	mem := flag.String("memprofile", "", "write a heap profile to FILE after matching (after the inventory with -inventory-only)")
	invOnly := flag.Bool("inventory-only", false, "stop after the inventory (how a lockfile reader scales, apart from matching)")
	imp := flag.String("import", "", "import the OSV export DIR into -db and exit")
	flag.Parse()
	if *imp != "" {
		if _, err := vulndb.Import(context.Background(), *dbPath, *imp); err != nil {
			fmt.Fprintln(os.Stderr, "scanbench:", err)
			os.Exit(1)
		}
		return
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fmt.Fprintln(os.Stderr, "scanbench:", err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: scanbench -db FILE PATH...")
		os.Exit(2)
	}
	ctx := context.Background()
	t0 := time.Now()
	inv, err := lockfiles.Read(ctx, flag.Args(), lockfiles.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "scanbench:", err)
		os.Exit(2)
	}
	t1 := time.Now()
	c1 := cpuSeconds()
	if *invOnly {
		writeHeap(*mem)
		n := 0
		for _, a := range inv.Artifacts {
			n += len(a.Packages)
		}
		fmt.Printf("packages %d inventory %.3fs cpu %.3fs\n", n, t1.Sub(t0).Seconds(), c1)
		return
	}
	db, err := vulndb.Open(*dbPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scanbench:", err)
		os.Exit(3)
	}
	defer db.Close()
	res, err := vulndb.Scan(ctx, db, inv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scanbench:", err)
		pprof.StopCPUProfile()
		os.Exit(3)
	}
	t2 := time.Now()
	writeHeap(*mem)
	n := 0
	for _, a := range inv.Artifacts {
		n += len(a.Packages)
	}
	c2 := cpuSeconds()
	fmt.Printf("packages %d findings %d unchecked %d inventory %.3fs (cpu %.3fs) match %.3fs (cpu %.3fs)\n",
		n, len(res.Findings), len(res.Unchecked), t1.Sub(t0).Seconds(), c1, t2.Sub(t1).Seconds(), c2-c1)
}

// writeHeap writes a heap profile to file, when one is asked for.
func writeHeap(file string) {
	if file == "" {
		return
	}
	if f, err := os.Create(file); err == nil {
		runtime.GC() // the profile shows the heap as of the last collection
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
}

// cpuSeconds is the process's user+system CPU time so far: on a shared
// machine the phases' CPU is steadier than their wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
