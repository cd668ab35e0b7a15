package main

import (
	"fmt"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The web client keeping in step: two tabs of one person, a lost
// connection resumed without gaps or doubles, "seen" in a DM surviving a
// reload, and a message list patched in place rather than rebuilt.

// until polls js in p's tab until it is true.
func (p *person) until(t *testing.T, what, js string) {
	t.Helper()
	browse(t, p.tab, what, chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// eval runs js in p's tab and decodes its value into out.
func (p *person) eval(t *testing.T, what, js string, out any) {
	t.Helper()
	browse(t, p.tab, what, chromedp.Evaluate(js, out))
}

// badgeJS is true while the sidebar shows an unread badge on a channel.
func badgeJS(channelID int64) string {
	return fmt.Sprintf(`!!document.querySelector('#sidebar [data-channel-id="%d"] .mention-badge')`, channelID)
}

// countJS counts the messages in the list whose body contains text.
func countJS(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#messages [data-message-id] .message-body')].filter(e => e.textContent.includes(%q)).length`, text)
}

// idsInOrderJS is true when the list's message ids are unique and ascending.
const idsInOrderJS = `(() => { const ids = [...document.querySelectorAll('#messages [data-message-id]')].map(e => Number(e.dataset.messageId));
	return ids.every((id, i) => i === 0 || id > ids[i - 1]) })()`

func TestBrowser_SyncTwoTabsOfOnePerson(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := ts.signup("bob")
	general := ana.api.createChannel("general", false)
	ana.api.addMember(general.ID, bob.User.ID)
	dm := bob.openDM(ana.api.User.ID)

	// A second tab of the same Chromium: the same cookies, the same person.
	tab2, cancel := chromedp.NewContext(ana.tab)
	defer cancel()
	second := &person{tab: tab2, api: ana.api}
	ana.open(t, general.ID)
	second.open(t, general.ID)

	ana.say(t, "#composer", "from the first tab")
	second.waitText(t, "#messages .message-body", "from the first tab")
	second.say(t, "#composer", "from the second tab")
	ana.waitText(t, "#messages .message-body", "from the second tab")

	// A DM from bob: unread in both tabs.
	bob.post(dm.ID, "psst, ana", 0)
	ana.until(t, "the DM's badge in the first tab", badgeJS(dm.ID))
	second.until(t, "the DM's badge in the second tab", badgeJS(dm.ID))

	// Reading it in the first tab clears the badge in the second.
	browse(t, ana.tab, "bring the first tab to the front", page.BringToFront())
	ana.open(t, dm.ID)
	ana.waitText(t, "#messages .message-body", "psst, ana")
	ana.until(t, "the badge gone in the first tab", "!"+badgeJS(dm.ID))
	second.until(t, "the badge gone in the second tab", "!"+badgeJS(dm.ID))
	if n := ana.api.myChannels()[dm.ID].UnreadCount; n != 0 {
		t.Fatalf("the DM has %d unread after reading it in one tab", n)
	}
}

// outageListener lets a test cut every connection of a server and refuse
// new ones until it is restored, as when the network drops.
type outageListener struct {
	net.Listener
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func (l *outageListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		down := l.down
		if !down {
			l.conns = append(l.conns, c)
		}
		l.mu.Unlock()
		if !down {
			return c, nil
		}
		_ = c.Close()
	}
}

// cut closes every open connection and refuses new ones.
func (l *outageListener) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

func (l *outageListener) restore() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
}

func TestBrowser_SyncResumesAfterLostConnection(t *testing.T) {
	var outage *outageListener
	ts := startTestServer(t, func(l net.Listener) net.Listener {
		outage = &outageListener{Listener: l}
		return outage
	})
	// A second way in to the same server, which the outage does not cut:
	// bob posts through it while ana's browser is offline.
	side := httptest.NewServer(ts.router)
	t.Cleanup(side.Close)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := ts.signup("bob")
	general := ana.api.createChannel("general", false)
	ana.api.addMember(general.ID, bob.User.ID)
	bob.post(general.ID, "before the outage", 0)
	ana.open(t, general.ID)
	ana.waitText(t, "#messages .message-body", "before the outage")
	ana.until(t, "connected", `document.getElementById('reconnecting').hidden`)

	outage.cut()
	ana.until(t, "the reconnecting banner", `!document.getElementById('reconnecting').hidden`)
	sideTS := *ts
	sideTS.URL = side.URL
	bobSide := &client{ts: &sideTS, Token: bob.Token, User: bob.User, Header: bob.Header}
	missed := []string{"missed one", "missed two", "missed three"}
	for _, text := range missed {
		bobSide.post(general.ID, text, 0)
	}
	outage.restore()

	ana.until(t, "the banner gone after reconnecting", `document.getElementById('reconnecting').hidden`)
	for _, text := range missed {
		ana.waitText(t, "#messages .message-body", text)
	}
	// Live again: a message after the reconnect arrives too.
	bob.post(general.ID, "after the outage", 0)
	ana.waitText(t, "#messages .message-body", "after the outage")
	for _, text := range append([]string{"before the outage", "after the outage"}, missed...) {
		var n int
		ana.eval(t, "count "+text, countJS(text), &n)
		if n != 1 {
			t.Errorf("%q shows %d times, want once", text, n)
		}
	}
	var ordered bool
	ana.eval(t, "message order", idsInOrderJS, &ordered)
	if !ordered {
		t.Error("the message list has doubled or unordered ids")
	}
	var shown int
	ana.eval(t, "message count", `document.querySelectorAll('#messages [data-message-id]').length`, &shown)
	if shown != 5 {
		t.Errorf("%d messages shown, want 5", shown)
	}
}

func TestBrowser_SyncSeenSurvivesReload(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := signUpInBrowser(t, ts, b, "bob")
	dm := ana.api.openDM(bob.api.User.ID)
	ana.open(t, dm.ID)
	ana.say(t, "#composer", "did you see this?")
	ana.waitText(t, "#messages .message-body", "did you see this?")
	var seen string
	ana.eval(t, "seen before bob reads", `document.querySelector('.seen').textContent`, &seen)
	if seen != "" {
		t.Fatalf("seen shows %q before bob opened the DM", seen)
	}

	bob.open(t, dm.ID)
	bob.waitText(t, "#messages .message-body", "did you see this?")
	ana.waitText(t, ".seen", "Seen")

	browse(t, ana.tab, "reload", chromedp.Reload(), chromedp.WaitVisible(`#composer`, chromedp.ByQuery))
	ana.waitText(t, "#messages .message-body", "did you see this?")
	ana.waitText(t, ".seen", "Seen")

	// A newer message of ana's is not seen yet, until bob reads it.
	ana.say(t, "#composer", "and this?")
	ana.until(t, "seen cleared by a newer message", `document.querySelector('.seen').textContent === ''`)
	bob.waitText(t, "#messages .message-body", "and this?")
	ana.waitText(t, ".seen", "Seen")
}

func TestBrowser_SyncPatchesTheMessageList(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := ts.signup("bob")
	general := ana.api.createChannel("general", false)
	ana.api.addMember(general.ID, bob.User.ID)
	var ids []int64
	for i := 1; i <= 80; i++ {
		ids = append(ids, bob.post(general.ID, fmt.Sprintf("history %02d", i), 0).ID)
	}
	ana.open(t, general.ID)
	ana.waitText(t, "#messages .message-body", "history 80")

	// Mark the nodes shown now: a node that survives an update kept its mark.
	mark := `document.querySelectorAll('#messages [data-message-id]').forEach(e => { e.dataset.probe = 'kept' }); true`
	kept := func(id int64) string {
		return fmt.Sprintf(`document.querySelector('#messages [data-message-id="%d"]')?.dataset.probe === 'kept'`, id)
	}
	var ok bool
	ana.eval(t, "mark the nodes", mark, &ok)

	// A new message adds its own node and leaves the others alone.
	fresh := bob.post(general.ID, "a new one", 0)
	ana.waitText(t, "#messages .message-body", "a new one")
	for _, id := range []int64{ids[79], ids[60]} {
		ana.eval(t, "node kept after a new message", kept(id), &ok)
		if !ok {
			t.Fatalf("message %d was rebuilt when another arrived", id)
		}
	}
	// An edit replaces that message's node only.
	ana.eval(t, "mark the nodes again", mark, &ok)
	bob.mustJSON(200, "PATCH", fmt.Sprintf("/api/v1/messages/%d", ids[70]), map[string]any{"text": "history edited"}, nil)
	ana.waitText(t, "#messages .message-body", "history edited")
	ana.eval(t, "edited node rebuilt", kept(ids[70]), &ok)
	if ok {
		t.Fatal("the edited message kept its old node")
	}
	for _, id := range []int64{ids[69], ids[71], fresh.ID} {
		ana.eval(t, "neighbours kept after an edit", kept(id), &ok)
		if !ok {
			t.Fatalf("message %d was rebuilt by an edit of another", id)
		}
	}
	// A deletion removes one node.
	bob.mustJSON(204, "DELETE", fmt.Sprintf("/api/v1/messages/%d", ids[75]), nil, nil)
	ana.until(t, "the deleted message gone", fmt.Sprintf(`!document.querySelector('#messages [data-message-id="%d"]')`, ids[75]))
	ana.eval(t, "neighbour kept after a delete", kept(ids[74]), &ok)
	if !ok {
		t.Fatal("a deletion rebuilt a neighbour")
	}

	// Scrolling up prepends older history, keeping the view where it was.
	var firstShown, secondShown int64
	ana.eval(t, "first message shown", `Number(document.querySelector('#messages [data-message-id]').dataset.messageId)`, &firstShown)
	ana.eval(t, "second message shown", `Number(document.querySelectorAll('#messages [data-message-id]')[1].dataset.messageId)`, &secondShown)
	if firstShown <= ids[0] {
		t.Fatalf("all history loaded at once (first shown %d); the test needs a second page", firstShown)
	}
	anchor := fmt.Sprintf(`document.querySelector('#messages [data-message-id="%d"]')`, firstShown)
	var offset float64
	ana.eval(t, "scroll to the top", fmt.Sprintf(`(() => { const s = document.querySelector('.message-scroller'); s.scrollTop = 0;
		s.dispatchEvent(new Event('scroll')); return %s.getBoundingClientRect().top - s.getBoundingClientRect().top })()`, anchor), &offset)
	ana.waitText(t, "#messages .message-body", "history 01")
	var after float64
	ana.eval(t, "anchor position", fmt.Sprintf(`%s.getBoundingClientRect().top - document.querySelector('.message-scroller').getBoundingClientRect().top`, anchor), &after)
	if d := after - offset; d < -2 || d > 2 {
		t.Errorf("the view moved by %.0fpx when history was prepended", d)
	}
	// The first one shown now follows older messages of bob's: it lost its
	// header, so it was rebuilt; the one after it was not.
	ana.eval(t, "node kept after history loaded", kept(secondShown), &ok)
	if !ok {
		t.Error("loading history rebuilt the messages already shown")
	}
	// Grouping across the seam: bob's messages within minutes of each other
	// show one header, so only the very first one has an author line.
	var headers int
	ana.eval(t, "author headers", `document.querySelectorAll('#messages [data-message-id] .message-header').length`, &headers)
	if headers != 1 {
		t.Errorf("%d author headers for one run of bob's messages, want 1", headers)
	}
	var ordered bool
	ana.eval(t, "message order", idsInOrderJS, &ordered)
	if !ordered {
		t.Error("the message list has doubled or unordered ids")
	}
}
