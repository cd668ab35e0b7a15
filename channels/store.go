package channels

import "github.com/parley-chat/parley/channels/sqlite"

// store is the core's SQL. Every statement on the core's tables is one of
// its methods, in the store_*.go files; the services call them and keep
// the rules (who may do what, what is valid, what one transaction holds),
// the handlers keep HTTP. Reads take a context and use the read pool;
// writes take the transaction the service runs (s.db.Write), so that the
// service still decides what commits together. A PostgreSQL store is the
// same set of methods over another database.
type store struct {
	db *sqlite.DB
}
