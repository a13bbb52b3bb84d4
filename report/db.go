package report

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/fnguard/fnguard/vulndb"
)

// WriteUpdate renders what `db update` and `db import` did: one line per
// ecosystem (or only those that skipped invalid records), then the total.
func WriteUpdate(w io.Writer, res *vulndb.UpdateResult, perEcosystem bool) {
	for _, e := range res.Ecosystems {
		if !perEcosystem && len(e.Invalid) == 0 {
			continue
		}
		line := fmt.Sprintf("%-10s %-11s %6d records (+%d added, %d changed, %d removed)", e.Ecosystem, e.Mode, e.Records, e.Added, e.Changed, e.Removed)
		if e.Note != "" {
			line += "; " + e.Note
		}
		fmt.Fprintln(w, line)
		for _, inv := range e.Invalid {
			fmt.Fprintf(w, "  skipped invalid record: %v\n", inv)
		}
	}
	fmt.Fprintf(w, "database %s from %s (%s fetched)\n", res.Path, res.Source, HumanBytes(res.BytesFetched))
}

// WriteDBStatus renders `db status`: the database file (fileSize, as ls
// shows it) and each ecosystem's records, update time and age at now.
func WriteDBStatus(w io.Writer, st *vulndb.Status, fileSize int64, now time.Time) error {
	fmt.Fprintf(w, "database %s (%s), updated %s (%s ago)\n", st.Path, HumanBytes(fileSize), st.Updated.UTC().Format(time.RFC3339), shortAge(now, st.Updated))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tRECORDS\tUPDATED\tAGE\tNEWEST RECORD\tSOURCE")
	for _, es := range st.Ecosystems {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", es.Name, es.Records, es.Updated.UTC().Format(time.RFC3339), shortAge(now, es.Updated), es.Newest.UTC().Format("2006-01-02"), es.Source)
	}
	return tw.Flush()
}

// HumanBytes is a size as people read it: "43.2 MiB".
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// shortAge is an age for a table column ("3d"); age is the sentence form.
func shortAge(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
