package channels

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (h *Handler) createChannel(c *gin.Context) error {
	var in NewChannel
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	ch, err := h.svc.CreateChannel(c.Request.Context(), ActorFrom(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, ch)
	return nil
}

func (h *Handler) listChannels(c *gin.Context) error {
	actor := ActorFrom(c)
	if c.Query("browse") == "true" {
		p, err := h.page(c, false)
		if err != nil {
			return err
		}
		limit := p.limit()
		chans, err := h.svc.BrowseChannels(c.Request.Context(), actor, p.After, limit+1)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, forwardList(chans, limit, channelID))
		return nil
	}
	chans, err := h.svc.Channels(c.Request.Context(), actor)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, List[Channel]{Items: chans})
	return nil
}

func (h *Handler) getChannel(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	ch, err := h.svc.ChannelWithReadState(c.Request.Context(), ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ch)
	return nil
}

func (h *Handler) updateChannel(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	var p ChannelPatch
	if err := h.DecodeJSON(c, &p); err != nil {
		return err
	}
	ch, err := h.svc.UpdateChannel(c.Request.Context(), ActorFrom(c), id, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ch)
	return nil
}

func (h *Handler) archiveChannel(c *gin.Context) error   { return h.setArchived(c, true) }
func (h *Handler) unarchiveChannel(c *gin.Context) error { return h.setArchived(c, false) }

func (h *Handler) setArchived(c *gin.Context, archived bool) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	ch, err := h.svc.SetArchived(c.Request.Context(), ActorFrom(c), id, archived)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ch)
	return nil
}

func (h *Handler) joinChannel(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	ch, err := h.svc.Join(c.Request.Context(), ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ch)
	return nil
}

func (h *Handler) leaveChannel(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	if err := h.svc.Leave(c.Request.Context(), ActorFrom(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) listMembers(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	p, err := h.page(c, false)
	if err != nil {
		return err
	}
	limit := p.limit()
	actor := ActorFrom(c)
	users, err := h.svc.Members(c.Request.Context(), actor, id, p.After, limit+1)
	if err != nil {
		return err
	}
	for i := range users {
		users[i] = h.visibleUser(actor, users[i])
	}
	c.JSON(http.StatusOK, forwardList(users, limit, userID))
	return nil
}

func (h *Handler) addMember(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	var in struct {
		UserID int64 `json:"user_id"`
	}
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.UserID <= 0 {
		return Invalid("invalid_user_id", "user_id", "user_id is required")
	}
	if err := h.svc.AddMember(c.Request.Context(), ActorFrom(c), id, in.UserID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) removeMember(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	userID, err := PathID(c, "user_id", "member")
	if err != nil {
		return err
	}
	if err := h.svc.RemoveMember(c.Request.Context(), ActorFrom(c), id, userID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) markRead(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	var in struct {
		MessageID int64 `json:"message_id"`
	}
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.MessageID <= 0 {
		return Invalid("invalid_message_id", "message_id", "message_id is required")
	}
	if err := h.svc.MarkRead(c.Request.Context(), ActorFrom(c), id, in.MessageID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) openDM(c *gin.Context) error {
	var in struct {
		UserIDs []int64 `json:"user_ids"`
	}
	if err := h.DecodeJSON(c, &in); err != nil {
		return err
	}
	ch, created, err := h.svc.OpenDM(c.Request.Context(), ActorFrom(c), in.UserIDs)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, ch)
	return nil
}

func (h *Handler) listReads(c *gin.Context) error {
	id, err := PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	reads, err := h.svc.Reads(c.Request.Context(), ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"reads": reads})
	return nil
}
