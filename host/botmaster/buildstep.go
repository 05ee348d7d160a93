package botmaster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/botmaster/locks"
	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// shutdownWriteTimeout bounds the writes that end a build or step, which
// must happen even while the master stops.
const shutdownWriteTimeout = 30 * time.Second

// summaryDebounce is Buildbot's updateSummary debounce: a running step's
// summary is written at most this often; a step that ends sooner only
// writes its final summary.
const summaryDebounce = time.Second

// buildStep runs one step of a build with what every step shares
// (Buildbot's BuildStep.startStep); it is the steps.Context of its step.
type buildStep struct {
	b      *Build
	cfg    config.Step
	impl   steps.Step
	name   string
	flags  results.StepFlags
	policy map[int]bool

	stepID  int64
	desc    string
	descEnd string
	suffix  string
	workdir string

	mu              sync.Mutex
	stopped         bool
	running         bool
	lost            bool
	cmd             *steps.RemoteCommand
	cmdID           string
	logs            []*logs.Writer
	lockWait        context.CancelFunc
	waitingForLocks bool
	stopCh          chan struct{}
	consumers       []mq.Consumer
	// interrupted is closed when interrupt is done, so the step ends after
	// its cancelled log is written (nil when never interrupted).
	interrupted chan struct{}

	summaryMu    sync.Mutex
	summaryTimer *time.Timer
	summaryFinal bool
}

var _ steps.Context = (*buildStep)(nil)

func newBuildStep(b *Build, sc config.Step, impl steps.Step, name string) *buildStep {
	c := sc.Common
	s := &buildStep{b: b, cfg: sc, impl: impl, name: name, stopCh: make(chan struct{}),
		flags: results.StepFlags{FlunkOnFailure: c.FlunkOnFailure, WarnOnFailure: c.WarnOnFailure,
			HaltOnFailure: c.HaltOnFailure, FlunkOnWarnings: c.FlunkOnWarnings, WarnOnWarnings: c.WarnOnWarnings}}
	// Buildbot's default updateBuildSummaryPolicy.
	s.policy = map[int]bool{results.Exception: true, results.Retry: true, results.Cancelled: true}
	if c.FlunkOnFailure || c.HaltOnFailure || c.WarnOnFailure {
		s.policy[results.Failure] = true
	}
	if c.WarnOnWarnings || c.FlunkOnWarnings {
		s.policy[results.Warnings] = true
	}
	return s
}

// start runs the step to its end and returns its result. An error is a
// failure of the engine itself (the build ends EXCEPTION).
func (s *buildStep) start() (int, error) {
	b := s.b
	u := b.bm.updates
	ctx := b.ctx
	id, _, name, err := u.AddStep(ctx, b.buildID, s.name)
	if err != nil {
		return 0, fmt.Errorf("add step %s: %w", s.name, err)
	}
	s.stepID, s.name = id, name
	if err := u.StartStep(ctx, id); err != nil {
		return 0, fmt.Errorf("start step %s: %w", s.name, err)
	}
	res := s.execute()
	if s.b.stopResultsRetry() && res != results.Retry {
		// A master shutdown: the interrupted step ends RETRY so the build
		// and its request run again.
		res = results.Retry
	}
	return res, s.finish(res)
}

