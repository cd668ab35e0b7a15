package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-chat/parley/channels"
)

// The web client end to end: real server, real Chromium, the hooks the
// client keeps stable for tests (ids and data attributes).

// person is someone using the web client in a Chromium of their own, with
// an API client for the same account to arrange and check things.
type person struct {
	tab context.Context
	api *client
}

// signUpInBrowser signs name up through the web client's form.
func signUpInBrowser(t *testing.T, ts *testServer, b *browser, name string) *person {
	t.Helper()
	tab := b.newTab(90 * time.Second)
	browse(t, tab, "sign up as "+name,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(`#auth-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#auth-username`, name, chromedp.ByQuery),
		chromedp.SendKeys(`#auth-password`, "password-"+name, chromedp.ByQuery),
		chromedp.Click(`#auth-signup`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery),
	)
	return &person{tab: tab, api: ts.apiAs(name)}
}

// apiAs makes an API client for an existing account.
func (ts *testServer) apiAs(name string) *client {
	ts.t.Helper()
	out, _ := ts.login(name, "password-"+name)
	c := ts.as(out.Token)
	c.User = out.User
	return c
}

// open shows a channel in p's browser.
func (p *person) open(t *testing.T, channelID int64) {
	t.Helper()
	browse(t, p.tab, "open channel", chromedp.Navigate(fmt.Sprintf("%s/#/c/%d", p.api.ts.URL, channelID)),
		chromedp.WaitVisible(`#composer`, chromedp.ByQuery))
}

// say types text into a composer and presses Enter.
func (p *person) say(t *testing.T, composer, text string) {
	t.Helper()
	browse(t, p.tab, "type "+text, chromedp.Click(composer, chromedp.ByQuery), chromedp.SendKeys(composer, text+kb.Enter, chromedp.ByQuery))
}

// openThread opens the thread of a message shown in the channel.
func (p *person) openThread(t *testing.T, rootID int64) {
	t.Helper()
	reply := fmt.Sprintf(`#messages [data-message-id="%d"] .reply-button`, rootID)
	browse(t, p.tab, "open the thread",
		chromedp.WaitVisible(reply, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).click(), true`, reply), nil),
		chromedp.WaitVisible(`#thread-composer`, chromedp.ByQuery))
}

// search types a query into the search box and waits for results.
func (p *person) search(t *testing.T, query string) {
	t.Helper()
	browse(t, p.tab, "search "+query,
		chromedp.Click(`#search-input`, chromedp.ByQuery),
		chromedp.SendKeys(`#search-input`, query+kb.Enter, chromedp.ByQuery),
		chromedp.WaitVisible(`#search-results .search-result`, chromedp.ByQuery))
}

// waitText waits until an element matching selector contains text.
func (p *person) waitText(t *testing.T, selector, text string) {
	t.Helper()
	js := fmt.Sprintf(`[...document.querySelectorAll(%q)].some(e => e.textContent.includes(%q))`, selector, text)
	browse(t, p.tab, fmt.Sprintf("wait for %q in %s", text, selector), chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
}

func TestBrowser_SignUpLogInAndChat(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := signUpInBrowser(t, ts, b, "bob")
	if !ana.api.User.IsAdmin || bob.api.User.IsAdmin {
		t.Fatal("the first person to sign up should be the only admin")
	}
	ch := ana.api.createChannel("general", false)
	ana.api.addMember(ch.ID, bob.api.User.ID)
	ana.open(t, ch.ID)
	bob.open(t, ch.ID)
	screenshot(t, ana.tab, "chat")

	ana.say(t, "#composer", "hello bob")
	bob.waitText(t, "#messages .message-body", "hello bob")
	bob.say(t, "#composer", "hi ana")
	ana.waitText(t, "#messages .message-body", "hi ana")

	// Thread reply: the reply lands in the thread, not the channel.
	browse(t, bob.tab, "open the thread",
		chromedp.Evaluate(`(() => { const m = [...document.querySelectorAll('#messages [data-message-id]')].find(e => e.textContent.includes('hello bob'));
			m.querySelector('.reply-button').click(); return true })()`, nil),
		chromedp.WaitVisible(`#thread-composer`, chromedp.ByQuery))
	bob.say(t, "#thread-composer", "in the thread")
	bob.waitText(t, "#thread", "in the thread")
	waitFor(t, "the reply to be stored", func() bool {
		var page channels.List[channels.Message]
		ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID), nil, &page)
		for _, m := range page.Items {
			if m.Text == "hello bob" {
				return m.ReplyCount == 1
			}
		}
		return false
	})

	// Reaction through the picker, seen by the other person.
	browse(t, ana.tab, "react",
		chromedp.Evaluate(`(() => { const m = [...document.querySelectorAll('#messages [data-message-id]')].find(e => e.textContent.includes('hi ana'));
			m.querySelector('.react-button').click(); return true })()`, nil),
		chromedp.Sleep(200*time.Millisecond),
		chromedp.WaitVisible(`.emoji-picker .picker-emoji`, chromedp.ByQuery),
		chromedp.Click(`.emoji-picker .picker-emoji`, chromedp.ByQuery))
	browse(t, bob.tab, "see the reaction", chromedp.WaitVisible(`#messages .reaction[data-emoji]`, chromedp.ByQuery))

	// Log out and back in.
	browse(t, ana.tab, "log out", chromedp.Click(`#logout`, chromedp.ByQuery), chromedp.WaitVisible(`#auth-form`, chromedp.ByQuery))
	browse(t, ana.tab, "log in",
		chromedp.SendKeys(`#auth-username`, "ana", chromedp.ByQuery),
		chromedp.SendKeys(`#auth-password`, "password-ana", chromedp.ByQuery),
		chromedp.Click(`#auth-login`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery))
}

