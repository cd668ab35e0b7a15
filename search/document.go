package search

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/parley-chat/parley/channels"
)

// linkPattern finds what has:link means: a URL in the text (Markdown and
// Slack's <url|label> both contain one).
var linkPattern = regexp.MustCompile(`(?i)\b(https?|ftp)://[^\s<>|]+`)

// DocumentOf builds the index document of a message: its text with the
// text inside attachments and blocks and its file names, and the facts the
// query language filters on.
func DocumentOf(m channels.IndexedMessage) Document {
	var atts []attachment
	if len(m.Attachments) > 0 && json.Unmarshal(m.Attachments, &atts) != nil {
		atts = nil // malformed attachments add nothing
	}
	parts := []string{m.Text}
	parts = append(parts, attachmentTexts(atts)...)
	parts = append(parts, blockTexts(m.Blocks)...)
	parts = append(parts, m.FileNames...)
	text := strings.TrimSpace(strings.Join(nonEmpty(parts), "\n"))
	links := linkPattern.MatchString(text) || hasAttachmentLink(atts)
	return Document{
		ID:            m.ID,
		ChannelID:     m.ChannelID,
		ChannelPublic: m.ChannelKind == channels.ChannelPublic,
		UserID:        m.UserID,
		IsBot:         m.UserKind == channels.KindBot,
		IsThread:      m.ThreadID != 0 || m.ReplyCount > 0,
		Text:          text,
		CreatedAt:     m.CreatedAt,
		HasLink:       links,
		HasFile:       len(m.FileNames) > 0,
		HasReaction:   m.HasReaction,
	}
}

func nonEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// attachment holds the text-bearing fields of a legacy attachment.
type attachment struct {
	Pretext    string `json:"pretext"`
	AuthorName string `json:"author_name"`
	Title      string `json:"title"`
	TitleLink  string `json:"title_link"`
	Text       string `json:"text"`
	Fallback   string `json:"fallback"`
	Footer     string `json:"footer"`
	Fields     []struct {
		Title looseText `json:"title"`
		Value looseText `json:"value"`
	} `json:"fields"`
}

// looseText is an attachment field's text, which senders often give as a
// number or a boolean ("value": 3): such a value is kept as written, any
// other kind is no text, and neither makes the message's attachments
// unreadable.
type looseText string

func (t *looseText) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*t = looseText(s)
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		switch v.(type) {
		case float64, bool:
			*t = looseText(bytes.TrimSpace(b))
		}
	}
	return nil
}

func attachmentTexts(atts []attachment) []string {
	var out []string
	for _, a := range atts {
		out = append(out, a.Pretext, a.AuthorName, a.Title, a.Text, a.Footer)
		for _, f := range a.Fields {
			out = append(out, string(f.Title), string(f.Value))
		}
		if a.Text == "" && a.Title == "" {
			out = append(out, a.Fallback) // the only text some senders give
		}
	}
	return out
}

func hasAttachmentLink(atts []attachment) bool {
	for _, a := range atts {
		if a.TitleLink != "" {
			return true
		}
	}
	return false
}

// blockTexts collects every "text" string in Block Kit JSON, wherever it
// is nested (section text, fields, context elements, rich text).
func blockTexts(raw json.RawMessage) []string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys) // the same text for the same blocks, every time
			for _, k := range keys {
				child := t[k]
				if s, ok := child.(string); ok && k == "text" {
					out = append(out, s)
					continue
				}
				walk(child)
			}
		case []any:
			for _, child := range t {
				walk(child)
			}
		}
	}
	walk(v)
	return out
}
