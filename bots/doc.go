// Package bots holds bot accounts and their scopes, apps (a bot with a
// signing secret, app-level tokens and where its events go), the
// Slack-compatible Web API and slash commands (with reminders). It may
// import channels, its SQLite leaf, Slack's wire format and the outbound
// sender of webhooks; nothing imports bots.
package bots
