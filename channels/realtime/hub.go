package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/olahol/melody"
	"github.com/parley-chat/parley/channels"
)

// HubOptions configure the realtime gateway.
type HubOptions struct {
	// PublicURL is the origin browsers must come from when they authenticate
	// a WebSocket with the session cookie.
	PublicURL string
	// MaxConnsPerUser bounds a user's open connections (tabs, devices).
	MaxConnsPerUser int
	// BufferSize is how many frames may wait for a slow client before it is
	// disconnected (it then resumes with since).
	BufferSize int
	// PingPeriod, PongWait and WriteWait are the heartbeat: a peer that has
	// not answered a ping for PongWait is dropped.
	PingPeriod, PongWait, WriteWait time.Duration
	// TypingThrottle and TypingTTL shape typing indicators.
	TypingThrottle, TypingTTL time.Duration
	// AwayAfter idle time, and OfflineAfter the last connection closed,
	// change a user's presence.
	AwayAfter, OfflineAfter time.Duration
}

func (o *HubOptions) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.MaxConnsPerUser == 0 {
		o.MaxConnsPerUser = 20
	}
	if o.BufferSize == 0 {
		o.BufferSize = 256
	}
	def(&o.PingPeriod, 20*time.Second)
	def(&o.PongWait, 45*time.Second)
	def(&o.WriteWait, 10*time.Second)
	def(&o.TypingThrottle, 3*time.Second)
	def(&o.TypingTTL, 5*time.Second)
	def(&o.AwayAfter, 10*time.Minute)
	def(&o.OfflineAfter, 30*time.Second)
}

// Close codes Parley uses beside the standard ones.
const (
	CloseSlowConsumer = 4008 // the client fell behind; resume with since
	CloseRevoked      = 4003 // the token was revoked or the user deactivated
)

// maxFrameBytes is the largest frame a client may send.
const maxFrameBytes = 64 << 10

// Hub is the realtime gateway: it follows the event log and fans each event
// out to the connections allowed to see it, once marshalled. Connections
// resume from any seq still in the log.
type Hub struct {
	svc  *channels.Service
	log  *slog.Logger
	opts HubOptions
	m    *melody.Melody

	mu         sync.Mutex
	conns      map[*melody.Session]*conn
	byUser     map[int64]map[*conn]struct{}
	opening    map[int64]int                // user -> connections counted against the limit
	members    map[int64]map[int64]struct{} // channel -> users, as of dispatched
	channelsOf map[int64]map[int64]struct{} // user -> channels, as of dispatched
	dispatched int64                        // last event fanned out
	// kinds maps channels to their kind, for connections limited to some
	// kinds; only load and the dispatcher goroutine touch it.
	kinds map[int64]string

	presence *presence
	typing   sync.Map // typingKey -> time.Time of the last relay

	slowClosed atomic.Int64 // connections closed for falling behind

	stop      context.CancelFunc // ends run
	done      chan struct{}      // closed when run has returned
	closeOnce sync.Once
}

// NewHub loads the memberships and the log's head, and starts following the
// log until ctx ends or Close.
func NewHub(ctx context.Context, svc *channels.Service, logger *slog.Logger, opts HubOptions) (*Hub, error) {
	opts.defaults()
	h := &Hub{svc: svc, log: logger, opts: opts, conns: map[*melody.Session]*conn{},
		byUser: map[int64]map[*conn]struct{}{}, opening: map[int64]int{}, members: map[int64]map[int64]struct{}{},
		channelsOf: map[int64]map[int64]struct{}{}, kinds: map[int64]string{}, done: make(chan struct{})}
	if err := h.load(ctx); err != nil {
		return nil, err
	}
	h.presence = newPresence(h)
	h.m = melody.New()
	h.m.Config.MaxMessageSize = maxFrameBytes
	h.m.Config.MessageBufferSize = melodyQueue + 1 // the rest waits in conn.queue
	h.m.Config.PingPeriod = opts.PingPeriod
	h.m.Config.PongWait = opts.PongWait
	h.m.Config.WriteWait = opts.WriteWait
	// Origins are checked before the upgrade (see serveWS). Idle
	// connections are kept small: client frames are small, so a 256-byte
	// read buffer does (a longer frame takes more reads; the HTTP server's
	// 4 KiB buffer is then freed), and write buffers come from a pool only
	// while writing.
	h.m.Upgrader.CheckOrigin = func(*http.Request) bool { return true }
	h.m.Upgrader.ReadBufferSize = 256
	h.m.Upgrader.WriteBufferSize = 0
	h.m.Upgrader.WriteBufferPool = &sync.Pool{}
	h.m.HandleConnect(h.connected)
	h.m.HandleDisconnect(h.disconnected)
	h.m.HandleMessage(h.received)
	h.m.HandleMessageBinary(h.receivedBinary)
	h.m.HandleSentMessage(h.sentMessage)
	h.m.HandleError(h.failed)
	ctx, h.stop = context.WithCancel(ctx)
	go h.run(ctx)
	return h, nil
}

