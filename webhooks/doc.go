// Package webhooks holds incoming webhooks (a secret URL that posts into a
// channel the way Slack's and Mattermost's incoming webhooks do), outgoing
// webhook subscriptions and the signed, retried outbound sender. It imports
// only channels and its SQLite leaf.
package webhooks

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the webhooks package's migrations, applied after the
// core's.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return sub
}
