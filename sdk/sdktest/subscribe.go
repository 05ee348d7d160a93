package sdktest

import (
	"context"
	"errors"
	"sync"

	"github.com/bbhost/bbhost/sdk/base"
)

type subscription struct {
	m   *Master
	req base.SubscribeRequest
	ctx context.Context

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []base.Event
	closed bool
	stop   func() bool
}

// Subscribe replays the stored changes after the cursor, then streams live
// events.
func (m *Master) Subscribe(ctx context.Context, ref base.Ref, req base.SubscribeRequest) (base.Subscription, error) {
	s := &subscription{m: m, req: req, ctx: ctx}
	s.cond = sync.NewCond(&s.mu)
	m.mu.Lock()
	if err := m.checkLocked(ref); err != nil {
		m.mu.Unlock()
		return nil, err
	}
	if req.Changes {
		for i := range m.changes {
			if m.changes[i].ChangeID > req.ChangesAfter {
				c := m.changes[i]
				s.queue = append(s.queue, base.Event{Kind: base.EventChange, Change: &c})
			}
		}
	}
	s.queue = append(s.queue, base.Event{Kind: base.EventCaughtUp})
	m.subs[s] = struct{}{}
	m.mu.Unlock()
	s.stop = context.AfterFunc(ctx, func() { _ = s.Close() })
	return s, nil
}

func (m *Master) publishLocked(ev base.Event) {
	for s := range m.subs {
		if ev.Kind == base.EventChange && !s.req.Changes {
			continue
		}
		if (ev.Kind == base.EventBuildsetNew || ev.Kind == base.EventBuildsetComplete) && !s.req.Buildsets {
			continue
		}
		s.push(ev)
	}
}

func (s *subscription) push(ev base.Event) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	s.cond.Broadcast()
}

func (s *subscription) Recv() (base.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) == 0 && !s.closed {
		s.cond.Wait()
	}
	if s.closed {
		if err := s.ctx.Err(); err != nil {
			return base.Event{}, err
		}
		return base.Event{}, errors.New("subscription closed")
	}
	ev := s.queue[0]
	s.queue = s.queue[1:]
	return ev, nil
}

func (s *subscription) Close() error {
	s.m.mu.Lock()
	delete(s.m.subs, s)
	s.m.mu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Broadcast()
	return nil
}