// execute runs locks, conditions and the step's work, mapping errors to
// results as Buildbot's startStep.
func (s *buildStep) execute() (res int) {
	b := s.b
	claims, err := b.bm.locks.Resolve(s.cfg.Common.Locks, b.worker.Name())
	if err == nil {
		for _, c := range claims {
			for _, bc := range b.heldBuildLocks() {
				if c.Lock == bc.Lock {
					err = errors.New("lock claimed by both Step and Build")
				}
			}
		}
	}
	if err != nil {
		s.addErrorLog(err)
		return results.Exception
	}
	if !s.acquireLocks(claims) {
		return results.Cancelled
	}
	defer b.bm.locks.Release(s, claims)
	if s.isStopped() {
		return results.Cancelled
	}
	if err := s.renderDescriptions(); err != nil {
		s.addErrorLog(err)
		return results.Exception
	}
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	s.UpdateSummary()
	doStep, err := b.renderBool(s.cfg.Common.DoStepIf, true)
	if err != nil {
		s.addErrorLog(err)
		return results.Exception
	}
	if !doStep {
		return results.Skipped
	}
	res, err = s.runImpl()
	s.mu.Lock()
	s.running = false
	stopped := s.stopped
	s.mu.Unlock()
	if err != nil {
		switch {
		case errors.Is(err, steps.ErrCancelled):
			res = results.Cancelled
		case errors.Is(err, steps.ErrFailed):
			res = results.Failure
		case errors.Is(err, worker.ErrConnectionLost) || s.isLost():
			res = results.Retry
		default:
			res = results.Exception
			s.addErrorLog(err)
		}
	} else if s.isLost() {
		res = results.Retry
	}
	if stopped && res != results.Retry && res != results.Cancelled {
		res = results.Exception
	}
	return res
}

// runImpl runs the step's Run, turning a panic into an error: a step kind
// must not take the master down.
func (s *buildStep) runImpl() (res int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("step %s panicked: %v", s.name, p)
			res = results.Exception
		}
	}()
	return s.impl.Run(s.b.ctx, s)
}

// finish ends the step: hide_step_if, logs, final summary, finishStep.
func (s *buildStep) finish(res int) error {
	b := s.b
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWriteTimeout)
	defer cancel()
	s.mu.Lock()
	interrupted := s.interrupted
	s.mu.Unlock()
	if interrupted != nil {
		<-interrupted
	}
	s.mu.Lock()
	for _, c := range s.consumers {
		c.Stop()
	}
	s.consumers = nil
	ws := s.logs
	s.mu.Unlock()
	hidden, err := b.renderBool(s.cfg.Common.HideStepIf, false)
	if err != nil {
		s.addErrorLog(err)
		res, hidden = results.Exception, false
	}
	for _, w := range ws {
		if err := w.Finish(); err != nil {
			b.log.Error("finishing log", "step", s.name, "error", err)
			res = results.Exception
		}
	}
	s.summaryMu.Lock()
	s.summaryFinal = true
	if s.summaryTimer != nil {
		s.summaryTimer.Stop()
	}
	s.summaryMu.Unlock()
	if err := b.bm.updates.SetStepStateString(ctx, s.stepID, s.resultSummary(res)); err != nil {
		return fmt.Errorf("step %s state: %w", s.name, err)
	}
	if err := b.bm.updates.FinishStep(ctx, s.stepID, res, hidden); err != nil {
		return fmt.Errorf("finish step %s: %w", s.name, err)
	}
	return nil
}

func (s *buildStep) renderDescriptions() error {
	c := s.cfg.Common
	def := steps.KindDefaults(s.cfg.Kind)
	desc, descEnd := c.Description, c.DescriptionDone
	if desc == "" && descEnd == "" {
		desc, descEnd = def.Description, def.DescriptionDone
	}
	var err error
	if s.desc, err = s.b.render(desc); err != nil {
		return err
	}
	if s.descEnd, err = s.b.render(descEnd); err != nil {
		return err
	}
	if s.suffix, err = s.b.render(c.DescriptionSuffix); err != nil {
		return err
	}
	if s.workdir, err = s.b.render(c.Workdir); err != nil {
		return err
	}
	if s.workdir == "" {
		s.workdir = "build"
	}
	return nil
}

// currentSummary is Buildbot's getCurrentSummary.
func (s *buildStep) currentSummary() string {
	if sm, ok := s.impl.(steps.Summarizer); ok {
		if t, ok := sm.CurrentSummary(); ok {
			return t
		}
	}
	if s.desc == "" {
		return "running"
	}
	if s.suffix != "" {
		return s.desc + " " + s.suffix
	}
	return s.desc
}