// load reads the head of the log and every membership in one snapshot, so
// that the in-memory index matches the log position it starts from.
func (h *Hub) load(ctx context.Context) error {
	snap, err := h.svc.MembershipSnapshot(ctx)
	if err != nil {
		return fmt.Errorf("load hub state: %w", err)
	}
	h.dispatched, h.kinds = snap.Head, snap.Kinds
	for _, m := range snap.Members {
		h.addMember(m.ChannelID, m.UserID)
	}
	return nil
}

// Close disconnects every client and stops following the log.
func (h *Hub) Close() {
	h.closeOnce.Do(func() {
		h.stop()
		<-h.done
		h.presence.stop()
		_ = h.m.CloseWithMsg(melody.FormatCloseMessage(1001, "server shutting down"))
	})
}

// run follows the event log until Close.
func (h *Hub) run(ctx context.Context) {
	defer close(h.done)
	h.mu.Lock()
	from := h.dispatched
	h.mu.Unlock()
	h.svc.Log.Follow(ctx, from, channels.FollowOptions{Failed: func(err error) { h.log.Error("realtime: read event log", "err", err) }}, func(_ context.Context, events []channels.Event, _ int64) error {
		for i := range events {
			h.dispatch(&events[i])
		}
		return nil
	})
}

// dispatch fans one event out to the live connections that may see it. The
// membership index changes with the event, in log order.
func (h *Hub) dispatch(e *channels.Event) {
	kind := h.channelKind(e)
	// The frame is encoded for the first recipient: most events of a busy
	// workspace reach nobody listening.
	var frame []byte
	h.mu.Lock()
	h.applyBefore(e)
	h.forRecipients(e, func(c *conn) {
		if !c.live || e.Seq <= c.sent || e.ChannelID != nil && !channels.KindAllowed(c.kinds, kind) {
			return
		}
		if frame == nil {
			frame = eventFrame(e)
		}
		if len(frame) > 0 {
			c.send(frame)
			c.sent = e.Seq
		}
	})
	h.dispatched = e.Seq
	h.applyAfter(e)
	h.mu.Unlock()
	h.afterDispatch(e)
}

// eventFrame encodes e exactly as json.Marshal does, but appends its data
// as stored: every payload in the log was written by json.Marshal, so it is
// already valid and compact, and compacting it again for every frame was
// most of the cost of replaying the log to resuming clients.
func eventFrame(e *channels.Event) []byte {
	if !plainJSONString(e.Type) {
		frame, err := json.Marshal(e)
		if err != nil {
			return []byte{}
		}
		return frame
	}
	b := make([]byte, 0, len(e.Data)+len(e.Type)+112)
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"type":"`...)
	b = append(b, e.Type...)
	b = append(b, `","channel_id":`...)
	b = appendOptionalID(b, e.ChannelID)
	b = append(b, `,"actor_id":`...)
	b = appendOptionalID(b, e.ActorID)
	b = append(b, `,"data":`...)
	if len(e.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, e.Data...)
	}
	b = append(b, `,"created_at":`...)
	b = strconv.AppendInt(b, e.CreatedAt, 10)
	return append(b, '}')
}

