package data_test

import (
	"errors"
	"testing"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
)

func TestSchedulers(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		m := must[int64](t)(e.c.FindMasterID(e.ctx, "m"))
		m2 := must[int64](t)(e.c.FindMasterID(e.ctx, "m2"))
		s := must[int64](t)(e.c.FindSchedulerID(e.ctx, "nightly"))
		if s2 := must[int64](t)(e.c.FindSchedulerID(e.ctx, "nightly")); s2 != s {
			t.Fatalf("scheduler ids %d %d", s, s2)
		}
		for _, step := range []struct {
			master int64
			want   bool
		}{{m, true}, {m, true}, {m2, false}, {0, true}, {m2, true}} {
			if got := must[bool](t)(e.c.TrySetSchedulerMaster(e.ctx, s, step.master)); got != step.want {
				t.Fatalf("TrySetSchedulerMaster(%d) = %v", step.master, got)
			}
		}
		ok(t, e.c.SchedulerEnable(e.ctx, s, false))
		msgs := e.rec.expectKeys(t, "schedulers.1.updated")
		if got := jsonOf(t, msgs[0].Body); got != `{"schedulerid":1,"name":"nightly","enabled":false,"master":{"masterid":2,"name":"m2","active":false,"last_active":1000}}` {
			t.Fatalf("updated body %s", got)
		}
		// Classifications, filtered through the changes they name.
		c1 := must[int64](t)(e.c.AddChange(e.ctx, data.ChangeInput{Author: "a", Branch: sp("main")}))
		c2 := must[int64](t)(e.c.AddChange(e.ctx, data.ChangeInput{Author: "a"}))
		ok(t, e.c.ClassifyChanges(e.ctx, s, map[int64]bool{c1: true, c2: false}))
		ok(t, e.c.ClassifyChanges(e.ctx, s, map[int64]bool{c2: true}))
		all := must[map[int64]bool](t)(e.c.GetChangeClassifications(e.ctx, s, db.ClassificationFilter{}))
		if len(all) != 2 || !all[c1] || !all[c2] {
			t.Fatalf("classifications %v", all)
		}
		main := must[map[int64]bool](t)(e.c.GetChangeClassifications(e.ctx, s, db.ClassificationFilter{Branch: &db.StringMatch{Value: sp("main")}}))
		null := must[map[int64]bool](t)(e.c.GetChangeClassifications(e.ctx, s, db.ClassificationFilter{Branch: &db.StringMatch{}}))
		if len(main) != 1 || !main[c1] || len(null) != 1 || !null[c2] {
			t.Fatalf("filtered: main %v, null %v", main, null)
		}
		ok(t, e.c.FlushChangeClassifications(e.ctx, s, c2))
		if left := must[map[int64]bool](t)(e.c.GetChangeClassifications(e.ctx, s, db.ClassificationFilter{})); len(left) != 1 || !left[c2] {
			t.Fatalf("after flush < %d: %v", c2, left)
		}
		ok(t, e.c.FlushChangeClassifications(e.ctx, s, 0))
		if left := must[map[int64]bool](t)(e.c.GetChangeClassifications(e.ctx, s, db.ClassificationFilter{})); len(left) != 0 {
			t.Fatalf("after flush: %v", left)
		}
	})
}

