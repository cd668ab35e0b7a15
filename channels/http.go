package channels

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Routes registers the core API on r (the /api/v1 group).
func (h *Handler) Routes(r gin.IRouter) {
	r.POST("/signup", h.limitByIP, h.handle(h.signup))
	r.POST("/login", h.limitByIP, h.handle(h.login))

	a := r.Group("", h.RequireAuth)
	a.POST("/logout", h.handle(h.logout))
	a.POST("/invites", h.handle(h.createInvite))
	a.GET("/users", h.handle(h.listUsers))
	a.GET("/users/me", h.handle(h.me))
	a.PATCH("/users/me", h.handle(h.updateMe))
	a.GET("/users/:id", h.handle(h.getUser))
	a.POST("/users/:id/deactivate", h.handle(h.deactivateUser))
	a.POST("/users/:id/reactivate", h.handle(h.reactivateUser))
	a.POST("/tokens", h.handle(h.createToken))
	a.GET("/tokens", h.handle(h.listTokens))
	a.DELETE("/tokens/:id", h.handle(h.deleteToken))

	a.POST("/channels", h.handle(h.createChannel))
	a.GET("/channels", h.handle(h.listChannels))
	a.GET("/channels/:id", h.handle(h.getChannel))
	a.PATCH("/channels/:id", h.handle(h.updateChannel))
	a.POST("/channels/:id/archive", h.handle(h.archiveChannel))
	a.POST("/channels/:id/unarchive", h.handle(h.unarchiveChannel))
	a.POST("/channels/:id/join", h.handle(h.joinChannel))
	a.POST("/channels/:id/leave", h.handle(h.leaveChannel))
	a.GET("/channels/:id/members", h.handle(h.listMembers))
	a.POST("/channels/:id/members", h.handle(h.addMember))
	a.DELETE("/channels/:id/members/:user_id", h.handle(h.removeMember))
	a.POST("/channels/:id/read", h.handle(h.markRead))
	a.GET("/channels/:id/reads", h.handle(h.listReads))
	a.POST("/dms", h.handle(h.openDM))

	a.POST("/channels/:id/messages", h.handle(h.postMessage))
	a.GET("/channels/:id/messages", h.handle(h.listMessages))
	a.GET("/messages/:id", h.handle(h.getMessage))
	a.PATCH("/messages/:id", h.handle(h.editMessage))
	a.DELETE("/messages/:id", h.handle(h.deleteMessage))
	a.GET("/messages/:id/replies", h.handle(h.listReplies))
	a.PUT("/messages/:id/reactions/:emoji", h.handle(h.addReaction))
	a.DELETE("/messages/:id/reactions/:emoji", h.handle(h.removeReaction))

	a.POST("/files", h.handle(h.uploadFile))
	a.GET("/files/:id", h.handle(h.getFile))

	a.GET("/events", h.handle(h.listEvents))
}

// HTTPOptions configure the core's HTTP layer.
type HTTPOptions struct {
	// SecureCookies marks session cookies Secure (the public URL is https).
	SecureCookies bool
	// MaxBodyBytes limits JSON request bodies.
	MaxBodyBytes int64
	// Limiter limits requests per user; LoginLimiter limits sign-up and
	// login attempts per client IP. Nil allows everything.
	Limiter      *RateLimiter
	LoginLimiter *RateLimiter
	// UploadTimeout is how long an authenticated upload may take to send
	// its body, past the server's shorter deadline for every request.
	UploadTimeout time.Duration
}

// Handler serves the core API over HTTP.
type Handler struct {
	svc  *Service
	log  *slog.Logger
	opts HTTPOptions
}

// NewHandler returns the core's HTTP handler.
func NewHandler(svc *Service, logger *slog.Logger, opts HTTPOptions) *Handler {
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	return &Handler{svc: svc, log: logger, opts: opts}
}

// Cookie and header names of browser sessions.
const (
	SessionCookie = "parley_session"
	CSRFCookie    = "parley_csrf"
	CSRFHeader    = "X-CSRF-Token"
	actorKey      = "parley.actor"
)

// CSRFToken derives the CSRF token of a session: a cookie-authenticated
// write must carry it in X-CSRF-Token, which another site cannot read.
func CSRFToken(session string) string {
	sum := sha256.Sum256([]byte("parley-csrf:" + session))
	return hex.EncodeToString(sum[:16])
}

// RequireAuth authenticates the request by bearer token or session cookie
// and stores the actor in the context.
func (h *Handler) RequireAuth(c *gin.Context) {
	token, fromCookie := BearerToken(c.Request), false
	if token == "" {
		if ck, err := c.Cookie(SessionCookie); err == nil && ck != "" {
			token, fromCookie = ck, true
		}
	}
	actor, err := h.svc.Authenticate(c.Request.Context(), token)
	if err != nil {
		WriteError(c, h.log, err)
		c.Abort()
		return
	}
	if fromCookie && !safeMethod(c.Request.Method) {
		want := CSRFToken(token)
		if subtle.ConstantTimeCompare([]byte(c.GetHeader(CSRFHeader)), []byte(want)) != 1 {
			WriteError(c, h.log, Forbidden("csrf_failed", "cookie-authenticated writes need the X-CSRF-Token header"))
			c.Abort()
			return
		}
	}
	if ok, wait := h.opts.Limiter.Allow(strconv.FormatInt(actor.ID, 10)); !ok {
		c.Header("Retry-After", strconv.Itoa(RetryAfterSeconds(wait)))
		WriteError(c, h.log, newErr(ErrRateLimited, "rate_limited", "too many requests; retry later"))
		c.Abort()
		return
	}
	c.Set(actorKey, actor)
	c.Set("user_id", actor.ID)
	c.Next()
}

