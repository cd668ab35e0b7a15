package webhooks

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
)

// Routes registers the outgoing webhooks API on r (the /api/v1 group).
func (h *OutgoingHandler) Routes(r gin.IRouter) {
	a := r.Group("", h.core.RequireAuth)
	a.POST("/outgoing-webhooks", h.handle(h.createOutgoing))
	a.GET("/outgoing-webhooks", h.handle(h.listOutgoing))
	a.GET("/outgoing-webhooks/:id", h.handle(h.getOutgoing))
	a.PATCH("/outgoing-webhooks/:id", h.handle(h.updateOutgoing))
	a.DELETE("/outgoing-webhooks/:id", h.handle(h.deleteOutgoing))
	a.POST("/outgoing-webhooks/:id/rotate-secret", h.handle(h.rotateSecret))
	a.GET("/outgoing-webhooks/:id/deliveries", h.handle(h.listDeliveries))
	a.POST("/outgoing-webhooks/:id/deliveries/:delivery_id/redeliver", h.handle(h.redeliver))
}

// OutgoingHandler serves the outgoing webhooks API.
type OutgoingHandler struct {
	out  *Outgoing
	core *channels.Handler
	log  *slog.Logger
}

// NewOutgoingHandler returns the handler; core provides authentication and
// body decoding.
func NewOutgoingHandler(out *Outgoing, core *channels.Handler, logger *slog.Logger) *OutgoingHandler {
	return &OutgoingHandler{out: out, core: core, log: logger}
}

func (h *OutgoingHandler) handle(f func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			channels.WriteError(c, h.log, err)
		}
	}
}

// withSecret is a subscription with its signing secret, shown on creation
// and rotation only.
type withSecret struct {
	*Subscription
	Secret string `json:"secret"`
}

func (h *OutgoingHandler) createOutgoing(c *gin.Context) error {
	var in SubscriptionInput
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.URL == nil || in.Name == nil {
		return channels.Invalid("missing_field", "url", "url and name are required")
	}
	s, secret, err := h.out.Create(c.Request.Context(), channels.ActorFrom(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, withSecret{s, secret})
	return nil
}

func (h *OutgoingHandler) listOutgoing(c *gin.Context) error {
	subs, err := h.out.List(c.Request.Context(), channels.ActorFrom(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[Subscription]{Items: subs})
	return nil
}

func (h *OutgoingHandler) getOutgoing(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "outgoing_webhook")
	if err != nil {
		return err
	}
	s, err := h.out.Get(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s)
	return nil
}

func (h *OutgoingHandler) updateOutgoing(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "outgoing_webhook")
	if err != nil {
		return err
	}
	var in SubscriptionInput
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	s, err := h.out.Update(c.Request.Context(), channels.ActorFrom(c), id, in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s)
	return nil
}

func (h *OutgoingHandler) deleteOutgoing(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "outgoing_webhook")
	if err != nil {
		return err
	}
	if err := h.out.Delete(c.Request.Context(), channels.ActorFrom(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *OutgoingHandler) rotateSecret(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "outgoing_webhook")
	if err != nil {
		return err
	}
	s, secret, err := h.out.RotateSecret(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, withSecret{s, secret})
	return nil
}

func (h *OutgoingHandler) listDeliveries(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "outgoing_webhook")
	if err != nil {
		return err
	}
	var before int64
	if v := c.Query("cursor"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before <= 0 {
			return channels.Invalid("invalid_cursor", "cursor", "cursor is not valid")
		}
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100 {
			return channels.Invalid("invalid_limit", "limit", "limit must be between 1 and 100")
		}
	}
	ds, more, err := h.out.Deliveries(c.Request.Context(), channels.ActorFrom(c), id, before, limit)
	if err != nil {
		return err
	}
	out := channels.List[Delivery]{Items: ds}
	if more && len(ds) > 0 {
		out.NextCursor = idString(ds[len(ds)-1].ID)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (h *OutgoingHandler) redeliver(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "outgoing_webhook")
	if err != nil {
		return err
	}
	did, err := channels.PathID(c, "delivery_id", "delivery")
	if err != nil {
		return err
	}
	d, err := h.out.Redeliver(c.Request.Context(), channels.ActorFrom(c), id, did)
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, d)
	return nil
}
