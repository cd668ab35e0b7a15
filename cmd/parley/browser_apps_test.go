package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
)

// TestBrowser_Apps: in the web client's settings an admin creates an app,
// sees its bot token once and its signing secret, chooses its bot events
// and Socket Mode, and issues an app-level token.
func TestBrowser_Apps(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")

	var botToken, appToken string
	browse(t, ana.tab, "create an app",
		chromedp.Navigate(ts.URL+"/#/settings/apps"),
		chromedp.WaitVisible(`form[aria-label="New app"]`, chromedp.ByQuery),
		chromedp.SendKeys(`form[aria-label="New app"] input[name=name]`, "Deployer", chromedp.ByQuery),
		chromedp.SendKeys(`form[aria-label="New app"] input[name=username]`, "deployer", chromedp.ByQuery),
		chromedp.Click(`form[aria-label="New app"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.secret-box code.secret`, chromedp.ByQuery),
		chromedp.Text(`.secret-box code.secret`, &botToken, chromedp.ByQuery),
		chromedp.WaitVisible(`#app-list [data-app-id]`, chromedp.ByQuery))
	if !strings.HasPrefix(botToken, channels.PrefixBot) {
		t.Fatalf("the bot token shown is %q", botToken)
	}
	var list channels.List[bots.App]
	ana.api.mustJSON(http.StatusOK, "GET", "/api/v1/apps", nil, &list)
	if len(list.Items) != 1 {
		t.Fatalf("apps %+v", list.Items)
	}
	app := list.Items[0]
	ana.waitText(t, "#app-list .item-view", app.SigningSecret)
	ana.waitText(t, "#app-list .item-view", app.SlackID)

	settings := `form[aria-label="Settings of Deployer"]`
	browse(t, ana.tab, "choose bot events and Socket Mode",
		chromedp.Click(settings+` input[name=bot_events][value="message.im"]`, chromedp.ByQuery),
		chromedp.Click(settings+` input[name=bot_events][value="app_mention"]`, chromedp.ByQuery),
		chromedp.Click(settings+` input[name=socket_mode]`, chromedp.ByQuery),
		chromedp.Click(settings+` button[type=submit]`, chromedp.ByQuery))
	ana.waitText(t, "#app-list .item-view .badge", "socket mode")
	var got bots.App
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/apps/%d", app.ID), nil, &got)
	if !got.SocketMode || !slices.Equal(got.BotEvents, []string{"app_mention", "message.im"}) {
		t.Fatalf("saved %+v", got)
	}

	tokens := `form[aria-label="New app token for Deployer"]`
	browse(t, ana.tab, "issue an app token",
		chromedp.SendKeys(tokens+` input[name=name]`, "socket", chromedp.ByQuery),
		chromedp.Click(tokens+` button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#app-list .secret-box code.secret`, chromedp.ByQuery),
		chromedp.Text(`#app-list .secret-box code.secret`, &appToken, chromedp.ByQuery))
	if !strings.HasPrefix(appToken, "xapp-1-"+app.SlackID+"-") {
		t.Fatalf("the app token shown is %q", appToken)
	}
	ana.waitText(t, "#app-list table", "connections:write")
	if found, err := ts.app.bots.AppByToken(t.Context(), appToken); err != nil || found.ID != app.ID {
		t.Fatalf("the app token names %+v, %v", found, err)
	}
}
