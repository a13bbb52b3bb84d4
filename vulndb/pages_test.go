package vulndb

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Most packages of a lockfile have no advisory: lookups that find nothing
// fault index pages in as surely as record reads do, so they count towards
// the release too. Before they did, a 6x database raised a 1,000-package
// scan's peak RSS by a fifth although it read no more records.
func TestLookupsThatFindNothingReleasePages(t *testing.T) {
	db, err := Open(buildTestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := releaseEvery/faultAround + 1
	for i := range n {
		recs, err := db.Records("npm", fmt.Sprintf("no-such-package-%d", i))
		if err != nil || len(recs) != 0 {
			t.Fatalf("Records: %v, %v", recs, err)
		}
	}
	if db.pages.drops != 1 {
		t.Errorf("%d lookups finding nothing: %d releases, want 1", n, db.pages.drops)
	}
	before := db.pages.n
	for i := range 3 {
		if r, err := db.Record(fmt.Sprintf("NOPE-%d", i)); r != nil || err != nil {
			t.Fatalf("Record: %v, %v", r, err)
		}
	}
	if db.pages.n-before != 3*faultAround {
		t.Errorf("3 Record misses counted %d bytes, want %d (one seek each)", db.pages.n-before, 3*faultAround)
	}
	before = db.pages.n
	if _, err := db.MavenNames("log4j-core"); err != nil {
		t.Fatal(err)
	}
	if db.pages.n-before <= faultAround {
		t.Errorf("a Maven index scan counted %d bytes, want its keys and a seek", db.pages.n-before)
	}
}

// Reading records across the whole shared database keeps the mapping's
// resident part near releaseEvery instead of growing with the file.
func TestMappedRSSBounded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fault-around and its release are Linux behaviours")
	}
	db := sharedDB(t)
	var ids []string
	read := 0
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			ids = append(ids, string(k))
			read += len(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The listing itself mapped the whole bucket: start from nothing.
	dropMapped(db.bolt, db.pages.size)
	if read < 2*releaseEvery {
		t.Skipf("records hold %d bytes, too few to tell a bound from none", read)
	}
	peak := 0
	for i, id := range ids {
		r, err := db.Record(id)
		if err != nil || r == nil {
			t.Fatalf("Record(%s): %v, %v", id, r, err)
		}
		if i%500 == 0 {
			peak = max(peak, mappedRSS(t, db.bolt))
		}
	}
	peak = max(peak, mappedRSS(t, db.bolt))
	t.Logf("%d records (%d MiB stored): mapping's peak resident %d KiB, %d releases", len(ids), read>>20, peak>>10, db.pages.drops)
	if limit := releaseEvery + 2<<20; peak > limit {
		t.Errorf("mapping's resident size reached %d KiB, want <= %d KiB", peak>>10, limit>>10)
	}
	if peak == 0 {
		t.Error("no resident pages seen: the measure is broken")
	}
}

// mappedRSS reads the resident size of bbolt's mapping from
// /proc/self/smaps.
func mappedRSS(t *testing.T, b *bolt.DB) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	start := strconv.FormatUint(uint64(b.Info().Data), 16) + "-"
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, ' '); i > 0 && strings.Contains(line[:i], "-") && !strings.HasSuffix(line[:i], ":") {
			in = strings.HasPrefix(line, start)
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, err := strconv.Atoi(strings.Fields(line)[1])
			if err != nil {
				t.Fatalf("smaps: %q", line)
			}
			return kb << 10
		}
	}
	t.Fatalf("smaps: no mapping starting at %s", start)
	return 0
}
