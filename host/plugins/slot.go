package plugins

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
)

// slot is one plugin binary name: its current process (restarted after a
// crash), a staged process for a newer binary during a reconfiguration,
// the previous process after a hot swap until the reconfiguration commits,
// and the instances that run on it.
type slot struct {
	h    *Host
	name string

	startMu sync.Mutex // one process start at a time

	mu         sync.Mutex
	bin        Binary
	proc       *process
	staged     *process
	prev       *process
	members    map[base.ID]*Instance
	restarting bool
	failures   int
}

func (s *slot) allProcesses() []*process {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*process
	for _, p := range []*process{s.proc, s.staged, s.prev} {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// current returns the live process, or nil while it is down.
func (s *slot) current() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && s.proc.alive() {
		return s.proc
	}
	return nil
}

// processFor returns a live process running bin: the current one, the
// staged one, or a new one (current when the slot has none, else staged).
func (s *slot) processFor(ctx context.Context, bin Binary) (*process, error) {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	s.mu.Lock()
	if s.proc != nil && s.proc.alive() && s.proc.bin.SHA256 == bin.SHA256 {
		p := s.proc
		s.mu.Unlock()
		return p, nil
	}
	if s.staged != nil && s.staged.alive() && s.staged.bin.SHA256 == bin.SHA256 {
		p := s.staged
		s.mu.Unlock()
		return p, nil
	}
	if s.proc == nil && s.restarting && s.bin.SHA256 == bin.SHA256 {
		s.mu.Unlock()
		return nil, fmt.Errorf("plugin %q is being restarted after a crash", s.name)
	}
	s.mu.Unlock()
	p, err := s.h.startProcess(ctx, bin)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	var stale *process
	if s.proc == nil && !s.restarting {
		s.proc, s.bin = p, bin
	} else {
		stale, s.staged = s.staged, p
	}
	s.mu.Unlock()
	if stale != nil {
		stale.kill(time.Now())
	}
	return p, nil
}

func (s *slot) addMember(i *Instance) {
	s.mu.Lock()
	s.members[i.id] = i
	s.mu.Unlock()
}

func (s *slot) removeMember(i *Instance) {
	s.mu.Lock()
	if s.members[i.id] == i {
		delete(s.members, i.id)
	}
	s.mu.Unlock()
}

func (s *slot) memberList() []*Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Instance, 0, len(s.members))
	for _, m := range s.members {
		out = append(out, m)
	}
	return out
}

// backoff returns the delay before restart attempt n (1-based).
func (h *Host) backoff(n int) time.Duration {
	d := h.opts.RestartBackoff
	for i := 1; i < n && d < h.opts.MaxRestartBackoff; i++ {
		d *= 2
	}
	if d > h.opts.MaxRestartBackoff {
		d = h.opts.MaxRestartBackoff
	}
	return d
}

// crashed handles the unexpected end of p: its instances go down and the
// slot restarts the plugin with backoff.
func (h *Host) crashed(p *process, reason error) {
	h.metrics.crashes.WithLabelValues(p.bin.Name).Inc()
	s := h.slot(p.bin.Name)
	s.mu.Lock()
	switch p {
	case s.staged:
		s.staged = nil
	case s.prev:
		s.prev = nil
	}
	if s.proc != p {
		s.mu.Unlock()
		p.log.Error("plugin process ended unexpectedly", "reason", reason, "pid", p.pid)
		return
	}
	s.proc = nil
	if time.Since(p.startedAt) >= h.opts.BackoffReset {
		s.failures = 0
	}
	s.failures++
	attempt := s.failures
	members := make([]*Instance, 0, len(s.members))
	for _, m := range s.members {
		members = append(members, m)
	}
	start := !s.restarting && !h.isStopped()
	if start {
		s.restarting = true
		h.wg.Add(1)
	}
	s.mu.Unlock()
	p.log.Error("plugin crashed; restarting", "reason", reason, "pid", p.pid, "instances", len(members),
		"uptime", time.Since(p.startedAt).Round(time.Millisecond), "restart_in", h.backoff(attempt))
	for _, m := range members {
		m.down(p, reason)
	}
	if start {
		go s.restartLoop(attempt)
	}
}

// restartLoop starts the slot's binary again, waiting longer after each
// failure, then brings its instances back.
func (s *slot) restartLoop(attempt int) {
	h := s.h
	defer h.wg.Done()
	for ; ; attempt++ {
		delay := h.backoff(attempt)
		select {
		case <-h.stopCh:
			s.mu.Lock()
			s.restarting = false
			s.mu.Unlock()
			return
		case <-time.After(delay):
		}
		s.mu.Lock()
		bin := s.bin
		if s.proc != nil { // a reconfiguration installed a process meanwhile
			s.restarting = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), h.opts.StartTimeout)
		s.startMu.Lock()
		p, err := h.startProcess(ctx, bin)
		s.startMu.Unlock()
		cancel()
		if err != nil {
			h.log.Error("plugin restart failed", "plugin", s.name, "attempt", attempt, "error", err, "retry_in", h.backoff(attempt+1))
			continue
		}
		s.mu.Lock()
		if h.isStopped() || s.proc != nil {
			s.restarting = false
			s.mu.Unlock()
			p.kill(time.Now())
			return
		}
		s.proc, s.restarting = p, false
		members := make([]*Instance, 0, len(s.members))
		for _, m := range s.members {
			members = append(members, m)
		}
		s.mu.Unlock()
		h.metrics.restarts.WithLabelValues(s.name).Inc()
		p.log.Info("plugin restarted after a crash", "attempt", attempt, "pid", p.pid, "instances", len(members))
		for _, m := range members {
			rctx, cancel := h.callCtx(context.Background())
			if err := m.revive(rctx, p); err != nil {
				p.log.Error("instance did not come back after the restart", "instance", m.id.Name, "type", m.id.Type, "error", err)
			}
			cancel()
		}
		return
	}
}
