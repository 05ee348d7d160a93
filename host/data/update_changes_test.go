package data_test

import (
	"encoding/json"
	"testing"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
)

func TestAddChange(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		obj := must[int64](t)(e.c.GetObjectID(e.ctx, "poller", "GitPoller"))
		in := data.ChangeInput{
			Author: "Alice <a@x>", Files: []string{"a.go", "b.go"}, Comments: "first",
			Revision: sp("r1"), Branch: sp("main"), Repository: "git://r", Project: "p",
			Properties: map[string]any{"event": "push"}, Src: "git", WhenTimestamp: 900,
		}
		c1, err := e.c.AddChange(e.ctx, in, data.StateWrite{ObjectID: obj, Name: "lastRev", Value: map[string]string{"main": "r1"}})
		ok(t, err)
		msgs := e.rec.expectKeys(t, "changes.1.new")
		ch := msgs[0].Body.(*data.Change)
		want := `{"changeid":1,"parent_changeids":[],"author":"Alice <a@x>","committer":null,"files":["a.go","b.go"],` +
			`"comments":"first","revision":"r1","when_timestamp":900,"branch":"main","category":null,"revlink":"",` +
			`"properties":{"event":["push","Change"]},"repository":"git://r","project":"p","codebase":"",` +
			`"sourcestamp":{"ssid":1,"revision":"r1","branch":"main","repository":"git://r","project":"p","codebase":"",` +
			`"patch":null,"created_at":1000}}`
		if got := jsonOf(t, ch); got != want {
			t.Fatalf("change body\n got  %s\n want %s", got, want)
		}
		if v, set, err := e.c.GetState(e.ctx, obj, "lastRev"); err != nil || !set || string(v) != `{"main":"r1"}` {
			t.Fatalf("state: %s %v %v", v, set, err)
		}
		// The second change on the branch has the first as parent; the same
		// author maps to the same user.
		in.Revision, in.WhenTimestamp = sp("r2"), 0
		c2 := must[int64](t)(e.c.AddChange(e.ctx, in))
		msgs = e.rec.expectKeys(t, "changes.2.new")
		if ch := msgs[0].Body.(*data.Change); len(ch.ParentChangeIDs) != 1 || ch.ParentChangeIDs[0] != c1 || ch.WhenTimestamp != 1000 {
			t.Fatalf("second change: %s", jsonOf(t, ch))
		}
		uids1 := must[[]int64](t)(e.db.Changes().UIDs(e.ctx, c1))
		uids2 := must[[]int64](t)(e.db.Changes().UIDs(e.ctx, c2))
		if len(uids1) != 1 || len(uids2) != 1 || uids1[0] != uids2[0] {
			t.Fatalf("users %v %v", uids1, uids2)
		}
		user := must[map[string]any](t)(e.c.GetUser(e.ctx, uids1[0]))
		if user["git"] != "Alice <a@x>" || user["identifier"] != "Alice <a@x>" {
			t.Fatalf("usdict %v", user)
		}
		// No user for an unknown source.
		in.Src, in.Revision = "", sp("r3")
		c3 := must[int64](t)(e.c.AddChange(e.ctx, in))
		if uids := must[[]int64](t)(e.db.Changes().UIDs(e.ctx, c3)); len(uids) != 0 {
			t.Fatalf("user linked without src: %v", uids)
		}
		e.rec.take()
		got := must[[]*data.Change](t)(e.c.GetChangesByIDs(e.ctx, []int64{c3, 77, c1}))
		if len(got) != 2 || got[0].ChangeID != c3 || jsonOf(t, got[1]) != want {
			t.Fatalf("GetChangesByIDs: %s", jsonOf(t, got))
		}
		if one := must[*data.Change](t)(e.c.GetChange(e.ctx, c1)); jsonOf(t, one) != want {
			t.Fatalf("GetChange: %s", jsonOf(t, one))
		}
	})
}

// A state write that fails rolls the change back: both or neither.
func TestAddChangeStateAtomic(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		obj := must[int64](t)(e.c.GetObjectID(e.ctx, "poller", "GitPoller"))
		_, err := e.c.AddChange(e.ctx, data.ChangeInput{Author: "a", Comments: "c"},
			data.StateWrite{ObjectID: obj, Name: "lastRev", Value: json.RawMessage(`{not json`)})
		if err == nil {
			t.Fatal("bad state accepted")
		}
		e.rec.expectKeys(t)
		if last := must[int64](t)(e.db.Changes().LastID(e.ctx)); last != 0 {
			t.Fatalf("change %d committed without its state", last)
		}
		_, _, err = e.c.AddBuildset(e.ctx, data.BuildsetInput{Reason: "x"},
			data.StateWrite{ObjectID: obj, Name: "cursor", Value: make(chan int)})
		if err == nil {
			t.Fatal("unencodable state accepted")
		}
		if bs := must[*data.Buildset](t)(e.c.GetBuildset(e.ctx, 1)); bs != nil {
			t.Fatalf("buildset committed without its state: %+v", bs)
		}
		e.rec.expectKeys(t)
	})
}

