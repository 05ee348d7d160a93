package botmaster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/botmaster/locks"
	"github.com/bbhost/bbhost/host/botmaster/properties"
	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/host/workers"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
)

const (
	resultsRetry     = results.Retry
	resultsCancelled = results.Cancelled
)

// Build is one running build (Buildbot's process/build.py): it owns its
// goroutine, its properties and its steps, and reports through the data
// layer.
type Build struct {
	bm      *BotMaster
	builder *Builder
	cfg     *config.Builder
	wfb     *workerForBuilder
	worker  *workers.Worker
	req     *PendingRequest
	brids   []int64
	log     hclog.Logger
	ctx     context.Context
	basedir string
	logEnc  string

	details *RequestDetails
	props   *properties.Properties
	sources []steps.SourceStamp
	buildID int64
	number  int64
	prepID  int64
	windows bool

	// cmdCtx ends (cmdCancel) when the connection is lost: running remote
	// commands are abandoned.
	cmdCtx    context.Context
	cmdCancel context.CancelFunc

	// lost is closed when the worker's connection is lost.
	lost <-chan struct{}

	mu          sync.Mutex
	lostHandled bool
	conn        worker.Conn
	info        worker.Info
	stopped     bool
	stopReason  *string
	stopResults int
	results     int
	terminate   bool
	finished    bool
	text        []string
	current     *buildStep
	lockWait    context.CancelFunc
	buildLocks  []locks.Claim
	stepNames   map[string]int
	done        chan struct{}
}

// startBuild creates the build of a claimed request on a reserved worker
// and runs it on its own goroutine (Buildbot's Builder._startBuildFor).
func (bm *BotMaster) startBuild(b *Builder, cfg *config.Builder, wfb *workerForBuilder, req *PendingRequest) {
	bm.mu.Lock()
	basedir := ""
	logEnc := ""
	if bm.cfg != nil {
		basedir = bm.cfg.Master.Basedir
		logEnc = bm.cfg.Master.LogEncoding
	}
	bld := &Build{
		bm: bm, builder: b, cfg: cfg, wfb: wfb, worker: wfb.worker, req: req, brids: []int64{req.BRID},
		log: bm.log.With("builder", b.name, "buildrequest", req.BRID), ctx: bm.ctx,
		basedir: basedir, logEnc: logEnc, stepNames: map[string]int{}, done: make(chan struct{}),
	}
	bld.cmdCtx, bld.cmdCancel = context.WithCancel(bm.ctx)
	if !bm.accepting {
		// Claimed while a shutdown began: the build gives its request back.
		reason := "Master Shutdown"
		bld.stopped, bld.stopReason, bld.stopResults, bld.results = true, &reason, results.Retry, results.Retry
	}
	bm.builds[bld] = struct{}{}
	b.building[bld] = struct{}{}
	bm.buildsWG.Add(1)
	bm.mu.Unlock()
	go bld.run()
}

// BuildID returns the build's id (0 until it is added).
func (b *Build) BuildID() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buildID
}

func (b *Build) waitedFor() bool {
	return b.details != nil && b.details.WaitedFor
}

func (b *Build) setState(s string) {
	if err := b.bm.updates.SetBuildStateString(b.ctx, b.buildID, s); err != nil {
		b.log.Error("setting build state", "state", s, "error", err)
	}
}

func (b *Build) persistProperties() {
	if ch := b.props.TakeChanged(); ch != nil {
		if err := b.bm.updates.SetBuildProperties(b.ctx, b.buildID, ch); err != nil {
			b.log.Error("persisting build properties", "error", err)
		}
	}
}

