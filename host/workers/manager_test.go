package workers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/sdk/worker"
)

// fakeConn is a connection whose commands succeed at once.
type fakeConn struct{ name string }

func (c fakeConn) Info() worker.Info {
	return worker.Info{"host": c.name, "basedir": "/w/" + c.name}
}
func (fakeConn) RunCommand(context.Context, worker.Command, worker.Sink) error { return nil }
func (fakeConn) Interrupt(context.Context, string, string) error               { return nil }

// provider hands out connections that tests can lose; it records
// disconnect requests.
type provider struct {
	mu          sync.Mutex
	lost        map[string]chan struct{}
	connects    map[string]int
	disconnects []string
}

func newProvider() *provider {
	return &provider{lost: map[string]chan struct{}{}, connects: map[string]int{}}
}

func (p *provider) Connect(ctx context.Context, b config.PluginBlock) (worker.Conn, <-chan struct{}, error) {
	ch := make(chan struct{})
	p.mu.Lock()
	p.lost[b.Name] = ch
	p.connects[b.Name]++
	p.mu.Unlock()
	return fakeConn{b.Name}, ch, nil
}

func (p *provider) Disconnect(ctx context.Context, name string, graceful bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.disconnects = append(p.disconnects, fmt.Sprintf("%s:%v", name, graceful))
	if ch := p.lost[name]; ch != nil {
		close(ch)
		delete(p.lost, name)
	}
	return nil
}

func (p *provider) lose(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch := p.lost[name]; ch != nil {
		close(ch)
		delete(p.lost, name)
	}
}

func (p *provider) count(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connects[name]
}

// listener records the manager's notifications.
type listener struct {
	mu     sync.Mutex
	events []string
}

