package channels

import (
	"errors"
	"testing"
)

func TestMergeProps(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		server map[string]any
		want   string // "" for no props
		code   string // the InputError's code, when refused
	}{
		{name: "none", raw: "", want: ""},
		{name: "null", raw: "null", want: ""},
		{name: "client props kept as sent", raw: `{"card":{"id":7}}`, want: `{"card":{"id":7}}`},
		{name: "not an object", raw: `[1]`, code: "invalid_props"},
		{name: "not JSON", raw: `{"a":`, code: "invalid_props"},
		{name: "from_webhook is the server's", raw: `{"from_webhook":"true"}`, code: "reserved_prop"},
		{name: "webhook_display_name is the server's", raw: `{"webhook_display_name":"CI"}`, code: "reserved_prop"},
		{name: "type is the server's", raw: `{"type":"system_join"}`, code: "reserved_prop"},
		{name: "override_username is the server's", raw: `{"override_username":"root"}`, code: "reserved_prop"},
		{name: "server marks alone", server: map[string]any{"from_webhook": "true"}, want: `{"from_webhook":"true"}`},
		{name: "server marks merged over client props", raw: `{"b":1}`, server: map[string]any{"from_command": "/x"},
			want: `{"b":1,"from_command":"/x"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mergeProps([]byte(tc.raw), tc.server)
			if tc.code != "" {
				var in *InputError
				if !errors.As(err, &in) || in.Code != tc.code {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("mergeProps = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