func appendOptionalID(b []byte, id *int64) []byte {
	if id == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *id, 10)
}

// plainJSONString reports whether s is encoded by json.Marshal as itself
// between quotes (event types are: lower-case words and dots).
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// channelKind returns the kind of the channel an event is about ("" for
// none). Called by the dispatcher only.
func (h *Hub) channelKind(e *channels.Event) string {
	if e.ChannelID == nil {
		return ""
	}
	id := *e.ChannelID
	if kind, ok := h.kinds[id]; ok {
		return kind
	}
	if e.Type == channels.EventChannelCreated {
		var c channels.Channel
		if json.Unmarshal(e.Data, &c) == nil && c.Kind != "" {
			h.kinds[id] = c.Kind
			return c.Kind
		}
	}
	kind, err := h.svc.ChannelKind(context.Background(), id)
	if err != nil {
		return "" // seen by people only
	}
	h.kinds[id] = kind
	return kind
}

// forRecipients calls f for every connection allowed to see e. h.mu is held.
func (h *Hub) forRecipients(e *channels.Event, f func(*conn)) {
	switch e.Scope {
	case channels.ScopeAll:
		for _, c := range h.conns {
			f(c)
		}
		return
	case channels.ScopeChannel:
		if e.ChannelID != nil {
			for u := range h.members[*e.ChannelID] {
				if e.SubjectID != nil && u == *e.SubjectID {
					continue // below
				}
				for c := range h.byUser[u] {
					f(c)
				}
			}
		}
	}
	if e.SubjectID != nil {
		for c := range h.byUser[*e.SubjectID] {
			f(c)
		}
	}
}

// applyBefore updates the membership index for events that add people, so
// that they see the event that added them.
func (h *Hub) applyBefore(e *channels.Event) {
	switch e.Type {
	case channels.EventChannelCreated:
		var c channels.Channel
		if json.Unmarshal(e.Data, &c) == nil && e.ChannelID != nil {
			h.addMember(*e.ChannelID, c.CreatorID)
			for _, u := range c.UserIDs {
				h.addMember(*e.ChannelID, u)
			}
		}
	case channels.EventMemberJoined:
		if e.ChannelID != nil && e.SubjectID != nil {
			h.addMember(*e.ChannelID, *e.SubjectID)
		}
	}
}

// applyAfter removes people after they have seen their removal.
func (h *Hub) applyAfter(e *channels.Event) {
	if e.Type == channels.EventMemberLeft && e.ChannelID != nil && e.SubjectID != nil {
		ch, u := *e.ChannelID, *e.SubjectID
		delete(h.members[ch], u)
		delete(h.channelsOf[u], ch)
	}
}

func (h *Hub) addMember(ch, u int64) {
	if h.members[ch] == nil {
		h.members[ch] = map[int64]struct{}{}
	}
	h.members[ch][u] = struct{}{}
	if h.channelsOf[u] == nil {
		h.channelsOf[u] = map[int64]struct{}{}
	}
	h.channelsOf[u][ch] = struct{}{}
}

// afterDispatch reacts to events outside the lock: activity for presence,
// and closing the connections of deactivated users.
func (h *Hub) afterDispatch(e *channels.Event) {
	switch e.Type {
	case channels.EventMessageCreated, channels.EventReactionAdded, channels.EventReadUpdated:
		if e.ActorID != nil {
			h.presence.active(*e.ActorID)
		}
	case channels.EventUserUpdated:
		var u channels.User
		if json.Unmarshal(e.Data, &u) == nil && u.Deactivated {
			h.Revoke(u.ID, 0)
		}
		if e.SubjectID != nil {
			h.presence.profileChanged(*e.SubjectID)
		}
	}
}

