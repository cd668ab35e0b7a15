package webhooks

import "testing"

func TestRetryNum(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		reason   string
		want     int
	}{
		{0, "", 0},              // first try
		{0, "unknown_error", 1}, // may have been in flight before a restart
		{2, "http_error", 2},
		{1, "redelivery", 1},
	} {
		if got := retryNum(&Delivery{AttemptCount: tc.attempts, lastReason: tc.reason}); got != tc.want {
			t.Errorf("retryNum(%d, %q) = %d, want %d", tc.attempts, tc.reason, got, tc.want)
		}
	}
}

func TestMatchTrigger(t *testing.T) {
	for _, tc := range []struct {
		when, text, want string
		ok               bool
	}{
		{TriggerFirstWord, "deploy prod", "deploy", true},
		{TriggerFirstWord, "deployment", "", false},
		{TriggerStartsWith, "deployment now", "deploy", true},
		{TriggerFirstWord, "please deploy", "", false},
		{TriggerFirstWord, "   ", "", false},
	} {
		got, ok := matchTrigger([]string{"deploy"}, tc.when, tc.text)
		if got != tc.want || ok != tc.ok {
			t.Errorf("matchTrigger(%q, %q) = %q, %v", tc.when, tc.text, got, ok)
		}
	}
}

func TestAnswersChallenge(t *testing.T) {
	for body, want := range map[string]bool{
		"abc": true, "abc\n": true, `{"challenge":"abc"}`: true, "challenge=abc": true,
		"ok": false, `{"challenge":"x"}`: false, "": false,
	} {
		if got := answersChallenge([]byte(body), "abc"); got != want {
			t.Errorf("answersChallenge(%q) = %v", body, got)
		}
	}
}
