// Package webhooks will hold incoming webhooks, outgoing webhook
// subscriptions and the signed, retried outbound sender. It imports only
// channels.
package webhooks
