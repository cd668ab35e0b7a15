package realtime

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/parley-chat/parley/channels"
)

// Handler serves the realtime routes: the WebSocket, presence, and
// do-not-disturb, which answers with the presence it makes.
type Handler struct {
	hub  *Hub
	core *channels.Handler // authentication and JSON decoding
	log  *slog.Logger
}

// NewHandler returns the realtime HTTP handler.
func NewHandler(hub *Hub, core *channels.Handler, logger *slog.Logger) *Handler {
	return &Handler{hub: hub, core: core, log: logger}
}

// Routes registers the realtime routes on api (the /api/v1 group). The
// WebSocket authenticates itself (bearer token, token parameter or
// same-origin session cookie).
func (h *Handler) Routes(api gin.IRouter) {
	api.GET("/ws", h.handle(h.serveWS))
	a := api.Group("", h.core.RequireAuth)
	a.GET("/users/:id/presence", h.handle(h.getPresence))
	a.PUT("/users/me/dnd", h.handle(h.setDND))
	a.DELETE("/users/me/dnd", h.handle(h.clearDND))
}

func (h *Handler) handle(f func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			channels.WriteError(c, h.log, err)
		}
	}
}

// serveWS upgrades GET /api/v1/ws to a WebSocket. The caller authenticates
// with a bearer token, a token query parameter (for scripts), or the session
// cookie; a cookie is only accepted from the server's own origin, so another
// site cannot open a socket in the user's name.
func (h *Handler) serveWS(c *gin.Context) error {
	token := channels.BearerToken(c.Request)
	if token == "" {
		token = c.Query("token")
	}
	if token == "" {
		if ck, err := c.Cookie(channels.SessionCookie); err == nil && ck != "" {
			if !sameOrigin(c.GetHeader("Origin"), h.hub.opts.PublicURL) {
				return channels.Forbidden("bad_origin", "WebSocket connections with the session cookie must come from "+h.hub.opts.PublicURL)
			}
			token = ck
		}
	}
	actor, err := h.hub.svc.Authenticate(c.Request.Context(), token)
	if err != nil {
		return err
	}
	kinds, err := channels.EventKinds(actor)
	if err != nil {
		return err
	}
	keys := map[string]any{}
	if v := c.Query("since"); v != "" {
		since, err := strconv.ParseInt(v, 10, 64)
		if err != nil || since < 0 {
			return channels.Invalid("invalid_since", "since", "since must be a non-negative integer")
		}
		keys[sinceKey] = since
	}
	// The connection counts against the user's limit from here, before the
	// upgrade, so that concurrent upgrades cannot all pass the check.
	if !h.hub.reserveConn(actor.ID) {
		c.Header("Retry-After", "5")
		return channels.RateLimited("too_many_connections", "this user has too many open connections")
	}
	if !strings.EqualFold(c.GetHeader("Upgrade"), "websocket") {
		h.hub.releaseConn(actor.ID)
		return channels.Invalid("not_websocket", "", "this endpoint speaks WebSocket only")
	}
	keys[connKey] = &conn{hub: h.hub, userID: actor.ID, tokenID: actor.TokenID, expires: actor.TokenExpiresAt, kinds: kinds,
		drained: make(chan struct{}, 1), gone: make(chan struct{})}
	c.Set("user_id", actor.ID)
	return h.hub.serve(c.Writer, c.Request, keys)
}

// sameOrigin compares an Origin header with the public URL's origin.
func sameOrigin(origin, publicURL string) bool {
	o, err1 := url.Parse(origin)
	p, err2 := url.Parse(publicURL)
	return err1 == nil && err2 == nil && o.Scheme != "" && strings.EqualFold(o.Scheme, p.Scheme) && strings.EqualFold(o.Host, p.Host)
}

func (h *Handler) getPresence(c *gin.Context) error {
	if err := channels.RequireScope(channels.ActorFrom(c), channels.ScopeUsersRead); err != nil {
		return err
	}
	id, err := channels.PathID(c, "id", "user")
	if err != nil {
		return err
	}
	p, err := h.hub.presence.Of(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

// setDND turns do-not-disturb on, for minutes or until a time, or without end.
func (h *Handler) setDND(c *gin.Context) error {
	var in struct {
		Until   *int64 `json:"until"`   // Unix ms
		Minutes *int64 `json:"minutes"` // from now
	}
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	until := int64(channels.DNDIndefinite)
	switch {
	case in.Until != nil && in.Minutes != nil:
		return channels.Invalid("invalid_dnd", "until", "give until or minutes, not both")
	case in.Until != nil:
		until = *in.Until
	case in.Minutes != nil:
		if *in.Minutes <= 0 || *in.Minutes > 366*24*60 {
			return channels.Invalid("invalid_minutes", "minutes", "minutes must be between 1 and a year")
		}
		until = time.Now().UnixMilli() + *in.Minutes*60_000
	}
	actor := channels.ActorFrom(c)
	u, err := h.hub.svc.SetDND(c.Request.Context(), actor, until)
	if err != nil {
		return err
	}
	p, err := h.hub.presence.Of(c.Request.Context(), u.ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

func (h *Handler) clearDND(c *gin.Context) error {
	actor := channels.ActorFrom(c)
	if _, err := h.hub.svc.SetDND(c.Request.Context(), actor, 0); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
