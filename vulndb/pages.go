package vulndb

import bolt "go.etcd.io/bbolt"

// releaseEvery bounds how much of the mapped file a scan keeps resident.
// Linux maps up to 64 KiB of cached file around every page fault
// (fault-around), so each record read can add 64 KiB to the process's RSS
// however small the record: a larger database spreads a scan's records over
// more of those windows, and RSS grew with the database (6x the file, twice
// the RSS on a 1,000-package lockfile) although the scan did the same work.
// Dropping is safe at any time, even under an open cursor: bbolt maps the
// file shared and read-only, so MADV_DONTNEED only unmaps, and the next
// access maps the same page-cache page again.
const releaseEvery = 8 << 20

// faultAround is what one read is assumed to map.
const faultAround = 64 << 10

// pageReleaser counts what reads may have mapped and drops the mapping's
// resident pages (not the page cache) past releaseEvery. Index seeks count
// as well as record reads: most packages of a real lockfile have no
// advisory, so a scan is mostly seeks that find nothing, each faulting in
// the window around one index leaf, and a larger index spreads those
// leaves over more windows just as a larger records bucket spreads records.
// The owner's lock (DB.mu) is held by every caller.
type pageReleaser struct {
	n     int
	size  int64 // bytes mapped from the start of the file
	drops int   // releases so far (tests)
}

// touched accounts for one read of n bytes from the mapping: a record, a
// seek (n = 0), or a run of index keys.
func (p *pageReleaser) touched(b *bolt.DB, n int) {
	p.n += n + faultAround
	if p.n < releaseEvery {
		return
	}
	p.n = 0
	p.drops++
	dropMapped(b, p.size)
}
