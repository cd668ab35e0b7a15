// Package sqlite is the SQLite plumbing every package's tables go through:
// one writer connection with group commit, a pool of read-only connections,
// prepared-statement caches, and the migration runner. It knows nothing of
// the workspace and imports nothing of Parley's.
package sqlite
