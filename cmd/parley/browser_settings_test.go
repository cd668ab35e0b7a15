package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/webhooks"
)

// The settings screen edits a bot, an incoming webhook, an outgoing webhook
// and a slash command in place; the changes reach the server, a server-side
// validation error shows at the field it names, and Cancel changes nothing.
func TestBrowser_SettingsEdit(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ana := signUpInBrowser(t, ts, b, "ana")
	general := ana.api.createChannel("general", false)
	ops := ana.api.createChannel("ops", false)

	var bot struct {
		Bot bots.Bot `json:"bot"`
	}
	ana.api.mustJSON(http.StatusCreated, "POST", "/api/v1/bots", map[string]any{"username": "ci", "scopes": []string{"chat:write"}}, &bot)
	var in webhooks.Incoming
	ana.api.mustJSON(http.StatusCreated, "POST", "/api/v1/incoming-webhooks", map[string]any{"channel_id": general.ID, "name": "alerts"}, &in)
	var out webhooks.Subscription
	ana.api.mustJSON(http.StatusCreated, "POST", "/api/v1/outgoing-webhooks",
		map[string]any{"name": "deployer", "url": "https://ci.example.com/out", "format": "slack", "trigger_words": []string{"deploy"}}, &out)
	var cmd bots.Command
	ana.api.mustJSON(http.StatusCreated, "POST", "/api/v1/commands",
		map[string]any{"trigger": "ship", "url": "https://ci.example.com/ship", "bot_id": bot.Bot.ID}, &cmd)

	// openEdit shows a settings tab and opens the edit form of one item.
	openEdit := func(tab, item, form string) {
		t.Helper()
		browse(t, ana.tab, "open the edit form of "+item,
			chromedp.Navigate(ts.URL+"/#/settings/"+tab),
			chromedp.WaitVisible(item+` button[data-edit]`, chromedp.ByQuery),
			chromedp.Click(item+` button[data-edit]`, chromedp.ByQuery),
			chromedp.WaitVisible(form, chromedp.ByQuery))
	}
	// retype empties an input and types text into it. (chromedp.Clear
	// resets the value attribute, which no longer shows once edited.)
	retype := func(sel, text string) chromedp.Tasks {
		return chromedp.Tasks{chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ''`, sel), nil),
			chromedp.SendKeys(sel, text, chromedp.ByQuery)}
	}

	// Bot: display name and icon emoji.
	botForm := `form[aria-label="Edit bot @ci"]`
	openEdit("bots", fmt.Sprintf(`#bot-list [data-bot-id="%d"]`, bot.Bot.ID), botForm)
	browse(t, ana.tab, "edit the bot",
		retype(botForm+` input[name=display_name]`, "CI Robot"),
		retype(botForm+` input[name=icon_emoji]`, ":rocket:"),
		chromedp.Click(botForm+` button[type=submit]`, chromedp.ByQuery))
	ana.waitText(t, "#bot-list .item-view", "CI Robot")
	var gotBot bots.Bot
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/bots/%d", bot.Bot.ID), nil, &gotBot)
	if gotBot.DisplayName != "CI Robot" || gotBot.IconEmoji != "rocket" {
		t.Errorf("bot after the edit: %+v", gotBot)
	}

	// Incoming webhook: name, channel and whether payloads may choose one.
	inForm := `form[aria-label="Edit webhook alerts"]`
	openEdit("incoming", fmt.Sprintf(`#incoming-list [data-hook-id="%d"]`, in.ID), inForm)
	browse(t, ana.tab, "edit the incoming webhook",
		retype(inForm+` input[name=name]`, "pager"),
		chromedp.SetValue(inForm+` select[name=channel_id]`, fmt.Sprint(ops.ID), chromedp.ByQuery),
		chromedp.Click(inForm+` input[name=allow_channel_override]`, chromedp.ByQuery),
		chromedp.Click(inForm+` button[type=submit]`, chromedp.ByQuery))
	ana.waitText(t, "#incoming-list .item-view", "pager")
	var gotIn webhooks.Incoming
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/incoming-webhooks/%d", in.ID), nil, &gotIn)
	if gotIn.Name != "pager" || gotIn.ChannelID != ops.ID || !gotIn.AllowChannelOverride {
		t.Errorf("incoming webhook after the edit: %+v", gotIn)
	}

	// Outgoing webhook: a URL the server refuses shows its error at the URL
	// field and changes nothing; then trigger words and pausing are saved.
	outForm := `form[aria-label="Edit deployer"]`
	openEdit("outgoing", fmt.Sprintf(`#outgoing-list [data-hook-id="%d"]`, out.ID), outForm)
	var unlabelled []string
	browse(t, ana.tab, "list unlabelled controls", chromedp.Evaluate(fmt.Sprintf(`[...document.querySelector(%q).querySelectorAll('input, select, button')]
		.filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !(c.tagName === 'BUTTON' && c.textContent.trim()))
		.map(c => c.outerHTML)`, outForm), &unlabelled))
	if len(unlabelled) > 0 {
		t.Errorf("edit form controls without a label: %q", unlabelled)
	}
	browse(t, ana.tab, "save a URL the server refuses",
		retype(outForm+` input[name=url]`, "ftp://ci.example.com/out"),
		chromedp.Click(outForm+` button[type=submit]`, chromedp.ByQuery))
	ana.waitText(t, outForm+` [data-field=url] .field-error:not([hidden])`, "http")
	var invalid string
	browse(t, ana.tab, "read the URL field's state",
		chromedp.AttributeValue(outForm+` input[name=url]`, "aria-invalid", &invalid, nil, chromedp.ByQuery))
	if invalid != "true" {
		t.Errorf("the refused URL field has aria-invalid=%q", invalid)
	}
	var gotOut webhooks.Subscription
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/outgoing-webhooks/%d", out.ID), nil, &gotOut)
	if gotOut.URL != "https://ci.example.com/out" {
		t.Fatalf("a refused edit changed the URL to %q", gotOut.URL)
	}
	browse(t, ana.tab, "edit the outgoing webhook",
		retype(outForm+` input[name=url]`, "https://ci.example.com/out"),
		retype(outForm+` input[name=trigger_words]`, "deploy, rollback"),
		chromedp.Click(outForm+` input[name=active]`, chromedp.ByQuery),
		chromedp.Click(outForm+` button[type=submit]`, chromedp.ByQuery))
	ana.waitText(t, "#outgoing-list .item-view", "rollback")
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/outgoing-webhooks/%d", out.ID), nil, &gotOut)
	if gotOut.Active || fmt.Sprint(gotOut.TriggerWords) != "[deploy rollback]" || gotOut.URL != "https://ci.example.com/out" {
		t.Errorf("outgoing webhook after the edit: active %v, trigger words %v, URL %q", gotOut.Active, gotOut.TriggerWords, gotOut.URL)
	}

	// Slash command: Cancel puts the item back unchanged, then an edit of
	// the description and method is saved.
	cmdItem := fmt.Sprintf(`#command-list [data-command-id="%d"]`, cmd.ID)
	cmdForm := `form[aria-label="Edit /ship"]`
	openEdit("commands", cmdItem, cmdForm)
	browse(t, ana.tab, "cancel an edit",
		retype(cmdForm+` input[name=description]`, "never saved"),
		chromedp.Click(cmdForm+` button:not([type=submit])`, chromedp.ByQuery),
		chromedp.WaitVisible(cmdItem+` .item-view`, chromedp.ByQuery),
		chromedp.WaitNotPresent(cmdForm, chromedp.ByQuery))
	var gotCmd bots.Command
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/commands/%d", cmd.ID), nil, &gotCmd)
	if gotCmd.Description != "" {
		t.Fatalf("a cancelled edit saved the description %q", gotCmd.Description)
	}
	// Record the PATCH bodies the page sends from here on: only the
	// changed fields go.
	browse(t, ana.tab, "record PATCH requests", chromedp.Evaluate(`(() => {
		window.__patches = [];
		const orig = window.fetch;
		window.fetch = (u, init) => { if (init && init.method === 'PATCH') window.__patches.push(init.body); return orig(u, init); };
		return true })()`, nil))
	browse(t, ana.tab, "edit the command",
		chromedp.Click(cmdItem+` button[data-edit]`, chromedp.ByQuery),
		chromedp.WaitVisible(cmdForm, chromedp.ByQuery),
		retype(cmdForm+` input[name=description]`, "Ship a release"),
		chromedp.SetValue(cmdForm+` select[name=method]`, "GET", chromedp.ByQuery),
		chromedp.Click(cmdForm+` button[type=submit]`, chromedp.ByQuery))
	ana.waitText(t, "#command-list .item-view", "Ship a release")
	ana.api.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/commands/%d", cmd.ID), nil, &gotCmd)
	if gotCmd.Description != "Ship a release" || gotCmd.Method != "GET" || gotCmd.URL != "https://ci.example.com/ship" {
		t.Errorf("command after the edit: %+v", gotCmd)
	}
	// Escape closes a form and gives focus back to its Edit button.
	var focused string
	browse(t, ana.tab, "close an edit form with Escape",
		chromedp.Click(cmdItem+` button[data-edit]`, chromedp.ByQuery),
		chromedp.WaitVisible(cmdForm, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(cmdForm, chromedp.ByQuery),
		chromedp.Evaluate(`document.activeElement.getAttribute('aria-label')`, &focused))
	if focused != "Edit /ship" {
		t.Errorf("after Escape the focus is on %q, want the Edit button", focused)
	}
	var patches []string
	browse(t, ana.tab, "read the PATCH requests", chromedp.Evaluate(`window.__patches`, &patches))
	if len(patches) != 1 || patches[0] != `{"method":"GET","description":"Ship a release"}` && patches[0] != `{"description":"Ship a release","method":"GET"}` {
		t.Errorf("the command's edit sent %q, want only the description and method", patches)
	}
}
