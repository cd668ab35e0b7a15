// Package channels is the workspace core: users, sessions and tokens,
// channels, memberships, DMs, messages, threads, reactions, files and read
// state, their tables, and the event log every other package reads.
// Services keep the rules and call the store (store_*.go), which holds all
// of the core's SQL; handlers keep HTTP.
//
// It imports only its SQLite leaf, channels/sqlite; the realtime gateway
// (channels/realtime), bots, search and webhooks import it.
package channels
