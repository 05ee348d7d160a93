package data

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

type recordedEnable struct {
	mu    sync.Mutex
	calls []string
}

func (r *recordedEnable) SchedulerEnable(_ context.Context, id int64, enabled bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%d=%v", id, enabled))
	return nil
}

func TestControl(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		a, m := newFixtureAPI(t, d)
		ctx := context.Background()
		var got []string
		m.Consume(mq.Key{"control", "#"}, func(k mq.Key, body any) {
			got = append(got, fmt.Sprintf("%s %v", k, body))
		})
		for _, c := range []struct{ path, action string }{
			{"workers/1", "pause"},
			{"workers/w1", "unpause"},
			{"masters/1/workers/w0", "stop"},
			{"builders/2/workers/2", "kill"},
		} {
			res, err := a.Control(ctx, c.path, c.action, map[string]any{"reason": "because", "owner": "me"})
			if err != nil || res != nil {
				t.Fatalf("%s %s: %v %v", c.action, c.path, res, err)
			}
		}
		if _, err := a.Control(ctx, "workers/1", "pause", nil); err != nil {
			t.Fatal(err)
		}
		want := "[control.worker.1.pause map[reason:because] control.worker.2.unpause map[reason:because] control.worker.1.stop map[reason:because] control.worker.2.kill map[reason:because] control.worker.1.pause map[reason:no reason]]"
		if fmt.Sprint(got) != want {
			t.Errorf("events =\n%v\nwant\n%s", got, want)
		}

		var nf *NotFoundError
		var ua *UnsupportedActionError
		var ip *InvalidParamsError
		if _, err := a.Control(ctx, "workers/99", "pause", nil); !errors.As(err, &nf) || err.Error() != "worker not found" {
			t.Errorf("unknown worker: %v", err)
		}
		if _, err := a.Control(ctx, "masters/1/workers/w1", "pause", nil); !errors.As(err, &nf) {
			t.Errorf("worker not on that master: %v", err)
		}
		if _, err := a.Control(ctx, "workers/1", "fly", nil); !errors.As(err, &ua) || err.Error() != "action: fly is not supported" {
			t.Errorf("unknown action: %v", err)
		}
		if _, err := a.Control(ctx, "builds/1", "stop", nil); !errors.As(err, &ua) {
			t.Errorf("unregistered action on a GET path: %v", err)
		}
		if _, err := a.Control(ctx, "nosuch", "pause", nil); !errors.As(err, &nf) || err.Error() != "Invalid path: nosuch" {
			t.Errorf("unknown path: %v", err)
		}

		// enable: needs the update method, a boolean, an existing scheduler.
		if _, err := a.Control(ctx, "schedulers/1", "enable", map[string]any{"enabled": false}); !errors.As(err, &ua) {
			t.Errorf("enable without an enabler: %v", err)
		}
		rec := &recordedEnable{}
		a.SetSchedulerEnabler(rec)
		if _, err := a.Control(ctx, "schedulers/1", "enable", map[string]any{"enabled": false}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Control(ctx, "masters/1/schedulers/1", "enable", map[string]any{"enabled": true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Control(ctx, "schedulers/1", "enable", map[string]any{"enabled": "no"}); !errors.As(err, &ip) {
			t.Errorf("enable with a string: %v", err)
		}
		if _, err := a.Control(ctx, "schedulers/9", "enable", map[string]any{"enabled": true}); !errors.As(err, &nf) {
			t.Errorf("enable of a missing scheduler: %v", err)
		}
		if _, err := a.Control(ctx, "masters/1/schedulers/2", "enable", map[string]any{"enabled": true}); !errors.As(err, &nf) {
			t.Errorf("enable of a scheduler on another master: %v", err)
		}
		if fmt.Sprint(rec.calls) != "[1=false 1=true]" {
			t.Errorf("enable calls = %v", rec.calls)
		}

		// Controls registered later (the build engine's).
		if err := a.RegisterControl("/builds/n:buildid", "stop", func(_ context.Context, args PathArgs, params map[string]any) (any, error) {
			id, _ := args.Int("buildid")
			return []any{id, params["reason"]}, nil
		}); err != nil {
			t.Fatal(err)
		}
		res, err := a.Control(ctx, "builds/7", "stop", map[string]any{"reason": "r"})
		if err != nil || fmt.Sprint(res) != "[7 r]" {
			t.Errorf("registered stop: %v %v", res, err)
		}
		if err := a.RegisterControl("/nosuch/x:y", "a", func(context.Context, PathArgs, map[string]any) (any, error) { return nil, nil }); err == nil {
			t.Error("bad pattern accepted")
		}
	})
}
