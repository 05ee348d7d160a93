package workers

import (
	"context"
	"errors"
	"testing"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/sdk/worker"
)

// pushProvider serves the `remote` kind by pushing connections; it fails the
// test if the manager ever waits in Connect for a pushed worker.
type pushProvider struct {
	*provider
	t *testing.T
}

func (p pushProvider) Pushes(kind string) bool { return kind == "remote" }

func (p pushProvider) Connect(ctx context.Context, b config.PluginBlock) (worker.Conn, <-chan struct{}, error) {
	if b.Kind == "remote" {
		p.t.Errorf("Connect called for the pushed worker %q", b.Name)
	}
	return p.provider.Connect(ctx, b)
}

func TestPushedConnections(t *testing.T) {
	e := newEnv(t, dbtest.SQLiteFile)
	prov := pushProvider{provider: e.prov, t: t}
	e.m.provider = &Mux{Kinds: map[string]ConnProvider{"remote": prov}, Default: e.prov}
	e.configure(`
worker "remote" "r1" { password = "pw" }
worker "local" "l1" {}
`)
	r1 := e.m.Worker("r1")
	waitFor(t, "the pulled worker", e.m.Worker("l1").Connected)
	if r1.Connected() {
		t.Fatal("a pushed worker connected by itself")
	}
	lost := make(chan struct{})
	if err := e.m.Attach("r1", fakeConn{"r1"}, lost); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pushed connection", r1.Connected)
	if err := e.m.Attach("r1", fakeConn{"r1"}, make(chan struct{})); !errors.Is(err, ErrAlreadyConnected) {
		t.Errorf("second connection: %v", err)
	}
	if err := e.m.Attach("nobody", fakeConn{"nobody"}, make(chan struct{})); !errors.Is(err, ErrUnknownWorker) {
		t.Errorf("unknown worker: %v", err)
	}
	close(lost)
	waitFor(t, "the loss", func() bool { return !r1.Connected() })
	// It may connect again once the loss is recorded (a worker that logs in
	// meanwhile is refused and retries, as with Buildbot), and Stop ends a
	// held connection.
	waitFor(t, "a new connection accepted", func() bool {
		err := e.m.Attach("r1", fakeConn{"r1"}, make(chan struct{}))
		if err != nil && !errors.Is(err, ErrAlreadyConnected) {
			t.Fatal(err)
		}
		return err == nil
	})
	waitFor(t, "the second connection", r1.Connected)
	if err := r1.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	if r1.Connected() {
		t.Error("connected after Stop")
	}
	if err := r1.attach(fakeConn{"r1"}, make(chan struct{})); !errors.Is(err, ErrNotRunning) {
		t.Errorf("attach after Stop: %v", err)
	}
}
