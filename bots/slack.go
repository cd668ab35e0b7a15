package bots

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// Routes registers the Slack-compatible Web API on the engine root: every
// method is /api/slack/{method}, by GET (query) or POST (form or JSON).
func (s *SlackAPI) Routes(r gin.IRouter) {
	r.GET("/api/slack/:method", s.serve)
	r.POST("/api/slack/:method", s.serve)
}

// SlackOptions configure the Slack-compatible API.
type SlackOptions struct {
	// PublicURL is the server's base URL (no trailing slash), for auth.test,
	// permalinks and upload URLs; empty takes the request's host.
	PublicURL string
	// MaxBodyBytes limits request bodies other than file uploads.
	MaxBodyBytes int64
	// Limiter limits calls per user; nil allows everything.
	Limiter *channels.RateLimiter
	// UploadTimeout is how long an authenticated upload may take to send
	// its body (see channels.ExtendReadDeadline).
	UploadTimeout time.Duration
}

// SlackAPI serves the Slack Web API subset on top of the channels service,
// so Slack SDKs work with only their base URL changed.
type SlackAPI struct {
	svc     *channels.Service
	hub     Realtime
	log     *slog.Logger
	opts    SlackOptions
	methods map[string]slackMethod
	uploads *pendingUploads
	// kinds caches channel id -> kind (which never changes), so that
	// chat.postMessage need not load the channel to name it.
	kinds sync.Map
}

// slackMethod is one Web API method; open methods need no token.
type slackMethod struct {
	fn   func(*slackCall) (gin.H, error)
	open bool
}

// NewSlackAPI returns the Slack-compatible API over svc; hub delivers
// ephemeral messages.
func NewSlackAPI(svc *channels.Service, hub Realtime, logger *slog.Logger, opts SlackOptions) *SlackAPI {
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	s := &SlackAPI{svc: svc, hub: hub, log: logger, opts: opts, uploads: newPendingUploads()}
	s.methods = map[string]slackMethod{
		"api.test":  {fn: apiTest, open: true},
		"auth.test": {fn: authTest},

		"chat.postMessage":   {fn: chatPostMessage},
		"chat.update":        {fn: chatUpdate},
		"chat.delete":        {fn: chatDelete},
		"chat.postEphemeral": {fn: chatPostEphemeral},
		"chat.getPermalink":  {fn: chatGetPermalink},

		"conversations.list":    {fn: conversationsList},
		"conversations.info":    {fn: conversationsInfo},
		"conversations.history": {fn: conversationsHistory},
		"conversations.replies": {fn: conversationsReplies},
		"conversations.create":  {fn: conversationsCreate},
		"conversations.join":    {fn: conversationsJoin},
		"conversations.leave":   {fn: conversationsLeave},
		"conversations.invite":  {fn: conversationsInvite},
		"conversations.members": {fn: conversationsMembers},
		"conversations.open":    {fn: conversationsOpen},
		"conversations.mark":    {fn: conversationsMark},

		"users.list":          {fn: usersList},
		"users.info":          {fn: usersInfo},
		"users.lookupByEmail": {fn: usersLookupByEmail},
		"users.conversations": {fn: usersConversations},

		"team.info": {fn: teamInfo},
		"bots.info": {fn: botsInfo},

		"reactions.add":    {fn: reactionsAdd},
		"reactions.remove": {fn: reactionsRemove},
		"reactions.get":    {fn: reactionsGet},

		"files.getUploadURLExternal":   {fn: filesGetUploadURL},
		"files.completeUploadExternal": {fn: filesCompleteUpload},
	}
	return s
}

// slackCall is one method call: the caller, its arguments, the API.
type slackCall struct {
	ctx   context.Context
	api   *SlackAPI
	actor *channels.Actor
	args  *slackArgs
	req   *http.Request
	// users caches authors looked up while shaping messages.
	users map[int64]*channels.User
}

