// Package bots will hold bot accounts and their scopes, the Slack-compatible
// Web API and slash commands. It may import channels and the outbound sender
// of webhooks; nothing imports bots.
package bots