// Revoke closes the connections of a token (tokenID != 0) or of a user
// (Hooks.Revoked).
func (h *Hub) Revoke(userID, tokenID int64) {
	h.mu.Lock()
	var victims []*conn
	for _, c := range h.conns {
		if tokenID != 0 && c.tokenID == tokenID || tokenID == 0 && c.userID == userID {
			victims = append(victims, c)
		}
	}
	h.mu.Unlock()
	for _, c := range victims {
		c.close(CloseRevoked, "token revoked")
	}
}

// sharers lists the users who share a channel with userID (itself
// included). h.mu is held.
func (h *Hub) sharers(userID int64) map[int64]struct{} {
	out := map[int64]struct{}{userID: {}}
	for ch := range h.channelsOf[userID] {
		for u := range h.members[ch] {
			out[u] = struct{}{}
		}
	}
	return out
}

// isMember reports whether userID is in channelID as of the dispatched log.
func (h *Hub) isMember(channelID, userID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.members[channelID][userID]
	return ok
}

// sendEphemeral sends a frame without seq to every connection of the users.
func (h *Hub) sendEphemeral(users map[int64]struct{}, frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for u := range users {
		for c := range h.byUser[u] {
			if c.live {
				c.send(frame)
			}
		}
	}
}

// SendEphemeral delivers a message.ephemeral frame to one user's live
// connections (slash-command replies, for example). It does not go through
// the log.
func (h *Hub) SendEphemeral(userID int64, channelID int64, data any) error {
	frame, err := json.Marshal(map[string]any{"type": "message.ephemeral", "channel_id": channelID, "data": data})
	if err != nil {
		return fmt.Errorf("encode ephemeral message: %w", err)
	}
	h.sendEphemeral(map[int64]struct{}{userID: {}}, frame)
	return nil
}

func (h *Hub) failed(s *melody.Session, err error) {
	if errors.Is(err, melody.ErrMessageBufferFull) {
		// conn.send keeps room for the close frame, so this only happens
		// after a close was queued; nothing more to do.
		return
	}
	h.log.Debug("realtime: connection error", "err", err)
}

// serve runs one WebSocket connection until it ends.
//
// Melody runs a connection inside the call that upgrades it, which would
// keep the HTTP server's per-request state (the handler's stack, buffers,
// the request) alive as long as the connection. So it runs on a goroutine
// of its own, and the handler returns as soon as the connection is
// upgraded and registered: after that melody no longer touches w.
func (h *Hub) serve(w http.ResponseWriter, r *http.Request, keys map[string]any) error {
	c := keys[connKey].(*conn)
	c.upgraded, c.registered = make(chan struct{}), make(chan struct{})
	w = hijackWriter{ResponseWriter: w, backlog: c.pending.Load}
	failed := make(chan error, 1)
	go func() {
		if err := h.m.HandleRequestWithKeys(w, r, keys); err != nil {
			failed <- err
		}
	}()
	select {
	case <-c.upgraded:
	case err := <-failed:
		h.releaseConn(c.userID)
		h.log.Debug("realtime: upgrade failed", "err", err)
	}
	return nil
}

// PresenceOf is a user's presence as user objects show it (Hooks.PresenceOf).
func (h *Hub) PresenceOf(u *channels.User) string { return h.presence.statusOf(u) }

// SetAway marks a person away (until they set themselves active, from any
// client) or active again, as the presence frame does.
func (h *Hub) SetAway(userID int64, away bool) { h.presence.setAway(userID, away) }

// IsAway reports whether a person asked to be shown away.
func (h *Hub) IsAway(userID int64) bool {
	h.presence.mu.Lock()
	defer h.presence.mu.Unlock()
	u, ok := h.presence.users[userID]
	return ok && u.away
}

// HubStats are the gateway's numbers for metrics.
type HubStats struct {
	Connections int   // open WebSocket connections
	Dispatched  int64 // the last event seq fanned out
	SlowClosed  int64 // connections closed because their buffer was full
}

// Stats returns the gateway's current numbers.
func (h *Hub) Stats() HubStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HubStats{Connections: len(h.conns), Dispatched: h.dispatched, SlowClosed: h.slowClosed.Load()}
}
