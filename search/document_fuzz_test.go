package search

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
)

// FuzzDocumentOf checks how a message becomes searchable text, for any
// text, attachments and blocks: the document is the same every time, valid
// UTF-8 and bounded by its input, holds every text that attachments and
// blocks carry, and does not depend on how deep blocks are nested.
func FuzzDocumentOf(f *testing.F) {
	for _, c := range documentCases {
		f.Add(c.msg.Text, string(c.msg.Attachments), string(c.msg.Blocks), "title", "body")
	}
	f.Add("see https://x.example", `[{"fields":[{"value":3}]},{"text":"t"}]`, `{"text":7,"elements":[{"text":"\ud800"}]}`, " \u00a0", "")
	f.Add("", `[null,{"fallback":"\u2028"}]`, `[[[{"text":"deep"}]]]`, "<b>&</b>", "ftp://files")
	f.Fuzz(func(t *testing.T, text, atts, blocks, s1, s2 string) {
		m := channels.IndexedMessage{Text: text, Attachments: json.RawMessage(atts), Blocks: json.RawMessage(blocks)}
		d := DocumentOf(m)
		if again := DocumentOf(m); !reflect.DeepEqual(d, again) {
			t.Fatalf("DocumentOf twice: %+v then %+v", d, again)
		}
		// Decoding a JSON string at most triples it (a bad byte becomes U+FFFD).
		if limit := len(text) + 4*(len(atts)+len(blocks)) + 1; len(d.Text) > limit {
			t.Fatalf("document text of %d bytes from %d bytes of message", len(d.Text), limit)
		}
		if utf8.ValidString(text) && !utf8.ValidString(d.Text) {
			t.Fatalf("document text %q is not UTF-8", d.Text)
		}
		if !strings.Contains(d.Text, strings.TrimSpace(text)) {
			t.Fatalf("document %q lacks the message text %q", d.Text, text)
		}
		if linkPattern.MatchString(text) && !d.HasLink {
			t.Fatalf("%q has a link, but has:link misses it", text)
		}
		// The same blocks one level deeper read the same.
		if json.Valid(m.Blocks) && len(blocks) < 4096 {
			for _, wrapped := range []string{"[" + blocks + "]", `{"elements":` + blocks + "}"} {
				m2 := m
				m2.Blocks = json.RawMessage(wrapped)
				if d2 := DocumentOf(m2); d2.Text != d.Text {
					t.Fatalf("blocks %s read %q; as %s, %q", blocks, d.Text, wrapped, d2.Text)
				}
			}
		}

		// Every text an attachment or a block carries is searchable.
		s1, s2 = strings.ToValidUTF8(s1, "\uFFFD"), strings.ToValidUTF8(s2, "\uFFFD")
		withParts := channels.IndexedMessage{Text: text, FileNames: []string{s1},
			Attachments: mustMarshal(t, []map[string]any{
				{"title": s1, "text": s2, "footer": s1, "fields": []map[string]string{{"title": s2, "value": s1}}},
				{"fallback": s2, "title_link": s1},
			}),
			Blocks: mustMarshal(t, []map[string]any{
				{"type": "section", "text": map[string]string{"type": "mrkdwn", "text": s1}, "fields": []map[string]string{{"text": s2}}},
			}),
		}
		d = DocumentOf(withParts)
		for _, want := range []string{text, s1, s2} {
			if !strings.Contains(d.Text, strings.TrimSpace(want)) {
				t.Fatalf("document %q lacks %q", d.Text, want)
			}
		}
		if d.HasLink != (s1 != "" || linkPattern.MatchString(d.Text)) || d.HasFile != true {
			t.Fatalf("document of %+v: %+v", withParts, d)
		}
	})
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
