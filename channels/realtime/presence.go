package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/parley-chat/parley/channels"
)

// Presence statuses.
const (
	PresenceOnline  = "online"
	PresenceAway    = "away"
	PresenceOffline = "offline"
	PresenceDND     = "dnd"
)

// Presence is what GET /users/{id}/presence and presence.changed carry.
type Presence struct {
	UserID       int64  `json:"user_id"`
	Status       string `json:"status"`
	StatusText   string `json:"status_text"`
	StatusEmoji  string `json:"status_emoji"`
	DND          bool   `json:"dnd"`
	DNDUntil     *int64 `json:"dnd_until"`
	LastActiveAt *int64 `json:"last_active_at"`
}

// presence tracks who is online, away, offline or not to be disturbed. It
// lives in memory: it describes connections, which end with the process.
type presence struct {
	hub *Hub

	mu    sync.Mutex
	users map[int64]*userPresence

	quit chan struct{}
	done chan struct{}
}

type userPresence struct {
	connected  bool
	away       bool // asked for
	idle       bool // no activity for AwayAfter
	lastActive time.Time
	offline    *time.Timer // pending switch to offline after the last connection
	status     string      // last status pushed
}

func newPresence(h *Hub) *presence {
	p := &presence{hub: h, users: map[int64]*userPresence{}, quit: make(chan struct{}), done: make(chan struct{})}
	go p.sweep()
	return p
}

func (p *presence) stop() {
	close(p.quit)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.users {
		if u.offline != nil {
			u.offline.Stop()
		}
	}
}

func (p *presence) user(id int64) *userPresence {
	u := p.users[id]
	if u == nil {
		u = &userPresence{status: PresenceOffline}
		p.users[id] = u
	}
	return u
}

func (p *presence) connected(id int64) {
	p.mu.Lock()
	u := p.user(id)
	if u.offline != nil {
		u.offline.Stop() // a quick reconnect: no flicker to offline
		u.offline = nil
	}
	u.connected, u.idle, u.lastActive = true, false, time.Now()
	p.mu.Unlock()
	p.update(id)
}

func (p *presence) lastDisconnected(id int64) {
	p.mu.Lock()
	u := p.user(id)
	if u.offline != nil {
		u.offline.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(p.hub.opts.OfflineAfter, func() {
		p.mu.Lock()
		if u.offline != t || p.hub.connCount(id) > 0 {
			p.mu.Unlock()
			return
		}
		u.offline, u.connected = nil, false
		p.mu.Unlock()
		p.update(id)
	})
	u.offline = t
	p.mu.Unlock()
}

// active records activity (a frame, a post) that makes an idle user online.
func (p *presence) active(id int64) {
	p.mu.Lock()
	u := p.user(id)
	u.lastActive = time.Now()
	wasIdle := u.idle
	u.idle = false
	p.mu.Unlock()
	if wasIdle {
		p.update(id)
	}
}

func (p *presence) setAway(id int64, away bool) {
	p.mu.Lock()
	u := p.user(id)
	u.away = away
	if !away {
		u.idle, u.lastActive = false, time.Now()
	}
	p.mu.Unlock()
	p.update(id)
}

// profileChanged pushes the new status text, emoji or DND after a
// user.updated event.
func (p *presence) profileChanged(id int64) { p.push(id, true) }

func (p *presence) update(id int64) { p.push(id, false) }

// sweep marks idle users away and ends expired DND, periodically.
func (p *presence) sweep() {
	defer close(p.done)
	every := min(p.hub.opts.AwayAfter/4, 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
		}
		now := time.Now()
		var changed []int64
		p.mu.Lock()
		for id, u := range p.users {
			if u.connected && !u.idle && now.Sub(u.lastActive) >= p.hub.opts.AwayAfter {
				u.idle = true
				changed = append(changed, id)
			} else if u.status == PresenceDND {
				changed = append(changed, id) // update checks whether DND ended
			}
		}
		p.mu.Unlock()
		for _, id := range changed {
			p.update(id)
		}
		p.hub.typing.Range(func(k, v any) bool {
			if now.Sub(v.(time.Time)) > p.hub.opts.TypingThrottle {
				p.hub.typing.Delete(k)
			}
			return true
		})
	}
}

// Of returns a user's presence now.
func (p *presence) Of(ctx context.Context, id int64) (*Presence, error) {
	usr, err := p.hub.svc.User(ctx, id)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.describe(usr), nil
}

// describe computes the presence of usr; p.mu is held.
func (p *presence) describe(usr *channels.User) *Presence {
	pr := &Presence{UserID: usr.ID, Status: PresenceOffline, StatusText: usr.StatusText, StatusEmoji: usr.StatusEmoji}
	if u := p.users[usr.ID]; u != nil {
		if !u.lastActive.IsZero() {
			at := u.lastActive.UnixMilli()
			pr.LastActiveAt = &at
		}
		switch {
		case !u.connected:
		case u.away || u.idle:
			pr.Status = PresenceAway
		default:
			pr.Status = PresenceOnline
		}
	}
	if usr.DNDActive(time.Now()) {
		pr.Status, pr.DND = PresenceDND, true
		if *usr.DNDUntil != channels.DNDIndefinite {
			pr.DNDUntil = usr.DNDUntil
		}
	}
	return pr
}

// push recomputes a user's status and sends presence.changed to everyone
// who shares a channel with them, when it changed (or always, with force).
func (p *presence) push(id int64, force bool) {
	usr, err := p.hub.svc.User(context.Background(), id)
	if err != nil {
		return
	}
	p.mu.Lock()
	pr := p.describe(usr)
	u := p.user(id)
	changed := u.status != pr.Status
	u.status = pr.Status
	p.mu.Unlock()
	if !changed && !force {
		return
	}
	frame, err := json.Marshal(map[string]any{"type": "presence.changed", "user_id": id, "data": pr})
	if err != nil {
		return
	}
	p.hub.mu.Lock()
	sharers := p.hub.sharers(id)
	p.hub.mu.Unlock()
	p.hub.sendEphemeral(sharers, frame)
}

// statusOf is the presence status shown in user objects.
func (p *presence) statusOf(u *channels.User) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.describe(u).Status
}
