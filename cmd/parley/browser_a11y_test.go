package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/channels"
)

// The web client's desktop notifications, its light and dark colours and
// its accessibility, checked in headless Chromium.

// notificationRecorder replaces the browser's Notification with one that
// records what the client shows, and lets the test hide and show the tab
// (window.__setHidden) and see whether the client asked for focus.
const notificationRecorder = `(() => {
	window.__notifications = [];
	window.__focused = 0;
	class RecordedNotification extends EventTarget {
		constructor(title, options = {}) {
			super();
			this.title = String(title);
			this.body = String(options.body ?? "");
			this.tag = String(options.tag ?? "");
			this.closed = false;
			this.onclick = null;
			this.addEventListener("click", (e) => { if (typeof this.onclick === "function") this.onclick(e); });
			window.__notifications.push(this);
		}
		close() { this.closed = true; }
	}
	RecordedNotification.permission = "granted";
	RecordedNotification.requestPermission = () => Promise.resolve("granted");
	window.Notification = RecordedNotification;
	let hidden = false;
	Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
	Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
	window.__setHidden = (h) => { hidden = !!h; document.dispatchEvent(new Event("visibilitychange")); return true; };
	window.focus = () => { window.__focused++; };
})();`

// injectOnLoad runs src in every document the tab opens from now on,
// before the page's own scripts.
func injectOnLoad(src string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(src).Do(ctx)
		return err
	})
}

// shownNotification is what the recorder kept of a notification.
type shownNotification struct {
	Title  string `json:"title"`
	Body   string `json:"body"`
	Tag    string `json:"tag"`
	Closed bool   `json:"closed"`
}

func notificationsIn(t *testing.T, tab context.Context) []shownNotification {
	t.Helper()
	var out []shownNotification
	browse(t, tab, "read the notifications", chromedp.Evaluate(
		`window.__notifications.map(n => ({title: n.title, body: n.body, tag: n.tag, closed: n.closed}))`, &out))
	return out
}

func TestBrowser_DesktopNotifications(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := ts.signup("bob")
	general := ana.api.createChannel("general", false)
	quiet := ana.api.createChannel("quiet", false)
	ana.api.addMember(general.ID, bob.User.ID)
	ana.api.addMember(quiet.ID, bob.User.ID)

	// Reload with the recorder in place, mute #quiet and stay in #general.
	browse(t, ana.tab, "install the notification recorder", injectOnLoad(notificationRecorder), chromedp.Reload(),
		chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery))
	ana.open(t, quiet.ID)
	browse(t, ana.tab, "mute #quiet",
		chromedp.Click(`.channel-header-actions button[aria-pressed="false"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.channel-header-actions button[aria-pressed="true"]`, chromedp.ByQuery))
	ana.open(t, general.ID)
	browse(t, ana.tab, "hide the tab", chromedp.Evaluate(`window.__setHidden(true)`, nil))

	// Nothing to notify: a plain message, a mention in a muted channel,
	// ana's own mention of herself. Then a first DM and a mention.
	bob.post(general.ID, "lunch is ready", 0)
	bob.post(quiet.ID, "@ana in the quiet room", 0)
	ana.api.post(general.ID, "@ana note to self", 0)
	var dm channels.Channel
	bob.mustJSON(http.StatusCreated, "POST", "/api/v1/dms", map[string]any{"user_ids": []int64{ana.api.User.ID}}, &dm)
	bob.post(dm.ID, "are you around?", 0)
	bob.post(general.ID, "@ana can you review?", 0)

	want := []shownNotification{
		{Title: "bob", Body: "are you around?", Tag: fmt.Sprintf("parley-%d", dm.ID)},
		{Title: "bob in #general", Body: "@ana can you review?", Tag: fmt.Sprintf("parley-%d", general.ID)},
	}
	browse(t, ana.tab, "wait for two notifications and the unread count in the title",
		chromedp.Poll(`window.__notifications.length >= 2 && document.title.startsWith("(2) ")`, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
	// The events arrive in order, so the ones before the mention were
	// handled by now; give stragglers (a third notification) a moment.
	var title string
	browse(t, ana.tab, "read the title", chromedp.Sleep(300*time.Millisecond), chromedp.Title(&title))
	got := notificationsIn(t, ana.tab)
	if len(got) != len(want) {
		t.Fatalf("notifications = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("notification %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if title != "(2) # general · Parley" {
		t.Errorf("title = %q, want the two unread (the DM and the mention) counted", title)
	}

	// Clicking the DM's notification focuses the tab, opens the DM and
	// closes the notification; once the tab is seen, the DM is read.
	browse(t, ana.tab, "click the DM notification",
		chromedp.Evaluate(`window.__notifications[0].dispatchEvent(new Event("click")), true`, nil),
		chromedp.Poll(fmt.Sprintf(`location.hash === "#/c/%d" && window.__focused > 0 && window.__notifications[0].closed`, dm.ID), nil,
			chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Evaluate(`window.__setHidden(false)`, nil),
		chromedp.Poll(`document.title === "(1) bob · Parley"`, nil, chromedp.WithPollingInterval(50*time.Millisecond)))

	// While the tab is visible nothing is shown, even for another
	// channel's mention.
	bob.post(general.ID, "@ana one more thing", 0)
	browse(t, ana.tab, "see the second mention counted",
		chromedp.Poll(`document.title === "(2) bob · Parley"`, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
	if got := notificationsIn(t, ana.tab); len(got) != 2 {
		t.Errorf("a notification was shown while the tab was visible: %+v", got[2:])
	}
}