// resultSummary is Buildbot's getResultSummary.
func (s *buildStep) resultSummary(res int) string {
	if sm, ok := s.impl.(steps.Summarizer); ok {
		if t, ok := sm.ResultSummary(res); ok {
			return t
		}
	}
	t := "finished"
	if s.descEnd != "" {
		t = s.descEnd
	} else if s.desc != "" {
		t = s.desc
	}
	if t != "finished" && s.suffix != "" {
		t += " " + s.suffix
	}
	if res != results.Success {
		t += " (" + results.Name(res) + ")"
	}
	return t
}

// buildResultSummary is the text the step adds to the build's state: its
// result summary when the result is in updateBuildSummaryPolicy.
func (s *buildStep) buildResultSummary(res int) string {
	if !s.policy[res] {
		return ""
	}
	return s.resultSummary(res)
}

// UpdateSummary implements steps.Context: the current summary is written
// after the debounce delay, unless the step ended by then.
func (s *buildStep) UpdateSummary() {
	s.summaryMu.Lock()
	defer s.summaryMu.Unlock()
	if s.summaryFinal || s.summaryTimer != nil {
		return
	}
	s.summaryTimer = time.AfterFunc(summaryDebounce, func() {
		s.summaryMu.Lock()
		defer s.summaryMu.Unlock()
		s.summaryTimer = nil
		if s.summaryFinal {
			return
		}
		if err := s.b.bm.updates.SetStepStateString(s.b.ctx, s.stepID, s.currentSummary()); err != nil {
			s.b.log.Error("step summary", "step", s.name, "error", err)
		}
	})
}

// acquireLocks takes the step's locks; false when the step was stopped
// while waiting.
func (s *buildStep) acquireLocks(claims []locks.Claim) bool {
	if len(claims) == 0 {
		return true
	}
	ctx, cancel := context.WithCancel(s.b.ctx)
	defer cancel()
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	s.lockWait = cancel
	s.mu.Unlock()
	err := s.b.bm.locks.Acquire(ctx, s, claims, func(*locks.Lock) {
		s.mu.Lock()
		s.waitingForLocks = true
		s.mu.Unlock()
	})
	s.mu.Lock()
	s.lockWait = nil
	s.waitingForLocks = false
	s.mu.Unlock()
	return err == nil
}

func (s *buildStep) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

func (s *buildStep) isLost() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// interrupt is Buildbot's BuildStep.interrupt: a `cancelled` log with the
// reason, then the running command is interrupted (it completes, and the
// step ends CANCELLED).
func (s *buildStep) interrupt(reason string) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	s.interrupted = make(chan struct{})
	defer close(s.interrupted)
	close(s.stopCh)
	waiting := s.waitingForLocks
	lockWait := s.lockWait
	s.mu.Unlock()
	name := "cancelled"
	if waiting {
		name = "cancelled while waiting for locks"
	}
	if s.stepID != 0 {
		if err := s.AddCompleteLog(name, reason); err != nil {
			s.b.log.Error("adding cancelled log", "error", err)
		}
	}
	if lockWait != nil {
		lockWait()
	}
	if it, ok := s.impl.(steps.Interrupter); ok {
		it.Interrupt(s.b.ctx, s, reason)
	}
	s.mu.Lock()
	cmd, cmdID := s.cmd, s.cmdID
	s.mu.Unlock()
	if cmd != nil {
		cmd.Interrupted.Store(true)
		s.b.mu.Lock()
		conn := s.b.conn
		s.b.mu.Unlock()
		if conn != nil {
			if err := conn.Interrupt(s.b.ctx, cmdID, reason); err != nil {
				s.b.log.Warn("interrupting command", "command", cmdID, "error", err)
			}
		}
	}
}

// connectionLost ends the step's wait for its command: it ends RETRY.
func (s *buildStep) connectionLost() {
	s.mu.Lock()
	s.lost = true
	if s.lockWait != nil {
		s.lockWait()
	}
	s.mu.Unlock()
}

