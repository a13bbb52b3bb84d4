package osv

import "testing"

func TestRecordSeverity(t *testing.T) {
	for _, c := range []struct {
		file, label string
		malicious   bool
	}{
		{"GHSA-wrh9-cjv3-2hpw", SeverityCritical, false},
		{"MAL-2022-1", SeverityCritical, true},
	} {
		r := rec(t, c.file)
		label, score, mal := RecordSeverity(r)
		if label != c.label || mal != c.malicious || (label != SeverityUnscored && !mal && score == 0) {
			t.Errorf("%s: got %s %.1f malicious=%v, want %s malicious=%v", c.file, label, score, mal, c.label, c.malicious)
		}
	}
}
