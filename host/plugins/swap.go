package plugins

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/worker"
)

// pendingSwap records the hot swaps of a reconfiguration until it commits
// (the old processes are stopped) or rolls back (the instances move back).
type pendingSwap struct {
	swaps []*swapped
}

type swapped struct {
	s        *slot
	old, new *process
	moved    []*Instance
	drains   sync.WaitGroup // worker commands still running in old
}

// Reconfigure swaps plugin binaries that changed (Caddy's order: start and
// configure the new process, move the instances, stop the old process at
// commit) and applies the plugin workers. Called again before the returned
// Commit ran, it rolls the previous call back.
func (h *Host) Reconfigure(ctx context.Context, cfg *config.Config) (service.Commit, error) {
	h.mu.Lock()
	pending := h.pending
	h.pending = nil
	h.mu.Unlock()
	if pending != nil {
		h.rollback(ctx, pending)
		wc, err := h.workers.Reconfigure(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) { wc(ctx); h.killStaged() }, nil
	}
	h.catalog.SetPins(cfg.Plugins)
	idx := h.refreshIndex(ctx)
	ps, err := h.swapAll(ctx, idx)
	if err != nil {
		h.killStaged()
		return nil, err
	}
	wc, err := h.workers.Reconfigure(ctx, cfg)
	if err != nil {
		h.rollback(ctx, ps)
		h.killStaged()
		return nil, err
	}
	h.mu.Lock()
	h.pending = ps
	h.mu.Unlock()
	return func(ctx context.Context) {
		wc(ctx)
		h.mu.Lock()
		if h.pending == ps {
			h.pending = nil
		}
		h.mu.Unlock()
		h.commitSwaps(ps)
		h.killStaged()
	}, nil
}

// killStaged stops processes started for a binary that did not become
// current (a validation or a reconfiguration that was abandoned).
func (h *Host) killStaged() {
	h.mu.Lock()
	slots := make([]*slot, 0, len(h.slots))
	for _, s := range h.slots {
		slots = append(slots, s)
	}
	h.mu.Unlock()
	for _, s := range slots {
		s.mu.Lock()
		p := s.staged
		s.staged = nil
		s.mu.Unlock()
		if p != nil {
			p.kill(time.Now())
		}
	}
}

func (h *Host) swapAll(ctx context.Context, idx *kindIndex) (*pendingSwap, error) {
	h.mu.Lock()
	slots := make([]*slot, 0, len(h.slots))
	for _, s := range h.slots {
		slots = append(slots, s)
	}
	h.mu.Unlock()
	sort.Slice(slots, func(i, j int) bool { return slots[i].name < slots[j].name })
	ps := &pendingSwap{}
	for _, s := range slots {
		newBin, ok := idx.bins[s.name]
		s.mu.Lock()
		cur, proc := s.bin, s.proc
		if ok && proc == nil && cur.SHA256 != newBin.SHA256 {
			s.bin = newBin // a restart in progress picks up the new binary
		}
		s.mu.Unlock()
		if !ok {
			if proc != nil {
				h.log.Warn("plugin binary is gone; its running process stays", "plugin", s.name)
			}
			continue
		}
		if proc == nil || cur.SHA256 == newBin.SHA256 {
			continue
		}
		sw, err := h.swapSlot(ctx, s, proc, newBin)
		if err != nil {
			h.rollback(ctx, ps)
			return nil, err
		}
		ps.swaps = append(ps.swaps, sw)
	}
	return ps, nil
}

type move struct {
	i   *Instance
	hd  base.Component
	ref base.Ref
}

// swapSlot moves the running instances of s from old to a process of
// newBin. On error nothing has moved.
func (h *Host) swapSlot(ctx context.Context, s *slot, old *process, newBin Binary) (*swapped, error) {
	started := time.Now()
	newp, err := s.processFor(ctx, newBin)
	if err != nil {
		return nil, fmt.Errorf("hot swap of plugin %q: %w", s.name, err)
	}
	members := s.memberList()
	sort.Slice(members, func(a, b int) bool {
		if members[a].id.Type != members[b].id.Type {
			return members[a].id.Type < members[b].id.Type
		}
		return members[a].id.Name < members[b].id.Name
	})
	// Hold every moving instance for the whole swap.
	var moving []*Instance
	for _, m := range members {
		m.mu.Lock()
		if m.proc == old && m.handle != nil {
			moving = append(moving, m)
			continue
		}
		m.mu.Unlock()
	}
	defer func() {
		for _, m := range moving {
			m.mu.Unlock()
		}
	}()

	// Validate and configure everything in the new process first.
	var prepared []move
	undo := func() {
		for _, mv := range prepared {
			cctx, cancel := h.callCtx(ctx)
			_ = mv.hd.Stop(cctx, time.Now())
			cancel()
			newp.unbind(mv.i.id)
		}
	}
	for _, m := range moving {
		if ci, ok := newp.component(m.id.Type, m.block.Kind); ok {
			val, err := m.value()
			if err == nil {
				var diags base.Diagnostics
				cctx, cancel := h.callCtx(ctx)
				diags, err = validateIn(cctx, newp, m.refLocked(), ci.Schema, val, m.common())
				cancel()
				if err == nil && diags.HasErrors() {
					err = diags.Err()
				}
			}
			if err != nil {
				undo()
				return nil, fmt.Errorf("hot swap of plugin %q: the new binary rejects %s %q: %w", s.name, m.id.Type, m.id.Name, err)
			}
		}
		hd, ref, err := m.configureInLocked(ctx, newp)
		if err != nil {
			undo()
			return nil, fmt.Errorf("hot swap of plugin %q: %w", s.name, err)
		}
		prepared = append(prepared, move{i: m, hd: hd, ref: ref})
	}

	// Switch, instance by instance.
	sw := &swapped{s: s, old: old, new: newp}
	for n, mv := range prepared {
		if err := h.switchInstance(ctx, sw, mv); err != nil {
			prepared = prepared[n:]
			undo()
			h.rollbackSwap(ctx, sw, true)
			return nil, fmt.Errorf("hot swap of plugin %q: %w", s.name, err)
		}
		sw.moved = append(sw.moved, mv.i)
	}
	s.mu.Lock()
	s.prev, s.proc, s.bin = old, newp, newBin
	if s.staged == newp {
		s.staged = nil
	}
	s.mu.Unlock()
	h.metrics.swaps.WithLabelValues(s.name).Inc()
	newp.log.Info("plugin binary swapped", "old_sha256", old.bin.SHA256, "new_sha256", newBin.SHA256,
		"instances", len(sw.moved), "took", time.Since(started).Round(time.Millisecond))
	return sw, nil
}

