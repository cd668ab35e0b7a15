package bots

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
)

// CommandsHandler serves slash commands over HTTP.
type CommandsHandler struct {
	cmds         *Commands
	core         *channels.Handler
	log          *slog.Logger
	maxBodyBytes int64
}

// NewCommandsHandler returns the slash-command HTTP handler.
func NewCommandsHandler(cmds *Commands, core *channels.Handler, logger *slog.Logger, maxBodyBytes int64) *CommandsHandler {
	if maxBodyBytes <= 0 {
		maxBodyBytes = 1 << 20
	}
	return &CommandsHandler{cmds: cmds, core: core, log: logger, maxBodyBytes: maxBodyBytes}
}

// Routes registers the command API on api (/api/v1) and response URLs on
// root (/hooks/responses/{secret}).
func (h *CommandsHandler) Routes(root, api gin.IRouter) {
	a := api.Group("", h.core.RequireAuth)
	a.POST("/channels/:id/commands", h.handle(h.invoke))
	a.GET("/commands", h.handle(h.available))
	a.POST("/commands", h.handle(h.create))
	a.GET("/commands/registered", h.handle(h.managed))
	a.GET("/commands/:id", h.handle(h.get))
	a.PATCH("/commands/:id", h.handle(h.update))
	a.DELETE("/commands/:id", h.handle(h.delete))
	a.POST("/commands/:id/rotate-secret", h.handle(h.rotate))
	root.POST("/hooks/responses/:secret", h.respond)
}

func (h *CommandsHandler) handle(f func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			channels.WriteError(c, h.log, err)
		}
	}
}

type invokeInput struct {
	Text     string `json:"text"`
	ThreadID int64  `json:"thread_id"`
}

func (h *CommandsHandler) invoke(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "channel")
	if err != nil {
		return err
	}
	var in invokeInput
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	actor := channels.ActorFrom(c)
	if err := channels.RequireScope(actor, channels.ScopeChatWrite); err != nil {
		return err
	}
	res, err := h.cmds.Invoke(c.Request.Context(), actor, id, in.Text, in.ThreadID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res)
	return nil
}

func (h *CommandsHandler) available(c *gin.Context) error {
	var channelID int64
	if v := c.Query("channel_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return channels.Invalid("invalid_channel_id", "channel_id", "channel_id must be a positive integer")
		}
		channelID = n
	}
	list, err := h.cmds.Available(c.Request.Context(), channels.ActorFrom(c), channelID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[CommandInfo]{Items: list})
	return nil
}

// createdCommand is a command with its signing secret, shown on creation
// and rotation only.
type createdCommand struct {
	*Command
	Secret string `json:"secret"`
}

func (h *CommandsHandler) create(c *gin.Context) error {
	var in CommandInput
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	cmd, secret, err := h.cmds.Create(c.Request.Context(), channels.ActorFrom(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, createdCommand{Command: cmd, Secret: secret})
	return nil
}

func (h *CommandsHandler) managed(c *gin.Context) error {
	list, err := h.cmds.Managed(c.Request.Context(), channels.ActorFrom(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[Command]{Items: list})
	return nil
}

func (h *CommandsHandler) get(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "command")
	if err != nil {
		return err
	}
	cmd, err := h.cmds.Get(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, cmd)
	return nil
}

func (h *CommandsHandler) update(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "command")
	if err != nil {
		return err
	}
	var in CommandInput
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	cmd, err := h.cmds.Update(c.Request.Context(), channels.ActorFrom(c), id, in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, cmd)
	return nil
}

func (h *CommandsHandler) delete(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "command")
	if err != nil {
		return err
	}
	if err := h.cmds.Delete(c.Request.Context(), channels.ActorFrom(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *CommandsHandler) rotate(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "command")
	if err != nil {
		return err
	}
	cmd, secret, err := h.cmds.RotateSecret(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, createdCommand{Command: cmd, Secret: secret})
	return nil
}

// respond is POST /hooks/responses/{secret}: a delayed reply, answered as
// Slack answers (plain-text ok, or an error code with its status).
func (h *CommandsHandler) respond(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, h.maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.Data(http.StatusRequestEntityTooLarge, "text/plain; charset=utf-8", []byte("request_too_large"))
			return
		}
		c.Data(http.StatusBadRequest, "text/plain; charset=utf-8", []byte("invalid_payload"))
		return
	}
	err = h.cmds.Respond(c.Request.Context(), c.Param("secret"), c.GetHeader("Content-Type"), body)
	var re *ResponseError
	switch {
	case err == nil:
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("ok"))
	case errors.As(err, &re):
		c.Data(re.Status, "text/plain; charset=utf-8", []byte(re.Code))
	default:
		h.log.Error("slash commands: response url", "request_id", c.GetString("request_id"), "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal_error"))
	}
}
