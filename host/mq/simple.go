package mq

import (
	"sync"
	"sync/atomic"
)

// Simple is the in-process MQ (Buildbot's `simple`). Consumers are indexed by
// the first element of their filter so a produce only looks at the consumers
// that can match.
type Simple struct {
	mu       sync.RWMutex
	byFirst  map[string]map[*simpleConsumer]struct{}
	wildcard map[*simpleConsumer]struct{} // filters starting with * or #, or empty
}

// NewSimple returns an empty in-process MQ.
func NewSimple() *Simple {
	return &Simple{byFirst: map[string]map[*simpleConsumer]struct{}{}, wildcard: map[*simpleConsumer]struct{}{}}
}

type simpleConsumer struct {
	mq      *Simple
	filter  Key
	h       Handler
	stopped atomic.Bool
}

func (c *simpleConsumer) Stop() {
	if c.stopped.Swap(true) {
		return
	}
	c.mq.mu.Lock()
	if set := c.mq.bucket(c.filter); set != nil {
		delete(set, c)
	}
	c.mq.mu.Unlock()
}

func (s *Simple) bucket(filter Key) map[*simpleConsumer]struct{} {
	if len(filter) == 0 || filter[0] == "*" || filter[0] == "#" {
		return s.wildcard
	}
	return s.byFirst[filter[0]]
}

// Consume registers h for every message whose key matches filter.
func (s *Simple) Consume(filter Key, h Handler) Consumer {
	c := &simpleConsumer{mq: s, filter: append(Key(nil), filter...), h: h}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(filter) == 0 || filter[0] == "*" || filter[0] == "#" {
		s.wildcard[c] = struct{}{}
	} else {
		set := s.byFirst[filter[0]]
		if set == nil {
			set = map[*simpleConsumer]struct{}{}
			s.byFirst[filter[0]] = set
		}
		set[c] = struct{}{}
	}
	return c
}

// Produce delivers the message to every matching consumer, synchronously.
func (s *Simple) Produce(key Key, body any) {
	var targets []*simpleConsumer
	s.mu.RLock()
	if len(key) > 0 {
		for c := range s.byFirst[key[0]] {
			if Match(c.filter, key) {
				targets = append(targets, c)
			}
		}
	}
	for c := range s.wildcard {
		if Match(c.filter, key) {
			targets = append(targets, c)
		}
	}
	s.mu.RUnlock()
	for _, c := range targets {
		if !c.stopped.Load() {
			c.h(key, body)
		}
	}
}

var _ MQ = (*Simple)(nil)
