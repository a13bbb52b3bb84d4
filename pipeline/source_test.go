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