func TestUsers(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		joe := must[int64](t)(e.c.FindUserByAttr(e.ctx, "joe", "git", "joe <j@x>"))
		if again := must[int64](t)(e.c.FindUserByAttr(e.ctx, "joe", "git", "joe <j@x>")); again != joe {
			t.Fatalf("same attr, new user %d", again)
		}
		// Same identifier from another VCS: a new user named joe_2.
		joe2 := must[int64](t)(e.c.FindUserByAttr(e.ctx, "joe", "svn", "joe"))
		if joe2 == joe {
			t.Fatal("svn joe is git joe")
		}
		if u := must[map[string]any](t)(e.c.GetUser(e.ctx, joe2)); u["identifier"] != "joe_2" || u["svn"] != "joe" || u["bb_username"] != nil {
			t.Fatalf("usdict %v", u)
		}
		ok(t, e.c.UpdateUser(e.ctx, db.UserUpdate{UID: joe, BBUsername: sp("joe"), BBPassword: sp("salted"),
			AttrType: sp("email"), AttrData: sp("j@x")}))
		u := must[map[string]any](t)(e.c.GetUserByUsername(e.ctx, "joe"))
		if u["uid"] != joe || u["email"] != "j@x" || u["bb_password"] != "salted" || u["git"] != "joe <j@x>" {
			t.Fatalf("by username %v", u)
		}
		err := e.c.UpdateUser(e.ctx, db.UserUpdate{UID: joe2, Identifier: sp("changed"), AttrType: sp("email"), AttrData: sp("j@x")})
		if !errors.Is(err, db.ErrUserConflict) {
			t.Fatalf("taken attribute: %v", err)
		}
		if uid := must[int64](t)(e.c.IdentifierToUID(e.ctx, "changed")); uid != 0 {
			t.Fatal("failed update partly committed")
		}
		if uid := must[int64](t)(e.c.IdentifierToUID(e.ctx, "joe_2")); uid != joe2 {
			t.Fatalf("IdentifierToUID = %d", uid)
		}
		ok(t, e.c.RemoveUser(e.ctx, joe))
		if u := must[map[string]any](t)(e.c.GetUser(e.ctx, joe)); u != nil {
			t.Fatalf("removed user: %v", u)
		}
		if all := must[[]map[string]any](t)(e.c.GetUsers(e.ctx)); len(all) != 1 || all[0]["identifier"] != "joe_2" {
			t.Fatalf("users %v", all)
		}
		// The attribute is free again.
		if again := must[int64](t)(e.c.FindUserByAttr(e.ctx, "joe", "git", "joe <j@x>")); again == joe {
			t.Fatal("removed uid reused its attribute")
		}
	})
}

func TestTestResults(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		m := must[int64](t)(e.c.FindMasterID(e.ctx, "m"))
		b := must[int64](t)(e.c.FindBuilderID(e.ctx, "b"))
		_, brids, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b}})
		ok(t, err)
		build, _, err := e.c.AddBuild(e.ctx, b, brids[b], 0, m, "")
		ok(t, err)
		step, _, _, err := e.c.AddStep(e.ctx, build, "test")
		ok(t, err)
		e.rec.take()
		set := must[int64](t)(e.c.AddTestResultSet(e.ctx, b, build, step, sp("unit"), "pass_fail", "boolean"))
		e.rec.expectKeys(t, "test_result_sets.1.new")
		name, path := sp("TestA"), sp("a_test.go")
		line, dur := 12, int64(3_000_000_000)
		ok(t, e.c.AddTestResults(e.ctx, b, set, []db.TestResultSpec{
			{TestName: name, TestCodePath: path, Line: &line, DurationNS: &dur, Value: "1"},
			{TestName: name, Value: "0"},
			{TestCodePath: sp("b_test.go"), Value: "1"},
		}))
		if err := e.c.AddTestResults(e.ctx, b, set, []db.TestResultSpec{{Value: "1"}}); err == nil {
			t.Fatal("result without name or path accepted")
		}
		rs := must[[]db.TestResult](t)(e.db.TestResults().Results(e.ctx, set))
		if len(rs) != 3 || *rs[0].TestName != "TestA" || *rs[0].DurationNS != dur || rs[1].TestCodePath != nil || *rs[2].TestCodePath != "b_test.go" {
			t.Fatalf("results %+v", rs)
		}
		passed, failed := 2, 1
		ok(t, e.c.CompleteTestResultSet(e.ctx, set, &passed, &failed))
		msgs := e.rec.expectKeys(t, "test_result_sets.1.completed")
		if got := jsonOf(t, msgs[0].Body); got != `{"test_result_setid":1,"builderid":1,"buildid":1,"stepid":1,"description":"unit","category":"pass_fail","value_unit":"boolean","tests_passed":2,"tests_failed":1,"complete":true}` {
			t.Fatalf("completed body %s", got)
		}
		if err := e.c.CompleteTestResultSet(e.ctx, set, nil, nil); !errors.Is(err, db.ErrAlreadyCompleted) {
			t.Fatalf("second completion: %v", err)
		}
	})
}
