package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

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

// contrastAudit lists the visible text on the page whose WCAG contrast
// against its effective background is under 4.5:1 (3:1 for large text:
// 24px, or 18.66px bold). Disabled controls and text that is not words
// (emoji, symbols) are exempt. The background is the first opaque one up
// the tree, with the translucent ones between it and the text blended in.
const contrastAudit = `(async () => {
	await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
	const parse = (c) => {
		let m = c.match(/^rgba?\(([^)]*)\)$/);
		if (m) {
			const p = m[1].split(/[\s,\/]+/).filter(Boolean).map((x) => x.endsWith("%") ? parseFloat(x) / 100 : Number(x));
			return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
		}
		m = c.match(/^color\(srgb ([^)]*)\)$/);
		if (m) {
			const p = m[1].split(/[\s\/]+/).filter(Boolean).map(Number);
			return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
		}
		return null;
	};
	const over = (top, base) => [0, 1, 2].map((i) => top[i] * top[3] + base[i] * (1 - top[3])).concat(1);
	const lum = (c) => {
		const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
		return 0.2126 * r + 0.7152 * g + 0.0722 * b;
	};
	const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
	const name = (el) => {
		const parts = [];
		for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
			parts.unshift(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + [...e.classList].slice(0, 2).map((c) => "." + c).join(""));
		}
		return parts.join(" > ");
	};
	const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
	const out = new Set();
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		const text = n.nodeValue.trim();
		if (!/[\p{L}\p{N}]/u.test(text)) continue;
		const el = n.parentElement;
		if (!el || el.closest("script, style, noscript, [disabled], [aria-disabled=true], option")) continue;
		const range = document.createRange();
		range.selectNodeContents(n);
		const rect = range.getBoundingClientRect();
		if (rect.width <= 1 || rect.height <= 1) continue;
		const st = getComputedStyle(el);
		if (st.visibility !== "visible") continue;
		let fg = parse(st.color);
		if (!fg) { out.add(name(el) + ": unparsed colour " + st.color); continue; }
		let opacity = 1;
		const layers = [];
		let base = null;
		let skip = false;
		for (let e = el; e; e = e.parentElement) {
			const s = getComputedStyle(e);
			opacity *= Number(s.opacity);
			if (s.backgroundImage !== "none") { skip = true; break; }
			const bg = parse(s.backgroundColor);
			if (!bg) { out.add(name(e) + ": unparsed background " + s.backgroundColor); skip = true; break; }
			if (bg[3] >= 1) { base = bg; break; }
			if (bg[3] > 0) layers.push(bg);
		}
		if (skip || opacity === 0) continue;
		if (!base) base = parse(getComputedStyle(document.documentElement).backgroundColor) || [255, 255, 255, 1];
		if (base[3] < 1) base = [255, 255, 255, 1];
		let bg = base;
		for (const l of layers.reverse()) bg = over(l, bg);
		fg = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
		const size = parseFloat(st.fontSize);
		const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
		const need = large ? 3 : 4.5;
		const r = ratio(fg, bg);
		if (r < need) out.add(name(el) + ' "' + text.slice(0, 30) + '": ' + hex(fg) + " on " + hex(bg) + " = " + r.toFixed(2) + ":1, needs " + need);
	}
	return [...out];
})()`

// colourSchemes are the schemes the contrast audit runs in.
var colourSchemes = []string{"light", "dark"}

// emulateScheme makes the tab prefer a colour scheme.
func emulateScheme(scheme string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		return emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}).Do(ctx)
	})
}

// evaluateAsync evaluates a script that returns a promise.
func evaluateAsync(js string, out any) chromedp.Action {
	return chromedp.Evaluate(js, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })
}

// auditContrast runs the contrast audit on what tab shows, in light and
// dark, and returns the failures prefixed with the screen and scheme.
func auditContrast(t *testing.T, tab context.Context, screen string) []string {
	t.Helper()
	var all []string
	for _, scheme := range colourSchemes {
		var found []string
		browse(t, tab, "contrast audit of "+screen+" in "+scheme, emulateScheme(scheme), evaluateAsync(contrastAudit, &found))
		for _, f := range found {
			all = append(all, fmt.Sprintf("%s (%s): %s", screen, scheme, f))
		}
	}
	browse(t, tab, "back to no preference", emulateScheme(""))
	return all
}

