package main

import (
	"context"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/webhooks"
)

// startOutgoing builds the outgoing webhooks service on sender (dispatcher
// and workers), starts its delivery and exports its metrics. The app's
// Close stops it.
func startOutgoing(ctx context.Context, a *app, sender *webhooks.Sender) error {
	opts := webhooks.OutgoingOptions{
		Backoff:        a.cfg.WebhookRetryBackoff,
		MaxAge:         a.cfg.WebhookRetryFor,
		ObserveAttempt: a.metrics.observeWebhookAttempt,
		CanUseBot: func(ctx context.Context, actor *channels.Actor, botID int64) error {
			_, err := a.bots.Get(ctx, actor, botID)
			return err
		},
	}
	out := webhooks.NewOutgoing(a.svc, sender, a.log, opts)
	if err := out.Start(ctx); err != nil {
		return err
	}
	a.outgoing = out
	a.metrics.watchOutgoing(out)
	return nil
}
