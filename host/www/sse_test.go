package www

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

type sseStream struct {
	t    *testing.T
	resp *http.Response
	rd   *bufio.Reader
}

func openSSE(t *testing.T, ts *testServer, path string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &sseStream{t: t, resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next reads one event: its name and data.
func (s *sseStream) next() (string, string) {
	s.t.Helper()
	type ev struct{ name, data string }
	ch := make(chan ev, 1)
	go func() {
		var e ev
		for {
			line, err := s.rd.ReadString('\n')
			if err != nil {
				ch <- ev{"error", err.Error()}
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				ch <- e
				return
			case strings.HasPrefix(line, "event: "):
				e.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				e.data = line[len("data: "):]
			}
		}
	}()
	select {
	case e := <-ch:
		return e.name, e.data
	case <-time.After(10 * time.Second): // guards against a hang only
		s.t.Fatal("no SSE event")
		return "", ""
	}
}

func TestSSE(t *testing.T) {
	ts := startServer(t, openDB(t, dbtest.SQLiteMemory), nil)
	s := openSSE(t, ts, "/sse/listen/builds/*/new")
	name, id := s.next()
	if name != "handshake" || len(id) != 36 {
		t.Fatalf("handshake = %q %q", name, id)
	}
	ts.mq.Produce(mq.Key{"builds", "1", "finished"}, map[string]any{"buildid": 1})
	ts.mq.Produce(mq.Key{"builds", "1", "new"}, map[string]any{"buildid": 1})
	if name, data := s.next(); name != "event" || data != `{"key":["builds","1","new"],"message":{"buildid":1}}` {
		t.Errorf("event = %q %q", name, data)
	}
	if r := ts.get(t, "/sse/add/"+id+"/changes/*/new"); r.status != 200 || r.body != "ok" {
		t.Errorf("add = %d %q", r.status, r.body)
	}
	ts.mq.Produce(mq.Key{"changes", "7", "new"}, map[string]any{"changeid": 7})
	if _, data := s.next(); data != `{"key":["changes","7","new"],"message":{"changeid":7}}` {
		t.Errorf("added path event = %q", data)
	}
	if r := ts.get(t, "/sse/remove/"+id+"/changes/*/new"); r.status != 200 || r.body != "ok" {
		t.Errorf("remove = %d %q", r.status, r.body)
	}
	if r := ts.get(t, "/sse/remove/"+id+"/changes/*/new"); r.status != 404 || r.body != "consumer is not listening to this event" {
		t.Errorf("remove again = %d %q", r.status, r.body)
	}
	if r := ts.get(t, "/sse/add/nosuch/builds"); r.status != 400 || r.body != "unknown uuid" {
		t.Errorf("unknown uuid = %d %q", r.status, r.body)
	}
	if r := ts.get(t, "/sse/add"); r.status != 400 || r.body != "need uuid" {
		t.Errorf("no uuid = %d %q", r.status, r.body)
	}
	ts.mq.Produce(mq.Key{"changes", "8", "new"}, map[string]any{"changeid": 8})
	ts.mq.Produce(mq.Key{"builds", "2", "new"}, map[string]any{"buildid": 2})
	if _, data := s.next(); data != `{"key":["builds","2","new"],"message":{"buildid":2}}` {
		t.Errorf("after remove = %q", data)
	}

	// /sse alone listens to nothing until told to.
	s2 := openSSE(t, ts, "/sse")
	_, id2 := s2.next()
	if r := ts.get(t, "/sse/add/"+id2+"/builds/*/new"); r.status != 200 {
		t.Fatalf("add = %d", r.status)
	}
	ts.mq.Produce(mq.Key{"builds", "3", "new"}, map[string]any{"buildid": 3})
	if _, data := s2.next(); data != `{"key":["builds","3","new"],"message":{"buildid":3}}` {
		t.Errorf("second stream = %q", data)
	}

	if _, data := s.next(); data != `{"key":["builds","3","new"],"message":{"buildid":3}}` {
		t.Errorf("first stream = %q", data)
	}

	// Stopping the server ends the streams.
	if err := ts.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if name, data := s.next(); name != "error" {
		t.Errorf("stream after stop: %q %q", name, data)
	}
}
