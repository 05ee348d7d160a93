package www

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/data"
)

// Server-sent events, as Buildbot's www/sse.py: GET /sse/listen[/<path>]
// opens a stream that starts with
//
//	event: handshake
//	data: <uuid>
//
// then carries `event: event` / `data: {"key": [...], "message": {...}}`
// for every consumed path; /sse/add/<uuid>/<path> and
// /sse/remove/<uuid>/<path> change what a stream consumes.

type sseRegistry struct {
	mu        sync.Mutex
	consumers map[string]*sseConsumer
}

type sseConsumer struct {
	subs *subscriptions
}

func (reg *sseRegistry) get(id string) *sseConsumer {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg.consumers[id]
}

func (s *Server) serveSSE(w http.ResponseWriter, r *http.Request) {
	var path []string
	if rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/sse"), "/"); rest != "" {
		path = strings.Split(rest, "/")
	}
	if len(path) > 0 && path[len(path)-1] == "" {
		path = path[:len(path)-1]
	}
	command := "listen"
	if len(path) > 0 && (path[0] == "listen" || path[0] == "add" || path[0] == "remove") {
		command, path = path[0], path[1:]
	}
	if command == "listen" {
		s.sseListen(w, r, strings.Join(path, "/"))
		return
	}
	if len(path) == 0 {
		s.sseText(w, http.StatusBadRequest, "need uuid")
		return
	}
	c := s.sse.get(path[0])
	if c == nil {
		s.sseText(w, http.StatusBadRequest, "unknown uuid")
		return
	}
	p := strings.Join(path[1:], "/")
	if command == "add" {
		c.subs.add(p)
	} else if !c.subs.remove(p) {
		s.sseText(w, http.StatusNotFound, "consumer is not listening to this event")
		return
	}
	s.sseText(w, http.StatusOK, "ok")
}

func (s *Server) sseText(w http.ResponseWriter, code int, msg string) {
	s.m.request("sse", code)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg))
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *Server) sseListen(w http.ResponseWriter, r *http.Request, path string) {
	rc := http.NewResponseController(w)
	id := newUUID()
	c := &sseConsumer{subs: newSubscriptions(s.mq, s.limit)}
	defer c.subs.close()
	if path != "" {
		c.subs.add(path)
	}
	s.sse.mu.Lock()
	s.sse.consumers[id] = c
	s.sse.mu.Unlock()
	defer func() {
		s.sse.mu.Lock()
		delete(s.sse.consumers, id)
		s.sse.mu.Unlock()
	}()
	s.m.request("sse", http.StatusOK)
	s.m.stream("sse", 1)
	defer s.m.stream("sse", -1)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	// A client that stops reading is cut off after a write timeout.
	_ = rc.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	if _, err := fmt.Fprintf(w, "event: handshake\ndata: %s\n\n", id); err != nil || rc.Flush() != nil {
		return
	}
	q := c.subs.q
	var buf []byte
	for {
		select {
		case <-r.Context().Done():
			return
		case <-q.Ready():
		}
		msgs, open := q.Drain()
		_ = rc.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
		for _, m := range msgs {
			buf = append(buf[:0], "event: event\ndata: "...)
			var err error
			buf, err = data.AppendJSON(buf, map[string]any{"key": []string(m.Key), "message": m.Body})
			if err != nil {
				s.log.Error("cannot encode event", "key", m.Key.String(), "error", err)
				continue
			}
			buf = append(buf, "\n\n"...)
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
		if !open {
			if q.Overflowed() {
				s.log.Warn("SSE client too slow, disconnecting", "limit", s.limit)
			}
			return
		}
	}
}
