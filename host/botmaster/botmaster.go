package botmaster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bbhost/bbhost/host/botmaster/locks"
	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/host/workers"
	"github.com/hashicorp/go-hclog"
)

// ServiceName is the BotMaster's name in the service tree.
const ServiceName = "botmaster"

// Options configure a BotMaster.
type Options struct {
	Logger  hclog.Logger
	MQ      mq.MQ
	Updates Updates
	Reads   Reads
	// Workers is the WorkerManager; New makes the BotMaster its Listener.
	Workers *workers.Manager
	// Triggerer serves trigger steps (the scheduler manager); may be set
	// later with SetTriggerer.
	Triggerer steps.Triggerer
	// MasterID returns the master's id (known once the master registered).
	MasterID func() int64
	// Seed seeds next_worker "random" (0: random seed).
	Seed uint64
	// Clock returns the time (tests); default time.Now.
	Clock func() time.Time
}

// BotMaster is the service that owns builders, the build request
// distributor and running builds.
type BotMaster struct {
	log      hclog.Logger
	mq       mq.MQ
	updates  Updates
	reads    Reads
	workers  *workers.Manager
	masterID func() int64
	locks    *locks.Registry
	now      func() time.Time
	trig     atomic.Pointer[triggererBox]
	cmdSeq   atomic.Int64

	// mu is the distributor's mutex: builders, their pending requests,
	// WorkerForBuilder states and the dirty set.
	mu       sync.Mutex
	rng      *rand.Rand
	cfg      *config.Config
	builders map[string]*Builder
	byID     map[int64]*Builder
	byWorker map[string][]*Builder
	pending  map[int64]*PendingRequest
	dirty    map[*Builder]struct{}
	dirtyAll bool
	loading  int
	buffered []bufferedEvent
	running  bool
	// accepting is false once a shutdown began: no new builds start.
	accepting bool
	builds    map[*Build]struct{}
	byBuildID map[int64]*Build

	wake      chan struct{}
	ctx       context.Context
	cancel    context.CancelFunc
	loopDone  chan struct{}
	buildsWG  sync.WaitGroup
	consumers []mq.Consumer
}

type triggererBox struct{ t steps.Triggerer }

type bufferedEvent struct {
	event string
	br    *PendingRequest
	brid  int64
}

var (
	_ service.Service                        = (*BotMaster)(nil)
	_ service.Reconfigurable[*config.Config] = (*BotMaster)(nil)
	_ workers.Listener                       = (*BotMaster)(nil)
)