// switchInstance hands one instance over from the old process to the new
// one. Change sources, schedulers and user managers are never live twice:
// the old instance drains and stops, then the new one starts. A worker's new
// instance starts first and takes new commands at once; the old one stops
// once its running commands finish (or the drain deadline passes).
func (h *Host) switchInstance(ctx context.Context, sw *swapped, mv move) error {
	m := mv.i
	oldHd := m.handle
	cctx, cancel := h.callCtx(ctx)
	defer cancel()
	if m.wconn != nil {
		if err := mv.hd.Start(cctx); err != nil {
			return fmt.Errorf("start %s in the new process: %w", mv.ref, err)
		}
		m.proc.instances.Add(-1)
		m.proc, m.handle = sw.new, mv.hd
		sw.new.instances.Add(1)
		m.wconn.set(mv.hd.(worker.Instance))
		m.notifyLocked()
		old := oldHd.(worker.Instance)
		deadline := h.drainDeadline(ctx)
		sw.drains.Add(1)
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			defer sw.drains.Done()
			dctx, cancel := context.WithDeadline(context.Background(), deadline)
			if err := m.wconn.drain(dctx, old); err != nil {
				h.log.Warn("worker commands still running in the old plugin process at the drain deadline", "worker", m.id.Name)
			}
			cancel()
			sctx, cancel := h.callCtx(context.Background())
			_ = old.Stop(sctx, time.Now())
			cancel()
			sw.old.unbind(m.id)
		}()
		return nil
	}
	pause := time.Now()
	if err := oldHd.Stop(cctx, h.drainDeadline(ctx)); err != nil {
		h.log.Warn("stopping the old instance for a hot swap", "instance", m.id.Name, "error", err)
	}
	sw.old.unbind(m.id)
	m.proc.instances.Add(-1)
	m.proc, m.handle = nil, nil
	if err := mv.hd.Start(cctx); err != nil {
		// Bring it back in the old process.
		if err2 := m.bringUpLocked(ctx, sw.old); err2 != nil {
			return errors.Join(fmt.Errorf("start %s in the new process: %w", mv.ref, err), fmt.Errorf("restart in the old process: %w", err2))
		}
		return fmt.Errorf("start %s in the new process: %w", mv.ref, err)
	}
	m.proc, m.handle = sw.new, mv.hd
	sw.new.instances.Add(1)
	m.notifyLocked()
	h.log.Debug("instance moved to the new plugin process", "instance", m.id.Name, "type", m.id.Type, "pause", time.Since(pause))
	return nil
}

// rollback undoes the swaps of ps (the instances go back to the old
// processes, which are still running until commit).
func (h *Host) rollback(ctx context.Context, ps *pendingSwap) {
	for n := len(ps.swaps) - 1; n >= 0; n-- {
		h.rollbackSwap(ctx, ps.swaps[n], false)
	}
}

func (h *Host) rollbackSwap(ctx context.Context, sw *swapped, locked bool) {
	for _, m := range sw.moved {
		if !locked {
			m.mu.Lock()
		}
		if m.proc == sw.new {
			if err := m.stopHandleLocked(ctx); err != nil {
				h.log.Warn("rolling back a hot swap: stopping in the new process", "instance", m.id.Name, "error", err)
			}
			if m.want {
				if err := m.bringUpLocked(ctx, sw.old); err != nil {
					h.log.Error("rolling back a hot swap: the instance did not come back in the old process", "instance", m.id.Name, "error", err)
				}
			}
		}
		if !locked {
			m.mu.Unlock()
		}
	}
	s := sw.s
	s.mu.Lock()
	if s.proc == sw.new {
		s.proc, s.bin, s.prev = sw.old, sw.old.bin, nil
	}
	if s.staged == sw.new {
		s.staged = nil
	}
	s.mu.Unlock()
	sw.new.kill(time.Now())
}

// commitSwaps stops the old processes once their workers' commands are
// done.
func (h *Host) commitSwaps(ps *pendingSwap) {
	for _, sw := range ps.swaps {
		sw := sw
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			sw.drains.Wait()
			sw.s.mu.Lock()
			if sw.s.prev == sw.old {
				sw.s.prev = nil
			}
			sw.s.mu.Unlock()
			sw.old.kill(time.Now().Add(h.opts.DrainTimeout))
		}()
	}
}