func (s *buildStep) addErrorLog(err error) {
	if e := s.AddCompleteLog("err.text", err.Error()); e != nil {
		s.b.log.Error("step error", "step", s.name, "error", err)
	}
}

// --- steps.Context ---

// Render implements steps.Context.
func (s *buildStep) Render(str string) (string, error) { return s.b.render(str) }

// RenderValue implements steps.Context.
func (s *buildStep) RenderValue(v any) (any, error) { return s.b.renderValue(v) }

// Property implements steps.Context.
func (s *buildStep) Property(name string) (any, bool) { return s.b.props.Get(name) }

// SetProperty implements steps.Context.
func (s *buildStep) SetProperty(name string, value any, source string) {
	s.b.props.Set(name, value, source)
}

// SourceStamp implements steps.Context.
func (s *buildStep) SourceStamp(codebase string) (steps.SourceStamp, bool) {
	for _, ss := range s.b.sources {
		if ss.Codebase == codebase {
			return ss, true
		}
	}
	return steps.SourceStamp{}, false
}

// SourceStamps implements steps.Context.
func (s *buildStep) SourceStamps() []steps.SourceStamp { return s.b.sources }

// BuildID implements steps.Context.
func (s *buildStep) BuildID() int64 { return s.b.buildID }

// BuilderName implements steps.Context.
func (s *buildStep) BuilderName() string { return s.b.cfg.Name }

// WorkerName implements steps.Context.
func (s *buildStep) WorkerName() string { return s.b.worker.Name() }

// BuilderEnv implements steps.Context.
func (s *buildStep) BuilderEnv() (map[string]string, error) {
	out := make(map[string]string, len(s.b.cfg.Env))
	for k, v := range s.b.cfg.Env {
		r, err := s.b.render(v)
		if err != nil {
			return nil, fmt.Errorf("builder env %s: %w", k, err)
		}
		out[k] = r
	}
	return out, nil
}

// LogEncoding implements steps.Context.
func (s *buildStep) LogEncoding() string {
	if s.cfg.Common.LogEncoding != "" {
		return s.cfg.Common.LogEncoding
	}
	return s.b.logEnc
}

// WorkerPathJoin implements steps.Context.
func (s *buildStep) WorkerPathJoin(parts ...string) string {
	return workerPathJoin(s.b.windows, parts...)
}

// BuilderDir implements steps.Context.
func (s *buildStep) BuilderDir() string {
	if v, ok := s.b.props.GetString("builddir"); ok {
		return v
	}
	return s.b.cfg.BuildDir
}

// Workdir implements steps.Context.
func (s *buildStep) Workdir() string {
	if s.workdir == "" {
		return "build"
	}
	return s.workdir
}

// MasterBasedir implements steps.Context.
func (s *buildStep) MasterBasedir() string { return s.b.basedir }

// WorkerEnviron implements steps.Context.
func (s *buildStep) WorkerEnviron() map[string]string {
	s.b.mu.Lock()
	info := s.b.info
	s.b.mu.Unlock()
	out := map[string]string{}
	switch env := info["environ"].(type) {
	case map[string]any:
		for k, v := range env {
			if str, ok := v.(string); ok {
				out[k] = str
			}
		}
	case map[string]string:
		for k, v := range env {
			out[k] = v
		}
	}
	return out
}

// RunCommand implements steps.Context.
func (s *buildStep) RunCommand(ctx context.Context, cmd *steps.RemoteCommand) error {
	s.b.mu.Lock()
	conn := s.b.conn
	s.b.mu.Unlock()
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return steps.ErrCancelled
	}
	if conn == nil || s.lost {
		s.mu.Unlock()
		return worker.ErrConnectionLost
	}
	id := strconv.FormatInt(s.b.bm.cmdSeq.Add(1), 10)
	s.cmd, s.cmdID = cmd, id
	s.mu.Unlock()
	err := conn.RunCommand(s.b.cmdCtx, worker.Command{ID: id, Name: cmd.Name, Builder: s.b.cfg.Name, Args: cmd.Args}, cmd)
	s.mu.Lock()
	s.cmd, s.cmdID = nil, ""
	lost := s.lost
	s.mu.Unlock()
	if !lost && errors.Is(err, worker.ErrConnectionLost) {
		s.b.awaitLost()
		lost = true
	}
	switch {
	case lost:
		return fmt.Errorf("%s: %w", cmd.Name, worker.ErrConnectionLost)
	case err != nil && s.b.cmdCtx.Err() != nil:
		return fmt.Errorf("%s: %w", cmd.Name, worker.ErrConnectionLost)
	case err != nil:
		return fmt.Errorf("remote command %s failed: %w", cmd.Name, err)
	}
	return nil
}

