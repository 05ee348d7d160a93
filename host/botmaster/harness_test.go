package botmaster

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/host/workers"
	"github.com/bbhost/bbhost/plugins/local/runner"
	"github.com/bbhost/bbhost/sdk/worker"
)

// harness is a master's build engine on a real database: the data
// connector and read API, the in-process mq, the WorkerManager with
// workers backed by the local runner, and the BotMaster.
type harness struct {
	t        testing.TB
	ctx      context.Context
	dir      string
	db       *db.DB
	mq       *mq.Simple
	data     *data.Connector
	api      *data.API
	wm       *workers.Manager
	bm       *BotMaster
	prov     *testProvider
	env      *plugintest.Env // set when workers are real plugin processes
	cfg      *config.Config
	masterID int64

	mu       sync.Mutex
	complete map[int64]int // bsid → results
	signal   chan struct{}
}

// harnessOptions tune newHarness.
type harnessOptions struct {
	kind  dbtest.Kind
	setup func(h *harness) // before the engine starts
	// plugin runs the workers in the real local worker plugin process
	// (plugins/local, built for the test) through the plugin host.
	plugin bool
	// wrap, when set, wraps every worker connection (instrumentation).
	wrap func(worker.Conn) worker.Conn
	// idleConns gives workers connections that run no command (scale tests).
	idleConns bool
	// noStart leaves the first reconfiguration to the test.
	noStart bool
}

// wrapProvider applies a connection wrapper to a provider's connections.
type wrapProvider struct {
	p    workers.ConnProvider
	wrap func(worker.Conn) worker.Conn
}

func (w wrapProvider) Connect(ctx context.Context, b config.PluginBlock) (worker.Conn, <-chan struct{}, error) {
	c, lost, err := w.p.Connect(ctx, b)
	if err != nil {
		return nil, nil, err
	}
	return w.wrap(c), lost, nil
}

func newHarness(t testing.TB, hcl string, o harnessOptions) *harness {
	t.Helper()
	if o.kind == "" {
		o.kind = dbtest.SQLiteFile
	}
	dir := t.TempDir()
	h := &harness{t: t, ctx: context.Background(), dir: dir, complete: map[int64]int{}, signal: make(chan struct{}, 1)}
	if o.plugin {
		h.env = plugintest.NewEnv(t, plugintest.Build(t, "./plugins/local", "local", ""))
		if err := h.env.Host.Start(h.ctx); err != nil {
			t.Fatal(err)
		}
		dir = h.env.Basedir
		h.dir = dir
	}
	h.cfg = h.loadConfig(hcl)
	h.db = dbtest.Open(t, o.kind, db.Options{Basedir: dir})
	h.mq = mq.NewSimple()
	h.data = data.New(h.db, h.mq, data.Options{LogCompression: h.cfg.Master.LogCompression})
	h.api = data.NewAPI(data.APIOptions{DB: h.db, MQ: h.mq})
	var err error
	if h.masterID, err = h.data.FindMasterID(h.ctx, "test-master"); err != nil {
		t.Fatal(err)
	}
	if err := h.data.MasterActive(h.ctx, "test-master", h.masterID); err != nil {
		t.Fatal(err)
	}
	h.mq.Consume(mq.Key{"buildsets", "*", "complete"}, func(key mq.Key, body any) {
		id, _ := strconv.ParseInt(key[1], 10, 64)
		h.mu.Lock()
		h.complete[id] = buildsetResults(body)
		h.mu.Unlock()
		select {
		case h.signal <- struct{}{}:
		default:
		}
	})
	h.prov = newTestProvider(dir)
	h.prov.idle = o.idleConns
	masterID := func() int64 { return h.masterID }
	var provider workers.ConnProvider = h.prov
	if h.env != nil {
		provider = h.env.Host
	}
	if o.wrap != nil {
		provider = wrapProvider{provider, o.wrap}
	}
	h.wm = workers.New(workers.Options{MQ: h.mq, Updates: h.data, Provider: provider, MasterID: masterID})
	h.bm = New(Options{MQ: h.mq, Updates: h.data, Reads: SQLReads{DB: h.db}, Workers: h.wm, MasterID: masterID, Seed: 1})
	h.data.SetCollapser(h.bm)
	if err := h.bm.RegisterControls(h.api); err != nil {
		t.Fatal(err)
	}
	if o.setup != nil {
		o.setup(h)
	}
	if err := h.bm.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.wm.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.stop)
	cfg := h.cfg
	h.cfg = &config.Config{}
	if !o.noStart {
		h.reconfigure(cfg)
	} else {
		h.cfg = cfg
	}
	return h
}