// run is Buildbot's Build.startBuild and the step sequence.
func (b *Build) run() {
	defer b.bm.buildsWG.Done()
	defer close(b.done)
	defer b.cmdCancel()
	u := b.bm.updates
	ctx := b.ctx

	// Read the request first: right after its claim committed, so the read
	// does not force a batch of this build's own writes to commit early.
	d, err := b.bm.reads.RequestDetails(ctx, b.req.BRID)
	if err != nil {
		b.log.Error("reading build request", "error", err)
		b.abandon()
		return
	}
	b.details = d

	buildID, number, err := u.AddBuild(ctx, b.builder.id, b.req.BRID, b.worker.ID(), b.bm.masterID(), "created")
	if err != nil {
		b.log.Error("adding build", "error", err)
		b.abandon()
		return
	}
	b.mu.Lock()
	b.buildID, b.number = buildID, number
	b.mu.Unlock()
	b.log = b.log.With("build", buildID)
	b.bm.mu.Lock()
	b.bm.byBuildID[buildID] = b
	b.bm.mu.Unlock()

	// The synthetic step that counts the worker's preparation.
	prepID, _, _, err := u.AddStep(ctx, buildID, "worker_preparation")
	if err == nil {
		b.prepID = prepID
		err = u.StartStep(ctx, prepID)
	}
	if err != nil {
		b.log.Error("adding worker_preparation step", "error", err)
	}

	if err := b.setupProperties(); err != nil {
		b.log.Error("setting up build properties", "error", err)
		b.preparationFailure(err, "setupBuild")
		b.buildFinished([]string{"Build.setupBuild", "failed"}, results.Exception)
		return
	}
	b.persistProperties()
	b.setState("starting")
	if err := u.GenerateNewBuildEvent(ctx, buildID); err != nil {
		b.log.Error("publishing new build", "error", err)
	}

	stepList, err := b.setupBuild()
	if err != nil {
		b.log.Error("setting up build", "error", err)
		b.preparationFailure(err, "setupBuild")
		b.buildFinished([]string{"Build.setupBuild", "failed"}, results.Exception)
		return
	}
	b.persistProperties()
	b.setState("preparing worker")

	conn, lost := b.worker.Connection()
	if b.isStopped() {
		b.preparationFailure(nil, "worker_prepare")
		b.buildFinished([]string{"worker", "cancelled"}, b.currentResults())
		return
	}
	if conn == nil {
		b.preparationFailure(errors.New("worker not connected"), "worker_prepare")
		b.buildFinished([]string{"worker", "not", "available"}, results.Retry)
		return
	}

	b.setState("pinging worker")
	select {
	case <-lost:
		b.preparationFailure(worker.ErrConnectionLost, "worker_ping")
		b.buildFinished([]string{"worker", "not", "pinged"}, results.Retry)
		return
	default:
	}
	info := conn.Info()
	b.mu.Lock()
	b.conn, b.info, b.lost = conn, info, lost
	b.mu.Unlock()
	if sys, _ := info["system"].(string); sys == "nt" {
		b.windows = true
	}
	if bd, _ := info["basedir"].(string); bd != "" {
		b.props.Set("builddir", workerPathJoin(b.windows, bd, b.cfg.BuildDir), properties.SourceWorker)
	}
	go b.watchConnection(lost)

	b.setState("acquiring locks")
	b.acquireBuildLocks()

	if b.prepID != 0 {
		if err := u.SetStepStateString(ctx, b.prepID, fmt.Sprintf("worker %s ready", b.worker.Name())); err != nil {
			b.log.Error("worker_preparation state", "error", err)
		}
		if err := u.FinishStep(ctx, b.prepID, results.Success, false); err != nil {
			b.log.Error("finishing worker_preparation", "error", err)
		}
	}
	b.setState("building")

	for {
		s := b.nextStep(&stepList)
		if s == nil {
			break
		}
		res, err := s.start()
		b.persistProperties()
		if err != nil {
			b.log.Error("build got exception when running step", "step", s.name, "error", err)
			b.buildFinished([]string{"build", "exception"}, results.Exception)
			return
		}
		b.stepDone(res, s)
	}
	b.allStepsDone()
}

// abandon gives the request and the worker back when the build could not
// even be added.
func (b *Build) abandon() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWriteTimeout)
	defer cancel()
	if err := b.bm.updates.UnclaimBuildRequests(ctx, b.bm.masterID(), b.brids); err != nil {
		b.log.Error("unclaiming build request", "error", err)
	}
	b.release()
}

// release returns the worker and forgets the build.
func (b *Build) release() {
	bm := b.bm
	bm.mu.Lock()
	b.wfb.state = wfbIdle
	delete(bm.builds, b)
	delete(b.builder.building, b)
	if b.buildID != 0 && bm.byBuildID[b.buildID] == b {
		delete(bm.byBuildID, b.buildID)
	}
	bm.mu.Unlock()
	b.worker.BuildFinished()
}

// setupProperties reads the request and sets the properties known before
// the build starts (§5.2), then the build's own.
func (b *Build) setupProperties() error {
	d := b.details
	b.sources = d.Sources
	var global map[string]any
	b.bm.mu.Lock()
	if b.bm.cfg != nil {
		global = b.bm.cfg.Master.Properties
	}
	b.bm.mu.Unlock()
	layers := properties.Layers{
		Global:          global,
		Buildsets:       nil,
		BuilderName:     b.cfg.Name,
		Builder:         b.cfg.Properties,
		BuilderDefaults: b.cfg.DefaultProps,
		WorkerName:      b.worker.Name(),
		Worker:          b.worker.Properties(),
	}
	for _, c := range d.Changes {
		layers.Changes = append(layers.Changes, c.Properties)
	}
	layers.Buildsets = append(layers.Buildsets, d.Properties)
	b.props = properties.KnownBeforeStart(layers)
	ps := make([]properties.SourceStamp, len(d.Sources))
	for i, s := range d.Sources {
		ps[i] = properties.SourceStamp{Branch: s.Branch, Revision: s.Revision,
			Repository: s.Repository, Project: s.Project, Codebase: s.Codebase}
	}
	properties.SetupBuild(b.props, b.number, ps)
	return nil
}

