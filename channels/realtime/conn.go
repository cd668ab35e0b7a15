package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/olahol/melody"
)

// conn is one WebSocket connection of a user.
type conn struct {
	s       *melody.Session
	hub     *Hub
	userID  int64
	tokenID int64
	// expires is when the token expires (Unix ms, 0 never); expiry closes
	// the connection then.
	expires int64
	expiry  *time.Timer
	// kinds limits a bot token to the events of the channel kinds it has a
	// history scope for (see EventKinds); "" is no limit.
	kinds string

	// pending counts frames queued and not yet written: up to melodyQueue
	// of them in melody's buffer, the rest in queue (an idle connection
	// keeps no room for a full buffer). Frames move from queue to melody as
	// melody writes (see sentMessage); a close waits in closeMsg for the
	// frames queued before it.
	pending   atomic.Int64
	mu        sync.Mutex
	inMelody  int
	queue     [][]byte
	closeMsg  []byte
	closeOnce sync.Once
	closing   atomic.Bool
	// drained is signalled after each written frame, and gone closed when
	// the connection has ended: a replay waits on them for buffer room.
	drained chan struct{}
	gone    chan struct{}
	// upgraded is closed once melody has upgraded the connection, and
	// registered once the hub has registered it (see connected).
	upgraded, registered chan struct{}

	// live and sent are guarded by hub.mu once the connection is
	// registered: a connection is live after it has caught up with the log,
	// and sent is the last seq it was given.
	live bool
	sent int64
}

// send queues a frame. A client whose buffer is full is disconnected with
// CloseSlowConsumer instead of silently missing frames; it resumes with
// since from the last seq it saw.
func (c *conn) send(frame []byte) {
	if c.closing.Load() {
		return
	}
	if c.pending.Add(1) >= int64(c.hub.opts.BufferSize) {
		c.pending.Add(-1)
		if !c.closing.Load() {
			c.hub.slowClosed.Add(1)
		}
		c.close(CloseSlowConsumer, "slow consumer: resume with since")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) > 0 || c.inMelody >= melodyQueue {
		c.queue = append(c.queue, frame)
		return
	}
	c.toMelody(frame)
}

// melodyQueue is how many frames a connection hands melody at a time;
// melody's buffer has one more slot, for the close frame.
const melodyQueue = 8

// toMelody hands melody a frame; c.mu is held.
func (c *conn) toMelody(frame []byte) {
	if err := c.s.Write(frame); err != nil {
		c.pending.Add(-1)
		return
	}
	c.inMelody++
}

func (c *conn) close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		msg := melody.FormatCloseMessage(code, reason)
		c.mu.Lock()
		if len(c.queue) > 0 {
			c.closeMsg = msg // after the queued frames
			msg = nil
		}
		c.mu.Unlock()
		if msg != nil {
			_ = c.s.CloseWithMsg(msg)
		}
	})
}

// sentMessage runs on melody's write loop after each frame: it moves
// queued frames into the room the frame left in melody's buffer.
func (h *Hub) sentMessage(s *melody.Session, _ []byte) {
	c := h.connOf(s)
	if c == nil {
		return
	}
	c.pending.Add(-1)
	c.mu.Lock()
	c.inMelody--
	for len(c.queue) > 0 && c.inMelody < melodyQueue {
		frame := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.toMelody(frame)
	}
	var closeMsg []byte
	if len(c.queue) == 0 {
		c.queue = nil // do not keep a burst's backing array
		closeMsg, c.closeMsg = c.closeMsg, nil
	}
	c.mu.Unlock()
	if closeMsg != nil {
		_ = s.CloseWithMsg(closeMsg)
	}
	select {
	case c.drained <- struct{}{}:
	default:
	}
}

// waitRoom holds a replay while the connection's buffer is half full, so
// that replaying goes at the client's pace instead of overflowing the buffer
// (which would close a client that reads as fast as it can). It reports
// false once the connection has ended.
func (c *conn) waitRoom() bool {
	limit := int64(max(c.hub.opts.BufferSize/2, 1))
	for c.pending.Load() >= limit {
		select {
		case <-c.drained:
		case <-c.gone:
			return false
		}
	}
	return true
}

func (h *Hub) connOf(s *melody.Session) *conn {
	v, ok := s.Get(connKey)
	if !ok {
		return nil
	}
	return v.(*conn)
}

