package realtime

import (
	"bytes"
	"net"
	"testing"
)

// recordingConn records each Write as one system call would be.
type recordingConn struct {
	net.Conn
	writes [][]byte
}

func (r *recordingConn) Write(p []byte) (int, error) {
	r.writes = append(r.writes, append([]byte(nil), p...))
	return len(p), nil
}

func TestCoalescingConn(t *testing.T) {
	text := func(s string) []byte { return append([]byte{0x81, byte(len(s))}, s...) }
	ping := []byte{0x89, 0x00}
	tests := []struct {
		name    string
		backlog []int64 // frames queued at each write, the one written included
		frames  [][]byte
		want    []string // what reached the socket, one entry per system call
	}{
		{"an idle connection writes each frame at once", []int64{1, 1}, [][]byte{text("a"), text("b")},
			[]string{"\x81\x01a", "\x81\x01b"}},
		{"a burst goes out in one write", []int64{3, 2, 1}, [][]byte{text("a"), text("b"), text("c")},
			[]string{"\x81\x01a\x81\x01b\x81\x01c"}},
		{"a control frame flushes what is held", []int64{2, 2}, [][]byte{text("a"), ping},
			[]string{"\x81\x01a\x89\x00"}},
		{"the handshake is never held", []int64{5}, [][]byte{[]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n")},
			[]string{"HTTP/1.1 101 Switching Protocols\r\n\r\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingConn{}
			i := 0
			c := &coalescingConn{Conn: rec, backlog: func() int64 { return tt.backlog[i] }}
			for i = range tt.frames {
				if n, err := c.Write(tt.frames[i]); err != nil || n != len(tt.frames[i]) {
					t.Fatalf("write %d: n=%d err=%v", i, n, err)
				}
			}
			if len(rec.writes) != len(tt.want) {
				t.Fatalf("%d system calls, want %d: %q", len(rec.writes), len(tt.want), rec.writes)
			}
			for j := range tt.want {
				if !bytes.Equal(rec.writes[j], []byte(tt.want[j])) {
					t.Errorf("write %d = %q, want %q", j, rec.writes[j], tt.want[j])
				}
			}
		})
	}
	t.Run("holds at most maxHeldBytes", func(t *testing.T) {
		rec := &recordingConn{}
		c := &coalescingConn{Conn: rec, backlog: func() int64 { return 100 }}
		frame := append([]byte{0x81, 126, 0x10, 0x00}, make([]byte, 4096)...)
		for range 20 {
			c.Write(frame)
		}
		if len(rec.writes) == 0 {
			t.Fatal("nothing written although far more than maxHeldBytes was queued")
		}
		for _, w := range rec.writes {
			if len(w) > maxHeldBytes+len(frame) {
				t.Errorf("one write of %d bytes, over the bound", len(w))
			}
		}
	})
}
