package plugins

import (
	"context"

	"github.com/bbhost/bbhost/sdk/base"
	"sort"
	"time"
)

// ProcessInfo describes a running plugin process.
type ProcessInfo struct {
	Plugin    string
	PID       int
	Version   string
	SHA256    string
	Path      string
	StartedAt time.Time
	Instances int
	// Role is "current", "staged" (started for a newer binary, not yet
	// swapped in) or "previous" (replaced, stopping).
	Role string
}

// Processes lists the live plugin processes.
func (h *Host) Processes() []ProcessInfo {
	h.mu.Lock()
	slots := make([]*slot, 0, len(h.slots))
	for _, s := range h.slots {
		slots = append(slots, s)
	}
	h.mu.Unlock()
	var out []ProcessInfo
	for _, s := range slots {
		s.mu.Lock()
		for _, x := range []struct {
			p    *process
			role string
		}{{s.proc, "current"}, {s.staged, "staged"}, {s.prev, "previous"}} {
			if x.p == nil || !x.p.alive() {
				continue
			}
			out = append(out, ProcessInfo{Plugin: s.name, PID: x.p.pid, Version: x.p.info.Version, SHA256: x.p.bin.SHA256,
				Path: x.p.bin.Path, StartedAt: x.p.startedAt, Instances: int(x.p.instances.Load()), Role: x.role})
		}
		s.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Plugin != out[j].Plugin {
			return out[i].Plugin < out[j].Plugin
		}
		return out[i].StartedAt.Before(out[j].StartedAt)
	})
	return out
}

// DescribePlugin returns what the plugin called name says about itself
// over gRPC (schemas included) and its binary, starting it when needed.
func (h *Host) DescribePlugin(ctx context.Context, name string) (base.PluginInfo, Binary, error) {
	bin, err := h.catalog.Find(name)
	if err != nil {
		return base.PluginInfo{}, Binary{}, err
	}
	p, err := h.slot(name).processFor(ctx, bin)
	if err != nil {
		return base.PluginInfo{}, bin, err
	}
	return p.info, bin, nil
}