func TestBrowser_UploadCommandSearch(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	ch := ana.api.createChannel("general", false)
	ana.open(t, ch.ID)

	// File upload through the file input.
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("release notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	browse(t, ana.tab, "attach a file", chromedp.SetUploadFiles(`#file-input`, []string{file}, chromedp.ByQuery))
	ana.say(t, "#composer", "the notes")
	ana.waitText(t, "#messages", "notes.txt")
	waitFor(t, "the file to be stored with the message", func() bool {
		var page channels.List[channels.Message]
		ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID), nil, &page)
		return len(page.Items) > 0 && len(page.Items[0].Files) == 1 && page.Items[0].Files[0].Name == "notes.txt"
	})

	// A slash command with an ephemeral reply.
	// The trailing space ends the command autocomplete, where Enter would
	// pick a suggestion instead of sending.
	ana.say(t, "#composer", "/help ")
	browse(t, ana.tab, "see the ephemeral reply", chromedp.WaitVisible(`#messages .ephemeral`, chromedp.ByQuery))
	ana.waitText(t, "#messages .ephemeral", "/shrug")

	// Search and jump to the message.
	target := ana.api.post(ch.ID, "the zebracorn launch is friday", 0)
	ts.waitIndexed()
	ana.search(t, "zebracorn")
	screenshot(t, ana.tab, "search")
	ana.waitText(t, "#search-results mark", "zebracorn")
	browse(t, ana.tab, "jump to the result",
		chromedp.Evaluate(`(() => { const r = document.querySelector('#search-results .search-result'); (r.querySelector('button') || r).click(); return true })()`, nil),
		chromedp.WaitVisible(fmt.Sprintf(`#messages [data-message-id="%d"]`, target.ID), chromedp.ByQuery))

	// Settings: the admin sees the integration tabs.
	browse(t, ana.tab, "open settings", chromedp.Click(`#settings-link`, chromedp.ByQuery),
		chromedp.WaitVisible(`[role=tablist]`, chromedp.ByQuery))
	ana.waitText(t, "[role=tablist]", "Incoming webhooks")
	screenshot(t, ana.tab, "settings")
}

// An incoming webhook's Alertmanager-style attachment renders as Slack
// shows it, and hostile text stays inert.
func TestBrowser_AttachmentsAndHostileText(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	ch := ana.api.createChannel("alerts", false)
	var hook createdHook
	ana.api.mustJSON(http.StatusCreated, "POST", "/api/v1/incoming-webhooks", map[string]any{"channel_id": ch.ID, "name": "alertmanager"}, &hook)
	res := ts.anon().do("POST", hook.path(), `{"attachments":[{"color":"danger","title":"[FIRING:1] HighLatency api","title_link":"https://am.example.com/x",
		"text":"p99 over *2s*","fields":[{"title":"severity","value":"critical","short":true},{"title":"team","value":"core","short":true}],
		"footer":"alertmanager","mrkdwn_in":["text"]}]}`)
	if res.Status != http.StatusOK {
		t.Fatalf("hook post: %d %s", res.Status, res.Body)
	}
	for _, text := range []string{`<img src=x onerror="window.__pwned=1">`, `[click](javascript:window.__pwned=1)`, `<script>window.__pwned=1</script>`} {
		ana.api.post(ch.ID, text, 0)
	}
	var mrkdwn struct{}
	ana.api.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID),
		map[string]any{"text": "<javascript:window.__pwned=1|tap> and <https://ok.example.com|fine>", "markup": "mrkdwn"}, &mrkdwn)

	ana.open(t, ch.ID)
	ana.waitText(t, "#messages", "HighLatency api")
	ana.waitText(t, "#messages", "fine")
	screenshot(t, ana.tab, "alert")
	var report string
	browse(t, ana.tab, "inspect the rendering", chromedp.Evaluate(`(() => {
		const out = [];
		const att = document.querySelector('#messages .msg-attachments');
		if (!att) out.push('no attachment rendered');
		else {
			const link = [...att.querySelectorAll('a')].find(a => a.textContent.includes('HighLatency'));
			if (!link || link.getAttribute('href') !== 'https://am.example.com/x' || link.rel !== 'noopener noreferrer') out.push('title link wrong');
			if (!att.textContent.includes('severity') || !att.textContent.includes('critical')) out.push('fields missing');
			if (!att.querySelector('strong, b')) out.push('mrkdwn in text not rendered');
		}
		if (window.__pwned) out.push('script ran');
		if (document.querySelector('#messages img[onerror], #messages script, #messages [onclick]')) out.push('live hostile element');
		for (const a of document.querySelectorAll('#messages .message-body a')) {
			if (!/^(https?:|mailto:)/.test(a.getAttribute('href') || '')) out.push('unsafe link ' + a.getAttribute('href'));
		}
		if (!document.querySelector('#messages').textContent.includes('<img src=x')) out.push('hostile text not shown as text');
		return out.join('; ');
	})()`, &report))
	if report != "" {
		t.Fatalf("rendering: %s", report)
	}
}