func (s *SlackAPI) serve(c *gin.Context) {
	name := c.Param("method")
	if name == "files.upload" {
		s.serveUpload(c)
		return
	}
	m, ok := s.methods[name]
	if !ok {
		writeSlack(c, http.StatusOK, gin.H{"ok": false, "error": "unknown_method"})
		return
	}
	args, err := parseArgs(c.Writer, c.Request, s.opts.MaxBodyBytes)
	if err != nil {
		s.fail(c, err)
		return
	}
	call := &slackCall{ctx: c.Request.Context(), api: s, args: args, req: c.Request}
	if !m.open {
		if call.actor, err = s.authenticate(c, args); err != nil {
			s.fail(c, err)
			return
		}
	}
	out, err := m.fn(call)
	if err != nil {
		s.fail(c, err)
		return
	}
	if out == nil {
		out = gin.H{}
	}
	out["ok"] = true
	writeSlack(c, http.StatusOK, out)
}

// authenticate finds the caller by bearer token or token argument and
// applies the per-user rate limit.
func (s *SlackAPI) authenticate(c *gin.Context, args *slackArgs) (*channels.Actor, error) {
	token := channels.BearerToken(c.Request)
	if token == "" {
		token = args.str("token")
	}
	if token == "" {
		return nil, slackFail("not_authed")
	}
	actor, err := s.svc.Authenticate(c.Request.Context(), token)
	if err != nil {
		return nil, err
	}
	c.Set("user_id", actor.ID)
	if ok, wait := s.opts.Limiter.Allow(strconv.FormatInt(actor.ID, 10)); !ok {
		return nil, &slackError{code: "ratelimited", retryAfter: channels.RetryAfterSeconds(wait)}
	}
	return actor, nil
}

// writeSlack answers with a JSON body. Slack's clients read only 200s and
// 429s (see compat.md §0).
func writeSlack(c *gin.Context, status int, body any) {
	c.JSON(status, body)
}

// fail answers with {"ok":false,"error":...}: HTTP 200 for every
// application error, 429 with Retry-After for rate limits.
func (s *SlackAPI) fail(c *gin.Context, err error) {
	e := toSlack(err)
	if e.code == "internal_error" {
		s.log.Error("slack api call failed", "method", c.Param("method"), "request_id", c.GetString("request_id"), "err", err)
	}
	body := gin.H{"ok": false, "error": e.code}
	if e.needed != "" {
		body["needed"] = e.needed
	}
	if e.code == "ratelimited" {
		retry := max(e.retryAfter, 1)
		c.Header("Retry-After", strconv.Itoa(retry))
		writeSlack(c, http.StatusTooManyRequests, body)
		return
	}
	writeSlack(c, http.StatusOK, body)
}

// slackArgs are a call's arguments from the query string and a form or
// JSON body (the body wins).
type slackArgs struct {
	query map[string][]string
	form  map[string][]string
	json  map[string]json.RawMessage
}

// parseArgs reads a call's arguments within the body limit.
func parseArgs(w http.ResponseWriter, r *http.Request, limit int64) (*slackArgs, error) {
	a := &slackArgs{query: r.URL.Query()}
	if r.Method != http.MethodPost || r.Body == nil {
		return a, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, bodyError(err)
		}
		if len(strings.TrimSpace(string(raw))) == 0 {
			return a, nil
		}
		if err := json.Unmarshal(raw, &a.json); err != nil {
			if json.Valid(raw) {
				return nil, slackFail("json_not_object")
			}
			return nil, slackFail("invalid_json")
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(limit); err != nil {
			return nil, bodyError(err)
		}
		a.form = r.MultipartForm.Value
	default:
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err)
		}
		a.form = r.PostForm
	}
	return a, nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return slackFail("request_too_large")
	}
	return slackFail("invalid_form_data")
}

// has reports whether the argument was given at all.
func (a *slackArgs) has(name string) bool {
	if _, ok := a.json[name]; ok {
		return true
	}
	if _, ok := a.form[name]; ok {
		return true
	}
	_, ok := a.query[name]
	return ok
}

