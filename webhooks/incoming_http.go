package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// IncomingHandler serves incoming webhooks over HTTP.
type IncomingHandler struct {
	svc  *IncomingService
	core *channels.Handler
	log  *slog.Logger
	opts IncomingHTTPOptions
}

// IncomingHTTPOptions configure the hook endpoint.
type IncomingHTTPOptions struct {
	// PublicURL is where people reach the server; hook URLs start with it.
	PublicURL string
	// MaxBodyBytes bounds a hook post; larger bodies get 413.
	MaxBodyBytes int64
}

// NewIncomingHandler returns the incoming webhook HTTP handler; core
// provides authentication and body decoding of the management API.
func NewIncomingHandler(svc *IncomingService, core *channels.Handler, logger *slog.Logger, opts IncomingHTTPOptions) *IncomingHandler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	return &IncomingHandler{svc: svc, core: core, log: logger, opts: opts}
}

func (h *IncomingHandler) handle(f func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			channels.WriteError(c, h.log, err)
		}
	}
}

// createdIncoming is the answer of POST /incoming-webhooks: the hook and its
// URL, which holds the secret and is shown only here.
type createdIncoming struct {
	*Incoming
	URL string `json:"url"`
}

func (h *IncomingHandler) createIncoming(c *gin.Context) error {
	var in NewIncoming
	if err := h.core.DecodeJSON(c, &in); err != nil {
		return err
	}
	hook, secret, err := h.svc.Create(c.Request.Context(), channels.ActorFrom(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, createdIncoming{Incoming: hook, URL: strings.TrimRight(h.opts.PublicURL, "/") + "/hooks/" + secret})
	return nil
}

func (h *IncomingHandler) listIncoming(c *gin.Context) error {
	hooks, err := h.svc.List(c.Request.Context(), channels.ActorFrom(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, channels.List[Incoming]{Items: hooks})
	return nil
}

func (h *IncomingHandler) getIncoming(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "incoming_webhook")
	if err != nil {
		return err
	}
	hook, err := h.svc.Get(c.Request.Context(), channels.ActorFrom(c), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, hook)
	return nil
}

func (h *IncomingHandler) updateIncoming(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "incoming_webhook")
	if err != nil {
		return err
	}
	var p IncomingPatch
	if err := h.core.DecodeJSON(c, &p); err != nil {
		return err
	}
	hook, err := h.svc.Update(c.Request.Context(), channels.ActorFrom(c), id, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, hook)
	return nil
}

