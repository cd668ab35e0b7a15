package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
	"github.com/parley-chat/parley/channels/sqlite"
	"github.com/parley-chat/parley/search"
	"github.com/parley-chat/parley/webhooks"
)

// app is the workspace assembled from its packages.
type app struct {
	cfg Config
	log *slog.Logger
	db  *sqlite.DB
	// searchDB is the search database (search.db): the FTS5 index and the
	// indexer's cursor, with its own writer.
	searchDB *sqlite.DB
	svc      *channels.Service
	// bots manages bot accounts on top of svc.
	bots *bots.Service
	// incoming posts what incoming webhooks receive.
	incoming *webhooks.IncomingService
	// indexer keeps the search index in step with the messages (started by
	// Start; parley reindex uses it unstarted); search answers queries.
	indexer *search.Indexer
	search  *search.Service

	// sender sends every outbound request (SSRF guard, signing): app URL
	// checks, outgoing webhooks, slash commands.
	sender *webhooks.Sender

	// Set by Start, which knows the public URL.
	publicURL string
	hub       *realtime.Hub
	// outgoing delivers outgoing webhooks.
	outgoing *webhooks.Outgoing
	// commands runs slash commands and delivers reminders.
	commands *bots.Commands
	// metrics are served by serve on their own listener (--metrics-listen).
	metrics *metrics
}

// openApp opens the data folder, applies every package's migrations (core
// first) to parley.db and search's to search.db, and builds the services.
func openApp(ctx context.Context, cfg Config, logger *slog.Logger) (*app, error) {
	db, err := sqlite.OpenDB(filepath.Join(cfg.DataDir, "parley.db"), sqlite.Sync(cfg.SQLiteSync))
	if err != nil {
		return nil, err
	}
	// Each package's own migrations, the core's first.
	for _, m := range []struct {
		component string
		files     fs.FS
	}{{"channels", channels.Migrations()}, {"bots", bots.Migrations()}, {"webhooks", webhooks.Migrations()}, {"search-moved", search.MainMigrations()}} {
		if err := db.Migrate(ctx, m.component, m.files); err != nil {
			db.Close()
			return nil, err
		}
	}
	svc := channels.New(db, logger, channels.Options{
		DataDir:        cfg.DataDir,
		OpenSignup:     cfg.OpenSignup,
		BcryptCost:     cfg.BcryptCost,
		SessionTTL:     cfg.SessionTTL,
		MaxUploadBytes: cfg.MaxUploadBytes,
		EventRetention: cfg.EventRetention,
		BotPostLimiter: channels.NewRateLimiter(cfg.BotPostRate, cfg.BotPostBurst),

		KeepBotsOfDeactivated: cfg.KeepBotsOfDeactivated,
	})
	sender, err := webhooks.NewSender(webhooks.SenderOptions{Allow: webhooks.ParseAllowlist(cfg.WebhookAllowHosts)})
	if err != nil {
		db.Close()
		return nil, err
	}
	b := bots.New(svc, bots.Options{UsersCanCreateBots: cfg.UsersCanCreateBots, Sender: sender})
	incoming := webhooks.NewIncomingService(svc, webhooks.IncomingOptions{
		Limiter: channels.NewRateLimiter(cfg.IncomingWebhookRate, cfg.IncomingWebhookBurst),
	})
	// The search index has a file and a writer of its own, so indexing
	// does not queue behind (nor hold up) posting in parley.db.
	searchDB, err := search.OpenDB(ctx, filepath.Join(cfg.DataDir, "search.db"))
	if err != nil {
		db.Close()
		return nil, err
	}
	index, err := openIndex(ctx, cfg, searchDB)
	if err != nil {
		searchDB.Close()
		db.Close()
		return nil, err
	}
	indexer := search.NewIndexer(svc, index, searchDB, logger)
	a := &app{cfg: cfg, log: logger, db: db, searchDB: searchDB, sender: sender, svc: svc, bots: b, incoming: incoming,
		indexer: indexer, search: search.NewService(svc, indexer)}
	svc.SetHooks(a.hooks())
	return a, nil
}

// hooks are the calls the core makes into the bots package and, once Start
// has made it, the realtime hub: the one place they are wired.
func (a *app) hooks() channels.Hooks {
	h := channels.Hooks{OwnedBots: bots.OwnedBots}
	if a.hub != nil {
		h.Revoked, h.PresenceOf = a.hub.Revoke, a.hub.PresenceOf
	}
	return h
}

// Start builds and starts what runs in the background, the one place it
// starts: the readers of the event log (the realtime hub, the outgoing
// webhook dispatcher and its workers, the search indexer) and the slash
// command runner with its reminders. ctx bounds their lifetime (Close also
// stops them); publicURL is where people reach the server (origins, links
// in payloads).
func (a *app) Start(ctx context.Context, publicURL string) error {
	a.publicURL = publicURL
	a.metrics = newMetrics()
	hubOpts := realtime.HubOptions{PublicURL: publicURL, MaxConnsPerUser: a.cfg.MaxWSPerUser}
	if a.cfg.hubTweak != nil {
		a.cfg.hubTweak(&hubOpts)
	}
	hub, err := realtime.NewHub(ctx, a.svc, a.log, hubOpts)
	if err != nil {
		return err
	}
	a.hub = hub
	a.svc.SetHooks(a.hooks())
	a.metrics.watchHub(hub)
	if err := startOutgoing(ctx, a, a.sender); err != nil {
		return err
	}
	if err := a.indexer.Start(ctx); err != nil {
		return err
	}
	a.metrics.watchSearch(a.indexer)
	a.commands = bots.NewCommands(a.svc, a.bots, hub, a.log, bots.CommandsOptions{PublicURL: publicURL, Timeout: a.cfg.CommandTimeout,
		Sender: a.sender, Search: searchMessages(a.search)})
	return a.commands.Start(ctx)
}

// Close disconnects realtime clients and closes the databases.
func (a *app) Close() error {
	a.indexer.Close()
	if a.commands != nil {
		a.commands.Close()
	}
	if a.outgoing != nil {
		a.outgoing.Close()
	}
	if a.hub != nil {
		a.hub.Close()
	}
	return errors.Join(a.searchDB.Close(), a.db.Close())
}

// publicURL is where people reach the server: the configured URL, or the
// listen address.
func (cfg Config) publicURL(addr net.Addr) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	return fmt.Sprintf("http://%s", addr)
}
