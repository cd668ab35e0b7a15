package channels

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// ReservedProps are message properties only the server sets: they mark what
// an integration posted (and the outgoing webhook dispatcher trusts them),
// so a client may not forge them.
var ReservedProps = []string{"from_webhook", "webhook_id", "webhook_display_name", "from_command", "type", "subtype",
	"override_username", "override_icon_url", "override_icon_emoji"}

// mergeProps checks a client's props (an object without reserved keys) and
// merges the server's own over them.
func mergeProps(raw json.RawMessage, server map[string]any) (json.RawMessage, error) {
	props := map[string]json.RawMessage{}
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if !json.Valid(raw) || raw[0] != '{' || json.Unmarshal(raw, &props) != nil {
			return nil, Invalid("invalid_props", "props", "props must be an object")
		}
		for k := range props {
			if slices.Contains(ReservedProps, k) {
				return nil, Invalid("reserved_prop", "props", "props.%s is set by the server, not by clients", k)
			}
		}
	}
	if len(server) == 0 {
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			return nil, nil
		}
		return raw, nil
	}
	for k, v := range server {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, Invalid("invalid_props", "props", "props.%s cannot be encoded", k)
		}
		props[k] = b
	}
	return json.Marshal(props)
}

// validateBody checks the parts of a message common to posting and editing.
func validateBody(text, markup *string, attachments, blocks *json.RawMessage, hasFiles bool) error {
	if utf8.RuneCountInString(*text) > MaxTextRunes {
		return Invalid("text_too_long", "text", "text is longer than %d characters", MaxTextRunes)
	}
	if !utf8.ValidString(*text) {
		return Invalid("invalid_text", "text", "text is not valid UTF-8")
	}
	switch *markup {
	case "":
		*markup = MarkupMarkdown
	case MarkupMarkdown, MarkupMrkdwn:
	default:
		return Invalid("invalid_markup", "markup", "markup must be markdown or mrkdwn")
	}
	var err error
	if *attachments, err = jsonArray(*attachments, "attachments", maxAttachments); err != nil {
		return err
	}
	if *blocks, err = jsonArray(*blocks, "blocks", maxBlocks); err != nil {
		return err
	}
	if strings.TrimSpace(*text) == "" && *attachments == nil && *blocks == nil && !hasFiles {
		return Invalid("empty_message", "text", "a message needs text, attachments, blocks or files")
	}
	return nil
}

// jsonArray accepts a JSON array of at most max objects; null and [] become nil.
func jsonArray(raw json.RawMessage, field string, max int) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []map[string]any
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, Invalid("invalid_"+field, field, "%s must be an array of objects", field)
	}
	if len(items) > max {
		return nil, Invalid("too_many_"+field, field, "at most %d %s", max, field)
	}
	if len(items) == 0 {
		return nil, nil
	}
	return raw, nil
}
