package bots

import "context"

// remindCommand is /remind; nil until reminders exist.
func (c *Commands) remindCommand() *builtin { return nil }

// Start runs the background work of commands (delivering reminders,
// pruning response URLs); Close stops it.
func (c *Commands) Start(ctx context.Context) error { return nil }

// Close stops what Start started.
func (c *Commands) Close() {}