func (l *listener) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}
func (l *listener) WorkerAttached(w *Worker)  { l.add("attached " + w.Name()) }
func (l *listener) WorkerDetached(w *Worker)  { l.add("detached " + w.Name()) }
func (l *listener) WorkerAvailable(w *Worker) { l.add("available " + w.Name()) }
func (l *listener) BuilderIDsForWorker(string) []int64 {
	return nil
}
func (l *listener) has(e string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.events {
		if x == e {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type env struct {
	t        *testing.T
	ctx      context.Context
	dir      string
	db       *db.DB
	mq       *mq.Simple
	data     *data.Connector
	api      *data.API
	prov     *provider
	lis      *listener
	m        *Manager
	masterID int64
}

func newEnv(t *testing.T, kind dbtest.Kind) *env {
	e := &env{t: t, ctx: context.Background(), dir: t.TempDir(), prov: newProvider(), lis: &listener{}}
	e.db = dbtest.Open(t, kind, db.Options{Basedir: e.dir})
	e.mq = mq.NewSimple()
	e.data = data.New(e.db, e.mq, data.Options{})
	e.api = data.NewAPI(data.APIOptions{DB: e.db, MQ: e.mq})
	var err error
	if e.masterID, err = e.data.FindMasterID(e.ctx, "m"); err != nil {
		t.Fatal(err)
	}
	e.m = New(Options{MQ: e.mq, Updates: e.data, Provider: e.prov, MasterID: func() int64 { return e.masterID }})
	e.m.SetListener(e.lis)
	if err := e.m.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.m.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return e
}

func (e *env) configure(hcl string) {
	e.t.Helper()
	path := filepath.Join(e.dir, fmt.Sprintf("c%d.hcl", time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(hcl), 0o644); err != nil {
		e.t.Fatal(err)
	}
	cfg, diags := config.Load(path, config.LoadOptions{Hostname: "t"})
	if diags.HasErrors() {
		e.t.Fatal(diags.Error())
	}
	commit, err := e.m.Reconfigure(e.ctx, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	commit(e.ctx)
}

func (e *env) apiWorker(id int64) *data.Worker {
	e.t.Helper()
	res, err := e.api.Get(e.ctx, fmt.Sprintf("workers/%d", id), nil)
	if err != nil || len(res.Items) != 1 {
		e.t.Fatalf("workers/%d: %v", id, err)
	}
	return res.Items[0].(*data.Worker)
}

func TestConnectLoseReconnect(t *testing.T) {
	e := newEnv(t, dbtest.SQLiteFile)
	e.configure(`worker "local" "w1" { max_builds = 2 }`)
	w := e.m.Worker("w1")
	if w == nil || w.ID() == 0 {
		t.Fatal("worker not registered")
	}
	waitFor(t, "attach", func() bool { return e.lis.has("attached w1") })
	if !w.Connected() || w.Info()["host"] != "w1" {
		t.Fatalf("connected %v info %v", w.Connected(), w.Info())
	}
	if got := e.apiWorker(w.ID()); len(got.ConnectedTo) != 1 || got.ConnectedTo[0].MasterID != e.masterID ||
		got.WorkerInfo["host"] != "w1" {
		t.Fatalf("worker row %+v", got)
	}
	e.prov.lose("w1")
	waitFor(t, "detach", func() bool { return e.lis.has("detached w1") })
	waitFor(t, "reconnect", func() bool { return e.prov.count("w1") == 2 && w.Connected() })
	waitFor(t, "connected row", func() bool { return len(e.apiWorker(w.ID()).ConnectedTo) == 1 })
}

func TestMaxBuildsQuarantineAndControls(t *testing.T) {
	e := newEnv(t, dbtest.SQLiteFile)
	e.configure(`worker "local" "w1" { max_builds = 2 }`)
	w := e.m.Worker("w1")
	waitFor(t, "attach", w.Connected)
	if !w.TryStartBuild() || !w.TryStartBuild() {
		t.Fatal("two build slots not available")
	}
	if w.TryStartBuild() || w.CanStartBuild() {
		t.Fatal("a third build fits under max_builds = 2")
	}
	w.BuildFinished()
	if !w.CanStartBuild() || !e.lis.has("available w1") {
		t.Fatal("a finished build did not free its slot")
	}
	w.BuildFinished()

	w.PutInQuarantine()
	if w.CanStartBuild() {
		t.Fatal("quarantined worker can start builds")
	}
	w.ResetQuarantine()
	if !w.CanStartBuild() {
		t.Fatal("quarantine reset did not free the worker")
	}

	key := func(action string) mq.Key { return mq.Key{"control", "worker", fmt.Sprint(w.ID()), action} }
	e.mq.Produce(key("pause"), map[string]any{"reason": "x"})
	waitFor(t, "pause", w.Paused)
	if w.CanStartBuild() || !e.apiWorker(w.ID()).Paused {
		t.Fatal("paused worker can start builds, or not paused in the data API")
	}
	e.mq.Produce(key("unpause"), nil)
	waitFor(t, "unpause", func() bool { return !w.Paused() })

	// graceful stop with a build running: the worker is asked to shut down
	// once the build ends.
	if !w.TryStartBuild() {
		t.Fatal("no slot")
	}
	e.mq.Produce(key("stop"), nil)
	waitFor(t, "graceful", w.Graceful)
	if w.CanStartBuild() {
		t.Fatal("a worker shutting down takes builds")
	}
	time.Sleep(20 * time.Millisecond)
	e.prov.mu.Lock()
	n := len(e.prov.disconnects)
	e.prov.mu.Unlock()
	if n != 0 {
		t.Fatal("worker shut down while a build ran")
	}
	w.BuildFinished()
	waitFor(t, "graceful shutdown", func() bool {
		e.prov.mu.Lock()
		defer e.prov.mu.Unlock()
		return len(e.prov.disconnects) == 1 && e.prov.disconnects[0] == "w1:true"
	})
}

func TestReconfigureInPlaceAndRemove(t *testing.T) {
	e := newEnv(t, dbtest.SQLiteFile)
	e.configure(`
worker "local" "w1" { max_builds = 1 }
worker "local" "w2" {}
`)
	w1 := e.m.Worker("w1")
	waitFor(t, "attach", func() bool { return w1.Connected() && e.m.Worker("w2").Connected() })
	e.configure(`worker "local" "w1" {
  max_builds = 3
  properties = { os = "linux" }
}`)
	if e.m.Worker("w1") != w1 || w1.MaxBuilds() != 3 || w1.Properties()["os"] != "linux" {
		t.Fatal("changed worker was not reconfigured in place")
	}
	if e.prov.count("w1") != 1 || !w1.Connected() {
		t.Fatal("reconfiguration dropped the connection")
	}
	if e.m.Worker("w2") != nil {
		t.Fatal("removed worker still managed")
	}
	waitFor(t, "detach w2", func() bool { return e.lis.has("detached w2") })
}