// chatWithEverything makes a channel with the message kinds the screens
// show: formatting, a mention, a file, an attachment, a reaction and a
// thread, and returns it with the thread's root.
func chatWithEverything(t *testing.T, ts *testServer, ana, bob *client) (channels.Channel, channels.Message) {
	t.Helper()
	ch := ana.createChannel("general", false)
	ana.addMember(ch.ID, bob.User.ID)
	root := ana.post(ch.ID, "release **plan** with `code`, a [link](https://example.com) and > notes", 0)
	bob.post(ch.ID, "> quoted line\n```\nblock of code\n```", 0)
	bob.post(ch.ID, "reply in the thread", root.ID)
	bob.post(ch.ID, "@ana the zebracorn numbers are in", 0)
	bob.mustJSON(http.StatusNoContent, "PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/tada", root.ID), nil, nil)
	var file struct {
		ID int64 `json:"id"`
	}
	res := ana.upload("notes.txt", []byte("release notes"))
	if res.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	if err := json.Unmarshal(res.Body, &file); err != nil {
		t.Fatal(err)
	}
	ana.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID), map[string]any{"text": "the notes", "file_ids": []int64{file.ID}}, nil)
	var hook createdHook
	ana.mustJSON(http.StatusCreated, "POST", "/api/v1/incoming-webhooks", map[string]any{"channel_id": ch.ID, "name": "alertmanager"}, &hook)
	if res := ts.anon().do("POST", hook.path(), `{"attachments":[{"color":"danger","title":"[FIRING:1] HighLatency api","title_link":"https://am.example.com/x",
		"text":"p99 over *2s*","fields":[{"title":"severity","value":"critical","short":true}],"footer":"alertmanager","mrkdwn_in":["text"]}]}`); res.Status != http.StatusOK {
		t.Fatalf("hook post: %d %s", res.Status, res.Body)
	}
	return ch, root
}

