package release

import (
	"context"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/app"
)

// A role granting an action the rules cannot match (here a template
// parameter that defaults to "*") is never judged clean in silence; SAM's
// own batch action names are not such actions.
func TestUnknownActionsNoted(t *testing.T) {
	a, err := app.Load("testdata/param-action")
	if err != nil {
		t.Fatal(err)
	}
	_, rel, err := Inventory(context.Background(), a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := rel.Functions[0]
	var notes []string
	for _, n := range f.Notes {
		if strings.Contains(n, "cannot judge") {
			notes = append(notes, n)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "${ActionParam}") || strings.Contains(notes[0], "Batch") {
		t.Errorf("notes %q: want one naming ${ActionParam} and no SQS batch action", f.Notes)
	}
}