// New returns a stopped BotMaster.
func New(o Options) *BotMaster {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.MasterID == nil {
		o.MasterID = func() int64 { return 0 }
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	bm := &BotMaster{
		log: o.Logger, mq: o.MQ, updates: o.Updates, reads: o.Reads, workers: o.Workers,
		masterID: o.MasterID, now: o.Clock,
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		builders: map[string]*Builder{}, byID: map[int64]*Builder{}, byWorker: map[string][]*Builder{},
		pending: map[int64]*PendingRequest{}, dirty: map[*Builder]struct{}{},
		builds: map[*Build]struct{}{}, byBuildID: map[int64]*Build{},
		wake: make(chan struct{}, 1),
	}
	bm.locks = locks.NewRegistry(bm.MaybeStartBuildsForAllBuilders)
	if o.Triggerer != nil {
		bm.SetTriggerer(o.Triggerer)
	}
	if o.Workers != nil {
		o.Workers.SetListener(bm)
	}
	return bm
}

// Name implements service.Service.
func (bm *BotMaster) Name() string { return ServiceName }

// SetTriggerer sets what trigger steps call (the scheduler manager).
func (bm *BotMaster) SetTriggerer(t steps.Triggerer) { bm.trig.Store(&triggererBox{t}) }

func (bm *BotMaster) triggerer() steps.Triggerer {
	if b := bm.trig.Load(); b != nil {
		return b.t
	}
	return nil
}

// Locks returns the lock registry.
func (bm *BotMaster) Locks() *locks.Registry { return bm.locks }

// Start subscribes to build request and control events and starts the
// distributor. Builders arrive with the first Reconfigure.
func (bm *BotMaster) Start(ctx context.Context) error {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	if bm.running {
		return errors.New("botmaster already running")
	}
	bm.ctx, bm.cancel = context.WithCancel(context.Background())
	bm.running, bm.accepting = true, true
	bm.loopDone = make(chan struct{})
	if bm.mq != nil {
		bm.consumers = append(bm.consumers,
			bm.mq.Consume(mq.Key{"buildrequests", "*", "*"}, bm.onBuildRequestEvent),
			bm.mq.Consume(mq.Key{"control", "builds", "*", "stop"}, bm.onStopEvent))
	}
	go bm.loop()
	return nil
}

// Stop is Buildbot's quick clean shutdown: no new build starts, running
// builds are stopped with RETRY (CANCELLED when a trigger step waits for
// them) and their requests go back to the pool; Stop returns when they
// finished or ctx ends.
func (bm *BotMaster) Stop(ctx context.Context) error {
	bm.mu.Lock()
	if !bm.running {
		bm.mu.Unlock()
		return nil
	}
	bm.accepting = false
	builds := make([]*Build, 0, len(bm.builds))
	for b := range bm.builds {
		builds = append(builds, b)
	}
	bm.mu.Unlock()
	for _, b := range builds {
		res := resultsRetry
		if b.waitedFor() {
			res = resultsCancelled
		}
		b.Stop("Master Shutdown", res)
	}
	err := bm.waitBuilds(ctx)
	for _, c := range bm.consumers {
		c.Stop()
	}
	bm.consumers = nil
	// Abandon what is still running (as Buildbot drops the worker
	// connections after 5 s): commands end as if the connection were lost
	// and the builds finish RETRY.
	bm.cancel()
	<-bm.loopDone
	if err != nil {
		grace, cancel := context.WithTimeout(context.Background(), abandonGrace)
		if bm.waitBuilds(grace) == nil {
			err = nil
		}
		cancel()
	}
	bm.mu.Lock()
	bm.running = false
	bm.mu.Unlock()
	return err
}

// abandonGrace is how long Stop waits for abandoned builds to finish.
const abandonGrace = 5 * time.Second

// CleanShutdown is SIGUSR1's clean shutdown: no new build starts and the
// call returns when every running build finished on its own (or ctx ends).
// The master stops afterwards.
func (bm *BotMaster) CleanShutdown(ctx context.Context) error {
	bm.mu.Lock()
	bm.accepting = false
	bm.mu.Unlock()
	return bm.waitBuilds(ctx)
}

// CancelCleanShutdown lets builds start again.
func (bm *BotMaster) CancelCleanShutdown() {
	bm.mu.Lock()
	bm.accepting = bm.running
	bm.mu.Unlock()
	bm.MaybeStartBuildsForAllBuilders()
}

func (bm *BotMaster) waitBuilds(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		bm.buildsWG.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for running builds: %w", ctx.Err())
	}
}

// RunningBuilds returns the number of running builds.
func (bm *BotMaster) RunningBuilds() int {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	return len(bm.builds)
}

// Builder returns the builder called name, or nil.
func (bm *BotMaster) Builder(name string) *Builder {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	return bm.builders[name]
}

// BuilderNames returns the configured builders' names.
func (bm *BotMaster) BuilderNames() []string {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	out := make([]string, 0, len(bm.builders))
	for n := range bm.builders {
		out = append(out, n)
	}
	return out
}