// limitByIP applies the login limiter to the client's address.
func (h *Handler) limitByIP(c *gin.Context) {
	if ok, wait := h.opts.LoginLimiter.Allow(c.ClientIP()); !ok {
		c.Header("Retry-After", strconv.Itoa(RetryAfterSeconds(wait)))
		WriteError(c, h.log, newErr(ErrRateLimited, "rate_limited", "too many attempts; retry later"))
		c.Abort()
		return
	}
	c.Next()
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// BearerToken returns the token of an "Authorization: Bearer" header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// ActorFrom returns the caller authenticated by RequireAuth.
func ActorFrom(c *gin.Context) *Actor {
	a, _ := c.Get(actorKey)
	actor, _ := a.(*Actor)
	return actor
}

// WriteError answers with the error envelope for err. 5xx errors are logged
// with their details, which never reach the client.
func WriteError(c *gin.Context, logger *slog.Logger, err error) {
	he := ToHTTP(err)
	if he.Status >= 500 {
		logger.Error("request failed", "method", c.Request.Method, "route", c.FullPath(),
			"request_id", c.GetString("request_id"), "err", err)
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		c.Header("Retry-After", strconv.Itoa(RetryAfterSeconds(rl.RetryAfter)))
	}
	if he.Status == http.StatusTooManyRequests && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "1")
	}
	c.JSON(he.Status, gin.H{"error": he})
}

// DecodeJSON reads the request body as JSON into dst, within the body limit.
// Unknown fields are ignored; an empty body is an empty object.
func (h *Handler) DecodeJSON(c *gin.Context, dst any) error {
	return DecodeJSON(c.Writer, c.Request, h.opts.MaxBodyBytes, dst)
}

// DecodeJSON is the handler-independent form of Handler.DecodeJSON.
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return newErr(ErrTooLarge, "body_too_large", "the request body is larger than "+strconv.FormatInt(limit, 10)+" bytes")
		}
		return Invalid("invalid_body", "", "could not read the request body")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Invalid("invalid_field", te.Field, "field %q must be %s", te.Field, jsonTypeName(te.Type.Kind().String()))
		}
		return Invalid("invalid_json", "", "the request body is not valid JSON")
	}
	return nil
}

func jsonTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice":
		return "an array"
	}
	return "an object"
}

// PathID parses the :name path parameter as an id; a malformed id is a 404
// of the named resource, like an unknown one.
func PathID(c *gin.Context, name, resource string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, NotFound(resource)
	}
	return id, nil
}

// List is the envelope of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// queryInt reads an optional integer query parameter.
func queryInt(c *gin.Context, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, Invalid("invalid_"+name, name, "%s must be a non-negative integer", name)
	}
	return n, nil
}

func (h *Handler) page(c *gin.Context, backwards bool) (Page, error) {
	var p Page
	var err error
	if p.Before, err = queryInt(c, "before"); err != nil {
		return p, err
	}
	if p.After, err = queryInt(c, "after"); err != nil {
		return p, err
	}
	// cursor is the next_cursor of the previous page: for lists that go
	// back in time (messages) it continues before, for the others after.
	cur, err := queryInt(c, "cursor")
	if err != nil {
		return p, err
	}
	if cur > 0 && backwards && p.Before == 0 {
		p.Before = cur
	} else if cur > 0 && !backwards && p.After == 0 {
		p.After = cur
	}
	limit, err := queryInt(c, "limit")
	if err != nil {
		return p, err
	}
	if limit > maxPageSize {
		return p, Invalid("invalid_limit", "limit", "limit must be at most %d", maxPageSize)
	}
	p.Limit = int(limit)
	return p, nil
}

// forwardList cuts items fetched with limit+1 down to one page going
// forward by id, with the cursor to the next page.
func forwardList[T any](items []T, limit int, id func(T) int64) List[T] {
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	var last int64
	if len(items) > 0 {
		last = id(items[len(items)-1])
	}
	return List[T]{Items: items, NextCursor: cursor(more, last)}
}

func userID(u User) int64       { return u.ID }
func channelID(c Channel) int64 { return c.ID }

func cursor(more bool, id int64) string {
	if !more {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func (h *Handler) setSessionCookies(c *gin.Context, session string, ttl time.Duration) {
	secs := int(ttl.Seconds())
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: session, Path: "/", MaxAge: secs,
		HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: CSRFCookie, Value: CSRFToken(session), Path: "/", MaxAge: secs,
		Secure: h.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// handle adapts an error-returning handler: a returned error becomes the
// error envelope.
func (h *Handler) handle(f func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			WriteError(c, h.log, err)
		}
	}
}
