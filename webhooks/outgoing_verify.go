package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/parley-chat/parley/channels"
)

// verifyURL runs Slack's url_verification handshake against an event-format
// subscription's URL: a signed {"token","challenge","type":"url_verification"}
// that the receiver must answer 2xx with the challenge (as plain text, JSON
// {"challenge"} or the form challenge=).
func (o *Outgoing) verifyURL(ctx context.Context, s *Subscription) error {
	challenge := channels.NewSecret("")
	body, _ := json.Marshal(map[string]string{"token": s.Token, "challenge": challenge, "type": "url_verification"})
	res := o.sender.Send(ctx, Request{URL: s.URL, Body: body, ContentType: "application/json", Secret: s.secret,
		DeliveryID: "verify-" + challenge[:16]})
	if !res.OK() {
		return channels.Invalid("url_verification_failed", "url", "the URL did not answer the url_verification challenge: %s", res.Error())
	}
	if answersChallenge(res.Body, challenge) {
		return nil
	}
	return channels.Invalid("url_verification_failed", "url", "the URL answered the url_verification request without the challenge")
}

func answersChallenge(body []byte, challenge string) bool {
	text := strings.TrimSpace(string(body))
	if text == challenge {
		return true
	}
	var j struct {
		Challenge string `json:"challenge"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &j) == nil && j.Challenge == challenge {
		return true
	}
	if v, err := url.ParseQuery(text); err == nil && v.Get("challenge") == challenge {
		return true
	}
	return false
}
