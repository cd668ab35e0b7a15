// Package search holds the Index interface, its SQLite FTS5 and
// Meilisearch backends, the indexer that follows the event log, and the
// query-operator parser. It imports only channels and its SQLite leaf.
package search
