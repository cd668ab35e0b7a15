package channels

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// IdempotencyHeader names the header that makes a write safe to retry.
const IdempotencyHeader = "Idempotency-Key"

func (h *Handler) postMessage(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	var in NewMessage
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	in.IdempotencyKey = c.GetHeader(IdempotencyHeader)
	m, created, err := h.svc.PostMessage(c.Request.Context(), ActorFrom(c), id, in)
	if err != nil {
		return err
	}
	if !created && in.Key != "" && m.Key == in.Key {
		c.JSON(http.StatusOK, m) // the keyed message, updated in place
		return nil
	}
	if !created {
		c.Header("Idempotent-Replayed", "true")
	}
	c.JSON(http.StatusCreated, m)
	return nil
}

func (h *Handler) listMessages(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	p, err := h.page(c, true)
	if err != nil {
		return err
	}
	msgs, more, err := h.svc.Messages(c.Request.Context(), ActorFrom(c), id, p)
	if err != nil {
		return err
	}
	// Going back in time, the cursor is the oldest message; going forward
	// (after=), the newest.
	next := ""
	if len(msgs) > 0 {
		if p.After > 0 && p.Before == 0 {
			next = cursor(more, msgs[0].ID)
		} else {
			next = cursor(more, msgs[len(msgs)-1].ID)
		}
	}
	c.JSON(http.StatusOK, List[Message]{Items: msgs, NextCursor: next})
	return nil
}

func (h *Handler) getMessage(c *gin.Context) error {
	id, err := PathID(c, "id", "message")
	if err != nil {
		return err
	}
	m, err := h.svc.Message(c.Request.Context(), ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, m)
	return nil
}

func (h *Handler) editMessage(c *gin.Context) error {
	id, err := PathID(c, "id", "message")
	if err != nil {
		return err
	}
	var in MessageEdit
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	m, err := h.svc.EditMessage(c.Request.Context(), ActorFrom(c), id, in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, m)
	return nil
}

func (h *Handler) deleteMessage(c *gin.Context) error {
	id, err := PathID(c, "id", "message")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteMessage(c.Request.Context(), ActorFrom(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) listReplies(c *gin.Context) error {
	id, err := PathID(c, "id", "message")
	if err != nil {
		return err
	}
	p, err := h.page(c, false)
	if err != nil {
		return err
	}
	msgs, more, err := h.svc.Replies(c.Request.Context(), ActorFrom(c), id, p)
	if err != nil {
		return err
	}
	next := ""
	if len(msgs) > 0 {
		next = cursor(more, msgs[len(msgs)-1].ID)
	}
	c.JSON(http.StatusOK, List[Message]{Items: msgs, NextCursor: next})
	return nil
}

func (h *Handler) addReaction(c *gin.Context) error    { return h.react(c, true) }
func (h *Handler) removeReaction(c *gin.Context) error { return h.react(c, false) }

func (h *Handler) react(c *gin.Context, add bool) error {
	id, err := PathID(c, "id", "message")
	if err != nil {
		return err
	}
	if err := h.svc.React(c.Request.Context(), ActorFrom(c), id, c.Param("emoji"), add); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
