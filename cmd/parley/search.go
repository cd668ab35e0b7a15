package main

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
	"github.com/parley-chat/parley/search"
)

// openIndex builds the search index the configuration names: Meilisearch
// when --meili-url is set, otherwise SQLite FTS5 in the search database
// (which holds the indexer's cursor either way).
func openIndex(ctx context.Context, cfg Config, searchDB *sqlite.DB) (search.Index, error) {
	if cfg.MeiliURL != "" {
		// Opened when first used, so that a Meilisearch still starting
		// does not keep the workspace from starting: the indexer retries.
		return search.NewLazy("meilisearch", func(ctx context.Context) (search.Index, error) {
			return search.NewMeili(ctx, cfg.MeiliURL, cfg.MeiliKey)
		}), nil
	}
	return search.NewFTS(searchDB)
}

// searchMessages adapts the search service to the /search command.
func searchMessages(s *search.Service) func(ctx context.Context, actor *channels.Actor, query string, limit int) ([]channels.Message, error) {
	return func(ctx context.Context, actor *channels.Actor, query string, limit int) ([]channels.Message, error) {
		results, _, err := s.Search(ctx, actor, query, search.SortRelevance, "", limit)
		if err != nil {
			return nil, err
		}
		msgs := make([]channels.Message, len(results))
		for i, r := range results {
			msgs[i] = r.Message
		}
		return msgs, nil
	}
}

// adminStatus is GET /api/v1/admin/status: how the background work is
// doing (search indexing, outgoing webhooks, realtime), for admins.
func adminStatus(a *app) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !channels.ActorFrom(c).IsAdmin {
			channels.WriteError(c, a.log, channels.Forbidden("admin_only", "only an admin can do that"))
			return
		}
		ctx := c.Request.Context()
		indexing, err := a.indexer.Status(ctx)
		if err != nil {
			channels.WriteError(c, a.log, err)
			return
		}
		// newRouter mounts this after starting the hub and the outgoing
		// webhooks.
		webhooks, err := a.outgoing.Stats(ctx)
		if err != nil {
			channels.WriteError(c, a.log, err)
			return
		}
		rt := a.hub.Stats()
		c.JSON(http.StatusOK, gin.H{
			"search":            indexing,
			"outgoing_webhooks": gin.H{"pending": webhooks.Pending, "lag": webhooks.Lag},
			"realtime":          gin.H{"connections": rt.Connections, "dispatched_seq": rt.Dispatched, "slow_closed": rt.SlowClosed},
		})
	}
}
