package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsClient is a real WebSocket client of the test server.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

// frame is any server frame; Raw keeps the whole of it.
type frame struct {
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	ChannelID *int64          `json:"channel_id"`
	UserID    int64           `json:"user_id"`
	Code      string          `json:"code"`
	Data      json.RawMessage `json:"data"`
	Raw       []byte          `json:"-"`
}

// dialWS opens /api/v1/ws?query with the client's bearer token (and any
// extra headers), and fails the test if the upgrade is refused.
func (c *client) dialWS(query string, header http.Header) *wsClient {
	c.ts.t.Helper()
	ws, res, err := c.tryDialWS(query, header)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		c.ts.t.Fatalf("dial websocket: %v (status %d)", err, status)
	}
	return ws
}

func (c *client) tryDialWS(query string, header http.Header) (*wsClient, *http.Response, error) {
	h := http.Header{}
	for k, v := range header {
		h[k] = v
	}
	if c.Token != "" && h.Get("Authorization") == "" && h.Get("Cookie") == "" && !strings.Contains(query, "token=") {
		h.Set("Authorization", "Bearer "+c.Token)
	}
	url := "ws" + strings.TrimPrefix(c.ts.URL, "http") + "/api/v1/ws"
	if query != "" {
		url += "?" + query
	}
	conn, res, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		return nil, res, err
	}
	ws := &wsClient{t: c.ts.t, conn: conn}
	c.ts.t.Cleanup(func() { conn.Close() })
	return ws, res, nil
}

// next reads the next frame, failing after timeout.
func (w *wsClient) next(timeout time.Duration) frame {
	w.t.Helper()
	f, err := w.read(timeout)
	if err != nil {
		w.t.Fatalf("read frame: %v", err)
	}
	return f
}

func (w *wsClient) read(timeout time.Duration) (frame, error) {
	_ = w.conn.SetReadDeadline(time.Now().Add(timeout))
	_, raw, err := w.conn.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(raw, &f); err != nil {
		return frame{}, err
	}
	f.Raw = raw
	return f, nil
}

// nextOfType skips frames until one of the type arrives.
func (w *wsClient) nextOfType(typ string, timeout time.Duration) frame {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		f, err := w.read(time.Until(deadline))
		if err != nil {
			w.t.Fatalf("waiting for a %s frame: %v", typ, err)
		}
		if f.Type == typ {
			return f
		}
	}
}

// send writes a client frame.
func (w *wsClient) send(v any) {
	w.t.Helper()
	if err := w.conn.WriteJSON(v); err != nil {
		w.t.Fatalf("write frame: %v", err)
	}
}
