package pipeline

import (
	"context"
	"strings"
	"testing"
)

// An application given beside other paths would be read as a plain folder,
// its roles unjudged: refused, naming it.
func TestApplicationNotMixed(t *testing.T) {
	_, err := Load(context.Background(), []string{"../examples/orders-app", "../examples/orders-function.zip"}, InventoryOptions{}, SourceOptions{})
	if err == nil || ClassOf(err) != ClassInput || !strings.Contains(err.Error(), "orders-app is a sam application") {
		t.Fatalf("error %v", err)
	}
	l, err := Load(context.Background(), []string{"../examples/orders-app"}, InventoryOptions{}, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Release == nil || len(l.Release.Functions) != 2 || l.Release.Functions[0].Artifact == "" {
		t.Fatalf("release %+v", l.Release)
	}
}

// A path that does not exist is an input error before any database is
// opened or fetched.
func TestScanMissingPathBeforeDatabase(t *testing.T) {
	_, err := Scan(context.Background(), ScanOptions{Targets: []string{"no-such-function.zip"}, DB: DBOptions{Path: t.TempDir() + "/none.db", Offline: true}})
	if err == nil || ClassOf(err) != ClassInput || !strings.Contains(err.Error(), "no-such-function.zip: cannot read") {
		t.Fatalf("error %v (class %d), want an input error naming the path", err, ClassOf(err))
	}
}
