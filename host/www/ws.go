package www

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/bbhost/bbhost/host/data"
)

// The /ws endpoint speaks Buildbot's legacy websocket protocol (www/ws.py):
// client frames {"cmd": "startConsuming"|"stopConsuming"|"ping", "_id": n,
// "path": "builds/*/*"}, answers {"msg": "OK"|"pong", "code": 200, "_id": n}
// or {"error": "...", "code": 400|404|500, "_id": n}, and events
// {"k": "builds/12/new", "m": {...}}. GraphQL subscriptions are not served.

const (
	wsReadLimit    = 64 << 10
	wsWriteTimeout = 10 * time.Second
)

// sameOrigin allows a browser request from the master's own origin or from
// allowed_origins; requests without an Origin header (non-browser clients)
// are allowed.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return s.settings.Load().origins.match(strings.ToLower(origin))
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.originAllowed(r) {
		s.m.request("ws", http.StatusForbidden)
		writeRESTError(w, r, http.StatusForbidden, "invalid origin")
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.m.request("ws", http.StatusBadRequest)
		return // Accept answered the client
	}
	s.m.request("ws", http.StatusSwitchingProtocols)
	s.streams.Add(1)
	defer s.streams.Done()
	s.m.stream("ws", 1)
	defer s.m.stream("ws", -1)
	conn.SetReadLimit(wsReadLimit)
	c := &wsClient{s: s, conn: conn, subs: newSubscriptions(s.mq, s.limit)}
	c.run(r.Context())
}

type wsClient struct {
	s       *Server
	conn    *websocket.Conn
	subs    *subscriptions
	graphql *bool // nil until the first frame says which protocol
}

// run reads frames until the client goes or the server stops; a second
// goroutine writes the events.
func (c *wsClient) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		defer cancel()
		c.writeEvents(ctx)
	}()
	defer func() {
		cancel()
		c.subs.close()
		<-writerDone
		_ = c.conn.CloseNow()
	}()
	for {
		_, frame, err := c.conn.Read(ctx)
		if err != nil {
			return
		}
		if err := c.handle(ctx, frame); err != nil {
			return
		}
	}
}

// writeEvents sends queued events until ctx ends; on overflow it closes the
// connection with a policy-violation status.
func (c *wsClient) writeEvents(ctx context.Context) {
	q := c.subs.q
	var buf []byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.Ready():
		}
		msgs, open := q.Drain()
		for _, m := range msgs {
			buf = append(buf[:0], `{"k":`...)
			buf = data.AppendJSONString(buf, m.Key.Path())
			buf = append(buf, `,"m":`...)
			var err error
			if buf, err = data.AppendJSON(buf, m.Body); err != nil {
				c.s.log.Error("cannot encode event", "key", m.Key.String(), "error", err)
				continue
			}
			buf = append(buf, '}')
			if err := c.write(ctx, buf); err != nil {
				return
			}
		}
		if !open {
			if q.Overflowed() {
				c.s.log.Warn("websocket client too slow, disconnecting", "limit", c.s.limit)
				_ = c.conn.Close(websocket.StatusPolicyViolation, "event queue overflow")
			}
			return
		}
	}
}

func (c *wsClient) write(ctx context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, b)
}

// reply sends one protocol message with Buildbot's key order.
func (c *wsClient) reply(ctx context.Context, fields ...any) error {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i < len(fields); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(data.AppendJSONString(nil, fields[i].(string)))
		b.WriteByte(':')
		v, err := data.AppendJSON(nil, fields[i+1])
		if err != nil {
			return err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return c.write(ctx, b.Bytes())
}

func (c *wsClient) fail(ctx context.Context, msg string, code int, id any) error {
	return c.reply(ctx, "error", msg, "code", code, "_id", id)
}

func (c *wsClient) ack(ctx context.Context, id any) error {
	return c.reply(ctx, "msg", "OK", "code", 200, "_id", id)
}

// handle dispatches one client frame (Buildbot's onMessage).
func (c *wsClient) handle(ctx context.Context, frame []byte) error {
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.UseNumber()
	var f map[string]any
	if err := dec.Decode(&f); err != nil || f == nil {
		return c.fail(ctx, "invalid websocket frame: not a JSON object", 400, nil)
	}
	id := f["_id"]
	typ, hasType := f["type"]
	delete(f, "type")
	if id == nil && (!hasType || typ == nil) {
		return c.fail(ctx, "no '_id' or 'type' in websocket frame", 400, nil)
	}
	if hasType && typ != nil {
		if c.graphql != nil && !*c.graphql {
			return c.fail(ctx, "using 'type' in websocket frame when already started using buildbot protocol", 400, nil)
		}
		t := true
		c.graphql = &t
		return c.reply(ctx, "type", "error", "id", f["id"], "message", "graphql is not supported by this master")
	}
	if c.graphql != nil && *c.graphql {
		return c.fail(ctx, "missing 'type' in websocket frame when already started using graphql", 400, nil)
	}
	f0 := false
	c.graphql = &f0
	cmdV, ok := f["cmd"]
	if !ok || cmdV == nil {
		return c.fail(ctx, "no 'cmd' in websocket frame", 400, nil)
	}
	delete(f, "cmd")
	cmd := fmt.Sprint(cmdV)
	var params []string
	switch cmd {
	case "startConsuming", "stopConsuming":
		params = []string{"path", "_id"}
	case "ping":
		params = []string{"_id"}
	default:
		return c.fail(ctx, fmt.Sprintf("no such command type '%s'", cmd), 404, id)
	}
	if msg := pyArgsError("WsProtocol.cmd_"+cmd, params, f); msg != "" {
		return c.fail(ctx, fmt.Sprintf("Invalid method argument '%s'", msg), 400, id)
	}
	switch cmd {
	case "ping":
		return c.reply(ctx, "msg", "pong", "code", 200, "_id", id)
	case "startConsuming":
		path, ok := f["path"].(string)
		if !ok {
			return c.fail(ctx, fmt.Sprintf("invalid path format '%s'", pyStr(f["path"])), 400, id)
		}
		c.subs.add(path)
		return c.ack(ctx, id)
	default: // stopConsuming
		path, ok := f["path"].(string)
		if !ok {
			return c.fail(ctx, fmt.Sprintf("invalid path format '%s'", pyStr(f["path"])), 400, id)
		}
		if !c.subs.remove(path) {
			return c.fail(ctx, fmt.Sprintf("path was not consumed '%s'", path), 400, id)
		}
		return c.ack(ctx, id)
	}
}

// pyArgsError is the message of the TypeError Python raises when a command
// method is called with the frame's keys as keyword arguments, or "".
func pyArgsError(fn string, params []string, f map[string]any) string {
	known := map[string]bool{}
	for _, p := range params {
		known[p] = true
	}
	var extra []string
	for k := range f {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Sprintf("%s() got an unexpected keyword argument '%s'", fn, extra[0])
	}
	var missing []string
	for _, p := range params {
		if _, ok := f[p]; !ok {
			missing = append(missing, "'"+p+"'")
		}
	}
	switch len(missing) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%s() missing 1 required positional argument: %s", fn, missing[0])
	}
	return fmt.Sprintf("%s() missing %d required positional arguments: %s and %s", fn, len(missing),
		strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
}

// pyStr renders a JSON value roughly as Python's str() would.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	b, err := data.MarshalSorted(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