func (h *harness) loadConfig(hcl string) *config.Config {
	h.t.Helper()
	if h.env != nil {
		return h.env.Load(h.t, hcl)
	}
	path := filepath.Join(h.dir, fmt.Sprintf("master-%d.hcl", time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(hcl), 0o644); err != nil {
		h.t.Fatal(err)
	}
	cfg, diags := config.Load(path, config.LoadOptions{Hostname: "test"})
	if diags.HasErrors() {
		h.t.Fatalf("config: %s", diags.Error())
	}
	return cfg
}

func (h *harness) reconfigure(cfg *config.Config) {
	h.t.Helper()
	if h.env != nil {
		commit, err := service.ReconfigureChildren(h.ctx, []service.Service{h.env.Host}, h.cfg, cfg)
		if err != nil {
			h.t.Fatal(err)
		}
		commit(h.ctx)
	}
	commit, err := h.bm.Reconfigure(h.ctx, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	wcommit, err := h.wm.Reconfigure(h.ctx, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	commit(h.ctx)
	wcommit(h.ctx)
	h.cfg = cfg
}

func (h *harness) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.bm.Stop(ctx); err != nil {
		h.t.Errorf("stop botmaster: %v", err)
	}
	if err := h.wm.Stop(ctx); err != nil {
		h.t.Errorf("stop workers: %v", err)
	}
}

// waitWorkers waits until the named workers are attached.
func (h *harness) waitWorkers(names ...string) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range names {
		for {
			if w := h.wm.Worker(n); w != nil && w.Connected() && h.attachedEverywhere(w) {
				break
			}
			if time.Now().After(deadline) {
				h.t.Fatalf("worker %s never connected", n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// attachedEverywhere reports whether every builder listing w has it
// attached: a worker is connected a moment before the botmaster attaches it.
func (h *harness) attachedEverywhere(w *workers.Worker) bool {
	h.bm.mu.Lock()
	defer h.bm.mu.Unlock()
	for _, b := range h.bm.byWorker[w.Name()] {
		if b.findWFB(w) == nil {
			return false
		}
	}
	return true
}

func (h *harness) builderID(name string) int64 {
	h.t.Helper()
	b := h.bm.Builder(name)
	if b == nil {
		h.t.Fatalf("no builder %s", name)
	}
	return b.ID()
}

// buildsetIn is what force adds.
type buildsetIn struct {
	builders []string
	props    map[string]any
	ss       db.SourceStampSpec
	reason   string
}

// force adds a buildset as a force scheduler would and returns its id and
// request ids by builder name.
func (h *harness) force(in buildsetIn) (int64, map[string]int64) {
	h.t.Helper()
	props := data.SourcedProperties{"scheduler": {"force", "Scheduler"}}
	for k, v := range in.props {
		props[k] = [2]any{v, "Force Build Form"}
	}
	if in.reason == "" {
		in.reason = "forced"
	}
	var ids []int64
	for _, b := range in.builders {
		ids = append(ids, h.builderID(b))
	}
	ss := in.ss
	bsid, brids, err := h.data.AddBuildset(h.ctx, data.BuildsetInput{Scheduler: "force", Reason: in.reason,
		SourceStamps: []db.SourceStampRef{{Spec: &ss}}, Properties: props, BuilderIDs: ids})
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range in.builders {
		out[b] = brids[h.builderID(b)]
	}
	return bsid, out
}

// waitBuildset waits for a buildset to complete and returns its result.
func (h *harness) waitBuildset(bsid int64) int {
	h.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		h.mu.Lock()
		r, ok := h.complete[bsid]
		h.mu.Unlock()
		if ok {
			return r
		}
		select {
		case <-h.signal:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("buildset %d never completed", bsid)
		}
	}
}

// get reads a data API path.
func (h *harness) get(path string, q url.Values) []any {
	h.t.Helper()
	res, err := h.api.Get(h.ctx, path, q)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	return res.Items
}

// builds returns the builds of a request.
func (h *harness) builds(brid int64) []*data.Build {
	h.t.Helper()
	var out []*data.Build
	for _, it := range h.get(fmt.Sprintf("buildrequests/%d/builds", brid), nil) {
		out = append(out, it.(*data.Build))
	}
	return out
}

func (h *harness) build(id int64) *data.Build {
	h.t.Helper()
	items := h.get(fmt.Sprintf("builds/%d", id), url.Values{"property": {"*"}})
	if len(items) != 1 {
		h.t.Fatalf("build %d: %d items", id, len(items))
	}
	return items[0].(*data.Build)
}

func (h *harness) steps(buildID int64) []*data.Step {
	h.t.Helper()
	var out []*data.Step
	for _, it := range h.get(fmt.Sprintf("builds/%d/steps", buildID), nil) {
		out = append(out, it.(*data.Step))
	}
	return out
}

func (h *harness) logs(stepID int64) []*data.Log {
	h.t.Helper()
	var out []*data.Log
	for _, it := range h.get(fmt.Sprintf("steps/%d/logs", stepID), nil) {
		out = append(out, it.(*data.Log))
	}
	return out
}

// logText reads a log's contents (its stored lines, prefixes included).
func (h *harness) logText(logID int64) string {
	h.t.Helper()
	var b strings.Builder
	for _, it := range h.get(fmt.Sprintf("logs/%d/contents", logID), nil) {
		b.WriteString(it.(*data.LogChunk).Content)
	}
	return b.String()
}

// stepLog returns the text of a step's log called name.
func (h *harness) stepLog(stepID int64, name string) string {
	h.t.Helper()
	for _, l := range h.logs(stepID) {
		if l.Name == name {
			return h.logText(l.LogID)
		}
	}
	h.t.Fatalf("step %d has no log %q", stepID, name)
	return ""
}

// testProvider serves workers with the local runner in-process; a worker
// can be "lost" (its connection closes and running commands end with a
// lost connection) and reconnects when released.
type testProvider struct {
	dir string
	mu  sync.Mutex
	cur map[string]*testConn
	// held workers do not reconnect until released.
	held map[string]chan struct{}
	// connects counts Connect results per worker.
	connects map[string]int
	// idle hands out idleConn connections instead of runners.
	idle bool
}

// idleConn is a connection for scale tests: commands succeed at once.
type idleConn struct{ name string }

func (c idleConn) Info() worker.Info { return worker.Info{"basedir": "/w/" + c.name} }
func (idleConn) RunCommand(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	return sink.Update(worker.Update{Key: "rc", RC: 0})
}
func (idleConn) Interrupt(context.Context, string, string) error { return nil }

func newTestProvider(dir string) *testProvider {
	return &testProvider{dir: dir, cur: map[string]*testConn{}, held: map[string]chan struct{}{}, connects: map[string]int{}}
}

func (p *testProvider) Connect(ctx context.Context, block config.PluginBlock) (worker.Conn, <-chan struct{}, error) {
	for {
		p.mu.Lock()
		ch := p.held[block.Name]
		p.mu.Unlock()
		if ch == nil {
			break
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	if p.idle {
		c := &testConn{Conn: idleConn{block.Name}, lost: make(chan struct{})}
		p.mu.Lock()
		p.cur[block.Name] = c
		p.connects[block.Name]++
		p.mu.Unlock()
		return c, c.lost, nil
	}
	base := filepath.Join(p.dir, "workers", block.Name)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, nil, err
	}
	r := runner.New(base, runner.Options{BufferTimeout: 5 * time.Millisecond})
	c := &testConn{Conn: r.Conn(), lost: make(chan struct{})}
	p.mu.Lock()
	p.cur[block.Name] = c
	p.connects[block.Name]++
	p.mu.Unlock()
	return c, c.lost, nil
}

// lose closes a worker's connection and keeps it from reconnecting until
// release.
func (p *testProvider) lose(name string) {
	p.mu.Lock()
	c := p.cur[name]
	if p.held[name] == nil {
		p.held[name] = make(chan struct{})
	}
	p.mu.Unlock()
	if c != nil {
		c.close()
	}
}

func (p *testProvider) release(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch := p.held[name]; ch != nil {
		close(ch)
		delete(p.held, name)
	}
}

// testConn is a runner connection that can be lost.
type testConn struct {
	worker.Conn
	once sync.Once
	lost chan struct{}
}

func (c *testConn) close() { c.once.Do(func() { close(c.lost) }) }

func (c *testConn) RunCommand(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	select {
	case <-c.lost:
		return worker.ErrConnectionLost
	default:
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.lost:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := c.Conn.RunCommand(ctx, cmd, sink)
	select {
	case <-c.lost:
		return fmt.Errorf("command %s: %w", cmd.ID, worker.ErrConnectionLost)
	default:
	}
	return err
}

// hold keeps a worker from connecting until release.
func (p *testProvider) hold(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held[name] == nil {
		p.held[name] = make(chan struct{})
	}
}

// requestResults returns a request's results (-1 or nil while pending).
func (h *harness) requestResults(brid int64) (complete bool, res int) {
	h.t.Helper()
	items := h.get(fmt.Sprintf("buildrequests/%d", brid), nil)
	if len(items) != 1 {
		h.t.Fatalf("buildrequest %d: %d items", brid, len(items))
	}
	br := items[0].(*data.BuildRequest)
	r := -1
	if br.Results != nil {
		r = *br.Results
	}
	return br.Complete, r
}

func sleepMs(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }

// dataBuildset is a buildset of one builder with a reason.
func dataBuildset(builderID int64, reason string) data.BuildsetInput {
	return data.BuildsetInput{Scheduler: "test", Reason: reason,
		SourceStamps: []db.SourceStampRef{{Spec: &db.SourceStampSpec{}}}, BuilderIDs: []int64{builderID}}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

// builderDescription reads a builders item's description.
func builderDescription(it any) *string {
	if b, ok := it.(*data.Builder); ok {
		return b.Description
	}
	return nil
}

// forKinds runs fn on an SQLite file and on PostgreSQL (skipped, or failed
// with CI=true, when PostgreSQL is unreachable).
func forKinds(t *testing.T, fn func(t *testing.T, kind dbtest.Kind)) {
	for _, k := range []dbtest.Kind{dbtest.SQLiteFile, dbtest.Postgres} {
		t.Run(string(k), func(t *testing.T) { fn(t, k) })
	}
}
