package vulndb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// interruptFixture is a database built from export v1 and a source holding
// v2, which differs in every ecosystem; an interrupted v1->v2 update must
// leave v1's answers.
func interruptFixture(t *testing.T) (dbPath, src string, v1, v2 map[string]string) {
	t.Helper()
	return revisedFixture(t, nil)
}

// fixtureNow is the clock of the interrupt and kill tests' updates, parent
// and child processes alike: the revised records are an hour older, recent
// enough for an incremental update on any day the tests run.
var fixtureNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func fixtureClock() time.Time { return fixtureNow }

// revisedFixture builds a database from export v1 and a source holding v2,
// which revises one record in each of ecos (nil: every ecosystem).
func revisedFixture(t *testing.T, ecos []string) (dbPath, src string, v1, v2 map[string]string) {
	t.Helper()
	ex := loadTestdata(t)
	src = t.TempDir()
	ex.write(t, src, true)
	dbPath = filepath.Join(t.TempDir(), "osv.db")
	mustUpdate(t, dbPath, UpdateOptions{Source: src, Ecosystems: testEcos, Now: fixtureClock})
	v1 = snapshot(t, dbPath)

	// Only revisions: deletions are not visible to incremental updates (see
	// fullEvery) and are covered by TestFullRemovesRecords.
	when := fixtureNow.Add(-time.Hour)
	for eco, recs := range ex {
		if ecos != nil && !slices.Contains(ecos, eco) {
			continue
		}
		for id, raw := range recs {
			recs[id] = modify(t, raw, when, "v2 of "+id)
			break
		}
	}
	ex.write(t, src, true)
	ref := filepath.Join(t.TempDir(), "osv.db")
	mustUpdate(t, ref, UpdateOptions{Source: src, Ecosystems: testEcos, Now: fixtureClock})
	v2 = snapshot(t, ref)
	if equalSnap(v1, v2) {
		t.Fatal("fixture: v1 and v2 answer the same")
	}
	return dbPath, src, v1, v2
}

// A download cut after N bytes, for N across every file: the update fails
// and the previous database answers as before.
func TestInterruptedDownload(t *testing.T) {
	dbPath, src, v1, v2 := interruptFixture(t)
	srv := newServer(t, src)
	var largest int64
	filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Size() > largest {
			largest = fi.Size()
		}
		return nil
	})
	for _, full := range []bool{true, false} {
		step := largest / 40
		if testing.Short() {
			step = largest / 8
		}
		for cut := int64(0); cut < largest; cut += step {
			srv.cutAt = cut
			_, err := Update(context.Background(), dbPath, UpdateOptions{Source: srv.URL, Client: srv.Client(), Ecosystems: testEcos, Full: full, Now: fixtureClock})
			if err == nil {
				t.Fatalf("full=%v cut at %d: update succeeded", full, cut)
			}
			if got := snapshot(t, dbPath); !equalSnap(got, v1) {
				t.Fatalf("full=%v cut at %d (%v): database changed", full, cut, err)
			}
			noTemps(t, dbPath)
		}
	}
	srv.cutAt = -1
	mustUpdate(t, dbPath, UpdateOptions{Source: srv.URL, Client: srv.Client(), Ecosystems: testEcos, Now: fixtureClock})
	if !equalSnap(snapshot(t, dbPath), v2) {
		t.Error("update after the failures did not reach v2")
	}
}

// The update is stopped at every interruption point in turn, by a cancelled
// context and by a failing disk: until the last point the previous database
// must answer as before, after it the new one.
func TestInterruptedAtEveryStep(t *testing.T) {
	defer func(n int) { batchRecords = n }(batchRecords)
	batchRecords = 1 // an interruption point after every record
	defer func() { testHook = nil }()

	for _, how := range []string{"cancel", "disk full"} {
		for _, full := range []bool{true, false} {
			testHook = nil
			dbPath, src, v1, v2 := interruptFixture(t)
			points := 0
			for i := 1; ; i++ {
				ctx, cancel := context.WithCancel(context.Background())
				n := 0
				var at string
				testHook = func(step string) error {
					if n++; n == i {
						at = step
						if how == "cancel" {
							cancel()
							return nil
						}
						return errDiskFull
					}
					return nil
				}
				_, err := Update(ctx, dbPath, UpdateOptions{Source: src, Ecosystems: testEcos, Full: full, Now: fixtureClock})
				cancel()
				if n < i { // the update ran past its last interruption point
					if err != nil {
						t.Fatalf("%s full=%v: uninterrupted update: %v", how, full, err)
					}
					if !equalSnap(snapshot(t, dbPath), v2) {
						t.Errorf("%s full=%v: completed update did not reach v2", how, full)
					}
					break
				}
				points++
				want := errDiskFull
				if how == "cancel" {
					want = context.Canceled
				}
				if !errors.Is(err, want) {
					t.Fatalf("%s full=%v at %q: err = %v, want %v", how, full, at, err, want)
				}
				if got := snapshot(t, dbPath); !equalSnap(got, v1) {
					t.Fatalf("%s full=%v at %q: database changed", how, full, at)
				}
				noTemps(t, dbPath)
			}
			if points < 10 {
				t.Errorf("%s full=%v: only %d interruption points", how, full, points)
			}
		}
	}
}