// setupBuild creates the steps (unique names: a second "compile" is
// "compile_1") and sets `owners`.
func (b *Build) setupBuild() ([]*buildStep, error) {
	out := make([]*buildStep, 0, len(b.cfg.Steps))
	for _, sc := range b.cfg.Steps {
		impl, err := steps.New(sc)
		if err != nil {
			return nil, err
		}
		name := sc.Name
		if name == "" {
			name = sc.Kind
		}
		if n, ok := b.stepNames[name]; ok {
			n++
			b.stepNames[name] = n
			name = fmt.Sprintf("%s_%d", name, n)
		} else {
			b.stepNames[name] = 0
		}
		out = append(out, newBuildStep(b, sc, impl, name))
	}
	var authors []string
	for _, c := range b.details.Changes {
		authors = append(authors, c.Author)
	}
	for _, s := range b.details.Sources {
		if s.Patch != nil && s.Patch.Author != "" {
			authors = append(authors, s.Patch.Author)
		}
	}
	var owners []any
	if o, ok := b.details.Properties["owner"]; ok {
		owners = append(owners, o[0])
	}
	properties.SetOwners(b.props, authors, owners)
	return out, nil
}

// preparationFailure marks worker_preparation as Buildbot's
// buildPreparationFailure does.
func (b *Build) preparationFailure(why error, stage string) {
	if b.prepID == 0 {
		return
	}
	u := b.bm.updates
	if b.isStopped() {
		_ = u.FinishStep(b.ctx, b.prepID, results.Cancelled, false)
		return
	}
	if why != nil && !errors.Is(why, worker.ErrConnectionLost) {
		b.worker.PutInQuarantine()
	}
	if why != nil {
		if logID, err := u.AddLog(b.ctx, b.prepID, "err.text", "t"); err == nil {
			_ = u.AppendLog(b.ctx, logID, why.Error()+"\n")
			_ = u.FinishLog(b.ctx, logID)
		}
	}
	_ = u.SetStepStateString(b.ctx, b.prepID, "error while "+stage)
	_ = u.FinishStep(b.ctx, b.prepID, results.Exception, false)
}

func (b *Build) isStopped() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stopped
}

func (b *Build) currentResults() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.results
}

// acquireBuildLocks takes the builder's locks; a stop ends the wait.
func (b *Build) acquireBuildLocks() {
	if len(b.cfg.Locks) == 0 {
		return
	}
	claims, err := b.bm.locks.Resolve(b.cfg.Locks, b.worker.Name())
	if err != nil {
		b.log.Error("resolving builder locks", "error", err)
		return
	}
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return
	}
	b.lockWait = cancel
	b.mu.Unlock()
	err = b.bm.locks.Acquire(ctx, b, claims, nil)
	b.mu.Lock()
	b.lockWait = nil
	if err == nil {
		b.buildLocks = claims
	}
	b.mu.Unlock()
}

// watchConnection is Buildbot's lostRemote: when the worker's connection
// goes, the build ends RETRY; the running step's command is abandoned.
func (b *Build) watchConnection(lost <-chan struct{}) {
	select {
	case <-b.done:
		return
	case <-lost:
	}
	b.lostRemote()
}

// lostRemote handles the loss of the connection once.
func (b *Build) lostRemote() {
	b.mu.Lock()
	if b.finished || b.lostHandled {
		b.mu.Unlock()
		return
	}
	b.lostHandled = true
	b.conn = nil
	b.text = []string{"lost", "connection"}
	b.results = results.Retry
	s := b.current
	if s == nil {
		b.stopped = true
		if b.lockWait != nil {
			b.lockWait()
		}
	}
	b.mu.Unlock()
	b.log.Info("worker connection lost during build")
	if s != nil {
		s.connectionLost()
	}
	b.cmdCancel()
}

// connLostGrace is how long a build whose command failed with a lost
// connection waits for the worker's connection to be reported lost, so the
// worker is detached before the request is given back (otherwise it could
// be handed straight back to the dead connection).
const connLostGrace = 10 * time.Second