func (h *IncomingHandler) deleteIncoming(c *gin.Context) error {
	id, err := channels.PathID(c, "id", "incoming_webhook")
	if err != nil {
		return err
	}
	if err := h.svc.Delete(c.Request.Context(), channels.ActorFrom(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// postHook is POST /hooks/{secret}: Slack's and Mattermost's incoming
// webhook, answered as Slack answers (plain-text ok or an error code).
func (h *IncomingHandler) postHook(c *gin.Context) {
	wantJSON := strings.Contains(c.GetHeader("Accept"), "application/json")
	p, err := h.readPayload(c)
	if err == nil {
		var posted *IncomingPosted
		posted, err = h.svc.Post(c.Request.Context(), c.Param("secret"), p, c.GetHeader("Idempotency-Key"), wantJSON)
		if err == nil {
			if wantJSON {
				c.JSON(http.StatusOK, gin.H{"ok": true, "channel": slackwire.ChannelID(posted.Channel),
					"channel_id": posted.Channel.ID, "ts": slackwire.MessageTS(posted.Message), "message_id": posted.Message.ID})
				return
			}
			c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("ok"))
			return
		}
	}
	var he *IncomingError
	if !errors.As(err, &he) {
		h.log.Error("incoming webhook failed", "request_id", c.GetString("request_id"), "err", err)
		he = &IncomingError{Status: http.StatusInternalServerError, Code: "rollup_error"}
	}
	if he.Status == http.StatusTooManyRequests {
		c.Header("Retry-After", strconv.Itoa(max(1, he.RetryAfter)))
	}
	if wantJSON {
		c.JSON(he.Status, gin.H{"ok": false, "error": he.Code})
		return
	}
	c.Data(he.Status, "text/plain; charset=utf-8", []byte(he.Code))
}

var errIncomingPayload = &IncomingError{Status: http.StatusBadRequest, Code: "invalid_payload"}

// readPayload decodes a hook post: a JSON body, a form with payload=JSON,
// or (Mattermost) a multipart form whose fields are the payload's fields.
func (h *IncomingHandler) readPayload(c *gin.Context) (IncomingPayload, error) {
	var p IncomingPayload
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return p, &IncomingError{Status: http.StatusRequestEntityTooLarge, Code: "request_too_large"}
		}
		return p, errIncomingPayload
	}
	mediaType, params, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return p, errIncomingPayload
		}
		if payload := form.Get("payload"); payload != "" {
			return p, decodeIncomingPayload([]byte(payload), &p)
		}
		return p, incomingFormPayload(form, &p)
	case "multipart/form-data":
		r := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {c.GetHeader("Content-Type")}},
			Body: io.NopCloser(bytes.NewReader(body))}
		if params["boundary"] == "" || r.ParseMultipartForm(h.opts.MaxBodyBytes) != nil {
			return p, errIncomingPayload
		}
		form := url.Values(r.MultipartForm.Value)
		if payload := form.Get("payload"); payload != "" {
			return p, decodeIncomingPayload([]byte(payload), &p)
		}
		return p, incomingFormPayload(form, &p)
	}
	return p, decodeIncomingPayload(body, &p)
}

// decodeIncomingPayload parses JSON, retrying (as Mattermost does) with raw
// newlines and tabs inside strings escaped.
func decodeIncomingPayload(body []byte, p *IncomingPayload) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errIncomingPayload
	}
	err := json.Unmarshal(body, p)
	if err != nil {
		*p = IncomingPayload{}
		err = json.Unmarshal(incomingEscapeControl(body), p)
	}
	if err != nil {
		return &IncomingError{Status: http.StatusBadRequest, Code: "invalid_payload", Err: err}
	}
	return nil
}

// incomingFormPayload maps form fields onto the payload (Mattermost's multipart
// posts); attachments, blocks and props are JSON strings.
func incomingFormPayload(form url.Values, p *IncomingPayload) error {
	p.Text = form.Get("text")
	p.Channel = form.Get("channel")
	p.Username = form.Get("username")
	p.IconEmoji = form.Get("icon_emoji")
	p.IconURL = form.Get("icon_url")
	p.Type = form.Get("type")
	p.ThreadTS = incomingString(form.Get("thread_ts"))
	p.RootID = incomingString(form.Get("root_id"))
	for name, dst := range map[string]*json.RawMessage{"attachments": &p.Attachments, "blocks": &p.Blocks} {
		if v := form.Get(name); v != "" {
			if !json.Valid([]byte(v)) {
				return errIncomingPayload
			}
			*dst = json.RawMessage(v)
		}
	}
	if v := form.Get("props"); v != "" {
		if err := json.Unmarshal([]byte(v), &p.Props); err != nil {
			return errIncomingPayload
		}
	}
	if len(form) == 0 {
		return errIncomingPayload
	}
	return nil
}

// incomingEscapeControl escapes raw newlines, carriage returns and tabs
// inside JSON string literals.
func incomingEscapeControl(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	inString, escaped := false, false
	for _, ch := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			case ch == '\n':
				out = append(out, '\\', 'n')
				continue
			case ch == '\r':
				out = append(out, '\\', 'r')
				continue
			case ch == '\t':
				out = append(out, '\\', 't')
				continue
			}
		} else if ch == '"' {
			inString = true
		}
		out = append(out, ch)
	}
	return out
}
