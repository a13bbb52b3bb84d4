// Package pipeline is what fnguard does between reading its flags and
// choosing an exit status: turn targets into an inventory, open (or fetch)
// the advisory database, match, analyse Go reachability, decide under the
// policy and render reports. cmd/fnguard only parses flags, calls it and maps
// its errors to exit codes, so other front ends (tests, a future server) get
// the same behaviour.
package pipeline

import (
	"errors"
	"fmt"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
)

// Class is the kind of failure, as the documented exit statuses tell them
// apart: an error never looks like a gate decision (0 or 1).
type Class int

// Error classes; their values are the exit statuses cmd/fnguard uses.
const (
	ClassInput    Class = 2 // usage, input or policy error
	ClassDatabase Class = 3 // advisory database missing, stale or corrupt
)

// Error carries a Class with the error that caused it.
type Error struct {
	Class Class
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// InputErr is a ClassInput error with a formatted message.
func InputErr(format string, args ...any) error {
	return &Error{ClassInput, fmt.Errorf(format, args...)}
}

func dbErr(err error) error { return &Error{ClassDatabase, err} }

// ClassOf says which class err belongs to. Errors that carry no class are
// classified by their sentinel: database problems are ClassDatabase, every
// other error is ClassInput (never a pass, never a gate failure).
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	switch {
	case errors.Is(err, vulndb.ErrNoDatabase), errors.Is(err, vulndb.ErrCorrupt), errors.Is(err, vulndb.ErrLocked),
		errors.Is(err, vulndb.ErrEcosystemMissing), errors.Is(err, gate.ErrStale):
		return ClassDatabase
	}
	var ie *lockfiles.InputError
	if errors.As(err, &ie) {
		return ClassInput
	}
	return ClassInput
}
