package vulndb

import bolt "go.etcd.io/bbolt"

// releaseEvery bounds how much of the mapped file a scan keeps resident.
// Linux maps up to 64 KiB of cached file around every page fault
// (fault-around), so each record read can add 64 KiB to the process's RSS
// however small the record: a larger database spreads a scan's records over
// more of those windows, and RSS grew with the database (6x the file, twice
// the RSS on a 1,000-package lockfile) although the scan did the same work.
// Records are copied out when decoded, so the mapped pages can be dropped.
const releaseEvery = 8 << 20

// faultAround is what one record read is assumed to map.
const faultAround = 64 << 10

// pageReleaser counts what record reads may have mapped and drops the
// mapping's resident pages (not the page cache) past releaseEvery.
type pageReleaser struct {
	n    int
	size int64 // bytes mapped from the start of the file
}

func (p *pageReleaser) touched(b *bolt.DB, n int) {
	p.n += n + faultAround
	if p.n < releaseEvery {
		return
	}
	p.n = 0
	dropMapped(b, p.size)
}
