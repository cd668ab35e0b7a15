package channels

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// serveWS upgrades GET /api/v1/ws to a WebSocket. The caller authenticates
// with a bearer token, a token query parameter (for scripts), or the session
// cookie; a cookie is only accepted from the server's own origin, so another
// site cannot open a socket in the user's name.
func (h *Handler) serveWS(c *gin.Context) error {
	token := BearerToken(c.Request)
	if token == "" {
		token = c.Query("token")
	}
	if token == "" {
		if ck, err := c.Cookie(SessionCookie); err == nil && ck != "" {
			if !sameOrigin(c.GetHeader("Origin"), h.hub.opts.PublicURL) {
				return Forbidden("bad_origin", "WebSocket connections with the session cookie must come from "+h.hub.opts.PublicURL)
			}
			token = ck
		}
	}
	actor, err := h.svc.Authenticate(c.Request.Context(), token)
	if err != nil {
		return err
	}
	kinds, err := EventKinds(actor)
	if err != nil {
		return err
	}
	keys := map[string]any{}
	if v := c.Query("since"); v != "" {
		since, err := strconv.ParseInt(v, 10, 64)
		if err != nil || since < 0 {
			return Invalid("invalid_since", "since", "since must be a non-negative integer")
		}
		keys[sinceKey] = since
	}
	// The connection counts against the user's limit from here, before the
	// upgrade, so that concurrent upgrades cannot all pass the check.
	if !h.hub.reserveConn(actor.ID) {
		c.Header("Retry-After", "5")
		return newErr(ErrRateLimited, "too_many_connections", "this user has too many open connections")
	}
	if !strings.EqualFold(c.GetHeader("Upgrade"), "websocket") {
		h.hub.releaseConn(actor.ID)
		return Invalid("not_websocket", "", "this endpoint speaks WebSocket only")
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
	if err := RequireScope(ActorFrom(c), ScopeUsersRead); err != nil {
		return err
	}
	id, err := PathID(c, "id", "user")
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
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	until := int64(DNDIndefinite)
	switch {
	case in.Until != nil && in.Minutes != nil:
		return Invalid("invalid_dnd", "until", "give until or minutes, not both")
	case in.Until != nil:
		until = *in.Until
	case in.Minutes != nil:
		if *in.Minutes <= 0 || *in.Minutes > 366*24*60 {
			return Invalid("invalid_minutes", "minutes", "minutes must be between 1 and a year")
		}
		until = nowMillis() + *in.Minutes*60_000
	}
	actor := ActorFrom(c)
	u, err := h.svc.SetDND(c.Request.Context(), actor, until)
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
	actor := ActorFrom(c)
	if _, err := h.svc.SetDND(c.Request.Context(), actor, 0); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
