package bots

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
)

// appRoutes registers the apps API on a (the authenticated /api/v1 group).
func (h *Handler) appRoutes(a gin.IRouter) {
	a.POST("/apps", h.handle(h.createApp))
	a.GET("/apps", h.handle(h.listApps))
	a.GET("/apps/:id", h.handle(h.getApp))
	a.PATCH("/apps/:id", h.handle(h.updateApp))
	a.POST("/apps/:id/rotate-secret", h.handle(h.rotateAppSecret))
	a.GET("/apps/:id/tokens", h.handle(h.listAppTokens))
	a.POST("/apps/:id/tokens", h.handle(h.createAppToken))
	a.DELETE("/apps/:id/tokens/:token_id", h.handle(h.deleteAppToken))
}

// createdApp is the answer of POST /apps: the app, and its bot's first
// token, shown only here.
type createdApp struct {
	App      *App   `json:"app"`
	BotToken string `json:"bot_token"`
}

func (h *Handler) createApp(c *gin.Context) error {
	var in NewApp
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	app, token, err := h.bots.CreateApp(c.Request.Context(), channels.ActorFrom(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, createdApp{App: app, BotToken: token})
	return nil
}

func (h *Handler) listApps(c *gin.Context) error {
	apps, err := h.bots.ListApps(c.Request.Context(), channels.ActorFrom(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[App]{Items: apps})
	return nil
}

func (h *Handler) getApp(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "app")
	if err != nil {
		return err
	}
	app, err := h.bots.App(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, app)
	return nil
}

func (h *Handler) updateApp(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "app")
	if err != nil {
		return err
	}
	var p AppPatch
	if err := h.core.DecodeJSON(c, &p); err != nil {
		return err
	}
	app, err := h.bots.UpdateApp(c.Request.Context(), channels.ActorFrom(c), id, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, app)
	return nil
}

// defaultSecretGrace is how long a rotated signing secret still verifies
// unless the caller says: long enough to deploy the new one.
const defaultSecretGrace = time.Hour

func (h *Handler) rotateAppSecret(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "app")
	if err != nil {
		return err
	}
	var in struct {
		GraceSeconds *int64 `json:"grace_seconds"`
	}
	if err := h.core.DecodeJSON(c, &in); err != nil { // an empty body is no change
		return err
	}
	grace := defaultSecretGrace
	if in.GraceSeconds != nil {
		if *in.GraceSeconds < 0 || *in.GraceSeconds > 7*24*3600 {
			return channels.Invalid("invalid_grace_seconds", "grace_seconds", "grace_seconds is 0 to a week")
		}
		grace = time.Duration(*in.GraceSeconds) * time.Second
	}
	app, err := h.bots.RotateSigningSecret(c.Request.Context(), channels.ActorFrom(c), id, grace)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, app)
	return nil
}

func (h *Handler) listAppTokens(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "app")
	if err != nil {
		return err
	}
	toks, err := h.bots.AppTokens(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[AppToken]{Items: toks})
	return nil
}

// createdAppToken is the answer of POST /apps/{id}/tokens: the token and
// its secret, shown only here.
type createdAppToken struct {
	Token  *AppToken `json:"token_info"`
	Secret string    `json:"token"`
}

func (h *Handler) createAppToken(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "app")
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := h.core.DecodeJSON(c, &in); err != nil { // an empty body is no change
		return err
	}
	tok, secret, err := h.bots.IssueAppToken(c.Request.Context(), channels.ActorFrom(c), id, in.Name)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, createdAppToken{Token: tok, Secret: secret})
	return nil
}

func (h *Handler) deleteAppToken(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "app")
	if err != nil {
		return err
	}
	tokenID, err := channels.PathID(c, "token_id", "token")
	if err != nil {
		return err
	}
	if err := h.bots.RevokeAppToken(c.Request.Context(), channels.ActorFrom(c), id, tokenID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
