package realtime

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// eventFrame must write the bytes json.Marshal writes, for every shape of
// event the log holds.
func TestEventFrameMatchesMarshal(t *testing.T) {
	data, _ := json.Marshal(map[string]any{"id": 12, "text": `<b>"hi" & \ bye` + "\u2028", "n": []int{1, 2}})
	for _, e := range []channels.Event{
		{Seq: 1042, Type: channels.EventMessageCreated, ChannelID: ptr(int64(3)), ActorID: ptr(int64(9)), Data: data, CreatedAt: 1700000000123},
		{Seq: 7, Type: channels.EventUserUpdated, Data: json.RawMessage(`{"id":4}`), CreatedAt: 5, Scope: channels.ScopeAll, SubjectID: ptr(int64(4))},
		{Seq: 8, Type: channels.EventMemberLeft, ChannelID: ptr(int64(-1))},
		{Seq: 9, Type: `odd"type<`, Data: json.RawMessage(`[]`)},
	} {
		want, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if got := eventFrame(&e); !bytes.Equal(got, want) {
			t.Errorf("eventFrame = %s\n    json.Marshal = %s", got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
