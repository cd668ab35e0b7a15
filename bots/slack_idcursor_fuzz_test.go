package bots

import (
	"strings"
	"testing"
)

// FuzzCursor checks paging cursors: a cursor round-trips to its id, works
// only for its own kind of list, and any other string is invalid_cursor.
func FuzzCursor(f *testing.F) {
	// The cases of TestSlackIDs_Cursor, and the kinds the API pages.
	f.Add("history", int64(77), "%%%")
	f.Add("history", int64(5), encodeCursor("users", 5))
	f.Add("history", int64(0), "bm9wZQ")
	f.Add("users", int64(0), "")
	f.Add("channels", int64(-3), encodeCursor("channels", -3))
	f.Add("replies", int64(9223372036854775807), "cmVwbGllczo5")
	f.Add("members", int64(1), "bWVtYmVyczorMDE")
	f.Fuzz(func(t *testing.T, kind string, id int64, cursor string) {
		if strings.Contains(kind, ":") {
			t.Skip("kinds are names without a colon")
		}
		c := encodeCursor(kind, id)
		got, err := decodeCursor(kind, c)
		if id >= 0 && (err != nil || got != id) {
			t.Fatalf("decodeCursor(%q, encodeCursor(%q, %d)) = %d, %v", kind, kind, id, got, err)
		}
		if id < 0 && (err == nil || toSlack(err).code != "invalid_cursor") {
			t.Fatalf("a cursor for id %d decodes to %d, %v", id, got, err)
		}
		if other := kind + "x"; err == nil {
			if _, err := decodeCursor(other, c); err == nil {
				t.Fatalf("a %q cursor %q is accepted for %q", kind, c, other)
			}
		}

		got, err = decodeCursor(kind, cursor)
		if err != nil {
			if code := toSlack(err).code; code != "invalid_cursor" || got != 0 {
				t.Fatalf("decodeCursor(%q, %q) = %d, %q", kind, cursor, got, code)
			}
			return
		}
		if got < 0 || cursor == "" && got != 0 {
			t.Fatalf("decodeCursor(%q, %q) = %d", kind, cursor, got)
		}
		if again, err := decodeCursor(kind, encodeCursor(kind, got)); err != nil || again != got {
			t.Fatalf("decodeCursor(%q, %q) = %d, which re-encodes to %d, %v", kind, cursor, got, again, err)
		}
	})
}
