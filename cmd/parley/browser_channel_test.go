package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
)

// The channel header, the member list, typing in threads and idle away in
// the web client, each seen by a second person live.

// waitJS waits until the expression is true in p's page.
func (p *person) waitJS(t *testing.T, what, js string) {
	t.Helper()
	browse(t, p.tab, "wait for "+what, chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// memberDot is the selector of a person's presence dot in the member list.
func memberDot(userID int64, status string) string {
	return fmt.Sprintf(`#member-list .member[data-user-id="%d"] .presence.%s`, userID, status)
}

func TestBrowser_ChannelTopicAndMembers(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := signUpInBrowser(t, ts, b, "bob")
	ch := ana.api.createChannel("general", false)
	ana.api.addMember(ch.ID, bob.api.User.ID)
	ana.open(t, ch.ID)
	bob.open(t, ch.ID)
	ana.waitText(t, ".channel-header", "2 members")

	// Ana sets the topic in place; Bob sees it change live.
	browse(t, ana.tab, "edit the topic",
		chromedp.Click(`#edit-topic`, chromedp.ByQuery),
		chromedp.WaitVisible(`#topic-input`, chromedp.ByQuery),
		chromedp.SendKeys(`#topic-input`, "Release on Friday"+kb.Enter, chromedp.ByQuery),
		chromedp.WaitNotVisible(`#topic-input`, chromedp.ByQuery))
	ana.waitText(t, ".channel-topic", "Release on Friday")
	bob.waitText(t, ".channel-topic", "Release on Friday")
	var got channels.Channel
	bob.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d", ch.ID), nil, &got)
	if got.Topic != "Release on Friday" {
		t.Fatalf("stored topic %q", got.Topic)
	}

	// Escape cancels an edit; a topic the server refuses shows its error
	// and stays in the input.
	browse(t, bob.tab, "cancel an edit",
		chromedp.Click(`#edit-topic`, chromedp.ByQuery),
		chromedp.WaitVisible(`#topic-input`, chromedp.ByQuery),
		chromedp.SendKeys(`#topic-input`, " not this"+kb.Escape, chromedp.ByQuery),
		chromedp.WaitNotVisible(`#topic-input`, chromedp.ByQuery),
		chromedp.WaitVisible(`#edit-topic`, chromedp.ByQuery))
	bob.waitText(t, ".channel-topic", "Release on Friday")
	browse(t, bob.tab, "save a topic that is too long",
		chromedp.Click(`#edit-topic`, chromedp.ByQuery),
		chromedp.WaitVisible(`#topic-input`, chromedp.ByQuery),
		// Past the input's maxlength, as another client could send.
		chromedp.SetValue(`#topic-input`, strings.Repeat("x", 260), chromedp.ByQuery),
		chromedp.SendKeys(`#topic-input`, kb.Enter, chromedp.ByQuery),
		chromedp.WaitVisible(`.topic-error`, chromedp.ByQuery),
		chromedp.WaitVisible(`#topic-input`, chromedp.ByQuery))
	bob.waitText(t, ".topic-error", "longer than 250")
	bob.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d", ch.ID), nil, &got)
	if got.Topic != "Release on Friday" {
		t.Fatalf("after a refused edit the topic is %q", got.Topic)
	}
	browse(t, bob.tab, "give up", chromedp.SendKeys(`#topic-input`, kb.Escape, chromedp.ByQuery),
		chromedp.WaitNotVisible(`#topic-input`, chromedp.ByQuery))

	// The member list shows both, with their presence.
	for _, p := range []*person{ana, bob} {
		browse(t, p.tab, "open the member list", chromedp.Click(`#members-button`, chromedp.ByQuery),
			chromedp.WaitVisible(`#member-list`, chromedp.ByQuery),
			chromedp.WaitVisible(memberDot(ana.api.User.ID, "online"), chromedp.ByQuery),
			chromedp.WaitVisible(memberDot(bob.api.User.ID, "online"), chromedp.ByQuery))
	}
	screenshot(t, ana.tab, "members")
	var paged bool
	browse(t, ana.tab, "look for more pages", chromedp.Evaluate(`!!document.querySelector('.members-scroller > .button').offsetParent`, &paged))
	if paged {
		t.Error("the member list offers more pages for two members")
	}

	// Carl signs up after Ana's client loaded; Ana adds him by username and
	// Bob's open list shows him too.
	carl := ts.signup("carl")
	browse(t, ana.tab, "add carl",
		chromedp.SendKeys(`#member-add-input`, "carl", chromedp.ByQuery),
		chromedp.Click(`#member-add`, chromedp.ByQuery))
	who := fmt.Sprintf(`#member-list .member[data-user-id="%d"]`, carl.User.ID)
	ana.waitText(t, who, "carl")
	bob.waitText(t, who, "carl")
	bob.waitText(t, "#members-title", "Members (3)")
	bob.waitText(t, ".channel-header", "3 members")
	var members channels.List[channels.User]
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/members", ch.ID), nil, &members)
	if len(members.Items) != 3 {
		t.Fatalf("the channel has %d members, want 3", len(members.Items))
	}

	// Adding someone who is already in is refused with a message.
	browse(t, ana.tab, "add bob again",
		chromedp.SendKeys(`#member-add-input`, "bob", chromedp.ByQuery),
		chromedp.Click(`#member-add`, chromedp.ByQuery),
		chromedp.WaitVisible(`.member-add .form-error`, chromedp.ByQuery))
	ana.waitText(t, ".member-add .form-error", "already in this channel")

	// Carl leaves through the API: the others' lists drop him live.
	carl.mustJSON(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/channels/%d/leave", ch.ID), nil, nil)
	bob.waitJS(t, "carl gone from the list", fmt.Sprintf(`!document.querySelector(%q)`, who))
	bob.waitText(t, "#members-title", "Members (2)")

	// Bob leaves from the panel (confirming the dialog).
	browse(t, bob.tab, "leave", chromedp.Evaluate(`window.confirm = () => true`, nil),
		chromedp.Click(`#members-leave`, chromedp.ByQuery))
	waitFor(t, "bob to have left", func() bool {
		var page channels.List[channels.User]
		ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/members", ch.ID), nil, &page)
		return len(page.Items) == 1
	})
	ana.waitJS(t, "bob gone from ana's list", fmt.Sprintf(`!document.querySelector('#member-list .member[data-user-id="%d"]')`, bob.api.User.ID))
}

func TestBrowser_TypingInAThread(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := signUpInBrowser(t, ts, b, "bob")
	ch := ana.api.createChannel("general", false)
	ana.api.addMember(ch.ID, bob.api.User.ID)
	root := ana.api.post(ch.ID, "plans for the launch", 0)
	other := ana.api.post(ch.ID, "another topic", 0)
	ana.open(t, ch.ID)
	bob.open(t, ch.ID)
	ana.openThread(t, root.ID)
	bob.openThread(t, root.ID)

	// Ana types a reply: Bob's thread panel says so, his channel line does not.
	browse(t, ana.tab, "type in the thread", chromedp.Click(`#thread-composer`, chromedp.ByQuery),
		chromedp.SendKeys(`#thread-composer`, "sounds good", chromedp.ByQuery))
	bob.waitText(t, "#thread-typing", "ana is typing")
	var line string
	browse(t, bob.tab, "read the channel's typing line",
		chromedp.Text(`.channel-view > .typing-indicator`, &line, chromedp.ByQuery, chromedp.AtLeast(0)))
	if strings.Contains(line, "typing") {
		t.Errorf("the channel's typing line shows %q for typing in a thread", line)
	}

	// Sending the reply ends the indicator.
	browse(t, ana.tab, "send the reply", chromedp.SendKeys(`#thread-composer`, kb.Enter, chromedp.ByQuery))
	bob.waitText(t, "#thread", "sounds good")
	bob.waitJS(t, "the indicator to end", `document.querySelector('#thread-typing').textContent === ''`)

	// In another thread, Ana's typing in the first does not show.
	bob.openThread(t, other.ID)
	browse(t, ana.tab, "type again", chromedp.SendKeys(`#thread-composer`, "one more", chromedp.ByQuery))
	// The channel's composer is a marker: Ana's typing there shows in
	// Bob's channel line, after the thread typing frame.
	browse(t, ana.tab, "type in the channel", chromedp.Click(`#composer`, chromedp.ByQuery),
		chromedp.SendKeys(`#composer`, "hello", chromedp.ByQuery))
	bob.waitText(t, ".channel-view > .typing-indicator", "ana is typing")
	var other2 string
	browse(t, bob.tab, "read the other thread's typing line", chromedp.Text(`#thread-typing`, &other2, chromedp.ByQuery, chromedp.AtLeast(0)))
	if other2 != "" {
		t.Errorf("another thread's panel shows %q", other2)
	}
}

func TestBrowser_IdleAway(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	bob := signUpInBrowser(t, ts, b, "bob")
	ch := ana.api.createChannel("general", false)
	ana.api.addMember(ch.ID, bob.api.User.ID)
	const idle = 1500 * time.Millisecond
	browse(t, ana.tab, "shorten the idle time",
		chromedp.Evaluate(fmt.Sprintf(`localStorage.setItem('parley.idleAfterMs', '%d')`, idle.Milliseconds()), nil),
		chromedp.Reload(),
		chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery))
	ana.open(t, ch.ID)
	bob.open(t, ch.ID)
	browse(t, bob.tab, "open the member list", chromedp.Click(`#members-button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#member-list`, chromedp.ByQuery))

	// Without input Ana turns away; her next input makes her active again.
	bob.waitJS(t, "ana away", fmt.Sprintf(`!!document.querySelector(%q)`, memberDot(ana.api.User.ID, "away")))
	if p := bob.api.presenceOf(ana.api.User.ID); p.Status != realtime.PresenceAway {
		t.Fatalf("ana's presence %+v, want away", p)
	}
	browse(t, ana.tab, "click", chromedp.Click(`#messages`, chromedp.ByQuery))
	bob.waitJS(t, "ana active", fmt.Sprintf(`!!document.querySelector(%q)`, memberDot(ana.api.User.ID, "online")))

	// An away Ana asks for stays after she is idle and comes back.
	ana.say(t, "#composer", "/away ")
	ana.waitText(t, "#messages .ephemeral", "shown as away")
	bob.waitJS(t, "ana away by choice", fmt.Sprintf(`!!document.querySelector(%q)`, memberDot(ana.api.User.ID, "away")))
	browse(t, ana.tab, "stay idle past the idle time", chromedp.Sleep(2*idle))
	// Typing in the channel is input; the typing frame Bob then sees comes
	// after any presence frame that input sent.
	browse(t, ana.tab, "come back", chromedp.Click(`#composer`, chromedp.ByQuery),
		chromedp.SendKeys(`#composer`, "back", chromedp.ByQuery))
	bob.waitText(t, ".channel-view > .typing-indicator", "ana is typing")
	if p := bob.api.presenceOf(ana.api.User.ID); p.Status != realtime.PresenceAway {
		t.Errorf("after input ana's presence is %+v, want the away she asked for", p)
	}
	var dot bool
	browse(t, bob.tab, "look at ana's dot", chromedp.Evaluate(fmt.Sprintf(`!!document.querySelector(%q)`, memberDot(ana.api.User.ID, "away")), &dot))
	if !dot {
		t.Error("bob no longer sees ana away")
	}
}
