package search

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
)

// Handler serves search over HTTP.
type Handler struct {
	search *Service
	core   *channels.Handler
	log    *slog.Logger
}

// NewHandler returns the search HTTP handler.
func NewHandler(search *Service, core *channels.Handler, logger *slog.Logger) *Handler {
	return &Handler{search: search, core: core, log: logger}
}

// Routes registers GET /search on api (/api/v1).
func (h *Handler) Routes(api gin.IRouter) {
	api.GET("/search", h.core.RequireAuth, h.searchMessages)
}

func (h *Handler) searchMessages(c *gin.Context) {
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			channels.WriteError(c, h.log, channels.Invalid("invalid_limit", "limit", "limit is 1-100"))
			return
		}
		limit = n
	}
	results, next, err := h.search.Search(c.Request.Context(), channels.ActorFrom(c), c.Query("q"), c.Query("sort"), c.Query("cursor"), limit)
	if err != nil {
		channels.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, channels.List[Result]{Items: results, NextCursor: next})
}
