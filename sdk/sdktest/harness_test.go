package sdktest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/changesource"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/sdktest"
	"github.com/bbhost/bbhost/sdk/usermanager"
	"github.com/bbhost/bbhost/sdk/worker"
)

// counter emits Count changes with its progress in state, one per Poll.
type counter struct {
	host base.Host
	cfg  struct {
		Count int    `hcl:"count"`
		Repo  string `hcl:"repository,optional"`
	}
	ref base.Ref
	mu  sync.Mutex
}

func (c *counter) Configure(ctx context.Context, req base.ConfigureRequest) error {
	c.host, c.ref = req.Host, req.Ref
	return req.Decode(&c.cfg)
}
func (c *counter) Start(ctx context.Context) error             { return nil }
func (c *counter) Stop(ctx context.Context, _ time.Time) error { return nil }

func (c *counter) Poll(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	obj, err := base.LoadObject(ctx, c.host, c.ref.Name, "counter")
	if err != nil {
		return err
	}
	var done int
	ver, err := obj.Get(ctx, "done", &done)
	if err != nil {
		return err
	}
	if done >= c.cfg.Count {
		return nil
	}
	w, err := obj.Write("done", done+1, ver)
	if err != nil {
		return err
	}
	rev := fmt.Sprint(done + 1)
	_, err = c.host.AddChange(ctx, base.Change{Author: "me", Comments: "change " + rev, Revision: &rev, Repository: c.cfg.Repo}, w)
	return err
}

// echo builds every change once, and can be forced and triggered.
type echo struct {
	host     base.Host
	ref      base.Ref
	builders []string
	cancel   context.CancelFunc
	done     chan struct{}
}

func (e *echo) Configure(ctx context.Context, req base.ConfigureRequest) error {
	e.host, e.ref, e.builders = req.Host, req.Ref, req.Common.Builders
	return nil
}

func (e *echo) Start(ctx context.Context) error {
	obj, err := base.LoadObject(ctx, e.host, e.ref.Name, "echo")
	if err != nil {
		return err
	}
	var cursor int64
	ver, err := obj.Get(ctx, "cursor", &cursor)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.Background())
	sub, err := e.host.Subscribe(rctx, base.SubscribeRequest{Changes: true, ChangesAfter: cursor})
	if err != nil {
		cancel()
		return err
	}
	e.cancel, e.done = cancel, make(chan struct{})
	go func() {
		defer close(e.done)
		defer sub.Close()
		for {
			ev, err := sub.Recv()
			if err != nil {
				return
			}
			if ev.Kind != base.EventChange {
				continue
			}
			w, _ := obj.Write("cursor", ev.Change.ChangeID, ver)
			res, err := e.host.AddBuildset(rctx, base.BuildsetSpec{Reason: "change", BuilderNames: e.builders,
				SourceStamps: []base.SourceStamp{*ev.Change.SourceStamp}}, w)
			if err != nil {
				return
			}
			ver = res.StateVersions[0]
		}
	}()
	return nil
}

func (e *echo) Stop(ctx context.Context, _ time.Time) error {
	if e.cancel != nil {
		e.cancel()
		<-e.done
	}
	return nil
}

func (e *echo) ForceSpec(ctx context.Context) (scheduler.ForceSpec, error) {
	return scheduler.ForceSpec{ButtonName: "Go", Label: e.ref.Name, BuilderNames: e.builders}, nil
}

func (e *echo) Force(ctx context.Context, req scheduler.ForceRequest) (base.BuildsetResult, error) {
	if req.Reason == "" {
		return base.BuildsetResult{}, &scheduler.ValidationError{Fields: map[string]string{"reason": "required"}}
	}
	props := map[string]base.Property{"owner": {Value: req.Owner, Source: "Force Build Form"}}
	for k, v := range req.Properties {
		props[k] = base.Property{Value: v, Source: "Force Build Form"}
	}
	br := req.Codebases[""].Branch
	return e.host.AddBuildset(ctx, base.BuildsetSpec{Reason: req.Reason, BuilderNames: e.builders, Properties: props,
		SourceStamps: []base.SourceStamp{{Branch: &br}}})
}

