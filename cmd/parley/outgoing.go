package main

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/webhooks"
)

// mountOutgoing builds the outgoing webhooks service on sender (dispatcher
// and workers), starts its delivery, exports its metrics and mounts its
// routes on api. The app's Close stops it.
func mountOutgoing(a *app, sender *webhooks.Sender, core *channels.Handler, api gin.IRouter, m *metrics) error {
	opts := webhooks.OutgoingOptions{
		Backoff:        a.cfg.WebhookRetryBackoff,
		MaxAge:         a.cfg.WebhookRetryFor,
		ObserveAttempt: m.observeWebhookAttempt,
		CanUseBot: func(ctx context.Context, actor *channels.Actor, botID int64) error {
			_, err := a.bots.Get(ctx, actor, botID)
			return err
		},
	}
	out := webhooks.NewOutgoing(a.svc, sender, a.log, opts)
	if err := out.Start(context.Background()); err != nil {
		return err
	}
	a.outgoing = out
	m.watchOutgoing(out)
	webhooks.NewOutgoingHandler(out, core, a.log).Routes(api)
	return nil
}
