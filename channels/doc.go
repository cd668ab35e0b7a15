// Package channels is the workspace core: users, sessions and tokens,
// channels, memberships, DMs, messages, threads, reactions, files and read
// state, their tables, and the event log every other package reads.
//
// It imports only its SQLite leaf, channels/sqlite; bots, search and
// webhooks import it.
package channels