func (e *echo) Trigger(ctx context.Context, req scheduler.TriggerRequest) (base.BuildsetResult, error) {
	return e.host.AddBuildset(ctx, base.BuildsetSpec{Reason: "triggered", BuilderNames: e.builders, SourceStamps: req.SourceStamps,
		Properties: req.Properties, WaitedFor: req.WaitedFor, ParentBuildID: req.ParentBuildID})
}

// mem is a worker whose commands are scripted.
type mem struct {
	mu          sync.Mutex
	interrupted map[string]chan string
}

func (m *mem) Configure(ctx context.Context, req base.ConfigureRequest) error {
	m.interrupted = map[string]chan string{}
	return nil
}
func (m *mem) Start(ctx context.Context) error             { return nil }
func (m *mem) Stop(ctx context.Context, _ time.Time) error { return nil }
func (m *mem) Info(ctx context.Context) (worker.Info, error) {
	return worker.Info{"host": "mem", "numcpus": int64(2)}, nil
}

func (m *mem) RunCommand(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	switch cmd.Name {
	case worker.CmdShell:
		argv, _ := cmd.Args["command"].([]string)
		if err := sink.Update(worker.Update{Key: "stdout", Text: strings.Join(argv, " ") + "\n"}); err != nil {
			return err
		}
		if err := sink.Update(worker.Update{Key: "rc", RC: 0}); err != nil {
			return err
		}
	case worker.CmdUploadFile:
		for i := 0; i < 3; i++ {
			if err := sink.UploadWrite([]byte(fmt.Sprintf("block%d;", i))); err != nil {
				_ = sink.Update(worker.Update{Key: "rc", RC: 1})
				return nil
			}
		}
		if err := sink.UploadClose(); err != nil {
			return err
		}
		_ = sink.Update(worker.Update{Key: "rc", RC: 0})
	case worker.CmdDownloadFile:
		var got []byte
		for {
			b, err := sink.DownloadRead(4)
			if err != nil {
				return err
			}
			if len(b) == 0 {
				break
			}
			got = append(got, b...)
		}
		_ = sink.DownloadClose()
		_ = sink.Update(worker.Update{Key: "stdout", Text: string(got) + "\n"})
		_ = sink.Update(worker.Update{Key: "rc", RC: 0})
	case "sleep":
		ch := make(chan string, 1)
		m.mu.Lock()
		m.interrupted[cmd.ID] = ch
		m.mu.Unlock()
		_ = sink.Update(worker.Update{Key: "header", Text: "sleeping\n"})
		select {
		case why := <-ch:
			_ = sink.Update(worker.Update{Key: "header", Text: "interrupted: " + why + "\n"})
			_ = sink.Update(worker.Update{Key: "rc", RC: -1})
		case <-ctx.Done():
			return ctx.Err()
		}
	default:
		return fmt.Errorf("unknown command %q", cmd.Name)
	}
	return nil
}

func (m *mem) Interrupt(ctx context.Context, id, why string) error {
	m.mu.Lock()
	ch := m.interrupted[id]
	m.mu.Unlock()
	if ch != nil {
		ch <- why
	}
	return nil
}

type um struct{ host base.Host }

func (u *um) Configure(ctx context.Context, req base.ConfigureRequest) error {
	u.host = req.Host
	return nil
}
func (u *um) Start(ctx context.Context) error {
	_, err := u.host.FindUserByAttr(ctx, "alice", "email", "alice@example.com")
	return err
}
func (u *um) Stop(ctx context.Context, _ time.Time) error { return nil }

func testPlugin() sdk.Plugin {
	return sdk.Plugin{Name: "test", Version: "1.2.3", Components: []sdk.Component{
		changesource.Component{Kind: "counter", Docs: "counts", Config: struct {
			Count int    `hcl:"count"`
			Repo  string `hcl:"repository,optional"`
		}{}, New: func() changesource.ChangeSource { return &counter{} }},
		scheduler.Component{Kind: "echo", New: func() scheduler.Scheduler { return &echo{} }},
		worker.Component{Kind: "mem", New: func() worker.Worker { return &mem{} }},
		usermanager.Component{Kind: "um", New: func() usermanager.UserManager { return &um{} }},
	}}
}