func TestBrowser_ContrastLightAndDark(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	tab := b.newTab(120 * time.Second)
	var failures []string

	// The login form, with an error shown.
	ts.signup("ana")
	bob := ts.signup("bob")
	browse(t, tab, "show the login form with an error",
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(`#auth-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#auth-username`, "ana", chromedp.ByQuery),
		chromedp.SendKeys(`#auth-password`, "wrong password", chromedp.ByQuery),
		chromedp.Click(`#auth-login`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('#auth-form .form-error')?.textContent.trim() !== ''`, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
	failures = append(failures, auditContrast(t, tab, "login")...)
	browse(t, tab, "log in",
		chromedp.Evaluate(`document.querySelector('#auth-password').value = ''`, nil),
		chromedp.SendKeys(`#auth-password`, "password-ana", chromedp.ByQuery),
		chromedp.Click(`#auth-login`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery))
	ana := ts.apiAs("ana")
	ch, root := chatWithEverything(t, ts, ana, bob)
	p := &person{tab: tab, api: ana}

	p.open(t, ch.ID)
	p.waitText(t, "#messages", "HighLatency api")
	p.waitText(t, "#messages", "notes.txt")
	p.waitText(t, "#messages .reaction", "1")
	failures = append(failures, auditContrast(t, tab, "chat")...)

	p.openThread(t, root.ID)
	p.waitText(t, "#thread", "reply in the thread")
	failures = append(failures, auditContrast(t, tab, "thread")...)

	ts.waitIndexed()
	p.search(t, "zebracorn")
	failures = append(failures, auditContrast(t, tab, "search")...)

	browse(t, tab, "open settings", chromedp.Click(`#settings-link`, chromedp.ByQuery), chromedp.WaitVisible(`[role=tablist]`, chromedp.ByQuery))
	var tabs []string
	browse(t, tab, "list the settings tabs", chromedp.Evaluate(`[...document.querySelectorAll('[role=tab]')].map(e => e.id)`, &tabs))
	for i, id := range tabs {
		if id == "" {
			t.Fatalf("settings tab %d has no id to click it by", i)
		}
		browse(t, tab, "open settings tab "+id, chromedp.Click("#"+id, chromedp.ByQuery),
			chromedp.WaitVisible(`[role=tabpanel]:not([hidden])`, chromedp.ByQuery), chromedp.Sleep(200*time.Millisecond))
		failures = append(failures, auditContrast(t, tab, "settings "+id)...)
	}
	if len(failures) > 0 {
		t.Errorf("%d texts under the WCAG AA contrast:\n%s", len(failures), strings.Join(failures, "\n"))
	}
}

// nameAudit lists the visible controls and images without an accessible
// name: buttons, links, form fields and ARIA buttons, tabs, menu items and
// options need text (words, not only symbols or emoji), aria-label,
// aria-labelledby, a <label> or a title; images need alt.
const nameAudit = `(() => {
	const words = (s) => /[\p{L}\p{N}]/u.test(s || "");
	const visible = (el) => {
		if (el.closest("[hidden], [aria-hidden=true]")) return false;
		const st = getComputedStyle(el);
		if (st.display === "none" || st.visibility !== "visible") return false;
		return el.getClientRects().length > 0 || el.type === "file";
	};
	const textName = (el) => {
		let s = "";
		for (const n of el.childNodes) {
			if (n.nodeType === Node.TEXT_NODE) s += n.nodeValue;
			else if (n.nodeType === Node.ELEMENT_NODE && n.getAttribute("aria-hidden") !== "true") {
				s += n.tagName === "IMG" ? (n.getAttribute("alt") || "") : (n.getAttribute("aria-label") || textName(n));
			}
		}
		return s;
	};
	const name = (el) => {
		const by = el.getAttribute("aria-labelledby");
		if (by && by.split(/\s+/).some((id) => words(document.getElementById(id)?.textContent))) return true;
		if (words(el.getAttribute("aria-label"))) return true;
		if (el.labels && [...el.labels].some((l) => words(l.textContent))) return true;
		if (el.tagName === "IMG") return el.hasAttribute("alt");
		if (el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type) && words(el.value)) return true;
		if (!["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) && words(textName(el))) return true;
		return words(el.getAttribute("title"));
	};
	const describe = (el) => {
		const parts = [];
		for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
			parts.unshift(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + [...e.classList].slice(0, 2).map((c) => "." + c).join("") +
				(e === el && e.getAttribute("role") ? "[role=" + e.getAttribute("role") + "]" : ""));
		}
		const text = (el.textContent || "").trim().slice(0, 20);
		return parts.join(" > ") + (text ? ' "' + text + '"' : "");
	};
	const out = new Set();
	const sel = "button, a[href], input:not([type=hidden]), textarea, select, img, [role=button], [role=tab], [role=menuitem], [role=option]";
	for (const el of document.querySelectorAll(sel)) {
		if (!visible(el) || name(el)) continue;
		out.add((el.tagName === "IMG" ? "image without alt: " : "no accessible name: ") + describe(el));
	}
	return [...out];
})()`

// focusAudit presses Tab through the page (up to 80 stops) and lists the
// stops whose focus is not visible: no outline and no box-shadow while
// :focus-visible, on the element or a wrapper just around it. It returns
// the stops too.
func focusAudit(t *testing.T, tab context.Context, screen string) (stops []string, failures []string) {
	t.Helper()
	// Focus a stand-in at the top of the page, so the first Tab goes to
	// the page's first stop.
	browse(t, tab, "start tabbing from the top of "+screen, chromedp.Evaluate(`(() => {
		const start = document.createElement("span");
		start.tabIndex = -1;
		document.body.prepend(start);
		start.focus();
		start.addEventListener("blur", () => start.remove(), { once: true });
		return true;
	})()`, nil))
	seen := map[string]bool{}
	for i := 0; i < 80; i++ {
		var stop struct {
			ID      string `json:"id"`
			Visible bool   `json:"visible"`
		}
		browse(t, tab, "press Tab in "+screen, chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(`(() => {
			const el = document.activeElement;
			if (!el || el === document.body) return { id: "", visible: true };
			// The ring may be on the field or on a wrapper up to two levels up
			// (:focus-within), as composers draw it.
			const ring = (e) => {
				const st = getComputedStyle(e);
				return (st.outlineStyle !== "none" && parseFloat(st.outlineWidth) > 0) || (st.boxShadow && st.boxShadow !== "none");
			};
			const shown = ring(el) || [el.parentElement, el.parentElement?.parentElement].some((e) => e && e !== document.body && ring(e));
			const parts = [];
			for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
				parts.unshift(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + [...e.classList].slice(0, 2).map((c) => "." + c).join(""));
			}
			const text = (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 20);
			return { id: parts.join(" > ") + (text ? ' "' + text + '"' : ""), visible: el.matches(":focus-visible") && shown };
		})()`, &stop))
		if stop.ID == "" || len(stops) > 0 && stop.ID == stops[0] {
			break // out of the page, or back at its first stop
		}
		stops = append(stops, stop.ID)
		if !stop.Visible && !seen[stop.ID] {
			failures = append(failures, fmt.Sprintf("%s: focus not visible on %s", screen, stop.ID))
		}
		seen[stop.ID] = true
	}
	t.Logf("%s: %d Tab stops", screen, len(stops))
	return stops, failures
}

// auditNames runs nameAudit and prefixes the failures with the screen.
func auditNames(t *testing.T, tab context.Context, screen string) []string {
	t.Helper()
	var found []string
	browse(t, tab, "name audit of "+screen, chromedp.Evaluate(nameAudit, &found))
	for i := range found {
		found[i] = screen + ": " + found[i]
	}
	return found
}

func TestBrowser_Accessibility(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	tab := b.newTab(120 * time.Second)
	var failures []string
	poll := func(js string) chromedp.Action {
		return chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond))
	}

	browse(t, tab, "show the login form", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(`#auth-form`, chromedp.ByQuery))
	failures = append(failures, auditNames(t, tab, "login")...)
	_, bad := focusAudit(t, tab, "login")
	failures = append(failures, bad...)

	ts.signup("ana")
	bob := ts.signup("bob")
	browse(t, tab, "log in",
		chromedp.SendKeys(`#auth-username`, "ana", chromedp.ByQuery),
		chromedp.SendKeys(`#auth-password`, "password-ana", chromedp.ByQuery),
		chromedp.Click(`#auth-login`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery))
	ana := ts.apiAs("ana")
	ch, root := chatWithEverything(t, ts, ana, bob)
	p := &person{tab: tab, api: ana}
	p.open(t, ch.ID)
	p.waitText(t, "#messages", "HighLatency api")
	p.waitText(t, "#messages", "notes.txt")
	failures = append(failures, auditNames(t, tab, "chat")...)
	stops, bad := focusAudit(t, tab, "chat")
	failures = append(failures, bad...)
	reached := false
	for _, s := range stops {
		if strings.Contains(s, "#composer") {
			reached = true
		}
	}
	if !reached {
		failures = append(failures, fmt.Sprintf("chat: Tab never reaches the composer; the stops were:\n  %s", strings.Join(stops, "\n  ")))
	}

	// The quick switcher opens on Ctrl+K with the focus in it and closes
	// on Escape.
	browse(t, tab, "open the quick switcher with Ctrl+K",
		chromedp.Evaluate(`document.activeElement && document.activeElement.blur(), true`, nil),
		chromedp.KeyEvent("k", chromedp.KeyModifiers(input.ModifierCtrl)),
		poll(`!!document.querySelector('dialog.switcher[open]') && document.activeElement?.id === 'switcher-input'`))
	failures = append(failures, auditNames(t, tab, "quick switcher")...)
	browse(t, tab, "close the quick switcher with Escape", chromedp.KeyEvent(kb.Escape), poll(`!document.querySelector('dialog.switcher')`))

	browse(t, tab, "open the emoji picker",
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector('#messages [data-message-id="%d"] .react-button').click(), true`, root.ID), nil),
		chromedp.WaitVisible(`.emoji-picker .picker-emoji`, chromedp.ByQuery))
	failures = append(failures, auditNames(t, tab, "emoji picker")...)
	browse(t, tab, "close the emoji picker with Escape", chromedp.KeyEvent(kb.Escape), poll(`!document.querySelector('.emoji-picker')`))

	p.openThread(t, root.ID)
	p.waitText(t, "#thread", "reply in the thread")
	failures = append(failures, auditNames(t, tab, "thread")...)

	ts.waitIndexed()
	p.search(t, "zebracorn")
	failures = append(failures, auditNames(t, tab, "search")...)

	browse(t, tab, "open settings", chromedp.Click(`#settings-link`, chromedp.ByQuery), chromedp.WaitVisible(`[role=tablist]`, chromedp.ByQuery))
	var tabs []string
	browse(t, tab, "list the settings tabs", chromedp.Evaluate(`[...document.querySelectorAll('[role=tab]')].map(e => e.id)`, &tabs))
	for _, id := range tabs {
		browse(t, tab, "open settings tab "+id, chromedp.Click("#"+id, chromedp.ByQuery),
			chromedp.WaitVisible(`[role=tabpanel]:not([hidden])`, chromedp.ByQuery), chromedp.Sleep(200*time.Millisecond))
		failures = append(failures, auditNames(t, tab, "settings "+id)...)
	}
	_, bad = focusAudit(t, tab, "settings")
	failures = append(failures, bad...)
	if len(failures) > 0 {
		t.Errorf("%d accessibility failures:\n%s", len(failures), strings.Join(failures, "\n"))
	}
}
