package www

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

type wsTestClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// dialWS connects a real websocket client to the server's /ws.
func dialWS(t *testing.T, ts *testServer) *wsTestClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.base, "http")+"/ws", nil)
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	conn.SetReadLimit(1 << 24)
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &wsTestClient{t: t, conn: conn}
}

func (c *wsTestClient) send(frame string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("send %s: %v", frame, err)
	}
}

// recv reads the next frame (the timeout only guards against a hang).
func (c *wsTestClient) recv() string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return string(b)
}

func (c *wsTestClient) expect(frame, want string) {
	c.t.Helper()
	if frame != "" {
		c.send(frame)
	}
	if got := c.recv(); got != want {
		c.t.Errorf("after %s:\n got %s\nwant %s", frame, got, want)
	}
}

// TestWebSocket drives /ws with a real client. Every answer and error text
// below was checked against a real Buildbot 3.7.0 master (a stdlib
// websocket client on Debian's package through the bench wwwshim,
// 2026-11-26): pong/OK acks, double startConsuming acked, "path was not
// consumed", "no 'cmd'", "no such command type" (404), Python's TypeError
// texts, "invalid path format", "no '_id' or 'type'", and the mixed-protocol
// error. Events differ only in key order: 3.7 sends the body's keys
// unsorted, bbhost sorted.
func TestWebSocket(t *testing.T) {
	ts := startServer(t, openDB(t, dbtest.SQLiteMemory), nil)
	c := dialWS(t, ts)
	c.expect(`{"cmd":"ping","_id":1}`, `{"msg":"pong","code":200,"_id":1}`)
	c.expect(`{"cmd":"startConsuming","path":"builds/*/*","_id":2}`, `{"msg":"OK","code":200,"_id":2}`)
	r := 0
	ts.mq.Produce(mq.Key{"builds", "12", "steps", "1", "new"}, map[string]any{"x": 1}) // longer key: no match
	ts.mq.Produce(mq.Key{"changes", "1", "new"}, map[string]any{"x": 1})
	ts.mq.Produce(mq.Key{"builds", "12", "new"}, &data.Build{BuildID: 12, Number: 3, Results: &r, Properties: data.SourcedProperties{}})
	ts.mq.Produce(mq.Key{"builds", "13", "finished"}, map[string]any{"buildid": 13, "b": []any{}, "a": nil})
	c.expect("", `{"k":"builds/12/new","m":{"builderid":0,"buildid":12,"buildrequestid":0,"complete":false,"complete_at":null,"masterid":0,"number":3,"properties":{},"results":0,"started_at":0,"state_string":"","workerid":null}}`)
	c.expect("", `{"k":"builds/13/finished","m":{"a":null,"b":[],"buildid":13}}`)

	// Consuming a path twice does not double its events.
	c.expect(`{"cmd":"startConsuming","path":"builds/*/*","_id":3}`, `{"msg":"OK","code":200,"_id":3}`)
	c.expect(`{"cmd":"startConsuming","path":"changes/*/new","_id":4}`, `{"msg":"OK","code":200,"_id":4}`)
	ts.mq.Produce(mq.Key{"builds", "14", "new"}, map[string]any{"buildid": 14})
	ts.mq.Produce(mq.Key{"changes", "5", "new"}, map[string]any{"changeid": 5})
	c.expect("", `{"k":"builds/14/new","m":{"buildid":14}}`)
	c.expect("", `{"k":"changes/5/new","m":{"changeid":5}}`)
	c.expect(`{"cmd":"ping","_id":5}`, `{"msg":"pong","code":200,"_id":5}`)

	c.expect(`{"cmd":"stopConsuming","path":"builds/*/*","_id":6}`, `{"msg":"OK","code":200,"_id":6}`)
	ts.mq.Produce(mq.Key{"builds", "15", "new"}, map[string]any{"buildid": 15})
	c.expect(`{"cmd":"ping","_id":7}`, `{"msg":"pong","code":200,"_id":7}`)
	c.expect(`{"cmd":"stopConsuming","path":"builds/*/*","_id":8}`, `{"error":"path was not consumed 'builds/*/*'","code":400,"_id":8}`)

	// Errors, with Buildbot's messages.
	c.expect(`{"_id":9}`, `{"error":"no 'cmd' in websocket frame","code":400,"_id":null}`)
	c.expect(`{"cmd":"ping"}`, `{"error":"no '_id' or 'type' in websocket frame","code":400,"_id":null}`)
	c.expect(`{"cmd":"fly","_id":10}`, `{"error":"no such command type 'fly'","code":404,"_id":10}`)
	c.expect(`{"cmd":"startConsuming","_id":11}`, `{"error":"Invalid method argument 'WsProtocol.cmd_startConsuming() missing 1 required positional argument: 'path''","code":400,"_id":11}`)
	c.expect(`{"cmd":"ping","_id":12,"path":"x"}`, `{"error":"Invalid method argument 'WsProtocol.cmd_ping() got an unexpected keyword argument 'path''","code":400,"_id":12}`)
	c.expect(`{"cmd":"startConsuming","path":5,"_id":"a"}`, `{"error":"invalid path format '5'","code":400,"_id":"a"}`)
	c.expect(`not json`, `{"error":"invalid websocket frame: not a JSON object","code":400,"_id":null}`)
	c.expect(`[1]`, `{"error":"invalid websocket frame: not a JSON object","code":400,"_id":null}`)
	c.expect(`{"type":"start","id":"q"}`, `{"error":"using 'type' in websocket frame when already started using buildbot protocol","code":400,"_id":null}`)

	// A graphql client is told graphql is not served.
	g := dialWS(t, ts)
	g.expect(`{"type":"connection_init","id":"x"}`, `{"type":"error","id":"x","message":"graphql is not supported by this master"}`)
	g.expect(`{"cmd":"ping","_id":1}`, `{"error":"missing 'type' in websocket frame when already started using graphql","code":400,"_id":null}`)

	// Stopping the server ends the connection.
	if err := ts.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.conn.Read(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read after stop: %v", err)
	}
}

// TestWebSocketSlowClient: a client that does not read is disconnected once
// its queue is full; producers never wait for it.
func TestWebSocketSlowClient(t *testing.T) {
	ts := startServer(t, openDB(t, dbtest.SQLiteMemory), func(o *Options) { o.EventQueueLimit = 10 })
	c := dialWS(t, ts)
	c.expect(`{"cmd":"startConsuming","path":"logs/*/append","_id":1}`, `{"msg":"OK","code":200,"_id":1}`)
	big := strings.Repeat("x", 64<<10)
	const n = 2000 // 128 MB: far more than the socket buffers hold
	for i := 0; i < n; i++ {
		ts.mq.Produce(mq.Key{"logs", "1", "append"}, map[string]any{"text": big})
	}
	got := 0
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var err error
	for {
		if _, _, err = c.conn.Read(ctx); err != nil {
			break
		}
		got++
	}
	t.Logf("slow client got %d events, then %v (status %v)", got, err, websocket.CloseStatus(err))
	if got >= n || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow client got %d of %d events, then %v", got, n, err)
	}
	if s := websocket.CloseStatus(err); s != websocket.StatusPolicyViolation && s != -1 {
		t.Errorf("close status %v (%v)", s, err)
	}
}
