package mq

import "sync"

// Queue is a buffered consumer for handlers that must not run on the
// producer's goroutine. Messages wait in order until Next takes them; when more
// than Limit are waiting the queue stops consuming and reports Overflowed, so a
// slow client costs bounded memory and is told it lost events.
type Queue struct {
	cons    Consumer
	mu      sync.Mutex
	buf     []Message
	limit   int
	signal  chan struct{}
	closed  bool
	overflo bool
}

// NewQueue consumes filter from m into a queue holding at most limit messages.
func NewQueue(m MQ, filter Key, limit int) *Queue {
	q := &Queue{limit: limit, signal: make(chan struct{}, 1)}
	q.cons = m.Consume(filter, q.push)
	return q
}

func (q *Queue) push(key Key, body any) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	if len(q.buf) >= q.limit {
		q.overflo = true
		q.closed = true
		q.mu.Unlock()
		go q.cons.Stop()
		q.wake()
		return
	}
	q.buf = append(q.buf, Message{Key: key, Body: body})
	q.mu.Unlock()
	q.wake()
}

func (q *Queue) wake() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// Ready is signalled whenever messages may be waiting or the queue closed.
func (q *Queue) Ready() <-chan struct{} { return q.signal }

// Drain returns the waiting messages (possibly none) and whether the queue is
// still open.
func (q *Queue) Drain() ([]Message, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	msgs := q.buf
	q.buf = nil
	return msgs, !q.closed
}

// Overflowed reports whether the queue closed because its limit was reached.
func (q *Queue) Overflowed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.overflo
}

// Close stops consuming.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cons.Stop()
	q.wake()
}