// Session keys set before the upgrade.
const (
	connKey  = "conn"
	sinceKey = "since"
)

// connected starts registering a new connection. Melody calls it on the
// goroutine that then runs the connection's read loop for as long as the
// connection lasts, and a goroutine's stack does not shrink back on its
// own: registering (reading the log, pushing presence) goes deep, so it
// runs on a short-lived goroutine of its own and the read loop keeps a
// small stack. The frames a client sends meanwhile wait for it (see
// received), so the hello frame is still the first one.
func (h *Hub) connected(s *melody.Session) {
	c := h.connOf(s)
	c.s = s
	// Nothing reads the upgrade request any more; dropping it frees its
	// headers for the connection's lifetime.
	s.Request = nil
	close(c.upgraded) // melody is done with the HTTP response
	go h.register(c, s)
}

// register gives a new connection the hello frame, then either makes it
// live at once or first replays the log after its since.
func (h *Hub) register(c *conn, s *melody.Session) {
	defer close(c.registered)
	since, resume := s.Keys[sinceKey].(int64)
	var head, oldest int64
	if resume {
		var err error
		if head, oldest, err = h.svc.Log.Head(context.Background()); err != nil {
			h.log.Error("realtime: read log head", "err", err)
			c.close(1011, "internal error")
			return
		}
	}
	h.mu.Lock()
	h.conns[s] = c
	if h.byUser[c.userID] == nil {
		h.byUser[c.userID] = map[*conn]struct{}{}
	}
	h.byUser[c.userID][c] = struct{}{}
	hello, _ := json.Marshal(map[string]any{"type": "hello", "seq": h.dispatched, "user_id": c.userID})
	c.send(hello)
	// A since older than the log keeps, or past its head (a seq this log
	// never had), cannot be resumed from.
	pruned := resume && (since > head || since > 0 && oldest > 0 && since < oldest-1)
	if pruned {
		c.send([]byte(`{"type":"resync_required"}`))
	}
	switch {
	case !resume || pruned:
		c.sent, c.live = h.dispatched, true
	case since >= h.dispatched:
		// The client read up to since over REST, ahead of the fan-out: it
		// goes live from after since (dispatch skips what it has).
		c.sent, c.live = since, true
	default:
		c.sent = since
	}
	live := c.live
	h.mu.Unlock()
	if c.expires > 0 {
		c.expiry = time.AfterFunc(time.Until(time.UnixMilli(c.expires)), func() { c.close(CloseRevoked, "token expired") })
	}
	h.presence.connected(c.userID)
	if !live {
		go h.catchUp(c)
	}
}

const replayBatch = 500

// catchUp replays the events after c.sent that the user may see, up to the
// dispatcher's position, then makes the connection live. Taking the hub's
// lock to compare positions is what guarantees no gap and no duplicate: the
// dispatcher sends only to live connections, and only seqs after the one
// the connection was switched at.
func (h *Hub) catchUp(c *conn) {
	ctx := context.Background()
	for !c.closing.Load() && !c.s.IsClosed() {
		h.mu.Lock()
		upTo := h.dispatched
		if c.sent >= upTo {
			c.live = true
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		events, err := h.svc.Log.Events(ctx, c.userID, c.kinds, c.sent, replayBatch)
		if err != nil {
			h.log.Error("realtime: replay", "err", err)
			c.close(1011, "internal error")
			return
		}
		next := upTo
		for i := range events {
			e := &events[i]
			if e.Seq > upTo {
				break
			}
			frame := eventFrame(e)
			if len(frame) == 0 {
				continue
			}
			if !c.waitRoom() {
				return
			}
			c.send(frame)
			next = e.Seq
		}
		if len(events) < replayBatch || events[len(events)-1].Seq >= upTo {
			next = upTo // every visible event up to upTo has been sent
		}
		h.mu.Lock()
		c.sent = next
		h.mu.Unlock()
	}
}

func (h *Hub) disconnected(s *melody.Session) {
	if c := h.connOf(s); c != nil {
		<-c.registered
		if c.expiry != nil {
			c.expiry.Stop()
		}
		h.releaseConn(c.userID)
	}
	h.mu.Lock()
	c := h.conns[s]
	delete(h.conns, s)
	remaining := 0
	if c != nil {
		close(c.gone)
		delete(h.byUser[c.userID], c)
		remaining = len(h.byUser[c.userID])
		if remaining == 0 {
			delete(h.byUser, c.userID)
		}
	}
	h.mu.Unlock()
	if c != nil && remaining == 0 {
		h.presence.lastDisconnected(c.userID)
	}
}

// reserveConn counts a connection of userID against MaxConnsPerUser from
// before its upgrade until it ends (releaseConn), and refuses one over it.
func (h *Hub) reserveConn(userID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.opening[userID] >= h.opts.MaxConnsPerUser {
		return false
	}
	h.opening[userID]++
	return true
}

func (h *Hub) releaseConn(userID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.opening[userID]--; h.opening[userID] <= 0 {
		delete(h.opening, userID)
	}
}

// connCount returns how many connections a user has open.
func (h *Hub) connCount(userID int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byUser[userID])
}

