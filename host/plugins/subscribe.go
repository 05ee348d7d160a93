package plugins

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/sdk/base"
)

// Subscription tuning.
const (
	replayBatch      = 500   // changes read per query
	maxQueued        = 1000  // events waiting for the plugin before reading pauses
	maxBuildsetNotes = 10000 // buildset notifications waiting before the stream fails
)

// errSubscriptionOverflow ends a subscription whose plugin reads too slowly
// to keep up with buildset events (changes are read from the database at the
// plugin's pace and never overflow).
var errSubscriptionOverflow = errors.New("event subscription overflowed: too many buildset events waiting; subscribe again")

type bsNote struct {
	bsid     int64
	complete bool
}

// subscription streams one instance's events. Changes come from the
// database (replay after the cursor, then again on every changes.*.new
// notification, so commit order and gaps never lose one); buildset events
// are notifications resolved with GetBuildset.
type subscription struct {
	h   *Host
	p   *process
	ref base.Ref
	req base.SubscribeRequest

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}
	cons   []mq.Consumer

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []base.Event
	notes  []bsNote
	err    error
	closed bool
}

func (h *Host) subscribe(ctx context.Context, p *process, ref base.Ref, req base.SubscribeRequest) (base.Subscription, error) {
	if h.mq == nil && (req.Changes || req.Buildsets) {
		return nil, errors.New("the master has no message queue for subscriptions")
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &subscription{h: h, p: p, ref: ref, req: req, ctx: ctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	s.cond = sync.NewCond(&s.mu)
	if req.Changes {
		s.cons = append(s.cons, h.mq.Consume(mq.Key{"changes", "*", "new"}, func(mq.Key, any) { s.signal() }))
	}
	if req.Buildsets {
		s.cons = append(s.cons, h.mq.Consume(mq.Key{"buildsets", "*", "new"}, s.onBuildset(false)))
		s.cons = append(s.cons, h.mq.Consume(mq.Key{"buildsets", "*", "complete"}, s.onBuildset(true)))
	}
	go s.run()
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	return s, nil
}

func (s *subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscription) onBuildset(complete bool) mq.Handler {
	return func(key mq.Key, _ any) {
		if len(key) < 2 {
			return
		}
		bsid, err := strconv.ParseInt(key[1], 10, 64)
		if err != nil {
			return
		}
		s.mu.Lock()
		if len(s.notes) >= maxBuildsetNotes {
			s.failLocked(errSubscriptionOverflow)
		} else {
			s.notes = append(s.notes, bsNote{bsid: bsid, complete: complete})
		}
		s.mu.Unlock()
		s.signal()
	}
}

func (s *subscription) failLocked(err error) {
	if s.err == nil {
		s.err = err
	}
	s.cond.Broadcast()
}

// push queues ev, waiting while the plugin is behind; false when the
// subscription ended.
func (s *subscription) push(ev base.Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) >= maxQueued && s.err == nil && !s.closed && s.ctx.Err() == nil {
		s.cond.Wait()
	}
	if s.err != nil || s.closed || s.ctx.Err() != nil {
		return false
	}
	s.queue = append(s.queue, ev)
	s.cond.Broadcast()
	return true
}

func (s *subscription) run() {
	defer close(s.done)
	fail := func(err error) {
		s.mu.Lock()
		s.failLocked(err)
		s.mu.Unlock()
	}
	cursor := s.req.ChangesAfter
	caughtUp := false
	for {
		if s.req.Changes {
			for {
				changes, err := s.h.svc.ChangesAfter(s.ctx, cursor, replayBatch)
				if err != nil {
					if s.ctx.Err() == nil {
						fail(fmt.Errorf("read changes after %d: %w", cursor, err))
					}
					return
				}
				for i := range changes {
					c := changes[i]
					if c.ChangeID <= cursor {
						continue
					}
					if !s.push(base.Event{Kind: base.EventChange, Change: &c}) {
						return
					}
					cursor = c.ChangeID
				}
				if len(changes) < replayBatch {
					break
				}
			}
		}
		if !caughtUp {
			caughtUp = true
			if !s.push(base.Event{Kind: base.EventCaughtUp}) {
				return
			}
		}
		s.mu.Lock()
		notes := s.notes
		s.notes = nil
		s.mu.Unlock()
		for _, n := range notes {
			bs, ok, err := s.h.svc.GetBuildset(s.ctx, n.bsid)
			if err != nil {
				if s.ctx.Err() == nil {
					fail(fmt.Errorf("read buildset %d: %w", n.bsid, err))
				}
				return
			}
			if !ok {
				continue
			}
			kind := base.EventBuildsetNew
			if n.complete {
				kind = base.EventBuildsetComplete
			}
			b := bs
			if !s.push(base.Event{Kind: kind, Buildset: &b}) {
				return
			}
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
	}
}

// Recv returns the next event; it fails once the instance is no longer
// current in its process (base.ErrStale).
func (s *subscription) Recv() (base.Event, error) {
	s.mu.Lock()
	for len(s.queue) == 0 && s.err == nil && !s.closed && s.ctx.Err() == nil {
		s.cond.Wait()
	}
	if len(s.queue) == 0 {
		err := s.err
		if err == nil {
			err = s.ctx.Err()
		}
		if err == nil {
			err = errors.New("subscription closed")
		}
		s.mu.Unlock()
		return base.Event{}, err
	}
	ev := s.queue[0]
	s.queue = s.queue[1:]
	s.cond.Broadcast()
	s.mu.Unlock()
	release, err := s.p.enter(s.ref)
	if err != nil {
		_ = s.Close()
		return base.Event{}, err
	}
	release()
	return ev, nil
}

// Close ends the subscription and waits for its reader.
func (s *subscription) Close() error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	if already {
		return nil
	}
	for _, c := range s.cons {
		c.Stop()
	}
	s.cancel()
	<-s.done
	return nil
}
