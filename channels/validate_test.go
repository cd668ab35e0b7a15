package channels

import (
	"strings"
	"testing"
)

func TestNormalizeEmoji(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"thumbsup", "thumbsup", true},
		{":white_check_mark:", "white_check_mark", true},
		{"+1", "+1", true},
		{"thumbsup::skin-tone-3", "thumbsup::skin-tone-3", true},
		{"rainbow-flag", "rainbow-flag", true},
		// Unicode emoji are stored by their shortcode, as Slack does.
		{"🚀", "rocket", true},
		{":🚀:", "rocket", true},
		{"rocket::", "", false},
		{"::rocket", "", false},
		{"👍", "+1", true},
		{"🎉", "tada", true},
		{"❤️", "heart", true},
		{"👍🏽", "+1::skin-tone-4", true},
		{"👋🏻", "wave::skin-tone-2", true},
		{"🧑\u200d💻", "technologist", true},
		{"🇫🇷", "fr", true},
		{"#️⃣", "hash", true},
		{"🫨", "shaking_face", true},
		{"🅰", "🅰", true}, // no shortcode of the accepted shape: kept as the emoji
		// Unknown names are refused.
		{"party-parrot", "", false},
		{"rocket::skin-tone-7", "", false},
		{"rockets", "", false},
		{"🚀🚀", "", false},
		{"é", "", false},
		{"🏽", "skin-tone-4", true}, // a modifier alone has a name too
		{"", "", false},
		{"Thumbsup", "", false},
		{"<script>", "", false},
		{"a b", "", false},
		{strings.Repeat("a", 65), "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeEmoji(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmoji(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestValidateChannelName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"general", true},
		{"ops-alerts_2", true},
		{strings.Repeat("a", 80), true},
		{strings.Repeat("a", 81), false},
		{"", false},
		{"General", false},
		{"two words", false},
		{"#general", false},
		{"ünïcode", false},
	}
	for _, tt := range tests {
		if err := validateChannelName(tt.name); (err == nil) != tt.ok {
			t.Errorf("validateChannelName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestValidateNewUser(t *testing.T) {
	tests := []struct {
		name string
		in   SignupInput
		code string
	}{
		{"valid", SignupInput{Username: "ada", Password: "long enough"}, ""},
		{"reserved name", SignupInput{Username: "channel", Password: "long enough"}, "invalid_username"},
		{"uppercase", SignupInput{Username: "Ada", Password: "long enough"}, "invalid_username"},
		{"too long", SignupInput{Username: strings.Repeat("a", 33), Password: "long enough"}, "invalid_username"},
		{"short password", SignupInput{Username: "ada", Password: "short"}, "weak_password"},
		{"password over 72 bytes", SignupInput{Username: "ada", Password: strings.Repeat("p", 73)}, "invalid_password"},
		{"bad email", SignupInput{Username: "ada", Password: "long enough", Email: "nope"}, "invalid_email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateNewUser(&tt.in)
			code := ""
			if err != nil {
				code = ToHTTP(err).Code
			}
			if code != tt.code {
				t.Errorf("code = %q, want %q (err %v)", code, tt.code, err)
			}
		})
	}
}

func TestValidateIcon(t *testing.T) {
	tests := []struct {
		emoji, want string
		ok          bool
	}{
		{"", "", true},
		{":robot_face:", "robot_face", true},
		{"🤖", "robot", true},
		// A workspace's custom emoji, as integrations send them.
		{":prometheus:", "prometheus", true},
		{"<b>", "", false},
		{"Robot Face", "", false},
		{"🤖🤖", "", false},
	}
	for _, tt := range tests {
		got, _, err := ValidateIcon(tt.emoji, "")
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ValidateIcon(%q) = %q, %v; want %q, ok=%v", tt.emoji, got, err, tt.want, tt.ok)
		}
	}
}
