package channels

import (
	"strings"
	"unicode/utf8"

	emojidata "github.com/kyokomi/emoji/v2"
)

// MaxReactionsPerMessage is how many different emoji one message takes
// (Slack's limit).
const MaxReactionsPerMessage = 23

// skinToneBase is the first of the five Fitzpatrick modifiers (🏻, U+1F3FB),
// which Slack names skin-tone-2 … skin-tone-6.
const skinToneBase = 0x1F3FB

// NormalizeEmoji accepts a known shortcode, with or without colons and an
// optional "::skin-tone-N" ("thumbsup", ":white_check_mark:",
// "+1::skin-tone-3"), or a Unicode emoji ("🚀", "👍🏽"), and returns the name
// it is stored by: the shortcode, as Slack stores it ("rocket" for 🚀), or
// the emoji itself for the few that have no such shortcode. Unknown names
// are refused. (Custom emoji, once they exist, are to join the known ones
// here.)
func NormalizeEmoji(s string) (string, error) {
	if name, ok := unicodeEmojiName(strings.TrimSuffix(strings.TrimPrefix(s, ":"), ":")); ok {
		return name, nil
	}
	name, err := EmojiName(s)
	if err != nil {
		return "", err
	}
	base, _, _ := strings.Cut(name, "::")
	if _, ok := emojidata.CodeMap()[":"+base+":"]; !ok {
		return "", Invalid("invalid_emoji", "emoji", "emoji must be a known shortcode like thumbsup or :white_check_mark:, or an emoji")
	}
	return name, nil
}

// EmojiName checks only the shape of a shortcode and returns it without
// colons: for removing reactions stored before names had to be known.
func EmojiName(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, ":"), ":")
	if !emojiPattern.MatchString(s) {
		return "", Invalid("invalid_emoji", "emoji", "emoji must be a shortcode like thumbsup or :white_check_mark:")
	}
	return s, nil
}

// unicodeEmojiName names a Unicode emoji by its first shortcode, a
// trailing skin tone the Slack way ("👍🏽" is "+1::skin-tone-4"), or by
// the emoji itself when it has no shortcode Parley accepts.
func unicodeEmojiName(s string) (string, bool) {
	if s == "" || !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return "", false // a shortcode, or nothing
	}
	if r, size := utf8.DecodeLastRuneInString(s); r >= skinToneBase && r < skinToneBase+5 && size < len(s) {
		if name, ok := lookupEmoji(s[:len(s)-size]); ok && emojiPattern.MatchString(name) {
			return name + "::skin-tone-" + string(rune('2'+r-skinToneBase)), true
		}
	}
	return lookupEmoji(s)
}

// lookupEmoji finds s, with or without its emoji presentation selector
// (U+FE0F), among the known emoji.
func lookupEmoji(s string) (string, bool) {
	rev := emojidata.RevCodeMap()
	for _, form := range []string{s, s + "\ufe0f", strings.TrimSuffix(s, "\ufe0f")} {
		aliases, ok := rev[form]
		if !ok {
			continue
		}
		for _, a := range aliases {
			if name := strings.Trim(a, ":"); emojiPattern.MatchString(name) {
				return name, true
			}
		}
		return form, true
	}
	return "", false
}
