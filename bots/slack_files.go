package bots

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
)

// Uploads follow Slack's v2 flow: files.getUploadURLExternal hands out a
// one-time URL on this server, the client POSTs the bytes there
// (files.upload?upload_id=…), and files.completeUploadExternal shares the
// files in a channel.

// uploadTTL is how long an upload URL, and an uploaded but not completed
// file, stay usable.
const uploadTTL = 15 * time.Minute

type pendingUpload struct {
	userID   int64
	name     string
	length   int64
	expires  time.Time
	fileID   int64 // set once the bytes arrived
	received bool
}

// pendingUploads are the upload slots handed out, by their Slack file id.
type pendingUploads struct {
	mu    sync.Mutex
	slots map[string]*pendingUpload
}

func newPendingUploads() *pendingUploads {
	return &pendingUploads{slots: map[string]*pendingUpload{}}
}

// add makes a slot and returns its id; expired slots are swept first.
func (p *pendingUploads) add(u *pendingUpload) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := "FU" + strings.ToUpper(hex.EncodeToString(b[:]))
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, s := range p.slots {
		if now.After(s.expires) {
			delete(p.slots, k)
		}
	}
	p.slots[id] = u
	return id
}

// claim returns the caller's live slot.
func (p *pendingUploads) get(id string, userID int64) (*pendingUpload, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.slots[id]
	if !ok || s.userID != userID || time.Now().After(s.expires) {
		return nil, false
	}
	cp := *s
	return &cp, true
}

func (p *pendingUploads) update(id string, f func(*pendingUpload)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.slots[id]; ok {
		f(s)
	}
}

func (p *pendingUploads) remove(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.slots, id)
}

func filesGetUploadURL(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeFilesWrite); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(c.args.str("filename"))
	if name == "" {
		return nil, slackFail("invalid_arguments")
	}
	length, err := c.args.int("length", 0)
	if err != nil || length <= 0 {
		return nil, slackFail("invalid_arguments")
	}
	if int64(length) > c.api.svc.Options().MaxUploadBytes {
		return nil, slackFail("file_too_large")
	}
	id := c.api.uploads.add(&pendingUpload{userID: c.actor.ID, name: name, length: int64(length), expires: time.Now().Add(uploadTTL)})
	return gin.H{"upload_url": c.baseURL() + "/api/slack/files.upload?upload_id=" + id, "file_id": id}, nil
}

// serveUpload receives the bytes of a v2 upload: multipart (field "file")
// as slack-go sends them, or the raw body. The caller's token must be the
// one the URL was made for. Success is a plain 200, as Slack answers;
// clients only check the status, so failures are 4xx here.
func (s *SlackAPI) serveUpload(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		s.failUpload(c, http.StatusMethodNotAllowed, slackFail("invalid_arguments"))
		return
	}
	args := &slackArgs{query: c.Request.URL.Query()}
	actor, err := s.authenticate(c, args)
	if err != nil {
		s.failUpload(c, http.StatusUnauthorized, err)
		return
	}
	id := args.str("upload_id")
	slot, ok := s.uploads.get(id, actor.ID)
	if !ok || slot.received {
		s.failUpload(c, http.StatusNotFound, slackFail("file_not_found"))
		return
	}
	channels.ExtendReadDeadline(c.Writer, s.opts.UploadTimeout)
	limit := s.svc.Options().MaxUploadBytes
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit+1<<20)
	var r io.Reader = body
	if ct, params, _ := mime.ParseMediaType(c.Request.Header.Get("Content-Type")); ct == "multipart/form-data" {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				s.failUpload(c, http.StatusBadRequest, slackFail("invalid_form_data"))
				return
			}
			if part.FormName() == "file" {
				r = part
				break
			}
		}
	}
	f, err := s.svc.UploadFile(c.Request.Context(), actor, slot.name, r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, channels.ErrTooLarge) {
			s.failUpload(c, http.StatusRequestEntityTooLarge, slackFail("file_too_large"))
			return
		}
		s.failUpload(c, http.StatusBadRequest, err)
		return
	}
	s.uploads.update(id, func(p *pendingUpload) { p.fileID, p.received = f.ID, true })
	c.String(http.StatusOK, "OK - "+strconv.FormatInt(f.Size, 10))
}

// failUpload answers a failed upload with status (429 stays 429).
func (s *SlackAPI) failUpload(c *gin.Context, status int, err error) {
	e := toSlack(err)
	if e.code == "ratelimited" || e.code == "internal_error" {
		s.fail(c, err)
		return
	}
	writeSlack(c, status, gin.H{"ok": false, "error": e.code})
}

func filesCompleteUpload(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeFilesWrite); err != nil {
		return nil, err
	}
	raw, ok, err := c.args.rawJSON("files")
	if err != nil || !ok {
		return nil, slackFail("invalid_arguments")
	}
	var items []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return nil, slackFail("invalid_arguments")
	}
	var ids []int64
	titles := map[int64]string{}
	for _, it := range items {
		slot, ok := c.api.uploads.get(it.ID, c.actor.ID)
		if !ok || !slot.received {
			return nil, slackFail("file_not_found")
		}
		ids = append(ids, slot.fileID)
		titles[slot.fileID] = it.Title
	}
	var targets []string
	if ch := c.args.str("channel_id"); ch != "" {
		targets = append(targets, ch)
	}
	for _, ch := range strings.Split(c.args.str("channels"), ",") {
		if ch = strings.TrimSpace(ch); ch != "" {
			targets = append(targets, ch)
		}
	}
	var files []channels.File
	if len(targets) == 0 {
		// Uploaded but not shared: only the uploader sees them.
		for _, id := range ids {
			f, blob, err := c.api.svc.File(c.ctx, c.finder(), id)
			if err != nil {
				return nil, err
			}
			blob.Close()
			files = append(files, *f)
		}
	}
	for _, target := range targets {
		in := &slackArgs{query: map[string][]string{"channel": {target}}}
		ch, err := (&slackCall{ctx: c.ctx, api: c.api, actor: c.actor, args: in, req: c.req}).channel("channel")
		if err != nil {
			return nil, err
		}
		msg := channels.NewMessage{Text: c.args.str("initial_comment"), Markup: channels.MarkupMrkdwn, FileIDs: ids}
		if msg.Blocks, _, err = c.args.rawJSON("blocks"); err != nil {
			return nil, err
		}
		if msg.ThreadID, err = c.threadID(ch.ID); err != nil {
			return nil, err
		}
		m, _, err := c.api.svc.PostMessage(c.ctx, c.actor, ch.ID, msg)
		if err != nil {
			return nil, err
		}
		files = m.Files
	}
	for _, it := range items {
		c.api.uploads.remove(it.ID)
	}
	out := make([]slackFile, len(files))
	for i := range files {
		out[i] = c.shapeFile(&files[i], titles[files[i].ID])
	}
	return gin.H{"files": out}, nil
}
