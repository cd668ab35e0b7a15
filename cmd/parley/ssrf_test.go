package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"
)

// loopbackV6 starts a receiver on [::1] that answers every request with a
// secret a caller must never see, and counts the requests.
func loopbackV6(t *testing.T) (port string, hits *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	hits = new(atomic.Int32)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"response_type":"in_channel","text":"metadata-secret"}`))
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL[strings.LastIndex(srv.URL, ":")+1:], hits
}

// TestSSRF_SlashCommandForms points a slash command at a loopback receiver
// through every disguise of its address: the guard refuses each, the
// receiver is never reached and its answer never shown.
func TestSSRF_SlashCommandForms(t *testing.T) {
	p6, hits := loopbackV6(t)
	w := newCommandWorld(t, func(c *Config) { c.WebhookAllowHosts = "" })
	p4 := w.app.srv.URL[strings.LastIndex(w.app.srv.URL, ":")+1:]
	for _, target := range []string{
		"http://[::1%25lo]:" + p6 + "/", "http://[::1%25eth0]:" + p6 + "/", "http://[0:0:0:0:0:0:0:1%25x]:" + p6 + "/",
		"http://[::ffff:127.0.0.1]:" + p4 + "/", "http://2130706433:" + p4 + "/", "http://0177.1:" + p4 + "/",
		"http://127.1:" + p4 + "/", "http://0x7f.1:" + p4 + "/", "http://localhost.:" + p4 + "/", "http://127.0.0.1.:" + p4 + "/",
		"http://[::]:" + p6 + "/", "http://0.0.0.0:" + p4 + "/",
	} {
		t.Run(target, func(t *testing.T) {
			w.ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/commands/%d", w.cmd.ID), map[string]any{"url": target}, nil)
			res := w.run(w.ana, "/deploy prod")
			if res.OK || res.Error != "dispatch_failed" {
				t.Fatalf("result %+v, want dispatch_failed", res)
			}
			for _, m := range res.Ephemeral {
				if strings.Contains(m.Text, "metadata-secret") {
					t.Fatalf("the receiver's answer was shown: %q", m.Text)
				}
			}
			if len(res.Messages) != 0 {
				t.Fatalf("a refused command posted %+v", res.Messages)
			}
		})
	}
	if hits.Load() != 0 || len(w.app.requests()) != 0 {
		t.Fatalf("receivers reached: v6 %d, v4 %d", hits.Load(), len(w.app.requests()))
	}
}

// TestSSRF_RedirectToZoned: an allowed receiver that redirects to a zoned
// loopback address does not get the caller through.
func TestSSRF_RedirectToZoned(t *testing.T) {
	p6, hits := loopbackV6(t)
	w := newCommandWorld(t)
	w.app.answer(func(rw http.ResponseWriter, _ slack.SlashCommand) {
		rw.Header().Set("Location", "http://[::1%25lo]:"+p6+"/")
		rw.WriteHeader(http.StatusTemporaryRedirect)
	})
	res := w.run(w.ana, "/deploy prod")
	if res.OK || hits.Load() != 0 {
		t.Fatalf("result %+v, v6 receiver reached %d times", res, hits.Load())
	}
}

// TestSSRF_OutgoingCreation: outgoing webhooks to refused addresses are
// refused when they are made or changed, in either format.
func TestSSRF_OutgoingCreation(t *testing.T) {
	p6, hits := loopbackV6(t)
	ts := newTestServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("ops", false)
	for _, target := range []string{"http://[::1%25lo]:" + p6 + "/", "http://[fd00:ec2::254%25eth0]/", "http://2130706433/",
		"http://localhost./", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/"} {
		for _, format := range []string{"slack", "event"} {
			body := map[string]any{"name": "hook", "url": target, "format": format, "channel_ids": []int64{ch.ID}}
			if format == "slack" {
				body["trigger_words"] = []string{"deploy"}
			} else {
				body["event_types"] = []string{"message.created"}
			}
			res := ana.do("POST", "/api/v1/outgoing-webhooks", body)
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s %s: status %d, want a refusal: %s", format, target, res.Status, res.Body)
			}
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the v6 receiver was reached %d times", hits.Load())
	}
	// A webhook made to a public name cannot be moved to a refused address.
	var hook createdOutgoing
	ana.mustJSON(http.StatusCreated, "POST", "/api/v1/outgoing-webhooks", map[string]any{"name": "hook", "url": "http://93.184.216.34/hook", "format": "slack",
		"channel_ids": []int64{ch.ID}, "trigger_words": []string{"deploy"}}, &hook)
	res := ana.do("PATCH", fmt.Sprintf("/api/v1/outgoing-webhooks/%d", hook.ID), map[string]any{"url": "http://0177.1/"})
	wantError(t, res, http.StatusBadRequest, "url_not_allowed")
}
