// Package osv holds the OSV record schema (1.6+) and the pure logic over it:
// package identity per ecosystem, range evaluation, severity and fixes. It
// does no I/O so the store and the matcher can share it.
package osv

import (
	"encoding/json"
	"fmt"
	"time"
)

// Record is one OSV advisory. Unknown fields are ignored; the raw bytes are
// kept by the store, so nothing is lost by decoding only what fnguard uses.
type Record struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a scored vector (CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu).
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names one package and the versions of it the record covers.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package is an affected package's identity.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is one range of affected versions; each is evaluated on its own.
type Range struct {
	Type   string  `json:"type"` // ECOSYSTEM, SEMVER, GIT
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Event is one point in a range. Exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link the record cites.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Parse decodes one record and checks the fields every later step relies on.
func Parse(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("invalid OSV record: %w", err)
	}
	if r.ID == "" {
		return nil, fmt.Errorf("invalid OSV record: no id")
	}
	return &r, nil
}