func TestBuilderList(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		m := must[int64](t)(e.c.FindMasterID(e.ctx, "m"))
		ids := must[map[string]int64](t)(e.c.UpdateBuilderList(e.ctx, m, []db.BuilderSpec{
			{Name: "a", Description: sp("A"), Tags: []string{"x", "y"}, Project: "proj"},
			{Name: "b"},
		}))
		msgs := e.rec.expectKeys(t, "builders.1.started", "builders.2.started", "builders.1.update", "builders.2.update")
		if got := jsonOf(t, msgs[2].Body); got != `{"builderid":1,"name":"a","masterids":[1],"description":"A","tags":["x","y"]}` {
			t.Fatalf("update body %s", got)
		}
		if got := jsonOf(t, msgs[0].Body); got != `{"builderid":1,"masterid":1,"name":"a"}` {
			t.Fatalf("started body %s", got)
		}
		// The same list again writes nothing.
		must[map[string]int64](t)(e.c.UpdateBuilderList(e.ctx, m, []db.BuilderSpec{
			{Name: "a", Description: sp("A"), Tags: []string{"x", "y"}, Project: "proj"}, {Name: "b"},
		}))
		e.rec.expectKeys(t)
		// Change a's tags, drop b, add c.
		ids2 := must[map[string]int64](t)(e.c.UpdateBuilderList(e.ctx, m, []db.BuilderSpec{
			{Name: "a", Description: sp("A"), Tags: []string{"y"}, Project: "proj"}, {Name: "c"},
		}))
		if ids2["a"] != ids["a"] {
			t.Fatalf("builder a changed id")
		}
		e.rec.expectKeys(t, "builders.2.stopped", "builders.3.started", "builders.1.update", "builders.3.update")
		a := must[*data.Builder](t)(e.c.GetBuilder(e.ctx, ids["a"]))
		if jsonOf(t, a) != `{"builderid":1,"name":"a","masterids":[1],"description":"A","tags":["y"]}` {
			t.Fatalf("builder a %s", jsonOf(t, a))
		}
		row := must[*db.Builder](t)(e.db.Builders().Get(e.ctx, ids["a"]))
		proj := must[int64](t)(e.c.FindProjectID(e.ctx, "proj"))
		if row.ProjectID == nil || *row.ProjectID != proj {
			t.Fatalf("project %v, want %d", row.ProjectID, proj)
		}
		ok(t, e.c.UpdateBuilderInfo(e.ctx, ids["a"], db.BuilderInfo{Description: sp("new"), Tags: []string{"z"}}))
		msgs = e.rec.expectKeys(t, "builders.1.update")
		if got := jsonOf(t, msgs[0].Body); got != `{"builderid":1,"name":"a","masterids":[1],"description":"new","tags":["z"]}` {
			t.Fatalf("update body %s", got)
		}
	})
}

func TestWorkerEvents(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		m := must[int64](t)(e.c.FindMasterID(e.ctx, "m"))
		ids := must[map[string]int64](t)(e.c.UpdateBuilderList(e.ctx, m, []db.BuilderSpec{{Name: "a"}, {Name: "b"}}))
		e.rec.take()
		if _, err := e.c.FindWorkerID(e.ctx, "not an identifier"); err == nil {
			t.Fatal("bad worker name accepted")
		}
		w1 := must[int64](t)(e.c.FindWorkerID(e.ctx, "w1"))
		w2 := must[int64](t)(e.c.FindWorkerID(e.ctx, "w2"))
		ok(t, e.c.WorkersConfigured(e.ctx, m, map[int64][]int64{w1: {ids["a"], ids["b"]}, w2: {ids["b"], 999}}))
		e.rec.expectKeys(t)
		ok(t, e.c.WorkerConnected(e.ctx, w1, m, map[string]any{"host": "h1", "version": "3.7"}))
		msgs := e.rec.expectKeys(t, "workers.1.connected")
		want := `{"workerid":1,"name":"w1","connected_to":[{"masterid":1}],"configured_on":[{"masterid":1,"builderid":1},{"masterid":1,"builderid":2}],"workerinfo":{"host":"h1","version":"3.7"},"paused":false,"graceful":false}`
		if got := jsonOf(t, msgs[0].Body); got != want {
			t.Fatalf("connected body\n got  %s\n want %s", got, want)
		}
		ok(t, e.c.WorkerConfigured(e.ctx, w1, m, []int64{ids["b"]}))
		ok(t, e.c.SetWorkerState(e.ctx, w1, true, false))
		msgs = e.rec.expectKeys(t, "workers.1.state_updated")
		if w := msgs[0].Body.(*data.Worker); !w.Paused || len(w.ConfiguredOn) != 1 || w.ConfiguredOn[0].BuilderID != ids["b"] {
			t.Fatalf("state body %s", jsonOf(t, w))
		}
		ok(t, e.c.WorkerMissing(e.ctx, w1, m, "yesterday", []string{"admin@x"}))
		msgs = e.rec.expectKeys(t, "workers.1.missing")
		if w := msgs[0].Body.(*data.WorkerMissingEvent); w.LastConnection != "yesterday" || w.Notify[0] != "admin@x" || w.Name != "w1" {
			t.Fatalf("missing body %s", jsonOf(t, w))
		}
		ok(t, e.c.WorkerDisconnected(e.ctx, w1, m))
		msgs = e.rec.expectKeys(t, "workers.1.disconnected")
		if w := msgs[0].Body.(*data.Worker); len(w.ConnectedTo) != 0 {
			t.Fatalf("disconnected body %s", jsonOf(t, w))
		}
		ok(t, e.c.DeconfigureAllWorkersForMaster(e.ctx, m))
		if w := must[*data.Worker](t)(e.c.GetWorker(e.ctx, w2)); len(w.ConfiguredOn) != 0 {
			t.Fatalf("w2 still configured: %s", jsonOf(t, w))
		}
	})
}
