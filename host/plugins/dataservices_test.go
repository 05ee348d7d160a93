package plugins_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/hashicorp/go-hclog"
)

type dataEnv struct {
	db       *db.DB
	data     *data.Connector
	mq       *mq.Simple
	svc      *plugins.DataServices
	masterID int64
}

func newDataEnv(t *testing.T, d *db.DB, master string) *dataEnv {
	t.Helper()
	m := mq.NewSimple()
	conn := data.New(d, m, data.Options{})
	id, err := conn.FindMasterID(context.Background(), master)
	if err != nil {
		t.Fatal(err)
	}
	return &dataEnv{db: d, data: conn, mq: m, masterID: id, svc: plugins.NewDataServices(conn, func() int64 { return id })}
}

func TestDataServices(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newDataEnv(t, d, "m1")
		s := e.svc
		obj, err := s.GetObjectID(ctx, "src", "PatchDir")
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.GetState(ctx, obj, "last")
		if err != nil || st.Found || st.Version != 0 {
			t.Fatalf("unset state: %+v %v", st, err)
		}
		rev := "abc"
		w := base.StateWrite{ObjectID: obj, Name: "last", Value: json.RawMessage(`"a"`)}
		res, err := s.AddChange(ctx, base.Ref{}, base.Change{Author: "alice", Comments: "c", Revision: &rev, Files: []string{"x"},
			Properties: map[string]any{"k": "v"}, Src: "git"}, []base.StateWrite{w})
		if err != nil {
			t.Fatal(err)
		}
		v1 := res.StateVersions[0]
		// The same write again expects "unset" and conflicts: nothing is added.
		if _, err := s.AddChange(ctx, base.Ref{}, base.Change{Author: "alice"}, []base.StateWrite{w}); !errors.Is(err, base.ErrStateConflict) {
			t.Fatalf("conflicting write: %v", err)
		}
		if after, _ := s.ChangesAfter(ctx, 0, 10); len(after) != 1 {
			t.Fatalf("%d changes after a conflict, want 1", len(after))
		}
		st, _ = s.GetState(ctx, obj, "last")
		if !st.Found || st.Version != v1 || string(st.Value) != `"a"` {
			t.Fatalf("state %+v", st)
		}
		v2, err := s.SetState(ctx, base.StateWrite{ObjectID: obj, Name: "last", Value: json.RawMessage(`"b"`), ExpectedVersion: v1})
		if err != nil || v2 == v1 {
			t.Fatalf("set state: %d %v", v2, err)
		}
		if _, err := s.SetState(ctx, base.StateWrite{ObjectID: obj, Name: "last", Value: json.RawMessage(`"c"`), ExpectedVersion: v1}); !errors.Is(err, base.ErrStateConflict) {
			t.Fatalf("stale set: %v", err)
		}
		ch, ok, err := s.GetChange(ctx, res.ChangeID)
		if err != nil || !ok || ch.Author != "alice" || *ch.Revision != "abc" || ch.Properties["k"] != "v" || ch.SourceStamp == nil {
			t.Fatalf("change %+v %v %v", ch, ok, err)
		}
		for i := 0; i < 5; i++ {
			if _, err := s.AddChange(ctx, base.Ref{}, base.Change{Author: fmt.Sprint(i)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		after, err := s.ChangesAfter(ctx, 2, 3)
		if err != nil || len(after) != 3 || after[0].ChangeID != 3 || after[2].ChangeID != 5 {
			t.Fatalf("changes after 2: %v %v", after, err)
		}

		bs, err := s.AddBuildset(ctx, base.Ref{}, base.BuildsetSpec{Scheduler: "s", Reason: "r", BuilderNames: []string{"b1", "b2"},
			SourceStamps: []base.SourceStamp{*ch.SourceStamp, {Codebase: "lib", Repository: "r2"}},
			Properties:   map[string]base.Property{"p": {Value: int64(1), Source: "Scheduler"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.GetBuildset(ctx, bs.BSID)
		if err != nil || !ok || got.Reason != "r" || len(got.SourceStamps) != 2 || len(got.BRIDs) != 2 {
			t.Fatalf("buildset %+v %v %v", got, ok, err)
		}

		uid, err := s.FindUserByAttr(ctx, "bob", "email", "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if id, ok, _ := s.IdentifierToUID(ctx, "bob"); !ok || id != uid {
			t.Errorf("identifier to uid: %d %v", id, ok)
		}
		name, pw := "bob", "salted"
		if err := s.UpdateUser(ctx, base.UserUpdate{UID: uid, BBUsername: &name, BBPassword: &pw}); err != nil {
			t.Fatal(err)
		}
		u, ok, err := s.GetUser(ctx, uid)
		if err != nil || !ok || *u.BBUsername != "bob" || u.Attributes["email"] != "bob@example.com" {
			t.Fatalf("user %+v %v %v", u, ok, err)
		}
		if err := s.RemoveUser(ctx, uid); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.GetUser(ctx, uid); ok {
			t.Error("removed user still there")
		}

		// Claims: one master per scheduler.
		other := newDataEnv(t, d, "m2")
		if other.masterID == e.masterID {
			t.Fatal("same master id")
		}
		if ok, err := s.Claim(ctx, base.TypeScheduler, "nightly"); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if ok, _ := other.svc.Claim(ctx, base.TypeScheduler, "nightly"); ok {
			t.Error("two masters claimed one scheduler")
		}
		if err := s.Unclaim(ctx, base.TypeScheduler, "nightly"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := other.svc.Claim(ctx, base.TypeScheduler, "nightly"); !ok {
			t.Error("the other master could not take over")
		}
		if ok, _ := s.Claim(ctx, base.TypeChangeSource, "git"); !ok {
			t.Error("change source claim failed")
		}
	})
}

// TestPatchdirIntoDatabase runs the example plugin against a real database:
// changes land in the changes table, a kill -9 of the plugin loses and
// doubles nothing.
func TestPatchdirIntoDatabase(t *testing.T) {
	for _, kind := range []dbtest.Kind{dbtest.SQLiteFile, dbtest.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			d := dbtest.Open(t, kind, db.Options{})
			de := newDataEnv(t, d, "m1")
			basedir := t.TempDir()
			logs := &plugintest.SyncBuffer{}
			h, err := plugins.New(plugins.Options{Basedir: basedir, BinaryDir: "-", Services: de.svc, MQ: de.mq,
				Logger:         hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}),
				RestartBackoff: 50 * time.Millisecond, PingInterval: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Stop(context.Background())
			plugintest.Install(t, patchdirBinary(t, "0.1.0"), filepath.Join(basedir, "plugins"))
			dir := t.TempDir()
			e := &env{basedir: basedir, host: h, logs: logs}
			cfg := e.load(t, patchdirConfig(dir))
			startChangeSources(t, e, cfg)
			const n = 60
			wait := stream(t, dir, n, 2*time.Millisecond)
			count := func() int {
				cs, _ := de.svc.ChangesAfter(context.Background(), 0, 1000)
				return len(cs)
			}
			waitFor(t, 10*time.Second, "20 changes", func() bool { return count() >= 20 })
			before := h.Processes()[0].PID
			if err := killProcess(before); err != nil {
				t.Fatal(err)
			}
			wait()
			waitFor(t, 20*time.Second, "every change", func() bool { return count() >= n })
			time.Sleep(100 * time.Millisecond)
			cs, _ := de.svc.ChangesAfter(context.Background(), 0, 1000)
			seen := map[string]int{}
			for _, c := range cs {
				seen[*c.Revision]++
			}
			for i := 1; i <= n; i++ {
				if k := seen[fmt.Sprintf("%040d", i)]; k != 1 {
					t.Errorf("change %d is in the database %d times", i, k)
				}
			}
			if len(cs) != n {
				t.Errorf("%d changes in the database, want %d", len(cs), n)
			}
			if ok, _ := de.svc.Claim(context.Background(), base.TypeChangeSource, "incoming"); !ok {
				t.Error("this master does not hold the change source's claim")
			}
			if t.Failed() {
				t.Log(logs.String())
			}
			_ = config.TypeChangeSource
		})
	}
}
