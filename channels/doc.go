// Package channels is the workspace core: users, sessions and tokens,
// channels, memberships, DMs, messages, threads, reactions, files and read
// state, their SQLite store, and the event log every other package reads.
//
// It imports nothing of Parley's; bots, search and webhooks import it.
package channels