// awaitLost waits (bounded) for the connection loss a command reported.
func (b *Build) awaitLost() {
	b.mu.Lock()
	lost := b.lost
	b.mu.Unlock()
	if lost == nil {
		return
	}
	t := time.NewTimer(connLostGrace)
	defer t.Stop()
	select {
	case <-lost:
		b.lostRemote()
	case <-t.C:
	}
}

// nextStep is Buildbot's getNextStep: none without a connection; after a
// halt or a stop only always_run steps.
func (b *Build) nextStep(list *[]*buildStep) *buildStep {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(*list) > 0 {
		if b.conn == nil {
			return nil
		}
		s := (*list)[0]
		*list = (*list)[1:]
		if (b.terminate || b.stopped) && !s.cfg.Common.AlwaysRun {
			continue
		}
		b.current = s
		return s
	}
	return nil
}

// stepDone merges a step's result (Buildbot's stepDone).
func (b *Build) stepDone(res int, s *buildStep) {
	summary := s.buildResultSummary(res)
	b.mu.Lock()
	b.current = nil
	var state string
	if summary != "" {
		b.text = append(b.text, summary)
		state = strings.Join(b.text, " ")
	}
	var term bool
	b.results, term = results.ComputeResultAndTermination(s.flags, res, b.results)
	if b.conn == nil {
		b.results = results.Retry
		term = true
	}
	if term {
		b.terminate = true
	}
	b.mu.Unlock()
	if state != "" {
		b.setState(state)
	}
}

// allStepsDone is Buildbot's allStepsDone: the final text from the results.
func (b *Build) allStepsDone() {
	b.mu.Lock()
	var text []string
	switch b.results {
	case results.Failure:
		text = []string{"failed"}
	case results.Warnings:
		text = []string{"warnings"}
	case results.Exception:
		text = []string{"exception"}
	case results.Retry:
		text = []string{"retry"}
	case results.Cancelled:
		text = []string{"cancelled"}
	default:
		text = []string{"build", "successful"}
	}
	if b.stopReason != nil {
		text = append(text, "("+*b.stopReason+")")
	}
	text = append(text, b.text...)
	res := b.results
	b.mu.Unlock()
	b.buildFinished(text, res)
}

// buildFinished is Buildbot's buildFinished: final state and result, locks
// released, the worker given back, the requests completed (or unclaimed
// for a RETRY, so they run again).
func (b *Build) buildFinished(text []string, res int) {
	b.mu.Lock()
	b.finished = true
	b.results = results.Worst(b.results, res)
	final := b.results
	heldLocks := b.buildLocks
	b.buildLocks = nil
	b.mu.Unlock()

	// Writes at the end must happen even while the master shuts down.
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWriteTimeout)
	defer cancel()
	u := b.bm.updates
	if err := u.SetBuildStateString(ctx, b.buildID, strings.Join(text, " ")); err != nil {
		b.log.Error("setting final build state", "error", err)
	}
	if err := u.FinishBuild(ctx, b.buildID, final); err != nil {
		b.log.Error("finishing build", "error", err)
	}
	switch final {
	case results.Exception:
		b.worker.PutInQuarantine()
	case results.Retry:
	default:
		b.worker.ResetQuarantine()
	}
	b.release()
	if final == results.Retry {
		if err := u.UnclaimBuildRequests(ctx, b.bm.masterID(), b.brids); err != nil {
			b.log.Error("unclaiming build requests", "error", err)
		}
	} else if _, err := u.CompleteBuildRequests(ctx, b.brids, final, 0); err != nil {
		b.log.Error("completing build requests", "error", err)
	}
	// Releasing the locks last starts what waited for them
	// (maybeStartBuildsForAllBuilders through the registry).
	b.bm.locks.Release(b, heldLocks)
}

// Stop is Buildbot's stopBuild: the running step is interrupted, the
// remaining steps are skipped except always_run ones, a lock wait ends, and
// the build's result becomes res (CANCELLED for a user's stop, RETRY for a
// master shutdown). It does not wait.
func (b *Build) Stop(reason string, res int) {
	b.mu.Lock()
	if b.finished || b.stopped {
		b.mu.Unlock()
		return
	}
	b.stopped = true
	b.stopReason = &reason
	b.stopResults = res
	s := b.current
	if b.lockWait != nil {
		b.lockWait()
	}
	b.mu.Unlock()
	if s != nil {
		s.interrupt(reason)
	}
	b.mu.Lock()
	b.results = res
	b.mu.Unlock()
}

func (b *Build) heldBuildLocks() []locks.Claim {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buildLocks
}

// stopResultsRetry reports a stop whose result is RETRY (master shutdown).
func (b *Build) stopResultsRetry() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stopped && b.stopResults == results.Retry
}
