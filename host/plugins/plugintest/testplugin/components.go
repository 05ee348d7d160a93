package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/worker"
)

type counterConfig struct {
	Count        int    `hcl:"count"`
	PollInterval string `hcl:"poll_interval,optional"`
}

type counter struct {
	mu     sync.Mutex
	cfg    counterConfig
	host   base.Host
	ref    base.Ref
	cancel context.CancelFunc
	done   chan struct{}
}

func (c *counter) Configure(ctx context.Context, req base.ConfigureRequest) error {
	cfg := counterConfig{PollInterval: "1h"}
	if err := req.Decode(&cfg); err != nil {
		return err
	}
	if _, err := time.ParseDuration(cfg.PollInterval); err != nil {
		return base.Diagnostics{base.AttrError("poll_interval", "Bad interval", err.Error())}.Err()
	}
	c.mu.Lock()
	c.cfg, c.host, c.ref = cfg, req.Host, req.Ref
	c.mu.Unlock()
	return nil
}

func (c *counter) Start(ctx context.Context) error {
	lctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		for {
			c.mu.Lock()
			d, _ := time.ParseDuration(c.cfg.PollInterval)
			c.mu.Unlock()
			select {
			case <-lctx.Done():
				return
			case <-time.After(d):
				_ = c.Poll(lctx)
			}
		}
	}()
	return nil
}

func (c *counter) Stop(ctx context.Context, _ time.Time) error {
	if c.cancel != nil {
		c.cancel()
		<-c.done
	}
	return nil
}

func (c *counter) Poll(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	obj, err := base.LoadObject(ctx, c.host, c.ref.Name, "counter")
	if err != nil {
		return err
	}
	var done int
	ver, err := obj.Get(ctx, "done", &done)
	if err != nil || done >= c.cfg.Count {
		return err
	}
	w, err := obj.Write("done", done+1, ver)
	if err != nil {
		return err
	}
	rev := fmt.Sprint(done + 1)
	_, err = c.host.AddChange(ctx, base.Change{Author: "counter", Comments: "change " + rev, Revision: &rev}, w)
	return err
}

type echoConfig struct {
	Label string `hcl:"label,optional"`
}

type echo struct {
	host     base.Host
	ref      base.Ref
	cfg      echoConfig
	builders []string
	cancel   context.CancelFunc
	done     chan struct{}
}

func (e *echo) Configure(ctx context.Context, req base.ConfigureRequest) error {
	e.host, e.ref, e.builders = req.Host, req.Ref, req.Common.Builders
	return req.Decode(&e.cfg)
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
	sub, err := e.host.Subscribe(rctx, base.SubscribeRequest{Changes: true, ChangesAfter: cursor, Buildsets: true})
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
			switch ev.Kind {
			case base.EventChange:
				w, _ := obj.Write("cursor", ev.Change.ChangeID, ver)
				res, err := e.host.AddBuildset(rctx, base.BuildsetSpec{Reason: "change " + fmt.Sprint(ev.Change.ChangeID),
					BuilderNames: e.builders, SourceStamps: []base.SourceStamp{*ev.Change.SourceStamp}}, w)
				if err != nil {
					return
				}
				ver = res.StateVersions[0]
			case base.EventBuildsetComplete:
				v, _ := json.Marshal(ev.Buildset.BSID)
				_, _ = e.host.SetState(rctx, base.StateWrite{ObjectID: obj.ID, Name: "last_complete", Value: v, Unconditional: true})
			}
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
	field, _ := json.Marshal(map[string]any{"name": "reason", "fullName": "reason", "type": "text", "default": "force build", "required": true})
	return scheduler.ForceSpec{ButtonName: "Force " + e.ref.Name, Label: e.cfg.Label, BuilderNames: e.builders, AllFields: []json.RawMessage{field}}, nil
}

func (e *echo) Force(ctx context.Context, req scheduler.ForceRequest) (base.BuildsetResult, error) {
	if req.Reason == "" {
		return base.BuildsetResult{}, &scheduler.ValidationError{Fields: map[string]string{"reason": "required"}}
	}
	owner := req.Owner
	if u, ok := req.Fields["username"].(string); ok && owner == "" {
		owner = u // an anonymous caller names itself in the form, as Buildbot's
	}
	return e.host.AddBuildset(ctx, base.BuildsetSpec{Reason: fmt.Sprintf("A build was forced by '%s': %s", owner, req.Reason),
		BuilderNames: e.builders, SourceStamps: []base.SourceStamp{{}}})
}

