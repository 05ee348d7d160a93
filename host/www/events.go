package www

import (
	"strings"
	"sync"

	"github.com/bbhost/bbhost/host/mq"
)

// subscriptions feeds every path one client consumes into a single
// mq.Queue, so that the client's events keep their produce order across
// paths, a slow client costs bounded memory, and producers never wait for it.
//
// It is the MQ the queue is built on: the queue's one Consume call hands over
// its push function, and each path the client adds is a consumer of the real
// MQ that calls that function. When the queue overflows (or closes) it stops
// its consumer, which stops every path.
type subscriptions struct {
	mq   mq.MQ
	q    *mq.Queue
	mu   sync.Mutex
	push mq.Handler
	subs map[string]mq.Consumer
	done bool
}

func newSubscriptions(m mq.MQ, limit int) *subscriptions {
	s := &subscriptions{mq: m, subs: map[string]mq.Consumer{}}
	s.q = mq.NewQueue(s, nil, limit)
	return s
}

// Consume is called once, by mq.NewQueue.
func (s *subscriptions) Consume(_ mq.Key, h mq.Handler) mq.Consumer {
	s.push = h
	return s
}

// Produce is never used: a client does not publish.
func (s *subscriptions) Produce(mq.Key, any) {}

// Stop ends every subscription (the queue closed or overflowed).
func (s *subscriptions) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for p, c := range s.subs {
		c.Stop()
		delete(s.subs, p)
	}
}

// add starts consuming path ("builds/*/new"); false if it already was.
func (s *subscriptions) add(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[path]; ok || s.done {
		return false
	}
	s.subs[path] = s.mq.Consume(pathFilter(path), s.push)
	return true
}

// remove stops consuming path; false if it was not consumed.
func (s *subscriptions) remove(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.subs[path]
	if !ok {
		return false
	}
	c.Stop()
	delete(s.subs, path)
	return true
}

// close stops everything.
func (s *subscriptions) close() { s.q.Close() }

// pathFilter turns a websocket/SSE path into an mq filter: elements
// separated by "/", "*" one element (Buildbot's None). An empty path is the
// empty key, which matches nothing that is produced.
func pathFilter(path string) mq.Key {
	if path == "" {
		return mq.Key{}
	}
	return mq.Key(strings.Split(path, "/"))
}