const killHelperEnv = "FNGUARD_VULNDB_KILL_HELPER"

// TestMain lets the test binary act as an updating process for TestKill9.
func TestMain(m *testing.M) {
	if args := os.Getenv(killHelperEnv); args != "" {
		dbPath, src, _ := strings.Cut(args, "|")
		batchRecords = 1
		testHook = func(step string) error {
			// Announce each step and linger in it, so the parent can kill
			// the process while it is there.
			fmt.Println(step)
			time.Sleep(5 * time.Millisecond)
			return nil
		}
		_, err := Update(context.Background(), dbPath, UpdateOptions{Source: src, Ecosystems: testEcos, Full: true, Now: fixtureClock})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("done")
		os.Exit(0)
	}
	code := m.Run()
	if benchPath != "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	if sharedDBPath != "" {
		os.RemoveAll(filepath.Dir(sharedDBPath))
	}
	os.Exit(code)
}

// runKillable runs the test binary's tests matching testRun with env set,
// reading the steps it prints one per line, and kills it with SIGKILL after
// killAfterLine lines or after killAfter (0: never). It returns the steps
// seen and whether the child printed "done".
func runKillable(t *testing.T, exe, testRun, env string, killAfterLine int, killAfter time.Duration) (steps []string, finished bool) {
	t.Helper()
	cmd := exec.Command(exe, "-test.run="+testRun)
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var timer *time.Timer
	if killAfter > 0 {
		timer = time.AfterFunc(killAfter, func() { cmd.Process.Signal(syscall.SIGKILL) })
	}
	sc := bufio.NewScanner(out)
	for line := 1; sc.Scan(); line++ {
		steps = append(steps, sc.Text())
		if sc.Text() == "done" {
			finished = true
		}
		if line == killAfterLine {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	cmd.Wait()
	if timer != nil {
		timer.Stop()
	}
	return steps, finished
}

// An updating process killed with SIGKILL at each of its steps, and at
// arbitrary moments in between, leaves the previous database usable.
func TestKill9(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no test executable: ", err)
	}
	dbPath, src, v1, v2 := interruptFixture(t)
	v1File, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	run := func(killAfterLine int, killAfter time.Duration) (finished bool) {
		_, finished = runKillable(t, exe, "^$", killHelperEnv+"="+dbPath+"|"+src, killAfterLine, killAfter)
		return finished
	}
	steps := 0
	for line := 1; ; line++ {
		if testing.Short() && line > 6 {
			break
		}
		if run(line, 0) {
			break
		}
		steps++
		if got := snapshot(t, dbPath); !equalSnap(got, v1) {
			t.Fatalf("killed after step %d: database changed", line)
		}
	}
	// Kills at moments not aligned with steps (mid-write, mid-fsync).
	for d := time.Millisecond; d < 200*time.Millisecond; d = d * 3 / 2 {
		if testing.Short() && d > 5*time.Millisecond {
			break
		}
		if err := os.WriteFile(dbPath, v1File, 0o644); err != nil {
			t.Fatal(err)
		}
		finished := run(0, d)
		got := snapshot(t, dbPath)
		if !equalSnap(got, v1) && !equalSnap(got, v2) {
			t.Fatalf("killed after %v: database is neither v1 nor v2", d)
		}
		if !finished && !equalSnap(got, v1) {
			// Killed after the rename but before reporting: v2 is complete.
			t.Logf("killed after %v, after the rename", d)
		}
	}
	t.Logf("killed at %d steps", steps)
	if !testing.Short() && steps < 10 {
		t.Errorf("only %d steps to kill at", steps)
	}
	// The lock died with the process; leftovers are cleaned up.
	if !equalSnap(snapshot(t, dbPath), v2) {
		mustUpdate(t, dbPath, UpdateOptions{Source: src, Ecosystems: testEcos, Now: fixtureClock})
	}
	if !equalSnap(snapshot(t, dbPath), v2) {
		t.Error("update after the kills did not reach v2")
	}
	noTemps(t, dbPath)
}