// Reconfigure applies the builder blocks: builders are diffed by name (a
// kept builder takes its new configuration; its running builds keep their
// old steps), the builder list and changed builder infos are written in
// one bulk update, locks take their new counts, and the distributor looks
// at every builder again. Builders that disappeared are dropped by the
// returned Commit (their running builds go on).
func (bm *BotMaster) Reconfigure(ctx context.Context, cfg *config.Config) (service.Commit, error) {
	bm.mu.Lock()
	old := bm.cfg
	names := make(map[string]*Builder, len(bm.builders))
	for n, b := range bm.builders {
		names[n] = b
	}
	bm.mu.Unlock()

	// Write the builder list only when names or infos changed: the bulk
	// list when builders come or go (or many infos changed), one info
	// update per builder when only a few infos changed.
	sameNames := old != nil && len(cfg.Builders) == len(names)
	var infoChanged []*config.Builder
	for i := range cfg.Builders {
		nb := &cfg.Builders[i]
		b := names[nb.Name]
		if b == nil {
			sameNames = false
			break
		}
		if !sameInfo(b.Config(), nb) {
			infoChanged = append(infoChanged, nb)
		}
	}
	ids := make(map[string]int64, len(cfg.Builders))
	switch {
	case sameNames && len(infoChanged) <= maxSingleInfoUpdates:
		for n, b := range names {
			ids[n] = b.id
		}
		for _, nb := range infoChanged {
			if err := bm.updateBuilderInfo(ctx, ids[nb.Name], nb); err != nil {
				return nil, err
			}
		}
	default:
		specs := make([]db.BuilderSpec, len(cfg.Builders))
		for i := range cfg.Builders {
			specs[i] = builderSpec(&cfg.Builders[i])
		}
		var err error
		ids, err = bm.updates.UpdateBuilderList(ctx, bm.masterID(), specs)
		if err != nil {
			return nil, fmt.Errorf("update builder list: %w", err)
		}
	}

	bm.locks.Configure(cfg.Locks)
	bm.mu.Lock()
	var added []*Builder
	keep := make(map[string]bool, len(cfg.Builders))
	byWorker := make(map[string][]*Builder, len(bm.byWorker))
	var rewire []*Builder // builders whose worker list is new or changed
	for i := range cfg.Builders {
		nb := &cfg.Builders[i]
		keep[nb.Name] = true
		id, ok := ids[nb.Name]
		if !ok {
			bm.mu.Unlock()
			return nil, fmt.Errorf("update builder list: no id for builder %q", nb.Name)
		}
		b := bm.builders[nb.Name]
		if b == nil {
			b = &Builder{name: nb.Name, id: id, building: map[*Build]struct{}{}}
			b.cfg.Store(nb)
			bm.builders[nb.Name] = b
			bm.byID[id] = b
			added = append(added, b)
			rewire = append(rewire, b)
		} else {
			if !slices.Equal(b.Config().Workers, nb.Workers) {
				rewire = append(rewire, b)
			}
			b.cfg.Store(nb)
			b.removed = false
		}
		for _, w := range nb.Workers {
			byWorker[w] = append(byWorker[w], b)
		}
	}
	bm.byWorker = byWorker
	bm.cfg = cfg
	// Detach workers a builder no longer lists; attach connected workers it
	// now lists.
	for _, b := range rewire {
		c := b.Config()
		for i := 0; i < len(b.wfbs); {
			if !listsWorker(c, b.wfbs[i].worker.Name()) {
				b.wfbs = append(b.wfbs[:i], b.wfbs[i+1:]...)
				continue
			}
			i++
		}
		if bm.workers != nil {
			for _, wn := range c.Workers {
				if w := bm.workers.Worker(wn); w != nil && w.Connected() {
					b.attach(w)
				}
			}
		}
	}
	if len(added) > 0 {
		bm.loading++
	}
	bm.mu.Unlock()

	if len(added) > 0 {
		if err := bm.loadPending(ctx, added); err != nil {
			bm.log.Error("loading pending build requests", "error", err)
		}
	}
	bm.MaybeStartBuildsForAllBuilders()
	return func(context.Context) {
		bm.mu.Lock()
		defer bm.mu.Unlock()
		if bm.cfg != cfg {
			return // superseded by a later (rollback) Reconfigure
		}
		for n, b := range bm.builders {
			if keep[n] {
				continue
			}
			b.removed = true
			for _, r := range b.pending.reqs {
				delete(bm.pending, r.BRID)
			}
			b.pending = pendingList{}
			b.wfbs = nil
			delete(bm.builders, n)
			if bm.byID[b.id] == b {
				delete(bm.byID, b.id)
			}
		}
	}, nil
}

// maxSingleInfoUpdates is how many changed builder infos are written one by
// one before the bulk builder list is cheaper.
const maxSingleInfoUpdates = 50

// updateBuilderInfo writes one builder's description, tags and project.
func (bm *BotMaster) updateBuilderInfo(ctx context.Context, id int64, b *config.Builder) error {
	spec := builderSpec(b)
	info := db.BuilderInfo{Description: spec.Description, Tags: spec.Tags}
	if b.Project != "" {
		pid, err := bm.updates.FindProjectID(ctx, b.Project)
		if err != nil {
			return fmt.Errorf("builder %s project: %w", b.Name, err)
		}
		info.ProjectID = &pid
	}
	if err := bm.updates.UpdateBuilderInfo(ctx, id, info); err != nil {
		return fmt.Errorf("builder %s: %w", b.Name, err)
	}
	return nil
}