// AddLog implements steps.Context.
func (s *buildStep) AddLog(name, typ string) (*logs.Writer, error) {
	logID, err := s.b.bm.updates.AddLog(s.b.ctx, s.stepID, name, typ)
	if err != nil {
		return nil, fmt.Errorf("add log %s: %w", name, err)
	}
	w, err := logs.NewWriter(s.b.ctx, s.b.bm.updates, logID, typ, logs.Options{Encoding: s.LogEncoding()})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.logs = append(s.logs, w)
	s.mu.Unlock()
	return w, nil
}

// AddCompleteLog implements steps.Context.
func (s *buildStep) AddCompleteLog(name, text string) error {
	w, err := s.AddLog(name, logs.TypeText)
	if err != nil {
		return err
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if err := w.AddText(text); err != nil {
		return err
	}
	return w.Finish()
}

// AddURL implements steps.Context.
func (s *buildStep) AddURL(name, url string) error {
	return s.b.bm.updates.AddStepURL(s.b.ctx, s.stepID, name, url)
}

// Stopped implements steps.Context.
func (s *buildStep) Stopped() bool { return s.isStopped() }

// Triggerer implements steps.Context.
func (s *buildStep) Triggerer() steps.Triggerer { return s.b.bm.triggerer() }

// CancelBuildRequest implements steps.Context.
func (s *buildStep) CancelBuildRequest(ctx context.Context, brid int64, reason string) error {
	return s.b.bm.CancelBuildRequest(ctx, brid, reason)
}

// WaitBuildsetComplete implements steps.Context: it subscribes to
// buildsets.*.complete now (before the buildsets exist) and returns the
// wait.
func (s *buildStep) WaitBuildsetComplete() func(ctx context.Context, bsid int64) (int, error) {
	var mu sync.Mutex
	done := map[int64]int{}
	signal := make(chan struct{}, 1)
	if s.b.bm.mq != nil {
		c := s.b.bm.mq.Consume(mq.Key{"buildsets", "*", "complete"}, func(key mq.Key, body any) {
			id, err := strconv.ParseInt(key[1], 10, 64)
			if err != nil {
				return
			}
			r := buildsetResults(body)
			mu.Lock()
			done[id] = r
			mu.Unlock()
			select {
			case signal <- struct{}{}:
			default:
			}
		})
		s.mu.Lock()
		s.consumers = append(s.consumers, c)
		s.mu.Unlock()
	}
	return func(ctx context.Context, bsid int64) (int, error) {
		for {
			mu.Lock()
			r, ok := done[bsid]
			mu.Unlock()
			if ok {
				return r, nil
			}
			select {
			case <-signal:
			case <-s.stopCh:
				return results.Cancelled, steps.ErrCancelled
			case <-ctx.Done():
				return results.Exception, ctx.Err()
			}
		}
	}
}

// buildsetResults reads the result of a buildsets.*.complete body.
func buildsetResults(body any) int {
	switch x := body.(type) {
	case *data.Buildset:
		if x != nil && x.Results != nil {
			return *x.Results
		}
	case data.Buildset:
		if x.Results != nil {
			return *x.Results
		}
	case map[string]any:
		switch r := x["results"].(type) {
		case int:
			return r
		case int64:
			return int(r)
		case float64:
			return int(r)
		}
	}
	return results.Success
}