func TestDescribe(t *testing.T) {
	h := sdktest.New(t, testPlugin())
	if h.Info.Name != "test" || h.Info.Version != "1.2.3" || len(h.Info.Components) != 4 {
		t.Fatalf("%+v", h.Info)
	}
	cs, _ := h.Info.Component(base.TypeChangeSource, "counter")
	if !cs.Has("poll") || cs.Schema.Attribute("count") == nil || !cs.Schema.Attribute("count").Required {
		t.Errorf("counter: %+v", cs)
	}
	sc, _ := h.Info.Component(base.TypeScheduler, "echo")
	if !sc.Has("force") || !sc.Has("trigger") {
		t.Errorf("echo capabilities %v", sc.Capabilities)
	}
	d, err := h.Validate(base.TypeChangeSource, "counter", `count = "many"`)
	if err == nil && !d.HasErrors() {
		t.Error("count = \"many\" accepted")
	}
}

func TestChangeSourceAndScheduler(t *testing.T) {
	h := sdktest.New(t, testPlugin())
	ctx := context.Background()
	sched := h.Scheduler(t, "echo", "on-change", "", "b1", "b2")
	if err := sched.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cs := h.ChangeSource(t, "counter", "c", `count = 3`)
	if err := cs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := cs.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	changes := h.Master.WaitChanges(t, 3, 5*time.Second)
	if len(changes) != 3 {
		t.Fatalf("%d changes, want 3 (count = 3)", len(changes))
	}
	bss := h.Master.WaitBuildsets(t, 3, 5*time.Second)
	if len(bss[0].BRIDs) != 2 || bss[0].Scheduler != "on-change" {
		t.Errorf("buildset %+v", bss[0])
	}
	// A restart of the scheduler resumes after its cursor: no buildset twice.
	if err := sched.Stop(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	h.Master.InjectChange(base.Change{Author: "other", Comments: "while stopped"})
	sched2 := h.Scheduler(t, "echo", "on-change", "", "b1")
	if err := sched2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	h.Master.WaitBuildsets(t, 4, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	if n := len(h.Master.Buildsets()); n != 4 {
		t.Errorf("%d buildsets after restart, want 4", n)
	}
	if st, ok := h.Master.State("on-change", "echo", "cursor"); !ok || string(st.Value) != "4" {
		t.Errorf("cursor state %s %v", st.Value, ok)
	}

	res, err := sched2.Force(ctx, scheduler.ForceRequest{Owner: "bob", Reason: "because",
		Codebases: map[string]scheduler.CodebaseRequest{"": {Branch: "dev"}}, Properties: map[string]any{"n": int64(3)}})
	if err != nil {
		t.Fatal(err)
	}
	bs, ok, _ := h.Master.GetBuildset(ctx, base.Ref{}, res.BSID)
	if !ok || bs.Reason != "because" || *bs.SourceStamps[0].Branch != "dev" {
		t.Errorf("forced buildset %+v", bs)
	}
	_, err = sched2.Force(ctx, scheduler.ForceRequest{Owner: "bob"})
	var ve *scheduler.ValidationError
	if !errors.As(err, &ve) || ve.Fields["reason"] != "required" {
		t.Errorf("force without a reason: %v", err)
	}
	spec, err := sched2.ForceSpec(ctx)
	if err != nil || spec.ButtonName != "Go" {
		t.Errorf("force spec %+v %v", spec, err)
	}
	parent := int64(9)
	res, err = sched2.Trigger(ctx, scheduler.TriggerRequest{WaitedFor: true, ParentBuildID: &parent,
		Properties: map[string]base.Property{"p": {Value: "v", Source: "Trigger"}}})
	if err != nil || res.BSID == 0 {
		t.Fatalf("trigger: %v", err)
	}
}

func TestStaleGeneration(t *testing.T) {
	h := sdktest.New(t, testPlugin())
	ctx := context.Background()
	cs := h.ChangeSource(t, "counter", "c", `count = 5`)
	if err := cs.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	// The master moves on to generation 2 without telling this instance.
	h.Master.SetGeneration(base.Ref{Type: base.TypeChangeSource, Name: "c", Generation: 2})
	if err := cs.Poll(ctx); !errors.Is(err, base.ErrStale) {
		t.Errorf("poll from a stale generation: %v", err)
	}
	// Reconfiguring in place brings it to the current generation.
	if err := h.Configure(cs, base.TypeChangeSource, "counter", "c", `count = 5`, base.Common{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.Poll(ctx); err != nil {
		t.Errorf("poll after reconfigure: %v", err)
	}
	if n := len(h.Master.Changes()); n != 2 {
		t.Errorf("%d changes, want 2", n)
	}
}

func TestWorker(t *testing.T) {
	h := sdktest.New(t, testPlugin())
	ctx := context.Background()
	w := h.Worker(t, "mem", "w1", "")
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	conn := w.Conn()
	if conn.Info()["host"] != "mem" {
		t.Errorf("info %v", conn.Info())
	}
	sink := &worker.RecordingSink{}
	if err := conn.RunCommand(ctx, worker.Command{ID: "1", Name: worker.CmdShell, Args: map[string]any{"command": []string{"echo", "hi"}}}, sink); err != nil {
		t.Fatal(err)
	}
	if got := sink.Text("stdout"); got != "echo hi\n" {
		t.Errorf("stdout %q", got)
	}
	up := &worker.RecordingSink{}
	if err := conn.RunCommand(ctx, worker.Command{ID: "2", Name: worker.CmdUploadFile}, up); err != nil {
		t.Fatal(err)
	}
	if data, closed := up.Uploaded(); string(data) != "block0;block1;block2;" || !closed {
		t.Errorf("upload %q closed=%v", data, closed)
	}
	failing := &worker.RecordingSink{FailUpload: errors.New("disk full")}
	if err := conn.RunCommand(ctx, worker.Command{ID: "3", Name: worker.CmdUploadFile}, failing); err != nil {
		t.Fatal(err)
	}
	if u := failing.Updates(); len(u) != 1 || u[0].RC != 1 {
		t.Errorf("failed upload updates %+v", u)
	}
	down := &worker.RecordingSink{Download: []byte("0123456789")}
	if err := conn.RunCommand(ctx, worker.Command{ID: "4", Name: worker.CmdDownloadFile}, down); err != nil {
		t.Fatal(err)
	}
	if got := down.Text("stdout"); got != "0123456789\n" {
		t.Errorf("download %q", got)
	}
	if err := conn.RunCommand(ctx, worker.Command{ID: "5", Name: "nope"}, &worker.RecordingSink{}); err == nil || errors.Is(err, worker.ErrConnectionLost) {
		t.Errorf("unknown command: %v", err)
	}
	sl := &worker.RecordingSink{}
	done := make(chan error, 1)
	go func() { done <- conn.RunCommand(ctx, worker.Command{ID: "6", Name: "sleep"}, sl) }()
	deadline := time.Now().Add(5 * time.Second)
	for sl.Text("header") == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := conn.Interrupt(ctx, "6", "stop it"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sl.Text("header"), "interrupted: stop it") {
		t.Errorf("header %q", sl.Text("header"))
	}
	if err := w.Substantiate(ctx, worker.SubstantiateRequest{}); !errors.Is(err, base.ErrUnsupported) {
		t.Errorf("substantiate on a non-latent worker: %v", err)
	}
	// Abandoning a command (ctx cancelled) is a lost connection.
	cctx, cancel := context.WithCancel(ctx)
	sl2 := &worker.RecordingSink{}
	go func() { done <- conn.RunCommand(cctx, worker.Command{ID: "7", Name: "sleep"}, sl2) }()
	for sl2.Text("header") == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, worker.ErrConnectionLost) {
		t.Errorf("abandoned command: %v", err)
	}
}

func TestUserManager(t *testing.T) {
	h := sdktest.New(t, testPlugin())
	u := h.UserManager(t, "um", "users", "")
	if err := u.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	uid, ok, _ := h.Master.IdentifierToUID(context.Background(), base.Ref{}, "alice")
	if !ok || uid == 0 {
		t.Error("user manager did not create alice")
	}
}