func (e *echo) Trigger(ctx context.Context, req scheduler.TriggerRequest) (base.BuildsetResult, error) {
	return e.host.AddBuildset(ctx, base.BuildsetSpec{Reason: "triggered", BuilderNames: e.builders, SourceStamps: req.SourceStamps,
		WaitedFor: req.WaitedFor, ParentBuildID: req.ParentBuildID})
}

type memConfig struct {
	Greeting string `hcl:"greeting,optional"`
}

type mem struct {
	mu   sync.Mutex
	cfg  memConfig
	host base.Host
	ints map[string]chan string
}

func (m *mem) Configure(ctx context.Context, req base.ConfigureRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ints == nil {
		m.ints = map[string]chan string{}
	}
	m.host = req.Host
	return req.Decode(&m.cfg)
}
func (m *mem) Start(ctx context.Context) error             { return nil }
func (m *mem) Stop(ctx context.Context, _ time.Time) error { return nil }

func (m *mem) Info(ctx context.Context) (worker.Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return worker.Info{"host": "mem", "greeting": m.cfg.Greeting, "version": version}, nil
}

func (m *mem) RunCommand(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	switch cmd.Name {
	case worker.CmdShell:
		var argv []string
		switch v := cmd.Args["command"].(type) {
		case []string:
			argv = v
		case string:
			argv = []string{v}
		}
		if err := sink.Update(worker.Update{Key: "stdout", Text: strings.Join(argv, " ") + " (" + version + ")\n"}); err != nil {
			return err
		}
		return sink.Update(worker.Update{Key: "rc", RC: 0})
	case worker.CmdUploadFile:
		if err := sink.UploadWrite([]byte("data")); err != nil {
			return err
		}
		if err := sink.UploadClose(); err != nil {
			return err
		}
		return sink.Update(worker.Update{Key: "rc", RC: 0})
	case "bench_addchange":
		return m.benchAddChange(ctx, cmd, sink)
	case "sleep":
		ch := make(chan string, 1)
		m.mu.Lock()
		m.ints[cmd.ID] = ch
		m.mu.Unlock()
		if err := sink.Update(worker.Update{Key: "header", Text: "sleeping\n"}); err != nil {
			return err
		}
		select {
		case why := <-ch:
			_ = sink.Update(worker.Update{Key: "header", Text: "interrupted: " + why + "\n"})
			return sink.Update(worker.Update{Key: "rc", RC: -1})
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.New("unknown command " + cmd.Name)
}

func (m *mem) Interrupt(ctx context.Context, id, why string) error {
	m.mu.Lock()
	ch := m.ints[id]
	m.mu.Unlock()
	if ch != nil {
		ch <- why
	}
	return nil
}

type umConfig struct {
	Identifier string `hcl:"identifier"`
}

type um struct {
	host base.Host
	cfg  umConfig
}

func (u *um) Configure(ctx context.Context, req base.ConfigureRequest) error {
	u.host = req.Host
	return req.Decode(&u.cfg)
}

func (u *um) Start(ctx context.Context) error {
	_, err := u.host.FindUserByAttr(ctx, u.cfg.Identifier, "email", u.cfg.Identifier+"@example.com")
	return err
}

func (u *um) Stop(ctx context.Context, _ time.Time) error { return nil }

// benchAddChange calls Host.AddChange n times with parallel calls in
// flight and reports the latencies as JSON on stdout: the master's
// host-service round trip through the go-plugin broker.
func (m *mem) benchAddChange(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	n, _ := cmd.Args["n"].(int64)
	par, _ := cmd.Args["parallel"].(int64)
	if n <= 0 || par <= 0 {
		return errors.New("bench_addchange needs n and parallel")
	}
	m.mu.Lock()
	host := m.host
	m.mu.Unlock()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for w := int64(0); w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				if _, err := host.AddChange(ctx, base.Change{Author: "bench", Comments: "bench"}); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	if err, ok := firstErr.Load().(error); ok {
		return err
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	out, _ := json.Marshal(map[string]float64{
		"p50_us":  float64(lat[n/2].Microseconds()),
		"p99_us":  float64(lat[n*99/100].Microseconds()),
		"per_sec": float64(n) / total.Seconds(),
	})
	if err := sink.Update(worker.Update{Key: "stdout", Text: string(out) + "\n"}); err != nil {
		return err
	}
	return sink.Update(worker.Update{Key: "rc", RC: 0})
}
