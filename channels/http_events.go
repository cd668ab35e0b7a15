package channels

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

func (h *Handler) listEvents(c *gin.Context) error {
	kinds, err := EventKinds(ActorFrom(c))
	if err != nil {
		return err
	}
	since, err := queryInt(c, "since")
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit")
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 100
	}
	if limit > 1000 {
		return Invalid("invalid_limit", "limit", "limit must be at most 1000")
	}
	ctx := c.Request.Context()
	_, oldest, err := h.svc.Log.Head(ctx)
	if err != nil {
		return err
	}
	if since > 0 && oldest > 0 && since < oldest-1 {
		return newErr(ErrGone, "resync_required", "events after that seq were pruned; refetch state and start from the head")
	}
	events, err := h.svc.Log.Events(ctx, ActorFrom(c).ID, kinds, since, int(limit))
	if err != nil {
		return err
	}
	if events == nil {
		events = []Event{}
	}
	next := ""
	if len(events) > 0 {
		next = strconv.FormatInt(events[len(events)-1].Seq, 10)
	} else if since > 0 {
		next = strconv.FormatInt(since, 10)
	}
	c.JSON(http.StatusOK, List[Event]{Items: events, NextCursor: next})
	return nil
}
