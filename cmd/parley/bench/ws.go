package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
)

// The realtime workloads: fan-out of posts to many WebSocket listeners,
// idle connections, and clients resuming after a burst. The listeners run
// in this process and parse frames by hand (the server marshals events
// with seq and type first), so the load generator costs little next to the
// server.

// wsDialer opens authenticated WebSockets to one server.
type wsDialer struct {
	url string // ws://127.0.0.1:PORT/api/v1/ws
	d   *websocket.Dialer
}

func newWSDialer(base string, readBuf int) *wsDialer {
	return &wsDialer{url: "ws" + strings.TrimPrefix(base, "http") + "/api/v1/ws",
		d: &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: readBuf, WriteBufferSize: 1024}}
}

// dial opens a socket for token (resuming after since when since >= 0) and
// reads its hello; it returns the hello's seq.
func (w *wsDialer) dial(token string, since int64) (*websocket.Conn, int64, error) {
	u := w.url
	if since >= 0 {
		u += "?since=" + strconv.FormatInt(since, 10)
	}
	conn, res, err := w.d.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if res != nil {
			err = fmt.Errorf("%w (status %d)", err, res.StatusCode)
		}
		return nil, 0, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, raw, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, 0, fmt.Errorf("read hello: %w", err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	var hello wsFrame
	if err := json.Unmarshal(raw, &hello); err != nil || hello.Type != "hello" {
		conn.Close()
		return nil, 0, fmt.Errorf("first frame is not a hello: %.200s", raw)
	}
	return conn, hello.Seq, nil
}

// readFrames reads conn's frames into buf (reused) and hands each to fn
// with its arrival time, until an error.
func readFrames(conn *websocket.Conn, buf *[]byte, fn func(raw []byte, now int64) error) error {
	if *buf == nil {
		*buf = make([]byte, 0, 4096)
	}
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return err
		}
		b := (*buf)[:0]
		for {
			if len(b) == cap(b) {
				b = append(b, 0)[:len(b)]
			}
			n, err := r.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		*buf = b
		if err := fn(b, time.Now().UnixNano()); err != nil {
			return err
		}
	}
}

// wsFrame is the part of a server frame decoded as JSON when the quick
// parse does not apply.
type wsFrame struct {
	Seq  int64  `json:"seq"`
	Type string `json:"type"`
}

var (
	wsSeqPrefix = []byte(`{"seq":`)
	wsTypeKey   = []byte(`,"type":"`)
	wsCreated   = []byte(channels.EventMessageCreated)
)

// wsQuickParse reads the seq and type of a frame that starts with
// {"seq":N,"type":"T"; ok is false for any other frame.
func wsQuickParse(raw []byte) (seq int64, typ []byte, ok bool) {
	if !bytes.HasPrefix(raw, wsSeqPrefix) {
		return 0, nil, false
	}
	rest := raw[len(wsSeqPrefix):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		seq = seq*10 + int64(rest[j]-'0')
		j++
	}
	if j == 0 || !bytes.HasPrefix(rest[j:], wsTypeKey) {
		return 0, nil, false
	}
	rest = rest[j+len(wsTypeKey):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, nil, false
	}
	return seq, rest[:end], true
}

// wsTextNumbers reads the count space-separated numbers that follow
// "text":"<key> in a message.created frame (the benchmark's own texts).
func wsTextNumbers(raw []byte, key []byte, out []int64) error {
	i := bytes.Index(raw, key)
	if i < 0 {
		return fmt.Errorf("message.created without a benchmark text")
	}
	rest := raw[i+len(key):]
	for k := range out {
		out[k] = 0
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			out[k] = out[k]*10 + int64(rest[j]-'0')
			j++
		}
		if j == 0 || j == len(rest) {
			return fmt.Errorf("bad benchmark text")
		}
		rest = rest[j+1:]
	}
	return nil
}

// wsOtherFrame checks a frame without a seq: the ones a listener may get
// besides events.
func wsOtherFrame(raw []byte) error {
	var fr wsFrame
	if err := json.Unmarshal(raw, &fr); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	switch fr.Type {
	case "hello", "presence.changed":
		return nil
	}
	return fmt.Errorf("unexpected frame")
}

// errWSReported ends a reader whose error is already recorded.
var errWSReported = errors.New("reported")

// isSlowConsumer tells whether err is the server closing a connection
// whose buffer filled up: the client must resume with since.
func isSlowConsumer(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code == realtime.CloseSlowConsumer
}

// postJSON posts a message with text to postURL as token.
func postJSON(hc *http.Client, postURL, token, text string) error {
	body, _ := json.Marshal(map[string]string{"text": text})
	req, err := http.NewRequest("POST", postURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return call(hc, req, func(status int, _ []byte) bool { return status == http.StatusCreated })
}
