package vulndb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

const inPlaceHelperEnv = "FNGUARD_VULNDB_INPLACE_KILL_HELPER"

// TestInPlaceKillHelper is the updating process TestKill9InPlace kills; it
// does nothing unless that test started it.
func TestInPlaceKillHelper(t *testing.T) {
	args := os.Getenv(inPlaceHelperEnv)
	if args == "" {
		t.Skip("the process TestKill9InPlace starts and kills")
	}
	dbPath, src, _ := strings.Cut(args, "|")
	testHook = func(step string) error {
		// Announce each step and linger in it, so the parent can kill the
		// process while it is there.
		fmt.Println(step)
		d := 5 * time.Millisecond
		if step == "commit" {
			d = 50 * time.Millisecond // the step that matters most
		}
		time.Sleep(d)
		return nil
	}
	defer func() { testHook = nil }()
	if _, err := Update(context.Background(), dbPath, UpdateOptions{Source: src, Ecosystems: testEcos, Now: fixtureClock}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("done")
}

// inPlaceFixture is a database built from export v1 and a source holding v2,
// which revises one record in each of three ecosystems, few enough for an
// incremental update: v1->v2 runs in one transaction on the live file.
// (TestKill9 covers the copy-and-rename path of full reads.)
func inPlaceFixture(t *testing.T) (dbPath, src string, v1, v2 map[string]string) {
	t.Helper()
	return revisedFixture(t, []string{"npm", "PyPI", "Go"})
}

// An update writing the live database in place, killed with SIGKILL at
// each of its steps and at arbitrary moments in between (mid-write,
// mid-fsync), leaves the previous database or the complete new one, never
// a mix, and the next update completes.
func TestKill9InPlace(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no test executable: ", err)
	}
	dbPath, src, v1, v2 := inPlaceFixture(t)
	v1File, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	restore := func() {
		t.Helper()
		// Same file, v1's bytes: an in-place update keeps the file, so the
		// next run must too.
		if err := os.WriteFile(dbPath, v1File, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// run starts the helper and kills it after it printed killAfterLine
	// lines or after killAfter; it returns the steps seen and whether the
	// update finished.
	run := func(killAfterLine int, killAfter time.Duration) (steps []string, finished bool) {
		t.Helper()
		return runKillable(t, exe, "^TestInPlaceKillHelper$", inPlaceHelperEnv+"="+dbPath+"|"+src, killAfterLine, killAfter)
	}

	// Uninterrupted, the update runs in place: same file, one commit, v2.
	before, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	all, finished := run(0, 0)
	after, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if !finished || !os.SameFile(before, after) || !slices.Contains(all, "commit") {
		t.Fatalf("the update did not run in place (finished %v, same file %v): steps %v", finished, os.SameFile(before, after), all)
	}
	if !equalSnap(snapshot(t, dbPath), v2) {
		t.Fatal("uninterrupted in-place update did not reach v2")
	}

	steps := 0
	for line := 1; ; line++ {
		if testing.Short() && line > 4 {
			break
		}
		restore()
		seen, finished := run(line, 0)
		if finished {
			break
		}
		steps++
		got := snapshot(t, dbPath)
		last := seen[len(seen)-1]
		switch {
		case equalSnap(got, v1):
		case last == "commit" && equalSnap(got, v2):
			// The kill landed after the commit it was aimed before.
		default:
			t.Fatalf("killed after step %d (%s): database is neither v1 nor, after the commit, v2", line, last)
		}
	}
	for d := time.Millisecond; d < 200*time.Millisecond; d = d * 3 / 2 {
		if testing.Short() && d > 5*time.Millisecond {
			break
		}
		restore()
		_, finished := run(0, d)
		got := snapshot(t, dbPath)
		if !equalSnap(got, v1) && !equalSnap(got, v2) {
			t.Fatalf("killed after %v: database is neither v1 nor v2", d)
		}
		if finished && !equalSnap(got, v2) {
			t.Fatalf("finished after %v but the database is not v2", d)
		}
	}
	t.Logf("killed at %d steps of %v", steps, all)
	// A kill aimed at the commit may land after it on a loaded machine.
	if want := slices.Index(all, "commit") + 1; !testing.Short() && steps < want-1 {
		t.Errorf("killed at %d steps, want every step up to the commit (%d)", steps, want)
	}
	// The lock died with each process: the next update completes.
	mustUpdate(t, dbPath, UpdateOptions{Source: src, Ecosystems: testEcos, Now: fixtureClock})
	if !equalSnap(snapshot(t, dbPath), v2) {
		t.Error("update after the kills did not reach v2")
	}
	noTemps(t, dbPath)
}

// While an in-place update fetches what changed, a scan can open the
// database and read it: the update takes the file's exclusive lock only to
// write. It then commits v2 in place.
func TestInPlaceUpdateLetsScansReadWhileFetching(t *testing.T) {
	dbPath, src, v1, v2 := inPlaceFixture(t)
	checked := false
	testHook = func(step string) error {
		if !strings.HasPrefix(step, "listed ") || checked {
			return nil
		}
		checked = true
		done := make(chan error, 1)
		go func() {
			db, err := Open(dbPath)
			if err == nil {
				_, err = db.Records("npm", "lodash")
				db.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("a scan during the fetch failed: %v", err)
			}
		case <-time.After(time.Second):
			return errors.New("a scan during the fetch waited for the update's lock")
		}
		if got := snapshot(t, dbPath); !equalSnap(got, v1) {
			return errors.New("the database changed before the update wrote")
		}
		return nil
	}
	defer func() { testHook = nil }()
	before, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Update(context.Background(), dbPath, UpdateOptions{Source: src, Ecosystems: testEcos, Now: fixtureClock}); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("the update listed no ecosystem: nothing was checked")
	}
	after, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !equalSnap(snapshot(t, dbPath), v2) {
		t.Fatalf("not updated in place to v2 (same file %v)", os.SameFile(before, after))
	}
}
