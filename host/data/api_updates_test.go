package data

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

func apiStr(s string) *string { return &s }

// TestGetAfterUpdates reads what the update methods wrote: a master, a
// builder list, a connected worker, a change, a forced buildset claimed and
// built with a step, a zstd-compressed stdio log and a property; then the
// enable control through the Connector.
func TestGetAfterUpdates(t *testing.T) {
	dbtest.Run(t, db.Options{Now: dbtest.NewClock(1795727000).Now}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m := mq.NewSimple()
		c := New(d, m, Options{LogCompression: "zstd"})
		a := NewAPI(APIOptions{DB: d, MQ: m, Schedulers: c})
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		mid, err := c.FindMasterID(ctx, "ci:/srv")
		must(err)
		must(c.MasterActive(ctx, "ci:/srv", mid))
		ids, err := c.UpdateBuilderList(ctx, mid, []db.BuilderSpec{
			{Name: "app-test", Description: apiStr("tests"), Tags: []string{"app", "ci"}},
			{Name: "docs"},
		})
		must(err)
		bid := ids["app-test"]
		wid, err := c.FindWorkerID(ctx, "linux-1")
		must(err)
		must(c.WorkerConfigured(ctx, wid, mid, []int64{bid}))
		must(c.WorkerConnected(ctx, wid, mid, map[string]any{"host": "box", "version": "3.7.0"}))
		sid, err := c.FindSchedulerID(ctx, "force")
		must(err)
		ok, err := c.TrySetSchedulerMaster(ctx, sid, mid)
		if err != nil || !ok {
			t.Fatalf("claim scheduler: %v %v", ok, err)
		}
		chid, err := c.AddChange(ctx, ChangeInput{Author: "alice <a@x>", Files: []string{"main.go"}, Comments: "fix",
			Revision: apiStr("abc"), Branch: apiStr("main"), Repository: "git://app", Project: "app",
			Properties: map[string]any{"event": "push"}})
		must(err)
		bsid, brids, err := c.AddBuildset(ctx, BuildsetInput{Scheduler: "force", Reason: "forced",
			SourceStamps: []db.SourceStampRef{{Spec: &db.SourceStampSpec{Branch: apiStr("main"), Revision: apiStr("abc"), Repository: "git://app", Project: "app"}}},
			Properties:   SourcedProperties{"owner": {"alice", "Force Build Form"}}, BuilderIDs: []int64{bid}})
		must(err)
		brid := brids[bid]
		ok, err = c.ClaimBuildRequests(ctx, mid, []int64{brid}, 1795727001)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		buildid, number, err := c.AddBuild(ctx, bid, brid, wid, mid, "created")
		must(err)
		must(c.GenerateNewBuildEvent(ctx, buildid))
		must(c.SetBuildProperty(ctx, buildid, "buildername", "app-test", "Builder"))
		stepid, _, _, err := c.AddStep(ctx, buildid, "compile")
		must(err)
		must(c.StartStep(ctx, stepid))
		logid, err := c.AddLog(ctx, stepid, "stdio", "s")
		must(err)
		var want, batch strings.Builder
		for i := 0; i < 3000; i++ { // 30 appends, 30 chunks
			line := fmt.Sprintf("line %05d %s", i, strings.Repeat("x", 40))
			batch.WriteString("o" + line + "\n")
			if i%100 == 99 {
				must(c.AppendLog(ctx, logid, batch.String()))
				batch.Reset()
			}
			if i > 0 {
				want.WriteByte('\n')
			}
			want.WriteString(line)
		}
		must(c.FinishLog(ctx, logid))
		must(c.FinishStep(ctx, stepid, 0, false))
		must(c.FinishBuild(ctx, buildid, 0))
		ok, err = c.CompleteBuildRequests(ctx, []int64{brid}, 0, 1795727009)
		if err != nil || !ok {
			t.Fatalf("complete: %v %v", ok, err)
		}

		e := mustEnv(t, a, "builders", "")
		if got := sortedJSON(t, e["builders"]); !strings.Contains(got, `"description":"tests","masterids":[1],"name":"app-test","tags":["app","ci"]`) {
			t.Errorf("builders = %s", got)
		}
		e = mustEnv(t, a, fmt.Sprintf("builders/app-test/builds/%d", number), "property=*")
		b := e.items(t, "builds")[0]
		if b["complete"] != true || fmt.Sprint(b["results"]) != "0" || fmt.Sprint(b["buildrequestid"]) != fmt.Sprint(brid) ||
			sortedJSON(t, b["properties"]) != `{"buildername":["app-test","Builder"]}` {
			t.Errorf("build = %v", b)
		}
		e = mustEnv(t, a, fmt.Sprintf("buildrequests/%d", brid), "property=owner")
		br := e.items(t, "buildrequests")[0]
		if br["claimed"] != true || br["complete"] != true || sortedJSON(t, br["properties"]) != `{"owner":["alice","Force Build Form"]}` {
			t.Errorf("buildrequest = %v", br)
		}
		e = mustEnv(t, a, fmt.Sprintf("buildsets/%d", bsid), "")
		if ss := sortedJSON(t, e.items(t, "buildsets")[0]["sourcestamps"]); !strings.Contains(ss, `"branch":"main"`) || !strings.Contains(ss, `"revision":"abc"`) {
			t.Errorf("buildset sourcestamps = %s", ss)
		}
		e = mustEnv(t, a, fmt.Sprintf("changes/%d", chid), "")
		if got := sortedJSON(t, e.items(t, "changes")[0]["properties"]); got != `{"event":["push","Change"]}` {
			t.Errorf("change properties = %s", got)
		}
		eqIDs(t, "builds/N/changes", mustEnv(t, a, fmt.Sprintf("builds/%d/changes", buildid), "").ids(t, "changes", "changeid"), fmt.Sprint(chid))
		e = mustEnv(t, a, "workers/linux-1", "")
		if got := sortedJSON(t, e["workers"]); !strings.Contains(got, `"configured_on":[{"builderid":1,"masterid":1}],"connected_to":[{"masterid":1}]`) || !strings.Contains(got, `"workerinfo":{"host":"box","version":"3.7.0"}`) {
			t.Errorf("worker = %s", got)
		}
		eqIDs(t, "steps", mustEnv(t, a, fmt.Sprintf("builds/%d/steps", buildid), "").ids(t, "steps", "name"), "compile")
		e = mustEnv(t, a, fmt.Sprintf("logs/%d", logid), "")
		if l := e.items(t, "logs")[0]; fmt.Sprint(l["num_lines"]) != "3000" || l["complete"] != true {
			t.Errorf("log = %v", l)
		}
		e = mustEnv(t, a, fmt.Sprintf("builds/%d/steps/compile/logs/stdio/contents", buildid), "offset=1499&limit=2")
		if got := e.items(t, "logchunks")[0]["content"]; got != "oline 01499 "+strings.Repeat("x", 40)+"\noline 01500 "+strings.Repeat("x", 40)+"\n" {
			t.Errorf("contents window = %q", got)
		}
		res, err := a.Get(ctx, fmt.Sprintf("logs/%d/raw", logid), nil)
		must(err)
		var raw bytes.Buffer
		must(res.Raw.Stream(ctx, &raw))
		if raw.String() != want.String() {
			t.Errorf("raw log: %d bytes, want %d", raw.Len(), want.Len())
		}

		// enable goes through the Connector's SchedulerEnable and its event.
		var events []string
		m.Consume(mq.Key{"schedulers", "*", "*"}, func(k mq.Key, body any) { events = append(events, k.String()) })
		if _, err := a.Control(ctx, fmt.Sprintf("schedulers/%d", sid), "enable", map[string]any{"enabled": false}); err != nil {
			t.Fatal(err)
		}
		e = mustEnv(t, a, "schedulers", "")
		if got := sortedJSON(t, e["schedulers"]); !strings.HasPrefix(got, `[{"enabled":false,"master":{"active":true,`) {
			t.Errorf("schedulers after enable=false: %s", got)
		}
		if fmt.Sprint(events) != fmt.Sprintf("[schedulers.%d.updated]", sid) {
			t.Errorf("events = %v", events)
		}
	})
}
