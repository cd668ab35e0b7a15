package realtime

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// coalescingConn batches the WebSocket frames a connection has queued into
// one write system call. Melody writes each frame on its own, and under
// fan-out load one write per frame per connection is what limits delivery.
// A text frame written while more frames wait in the connection's queue is
// held back; the last frame of a burst, and every control frame (ping,
// pong, close), flushes everything held. So an idle connection still gets
// each frame at once, and a busy one gets them a batch per system call.
type coalescingConn struct {
	net.Conn
	// backlog reports how many frames are queued, the one being written
	// included.
	backlog func() int64

	mu  sync.Mutex
	buf []byte
}

// maxHeldBytes bounds what one connection holds back.
const maxHeldBytes = 32 << 10

func (c *coalescingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(p) > 0 && isDataFrame(p[0]) && c.backlog() > 1 && len(c.buf)+len(p) <= maxHeldBytes {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	if len(c.buf) == 0 {
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	n, err := c.Conn.Write(c.buf)
	held := len(c.buf) - len(p)
	c.buf = c.buf[:0]
	if cap(c.buf) > maxHeldBytes {
		c.buf = nil // do not keep a large buffer on an idle connection
	}
	if err != nil {
		return max(0, n-held), err
	}
	return len(p), nil
}

// isDataFrame reports whether b, the first byte of a WebSocket frame, opens
// a text frame or continues a message (opcodes 1 and 0): control frames and
// the HTTP handshake are never held back.
func isDataFrame(b byte) bool {
	op := b & 0x0f
	return op == 0x1 || op == 0x0
}

// hijackWriter hands the upgrade a coalescingConn instead of the raw
// connection.
type hijackWriter struct {
	http.ResponseWriter
	backlog func() int64
}

func (w hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &coalescingConn{Conn: conn, backlog: w.backlog}, rw, nil
}
