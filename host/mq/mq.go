// Package mq owns the master's events, after Buildbot's mq: messages are
// published under routing keys such as ('builds', '12', 'new') and delivered to
// every consumer whose filter matches. A filter element "*" matches exactly one
// key element and "#" matches any number of elements (zero or more).
//
// The in-process implementation (Simple) delivers synchronously, in produce
// order, on the producer's goroutine; a handler must not block. Consumers that
// need to do slow work (a websocket client) use a Queue, which buffers and
// reports an overflow instead of stalling producers.
package mq

import (
	"strings"
)

// Key is a routing key: ('builds', '12', 'new') is Key{"builds", "12", "new"}.
type Key []string

// String joins the elements with '.', as Buildbot's logs show keys.
func (k Key) String() string { return strings.Join(k, ".") }

// Path joins the elements with '/', as the websocket protocol names keys.
func (k Key) Path() string { return strings.Join(k, "/") }

// ParseKey splits a dotted key or a slash-separated path.
func ParseKey(s string) Key {
	if strings.Contains(s, "/") {
		return Key(strings.Split(s, "/"))
	}
	return Key(strings.Split(s, "."))
}

// Message is one event: its routing key and its body (an entity struct or a
// map, serialisable to JSON).
type Message struct {
	Key  Key
	Body any
}

// Handler receives messages; it runs on the producer's goroutine.
type Handler func(key Key, body any)

// Consumer is a subscription. Stop ends it (idempotent): no delivery starts
// after Stop returns, though one already running on another goroutine may
// still finish.
type Consumer interface {
	Stop()
}

// MQ is what producers and consumers need of the message queue.
type MQ interface {
	Produce(key Key, body any)
	Consume(filter Key, h Handler) Consumer
}

// Match reports whether key matches filter.
func Match(filter, key Key) bool {
	for i, f := range filter {
		if f == "#" {
			rest := filter[i+1:]
			for j := i; j <= len(key); j++ {
				if Match(rest, key[j:]) {
					return true
				}
			}
			return false
		}
		if i >= len(key) {
			return false
		}
		if f != "*" && f != key[i] {
			return false
		}
	}
	return len(filter) == len(key)
}