// str returns an argument as text: JSON strings unquoted, other JSON
// values as written.
func (a *slackArgs) str(name string) string {
	if raw, ok := a.json[name]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		if string(raw) == "null" {
			return ""
		}
		return string(raw)
	}
	if v, ok := a.form[name]; ok && len(v) > 0 {
		return v[0]
	}
	if v, ok := a.query[name]; ok && len(v) > 0 {
		return v[0]
	}
	return ""
}

// bool reads true/false or 1/0; absent or unreadable is def.
func (a *slackArgs) bool(name string, def bool) bool {
	switch strings.ToLower(a.str(name)) {
	case "true", "1", "yes":
		return true
	case "false", "0", "no":
		return false
	}
	return def
}

// int reads a whole number; absent is def.
func (a *slackArgs) int(name string, def int) (int, error) {
	v := a.str(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, slackFail("invalid_arguments")
	}
	return n, nil
}

// rawJSON returns an array or object argument, which may arrive as JSON or
// as a string holding JSON; ok is false when it is absent.
func (a *slackArgs) rawJSON(name string) (v json.RawMessage, ok bool, err error) {
	if raw, ok := a.json[name]; ok {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return raw, true, nil
		}
		if s == "" {
			return nil, true, nil
		}
		if !json.Valid([]byte(s)) {
			return nil, true, slackFail("invalid_" + name)
		}
		return json.RawMessage(s), true, nil
	}
	if !a.has(name) {
		return nil, false, nil
	}
	s := a.str(name)
	if s == "" {
		return nil, true, nil
	}
	if !json.Valid([]byte(s)) {
		return nil, true, slackFail("invalid_" + name)
	}
	return json.RawMessage(s), true, nil
}

// all returns every argument as text (for api.test), leaving out the token.
func (a *slackArgs) all() map[string]string {
	out := map[string]string{}
	for _, src := range []map[string][]string{a.query, a.form} {
		for k := range src {
			out[k] = a.str(k)
		}
	}
	for k := range a.json {
		out[k] = a.str(k)
	}
	delete(out, "token")
	return out
}

// need fails unless the caller's token has scope (people are unlimited).
func (c *slackCall) need(scope string) error {
	if c.actor.Can(scope) {
		return nil
	}
	return channels.MissingScope(scope)
}

// user returns an author, cached for the call; the caller is known.
func (c *slackCall) user(id int64) *channels.User {
	if c.actor != nil && id == c.actor.ID {
		return &c.actor.User
	}
	if u, ok := c.users[id]; ok {
		return u
	}
	if c.users == nil {
		c.users = map[int64]*channels.User{}
	}
	u, err := c.api.svc.User(c.ctx, id)
	if err != nil {
		u = nil
	}
	c.users[id] = u
	return u
}

// baseURL is the server's public URL, or the request's scheme and host.
func (c *slackCall) baseURL() string {
	if c.api.opts.PublicURL != "" {
		return strings.TrimRight(c.api.opts.PublicURL, "/")
	}
	scheme := "http"
	if c.req.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.req.Host
}

func apiTest(c *slackCall) (gin.H, error) {
	if e := c.args.str("error"); e != "" {
		return nil, slackFail(e)
	}
	return gin.H{"args": c.args.all()}, nil
}

func authTest(c *slackCall) (gin.H, error) {
	out := gin.H{
		"url":                   c.baseURL() + "/",
		"team":                  slackwire.TeamName,
		"user":                  c.actor.Username,
		"team_id":               slackwire.TeamID,
		"user_id":               slackwire.UserID(c.actor.ID),
		"is_enterprise_install": false,
	}
	if c.actor.Kind == channels.KindBot {
		out["bot_id"] = slackwire.BotID(c.actor.ID)
		appID, err := appIDOf(c.ctx, c.api.svc.DB(), c.actor.ID)
		if err != nil {
			return nil, err
		}
		if appID != "" {
			out["app_id"] = appID
		}
	}
	return out, nil
}
