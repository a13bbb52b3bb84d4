package gate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
)

// Code fnguard cannot read (a container image, an S3 location) is listed
// as not inspected; a release in which no function's code could be read at
// all scanned nothing and does not pass.
func TestCodeNotInspected(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	a := &app.Application{Kind: app.KindCloudFormation, Root: ".", Entry: "template.yaml", Functions: []*app.Function{
		{ID: "ImageFn", PackageType: "Image", Code: app.Code{Type: app.CodeImage, Path: "123.dkr.ecr.eu-west-1.amazonaws.com/x:1", Note: "image: not inspected"}},
		{ID: "S3Fn", Code: app.Code{Type: app.CodeS3, Path: "s3://bucket/key.zip", Note: "not available locally"}},
	}}
	inv, rel, err := release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := &vulndb.Result{Inventory: inv}
	v := EvaluateWith(res, Input{Now: now, Release: rel})
	if v.Pass {
		t.Fatalf("a release with no code read passes: reasons %q notes %q", v.Reasons, v.Notes)
	}
	notes := strings.Join(v.Notes, "\n")
	for _, want := range []string{"function ImageFn: code image", "function S3Fn: code s3 s3://bucket/key.zip (not available locally): not inspected"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// With one function's code read (inline counts), the others are notes.
	a.Functions = append(a.Functions, &app.Function{ID: "InlineFn", Code: app.Code{Type: app.CodeInline, Note: "inline"}})
	inv, rel, err = release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := EvaluateWith(&vulndb.Result{Inventory: inv}, Input{Now: now, Release: rel}); !v.Pass {
		t.Errorf("inline code read, others noted: reasons %q", v.Reasons)
	}
}
