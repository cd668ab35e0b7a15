// Package bots holds bot accounts and their scopes, the Slack-compatible
// Web API and slash commands (with reminders). It may import channels, its
// SQLite leaf and the outbound sender of webhooks; nothing imports bots.
package bots
