package osv

import (
	"encoding/json"
	"strings"
	"sync"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Severity labels of a Finding.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityUnscored = "unscored"
)

// SeverityRank orders labels for sorting and gating: critical 0 … low 3,
// unscored 4 (unknown is listed last but must not be read as "low").
func SeverityRank(label string) int {
	switch label {
	case SeverityCritical:
		return 0
	case SeverityHigh:
		return 1
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 3
	}
	return 4
}

// Bucket maps a CVSS score to a label with the FIRST qualitative scale
// (9.0 critical, 7.0 high, 4.0 medium, 0.1 low), used for every CVSS
// version alike. A 0.0 score ("none" in CVSS) is reported as low: the
// record still says the package is affected, and a gate threshold must
// not let a published advisory vanish.
func Bucket(score float64) string {
	switch {
	case score >= 9.0:
		return SeverityCritical
	case score >= 7.0:
		return SeverityHigh
	case score >= 4.0:
		return SeverityMedium
	default:
		return SeverityLow
	}
}

// Confidence of a severity source, highest first. A malicious package is
// critical whatever its vectors say. CVSS v3 and v4 vectors are one tier:
// the highest base score either gives wins, as osv-scanner does, so a
// record's lower v3 score cannot hide a higher v4 one (PYSEC-2026-1297,
// Django: v3 3.7 low, v4 6.3 medium) and the gate errs towards blocking.
// Any v3/v4 vector outranks a publisher's label, which outranks obsolete
// CVSS v2 (its scores run higher than v3's for the same issue, and every
// record carrying v2 next to v3 was scored again in v3 on purpose).
const (
	confNone = iota
	confCVSS2
	confLabel
	confCVSS
	confMalicious
)

// scored is one severity reading of one record.
type scored struct {
	conf   int
	label  string
	score  float64
	vector string
	source string
}

func (a scored) better(b scored) bool {
	if a.conf != b.conf {
		return a.conf > b.conf
	}
	return a.score > b.score
}

// recordSeverity reads r's best severity, looking at the affected entries
// that matched (OSV puts per-package severity there) and the record level.
func recordSeverity(r *Record, entries []*Affected) scored {
	if isMalicious(r) {
		return scored{conf: confMalicious, label: SeverityCritical, source: "malicious"}
	}
	var best scored
	consider := func(s scored) {
		if s.conf > confNone && s.better(best) {
			best = s
		}
	}
	var sevs []Severity
	for _, a := range entries {
		sevs = append(sevs, a.Severity...)
	}
	sevs = append(sevs, r.Severity...)
	for _, s := range sevs {
		consider(scoreSeverity(s))
	}
	if best.conf < confLabel {
		dbs := []json.RawMessage{r.DatabaseSpecific}
		for _, a := range entries {
			dbs = append(dbs, a.DatabaseSpecific)
		}
		for _, raw := range dbs {
			if l := labelOf(dbSpecific(raw).Severity); l != "" {
				consider(scored{conf: confLabel, label: l, source: "database_specific.severity"})
			}
		}
	}
	if best.conf == confNone {
		best.label = SeverityUnscored
	}
	return best
}

// scoreSeverity scores one severity entry; unusable ones get confNone.
func scoreSeverity(s Severity) scored {
	vec := strings.TrimSpace(s.Score)
	out := scored{vector: vec, source: s.Type}
	switch strings.ToUpper(s.Type) {
	case "CVSS_V4":
		v, err := gocvss40.ParseVector(vec)
		if err != nil {
			return scored{}
		}
		out.conf, out.score = confCVSS, v.Score()
	case "CVSS_V3":
		switch {
		case strings.HasPrefix(vec, "CVSS:3.1/"):
			v, err := gocvss31.ParseVector(vec)
			if err != nil {
				return scored{}
			}
			out.score = v.BaseScore()
		case strings.HasPrefix(vec, "CVSS:3.0/"):
			v, err := gocvss30.ParseVector(vec)
			if err != nil {
				return scored{}
			}
			out.score = v.BaseScore()
		default:
			return scored{}
		}
		out.conf = confCVSS
	case "CVSS_V2":
		v, err := gocvss20.ParseVector(strings.TrimSuffix(strings.TrimPrefix(vec, "("), ")"))
		if err != nil {
			return scored{}
		}
		out.conf, out.score = confCVSS2, v.BaseScore()
	case "UBUNTU":
		l := labelOf(vec)
		if l == "" {
			return scored{}
		}
		return scored{conf: confLabel, label: l, source: s.Type}
	default:
		return scored{}
	}
	out.label = Bucket(out.score)
	return out
}

// labelOf maps publisher labels (GHSA CRITICAL/HIGH/MODERATE/LOW, Ubuntu
// priorities) to fnguard's; "" when there is nothing usable.
func labelOf(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return SeverityCritical
	case "high":
		return SeverityHigh
	case "moderate", "medium":
		return SeverityMedium
	case "low", "negligible":
		return SeverityLow
	}
	return ""
}

// dbSpecificFields are the database_specific keys fnguard reads. Values are
// decoded leniently: sources disagree on types (PYSEC stores every scalar
// as a string) and a bad field must not cost the whole record.
type dbSpecificFields struct {
	Severity string
	CWEIDs   []string
}

// dbSpecificCache holds what each database_specific block says: a record
// is matched once per version of its package present, and decoding the
// block again for every finding was an eighth of a large scan's time.
var dbSpecificCache = struct {
	sync.Mutex
	m map[string]dbSpecificFields
}{m: map[string]dbSpecificFields{}}

func dbSpecific(raw json.RawMessage) dbSpecificFields {
	if len(raw) == 0 {
		return dbSpecificFields{}
	}
	dbSpecificCache.Lock()
	out, ok := dbSpecificCache.m[string(raw)]
	dbSpecificCache.Unlock()
	if ok {
		return out
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		_ = json.Unmarshal(m["severity"], &out.Severity)
		_ = json.Unmarshal(m["cwe_ids"], &out.CWEIDs)
	}
	dbSpecificCache.Lock()
	dbSpecificCache.m[string(raw)] = out
	dbSpecificCache.Unlock()
	return out
}

func isMalicious(r *Record) bool { return strings.HasPrefix(r.ID, "MAL-") }

// RecordSeverity scores one record on its own, over all its affected
// entries, for listing a package's advisories when no version is given
// (no alias group is formed, so no alias lends its score).
func RecordSeverity(r *Record) (label string, score float64, malicious bool) {
	entries := make([]*Affected, len(r.Affected))
	for i := range r.Affected {
		entries[i] = &r.Affected[i]
	}
	s := recordSeverity(r, entries)
	return s.label, s.score, isMalicious(r)
}

// Reading is the severity one record gives on its own and the evidence that
// decided it, so a report can show which vector won.
type Reading struct {
	Label  string  // critical|high|medium|low|unscored
	Score  float64 // CVSS base score; 0 for labels and malicious records
	Vector string  // the deciding CVSS vector, "" for labels
	Type   string  // CVSS_V3, CVSS_V4, CVSS_V2, Ubuntu, database_specific.severity, malicious; "" when unscored
}

// RecordReading is RecordSeverity with the deciding vector and its type.
func RecordReading(r *Record) Reading {
	entries := make([]*Affected, len(r.Affected))
	for i := range r.Affected {
		entries[i] = &r.Affected[i]
	}
	s := recordSeverity(r, entries)
	return Reading{Label: s.label, Score: s.score, Vector: s.vector, Type: s.source}
}
