package lockfiles

import scalibrlog "github.com/google/osv-scalibr/log"

// scalibr logs what its extractors skip to the process's stderr through
// the standard log package: timestamped lines without the file they are
// about, past -q, in the middle of fnguard's own output. What they say
// reaches the user anyway, as fnguard's warnings and unchecked packages
// (an entry without a version is listed, a file that does not parse is an
// error naming it), so they are discarded.
func init() { scalibrlog.SetLogger(discard{}) }

type discard struct{}

func (discard) Errorf(string, ...any) {}
func (discard) Error(...any)          {}
func (discard) Warnf(string, ...any)  {}
func (discard) Warn(...any)           {}
func (discard) Infof(string, ...any)  {}
func (discard) Info(...any)           {}
func (discard) Debugf(string, ...any) {}
func (discard) Debug(...any)          {}
