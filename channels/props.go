package channels

import (
	"bytes"
	"encoding/json"
	"slices"
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