// clientFrame is what a client may send.
type clientFrame struct {
	Type      string `json:"type"`
	ChannelID int64  `json:"channel_id"`
	// ThreadID, on a typing frame, is the root of the thread being replied
	// to; 0 is the channel itself.
	ThreadID int64  `json:"thread_id"`
	Status   string `json:"status"`
}

func (h *Hub) received(s *melody.Session, raw []byte) {
	c := h.connOf(s)
	if c == nil {
		return
	}
	<-c.registered
	var f clientFrame
	if err := json.Unmarshal(raw, &f); err != nil {
		c.sendError("invalid_frame", "frames are JSON objects with a type")
		return
	}
	switch f.Type {
	case "ping":
		h.presence.active(c.userID)
		c.send([]byte(`{"type":"pong"}`))
	case "typing":
		h.typingFrom(c, f.ChannelID, f.ThreadID)
	case "presence":
		switch f.Status {
		case "active":
			h.presence.setAway(c.userID, false)
		case "away":
			h.presence.setAway(c.userID, true)
		default:
			c.sendError("invalid_status", `presence status must be "active" or "away"`)
		}
	default:
		c.sendError("unknown_type", "unknown frame type")
	}
}

// receivedBinary answers a binary frame, which melody would drop silently.
func (h *Hub) receivedBinary(s *melody.Session, _ []byte) {
	if c := h.connOf(s); c != nil {
		<-c.registered
		c.sendError("invalid_frame", "frames are JSON text frames")
	}
}

func (c *conn) sendError(code, message string) {
	frame, _ := json.Marshal(map[string]any{"type": "error", "code": code, "message": message})
	c.send(frame)
}

type typingKey struct{ user, channel, thread int64 }

// typingFrom relays a typing indicator to the channel's other members, at
// most once per user, channel and thread every TypingThrottle. A threadID
// names the thread the person replies in; it must be a message of the
// channel that is not itself a reply.
func (h *Hub) typingFrom(c *conn, channelID, threadID int64) {
	h.presence.active(c.userID)
	if !h.isMember(channelID, c.userID) {
		c.sendError("channel_not_found", "channel not found")
		return
	}
	now := time.Now()
	key := typingKey{c.userID, channelID, threadID}
	if last, ok := h.typing.Load(key); ok && now.Sub(last.(time.Time)) < h.opts.TypingThrottle {
		return
	}
	if threadID != 0 && !h.isThreadRoot(channelID, threadID) {
		c.sendError("thread_not_found", "thread not found")
		return
	}
	h.typing.Store(key, now)
	f := map[string]any{"type": "typing", "channel_id": channelID, "user_id": c.userID,
		"expires_in_ms": h.opts.TypingTTL.Milliseconds()}
	if threadID != 0 {
		f["thread_id"] = threadID
	}
	frame, _ := json.Marshal(f)
	h.mu.Lock()
	others := make(map[int64]struct{}, len(h.members[channelID]))
	for u := range h.members[channelID] {
		if u != c.userID {
			others[u] = struct{}{}
		}
	}
	h.mu.Unlock()
	h.sendEphemeral(others, frame)
}

// isThreadRoot reports whether id is a message of channelID that can have
// replies: not a reply itself, and not deleted.
func (h *Hub) isThreadRoot(channelID, id int64) bool {
	ok, err := h.svc.IsThreadRoot(context.Background(), channelID, id)
	if err != nil {
		h.log.Error("realtime: look up a thread", "err", err)
		return false
	}
	return ok
}