func sameInfo(a, b *config.Builder) bool {
	if a.Description != b.Description || a.Project != b.Project || len(a.Tags) != len(b.Tags) {
		return false
	}
	for i := range a.Tags {
		if a.Tags[i] != b.Tags[i] {
			return false
		}
	}
	return true
}

func builderSpec(b *config.Builder) db.BuilderSpec {
	s := db.BuilderSpec{Name: b.Name, Tags: b.Tags, Project: b.Project}
	if b.Description != "" {
		d := b.Description
		s.Description = &d
	}
	return s
}

// loadPending reads the pending requests of new builders (one query) and
// merges the events that arrived meanwhile.
func (bm *BotMaster) loadPending(ctx context.Context, added []*Builder) error {
	ids := make([]int64, len(added))
	for i, b := range added {
		ids[i] = b.id
	}
	reqs, err := bm.reads.PendingRequests(ctx, ids)
	bm.mu.Lock()
	defer bm.mu.Unlock()
	if err == nil {
		for i := range reqs {
			r := reqs[i]
			bm.addPendingLocked(&r)
		}
	}
	bm.loading--
	if bm.loading == 0 {
		buf := bm.buffered
		bm.buffered = nil
		for _, e := range buf {
			bm.applyEventLocked(e)
		}
	}
	if err != nil {
		return fmt.Errorf("pending requests of %d builders: %w", len(ids), err)
	}
	return nil
}

// addPendingLocked adds a pending request of one of our builders.
func (bm *BotMaster) addPendingLocked(r *PendingRequest) {
	b := bm.byID[r.BuilderID]
	if b == nil || b.removed {
		return
	}
	if _, ok := bm.pending[r.BRID]; ok {
		return
	}
	bm.pending[r.BRID] = r
	b.pending.add(r)
	bm.markDirtyLocked(b)
}

func (bm *BotMaster) removePendingLocked(brid int64) *PendingRequest {
	r := bm.pending[brid]
	if r == nil {
		return nil
	}
	delete(bm.pending, brid)
	if b := bm.byID[r.BuilderID]; b != nil {
		b.pending.remove(r)
	}
	return r
}

func (bm *BotMaster) markDirtyLocked(b *Builder) {
	bm.dirty[b] = struct{}{}
	select {
	case bm.wake <- struct{}{}:
	default:
	}
}

// MaybeStartBuildsForBuilder asks the distributor to look at one builder.
func (bm *BotMaster) MaybeStartBuildsForBuilder(name string) {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	if b := bm.builders[name]; b != nil {
		bm.markDirtyLocked(b)
	}
}

// MaybeStartBuildsForAllBuilders asks the distributor to look at every
// builder that has pending requests (after a reconfig or a lock release).
func (bm *BotMaster) MaybeStartBuildsForAllBuilders() {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	bm.dirtyAll = true
	select {
	case bm.wake <- struct{}{}:
	default:
	}
}

// maybeStartBuildsForWorkerLocked marks the builders of a worker that have
// pending requests.
func (bm *BotMaster) maybeStartBuildsForWorkerLocked(name string) {
	for _, b := range bm.byWorker[name] {
		if b.pending.len() > 0 {
			bm.markDirtyLocked(b)
		}
	}
}

// WorkerAttached implements workers.Listener: the worker is attached to the
// builders that list it.
func (bm *BotMaster) WorkerAttached(w *workers.Worker) {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	for _, b := range bm.byWorker[w.Name()] {
		b.attach(w)
	}
	bm.maybeStartBuildsForWorkerLocked(w.Name())
}

// WorkerDetached implements workers.Listener. Running builds notice the
// lost connection themselves and end RETRY.
func (bm *BotMaster) WorkerDetached(w *workers.Worker) {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	for _, b := range bm.byWorker[w.Name()] {
		b.detach(w)
	}
}

// WorkerAvailable implements workers.Listener.
func (bm *BotMaster) WorkerAvailable(w *workers.Worker) {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	bm.maybeStartBuildsForWorkerLocked(w.Name())
}

// BuilderIDsForWorker implements workers.Listener.
func (bm *BotMaster) BuilderIDsForWorker(name string) []int64 {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	bs := bm.byWorker[name]
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b.id
	}
	return out
}
