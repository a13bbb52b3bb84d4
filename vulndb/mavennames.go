package vulndb

import (
	"bytes"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// MavenNames lists the Maven package names ("groupId:artifactId") the
// database holds advisories for whose artifactId is artifactID (any case),
// sorted. Names are as the index keeps them (lower case); Maven
// coordinates are matched case-insensitively, so they identify the
// package all the same. It reads the Maven index only, no record.
func (db *DB) MavenNames(artifactID string) ([]string, error) {
	all, err := db.mavenIndex()
	if err != nil {
		return nil, err
	}
	return all[strings.ToLower(artifactID)], nil
}

// MavenNameLookup reads the Maven index once and returns a lookup by
// artifactId for lockfiles.Options.MavenNames, which names jars that carry
// no pom.properties. A scan names many jars; one pass over the index
// serves them all.
func (db *DB) MavenNameLookup() (func(artifactID string) []string, error) {
	all, err := db.mavenIndex()
	if err != nil {
		return nil, err
	}
	return func(artifactID string) []string {
		return append([]string(nil), all[strings.ToLower(artifactID)]...)
	}, nil
}

// mavenIndex maps lower-case artifactId to the names of the index keys
// eco NUL name NUL id under the Maven ecosystem.
func (db *DB) mavenIndex() (map[string][]string, error) {
	prefix := []byte(ecoKey(ecosystem.Maven) + "\x00")
	out := map[string][]string{}
	db.mu.Lock()
	defer db.mu.Unlock()
	read := 0
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIndex).Cursor()
		last := ""
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			read += len(k)
			rest := k[len(prefix):]
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				continue
			}
			name := string(rest[:i])
			if name == last {
				continue // the next ID of the same package
			}
			last = name
			if _, a, ok := strings.Cut(name, ":"); ok && a != "" {
				out[strings.ToLower(a)] = append(out[strings.ToLower(a)], name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	db.pages.touched(db.bolt, read)
	for a := range out {
		sort.Strings(out[a])
	}
	return out, nil
}
