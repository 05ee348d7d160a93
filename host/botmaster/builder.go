package botmaster

import (
	"sync/atomic"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/workers"
)

// Builder is one configured builder (Buildbot's process/builder.py): its
// configuration (swapped on reconfig; running builds keep the one they
// started with), its id, the workers attached to it, and its pending
// requests and running builds. Fields below cfg are guarded by the
// BotMaster's mutex.
type Builder struct {
	name string
	id   int64
	cfg  atomic.Pointer[config.Builder]

	pending  pendingList
	wfbs     []*workerForBuilder
	building map[*Build]struct{}
	removed  bool
}

// Name returns the builder's name.
func (b *Builder) Name() string { return b.name }

// ID returns the builder's id.
func (b *Builder) ID() int64 { return b.id }

// Config returns the builder's current configuration.
func (b *Builder) Config() *config.Builder { return b.cfg.Load() }

// wfbState is a WorkerForBuilder's state.
type wfbState uint8

const (
	wfbIdle wfbState = iota
	wfbBuilding
)

// workerForBuilder is Buildbot's WorkerForBuilder: a worker attached to a
// builder. A worker runs at most one build of a given builder at a time.
type workerForBuilder struct {
	builder *Builder
	worker  *workers.Worker
	state   wfbState
}

// findWFB returns the builder's WorkerForBuilder of a worker; mutex held.
func (b *Builder) findWFB(w *workers.Worker) *workerForBuilder {
	for _, x := range b.wfbs {
		if x.worker == w {
			return x
		}
	}
	return nil
}

// attach adds a WorkerForBuilder, keeping the order of the builder's
// workers list (next_worker "first" picks in that order); mutex held.
func (b *Builder) attach(w *workers.Worker) bool {
	if b.findWFB(w) != nil {
		return false
	}
	wfb := &workerForBuilder{builder: b, worker: w}
	pos := map[string]int{}
	for i, n := range b.Config().Workers {
		pos[n] = i
	}
	i := len(b.wfbs)
	for j, x := range b.wfbs {
		if pos[x.worker.Name()] > pos[w.Name()] {
			i = j
			break
		}
	}
	b.wfbs = append(b.wfbs, nil)
	copy(b.wfbs[i+1:], b.wfbs[i:])
	b.wfbs[i] = wfb
	return true
}

// detach removes a worker's WorkerForBuilder; mutex held.
func (b *Builder) detach(w *workers.Worker) {
	for i, x := range b.wfbs {
		if x.worker == w {
			b.wfbs = append(b.wfbs[:i], b.wfbs[i+1:]...)
			return
		}
	}
}

// lists reports whether the builder's configuration lists a worker.
func listsWorker(cfg *config.Builder, name string) bool {
	for _, n := range cfg.Workers {
		if n == name {
			return true
		}
	}
	return false
}
