package bots

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
)

// Routes registers the bot-account and apps API on r (the /api/v1 group).
func (h *Handler) Routes(r gin.IRouter) {
	a := r.Group("", h.core.RequireAuth)
	a.POST("/bots", h.handle(h.createBot))
	a.GET("/bots", h.handle(h.listBots))
	a.GET("/bots/:id", h.handle(h.getBot))
	a.PATCH("/bots/:id", h.handle(h.updateBot))
	a.DELETE("/bots/:id", h.handle(h.deleteBot))
	a.GET("/bots/:id/tokens", h.handle(h.listTokens))
	a.POST("/bots/:id/tokens", h.handle(h.createToken))
	a.DELETE("/bots/:id/tokens/:token_id", h.handle(h.deleteToken))
	h.appRoutes(a)
}

// Handler serves the bots package's HTTP API.
type Handler struct {
	bots *Service
	core *channels.Handler
	log  *slog.Logger
}

// NewHandler returns the bots HTTP handler; core provides authentication
// and body decoding.
func NewHandler(bots *Service, core *channels.Handler, logger *slog.Logger) *Handler {
	return &Handler{bots: bots, core: core, log: logger}
}

func (h *Handler) handle(f func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			channels.WriteError(c, h.log, err)
		}
	}
}

// createdBot is the answer of POST /bots: the bot and its first token's
// secret, shown only here.
type createdBot struct {
	Bot      *Bot            `json:"bot"`
	Token    string          `json:"token"`
	TokenRow *channels.Token `json:"token_info"`
}

func (h *Handler) createBot(c *gin.Context) error {
	var in NewBot
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	b, tok, secret, err := h.bots.Create(c.Request.Context(), channels.ActorFrom(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, createdBot{Bot: b, Token: secret, TokenRow: tok})
	return nil
}

func (h *Handler) listBots(c *gin.Context) error {
	bots, err := h.bots.List(c.Request.Context(), channels.ActorFrom(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[Bot]{Items: bots})
	return nil
}

func (h *Handler) getBot(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "bot")
	if err != nil {
		return err
	}
	b, err := h.bots.Get(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, b)
	return nil
}

func (h *Handler) updateBot(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "bot")
	if err != nil {
		return err
	}
	var p BotPatch
	if err := h.core.DecodeJSON(c, &p); err != nil {
		return err
	}
	b, err := h.bots.Update(c.Request.Context(), channels.ActorFrom(c), id, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, b)
	return nil
}

func (h *Handler) deleteBot(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "bot")
	if err != nil {
		return err
	}
	if err := h.bots.Delete(c.Request.Context(), channels.ActorFrom(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) listTokens(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "bot")
	if err != nil {
		return err
	}
	tokens, err := h.bots.Tokens(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[channels.Token]{Items: tokens})
	return nil
}

// newToken shows a token's secret, once.
type newToken struct {
	*channels.Token
	Secret string `json:"token"`
}

func (h *Handler) createToken(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "bot")
	if err != nil {
		return err
	}
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	t, secret, err := h.bots.IssueToken(c.Request.Context(), channels.ActorFrom(c), id, in.Name, in.Scopes)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, newToken{Token: t, Secret: secret})
	return nil
}

func (h *Handler) deleteToken(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "bot")
	if err != nil {
		return err
	}
	tokenID, err := channels.PathID(c, "token_id", "token")
	if err != nil {
		return err
	}
	if err := h.bots.RevokeToken(c.Request.Context(), channels.ActorFrom(c), id, tokenID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
