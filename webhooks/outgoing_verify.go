package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/parley-chat/parley/channels"
)

// checkDestination refuses a subscription whose URL the SSRF guard would
// refuse: an event-format URL must also answer the url_verification
// challenge; a slack-format URL is checked without a request.
func (o *Outgoing) checkDestination(ctx context.Context, s *Subscription) error {
	if s.Format == FormatEvent {
		return o.verifyURL(ctx, s)
	}
	if err := o.sender.CheckURL(s.URL); err != nil {
		return channels.Invalid("url_not_allowed", "url", "the URL's address is not allowed: %v", err)
	}
	return nil
}

// verifyURL runs Slack's url_verification handshake against an event-format
// subscription's URL: a signed {"token","challenge","type":"url_verification"}
// that the receiver must answer 2xx with the challenge (as plain text, JSON
// {"challenge"} or the form challenge=).
func (o *Outgoing) verifyURL(ctx context.Context, s *Subscription) error {
	return VerifyURL(ctx, o.sender, s.URL, s.Token, s.secret)
}

// VerifyURL runs Slack's url_verification handshake against an events URL
// (an outgoing subscription's, an app's): a request signed with secret
// that the receiver must answer 2xx with the challenge. A URL that fails,
// or whose address the SSRF guard refuses, is a 400
// url_verification_failed.
func VerifyURL(ctx context.Context, sender *Sender, rawURL, token, secret string) error {
	challenge := channels.NewSecret("")
	body, _ := json.Marshal(map[string]string{"token": token, "challenge": challenge, "type": "url_verification"})
	res := sender.Send(ctx, Request{URL: rawURL, Body: body, ContentType: "application/json", Secret: secret,
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
