package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fnguard/fnguard/vulndb"
)

// DBOptions say how to get at the advisory database.
type DBOptions struct {
	Path string
	// Offline forbids fetching a missing database.
	Offline bool
	// NoFetch forbids fetching too, for commands that only inspect one
	// (db status): the message then says how to get one, not --offline.
	NoFetch bool
	// Progress receives the notice that a database is being fetched and the
	// update's progress; nil discards them.
	Progress io.Writer
}

// OpenDB opens the advisory database and reads its status. Without one it
// runs an update first unless Offline or NoFetch, so a first run in CI works
// and an air-gapped one fails loudly (ClassDatabase) instead of passing with
// nothing to match.
func OpenDB(ctx context.Context, opts DBOptions) (*vulndb.DB, *vulndb.Status, error) {
	path := opts.Path
	d, err := vulndb.Open(path)
	if errors.Is(err, vulndb.ErrNoDatabase) {
		switch {
		case opts.NoFetch:
			return nil, nil, dbErr(fmt.Errorf("%s: no advisory database yet (run: fnguard db update, or fnguard db import DIR)", path))
		case opts.Offline:
			return nil, nil, dbErr(fmt.Errorf("%s: no advisory database, and --offline forbids fetching one (run: fnguard db update, or fnguard db import DIR)", path))
		}
		progress := opts.Progress
		if progress == nil {
			progress = io.Discard
		}
		fmt.Fprintf(progress, "fnguard: no advisory database at %s: fetching one\n", path)
		if err := EnsureDir(path); err != nil {
			return nil, nil, err
		}
		if _, err := vulndb.Update(ctx, path, vulndb.UpdateOptions{Progress: progress}); err != nil {
			return nil, nil, dbErr(err)
		}
		d, err = vulndb.Open(path)
	}
	if err != nil {
		return nil, nil, err
	}
	st, err := d.Status()
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, st, nil
}

// EnsureDir creates the database's folder.
func EnsureDir(dbPath string) error {
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
		return InputErr("cannot create %s: %v", filepath.Dir(dbPath), err)
	}
	return nil
}
