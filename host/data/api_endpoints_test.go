package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
)

func sortedJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := MarshalSorted(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGetBuildersWorkersMasters(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		a, _ := newFixtureAPI(t, d)
		e := mustEnv(t, a, "builders", "")
		if got := sortedJSON(t, e["builders"]); got != `[{"builderid":1,"description":null,"masterids":[1],"name":"b0","tags":["app","fast"]},{"builderid":2,"description":"the failing one","masterids":[1,2],"name":"b1","tags":["app"]}]` {
			t.Errorf("builders = %s", got)
		}
		eqIDs(t, "builders/b0", mustEnv(t, a, "builders/b0", "").ids(t, "builders", "builderid"), "1")
		eqIDs(t, "builders?tags__contains=fast", mustEnv(t, a, "builders", "tags__contains=fast").ids(t, "builders", "name"), "b0")
		eqIDs(t, "builders?tags__contains=app&order=-builderid", mustEnv(t, a, "builders", "tags__contains=app&order=-builderid").ids(t, "builders", "name"), "b1", "b0")
		// A list never equals a scalar in 3.7 (Python ==): use contains.
		eqIDs(t, "builders?tags=app", mustEnv(t, a, "builders", "tags=app").ids(t, "builders", "name"))
		eqIDs(t, "builders?masterids__contains=2", mustEnv(t, a, "builders", "masterids__contains=2").ids(t, "builders", "name"), "b1")
		eqIDs(t, "builders?name__contains=b1", mustEnv(t, a, "builders", "name__contains=b1").ids(t, "builders", "name"), "b1")
		// Values are parsed with the field's type: "1" is no identifier.
		wantGetErr(t, a, "builders", "name__contains=1", &BadRequestError{}, "invalid filter value for name__contains")
		eqIDs(t, "masters/2/builders", mustEnv(t, a, "masters/2/builders", "").ids(t, "builders", "name"), "b1")
		eqIDs(t, "masters/1/builders/1", mustEnv(t, a, "masters/1/builders/1", "").ids(t, "builders", "name"), "b0")
		wantGetErr(t, a, "masters/2/builders/1", "", &NotFoundError{}, "not found")
		wantGetErr(t, a, "builders", "name=0abc", &BadRequestError{}, "invalid filter value for name")

		eqIDs(t, "masters", mustEnv(t, a, "masters", "").ids(t, "masters", "masterid"), "1", "2")
		eqIDs(t, "masters?active=false", mustEnv(t, a, "masters", "active=false").ids(t, "masters", "masterid"), "2")
		eqIDs(t, "builders/2/masters", mustEnv(t, a, "builders/2/masters", "").ids(t, "masters", "masterid"), "1", "2")
		eqIDs(t, "builders/1/masters", mustEnv(t, a, "builders/1/masters", "").ids(t, "masters", "masterid"), "1")
		wantGetErr(t, a, "builders/1/masters/2", "", &NotFoundError{}, "not found")
		if got := sortedJSON(t, mustEnv(t, a, "masters/1", "")); got != `{"masters":[{"active":true,"last_active":1795727780,"masterid":1,"name":"vm:/m1"}],"meta":{}}` {
			t.Errorf("masters/1 = %s", got)
		}

		e = mustEnv(t, a, "workers", "")
		if got := sortedJSON(t, e["workers"]); got != `[{"configured_on":[{"builderid":1,"masterid":1},{"builderid":2,"masterid":1}],"connected_to":[{"masterid":1}],"graceful":false,"name":"w0","paused":false,"workerid":1,"workerinfo":{"access_uri":null,"admin":"Your Name","host":"vm","version":"3.7.0-2"}},{"configured_on":[{"builderid":2,"masterid":2}],"connected_to":[],"graceful":false,"name":"w1","paused":true,"workerid":2,"workerinfo":{}}]` {
			t.Errorf("workers = %s", got)
		}
		eqIDs(t, "workers?paused=true", mustEnv(t, a, "workers", "paused=true").ids(t, "workers", "name"), "w1")
		eqIDs(t, "workers/w1", mustEnv(t, a, "workers/w1", "").ids(t, "workers", "workerid"), "2")
		eqIDs(t, "workers/1", mustEnv(t, a, "workers/1", "").ids(t, "workers", "name"), "w0")
		e = mustEnv(t, a, "masters/2/workers", "")
		eqIDs(t, "masters/2/workers", e.ids(t, "workers", "name"), "w1")
		e = mustEnv(t, a, "builders/2/workers", "")
		eqIDs(t, "builders/2/workers", e.ids(t, "workers", "name"), "w0", "w1")
		if got := sortedJSON(t, e.items(t, "workers")[0]["configured_on"]); got != `[{"builderid":2,"masterid":1}]` {
			t.Errorf("builders/2/workers configured_on = %s", got)
		}
		eqIDs(t, "masters/1/builders/1/workers/w0", mustEnv(t, a, "masters/1/builders/1/workers/w0", "").ids(t, "workers", "workerid"), "1")
		wantGetErr(t, a, "masters/1/workers/w1", "", &NotFoundError{}, "not found")
		wantGetErr(t, a, "workers/nosuch", "", &NotFoundError{}, "not found")
		wantGetErr(t, a, "workers", "workerinfo=x", &BadRequestError{}, "invalid filter value for workerinfo")
	})
}

func TestGetSchedulersChangesBuildsets(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		a, _ := newFixtureAPI(t, d)
		e := mustEnv(t, a, "schedulers", "")
		if got := sortedJSON(t, e["schedulers"]); got != `[{"enabled":true,"master":{"active":true,"last_active":1795727780,"masterid":1,"name":"vm:/m1"},"name":"force","schedulerid":1},{"enabled":false,"master":null,"name":"nightly","schedulerid":2}]` {
			t.Errorf("schedulers = %s", got)
		}
		eqIDs(t, "masters/1/schedulers", mustEnv(t, a, "masters/1/schedulers", "").ids(t, "schedulers", "name"), "force")
		eqIDs(t, "schedulers?enabled=0", mustEnv(t, a, "schedulers", "enabled=0").ids(t, "schedulers", "name"), "nightly")
		eqIDs(t, "schedulers/2", mustEnv(t, a, "schedulers/2", "").ids(t, "schedulers", "name"), "nightly")
		wantGetErr(t, a, "masters/1/schedulers/2", "", &NotFoundError{}, "not found")
		wantGetErr(t, a, "schedulers/0", "", &NotFoundError{}, "not found")
		eqIDs(t, "changesources", mustEnv(t, a, "changesources", "").ids(t, "changesources", "name"), "GitPoller:app", "idle")
		eqIDs(t, "masters/1/changesources/1", mustEnv(t, a, "masters/1/changesources/1", "").ids(t, "changesources", "changesourceid"), "1")
		wantGetErr(t, a, "masters/1/changesources/2", "", &NotFoundError{}, "not found")

		// /changes is newest first when no order is given (3.7 reverses its
		// query); an explicit order is honoured.
		eqIDs(t, "changes", mustEnv(t, a, "changes", "").ids(t, "changes", "changeid"), "2", "1")
		eqIDs(t, "changes?order=changeid", mustEnv(t, a, "changes", "order=changeid").ids(t, "changes", "changeid"), "1", "2")
		eqIDs(t, "changes?limit=1", mustEnv(t, a, "changes", "limit=1").ids(t, "changes", "changeid"), "2")
		eqIDs(t, "changes?author__contains=bob", mustEnv(t, a, "changes", "author__contains=bob").ids(t, "changes", "changeid"), "2")
		eqIDs(t, "changes?files__contains=README", mustEnv(t, a, "changes", "files__contains=README").ids(t, "changes", "changeid"), "1")
		e = mustEnv(t, a, "changes/2", "")
		if got := sortedJSON(t, e["changes"]); got != `[{"author":"bob <b@x>","branch":"main","category":"feature","changeid":2,"codebase":"","comments":"second","committer":"bob <b@x>","files":["src/a.go","src/b.go"],"parent_changeids":[1],"project":"app","properties":{"event":["push","Change"]},"repository":"git://repo","revision":"abc2","revlink":"http://x/abc2","sourcestamp":{"branch":"main","codebase":"","created_at":1795727100,"patch":null,"project":"app","repository":"git://repo","revision":"abc2","ssid":3},"when_timestamp":1795727100}]` {
			t.Errorf("changes/2 = %s", got)
		}
		eqIDs(t, "sourcestamps/3/changes", mustEnv(t, a, "sourcestamps/3/changes", "").ids(t, "changes", "changeid"), "2")
		eqIDs(t, "sourcestamps/1/changes", mustEnv(t, a, "sourcestamps/1/changes", "").ids(t, "changes", "changeid"))
		// Build 7 (b0 #5) built ss3: its change and, as no earlier
		// successful b0 build had the same repository/branch, all ancestors.
		eqIDs(t, "builds/7/changes", mustEnv(t, a, "builds/7/changes", "").ids(t, "changes", "changeid"), "2", "1")
		eqIDs(t, "builders/b0/builds/5/changes", mustEnv(t, a, "builders/1/builds/5/changes", "").ids(t, "changes", "changeid"), "2", "1")
		eqIDs(t, "builds/1/changes", mustEnv(t, a, "builds/1/changes", "").ids(t, "changes", "changeid"))
		if got := fmt.Sprint(mustEnv(t, a, "changes/1/properties_list", "")["_properties"]); got != "[]" {
			t.Errorf("changes/1/properties_list = %s", got)
		}
		if got := sortedJSON(t, mustEnv(t, a, "changes/2/properties_list", "")["_properties"]); got != `[{"name":"event","source":"Change","value":"\"push\""}]` {
			t.Errorf("changes/2/properties_list = %s", got)
		}

		eqIDs(t, "sourcestamps", mustEnv(t, a, "sourcestamps", "").ids(t, "sourcestamps", "ssid"), "1", "2", "3", "4")
		eqIDs(t, "sourcestamps?branch=main&order=-ssid", mustEnv(t, a, "sourcestamps", "branch=main&order=-ssid").ids(t, "sourcestamps", "ssid"), "4", "3", "2")
		e = mustEnv(t, a, "sourcestamps/4", "")
		if got := sortedJSON(t, e.items(t, "sourcestamps")[0]["patch"]); got != `{"author":"alice","body":"LS0tIGEKKysrIGIK","comment":"fix","level":1,"patchid":1,"subdir":""}` {
			t.Errorf("patch = %s", got)
		}

		e = mustEnv(t, a, "buildsets", "limit=1")
		if got := sortedJSON(t, e["buildsets"]); got != `[{"bsid":1,"complete":true,"complete_at":1795727782,"external_idstring":null,"parent_buildid":null,"parent_relationship":null,"reason":"A build was forced by '': bench","results":0,"sourcestamps":[{"branch":"","codebase":"","created_at":1795727781,"patch":null,"project":"","repository":"","revision":"","ssid":1}],"submitted_at":1795727781}]` {
			t.Errorf("buildsets?limit=1 = %s", got)
		}
		e = mustEnv(t, a, "buildsets/8", "")
		b8 := e.items(t, "buildsets")[0]
		if b8["complete"] != false || fmt.Sprint(b8["results"]) != "-1" || fmt.Sprint(b8["parent_buildid"]) != "1" {
			t.Errorf("buildsets/8 = %v", b8)
		}
		if ss, _ := b8["sourcestamps"].([]any); len(ss) != 2 {
			t.Errorf("buildsets/8 sourcestamps = %v", b8["sourcestamps"])
		}
		eqIDs(t, "buildsets?complete=false", mustEnv(t, a, "buildsets", "complete=false").ids(t, "buildsets", "bsid"), "8")
		if got := sortedJSON(t, mustEnv(t, a, "buildsets/1/properties", "")); got != `{"meta":{},"properties":[{"owner":["","Force Build Form"],"reason":["bench","Force Build Form"],"scheduler":["force","Scheduler"]}]}` {
			t.Errorf("buildsets/1/properties = %s", got)
		}
		if got := sortedJSON(t, mustEnv(t, a, "buildsets/1/properties_list", "")["_properties"]); got != `[{"name":"reason","source":"Force Build Form","value":"\"bench\""},{"name":"owner","source":"Force Build Form","value":"\"\""},{"name":"scheduler","source":"Scheduler","value":"\"force\""}]` {
			t.Errorf("buildsets/1/properties_list = %s", got)
		}
		e = mustEnv(t, a, "builds/1/property_list", "order=name&field=name&field=value")
		if got := sortedJSON(t, e["_properties"]); got != `[{"name":"buildername","value":"\"b0\""},{"name":"buildnumber","value":"1"},{"name":"nested","value":"{\"z\": 1, \"a\": [true, null]}"},{"name":"owners","value":"[\"\"]"},{"name":"ratio","value":"1.0"}]` {
			t.Errorf("builds/1/property_list = %s", got)
		}
		for _, p := range []string{"builds/1/properties", "builders/1/builds/1/properties"} {
			e = mustEnv(t, a, p, "")
			if got := sortedJSON(t, e); !strings.HasPrefix(got, `{"meta":{},"properties":[{"buildername":["b0","Builder"],`) {
				t.Errorf("%s = %s", p, got)
			}
		}
		wantGetErr(t, a, "builds/1/properties", "name=x", &BadRequestError{}, "unrecognized query parameter 'name'")
	})
}

func TestGetRequestsStepsLogs(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		a, _ := newFixtureAPI(t, d)
		e := mustEnv(t, a, "buildrequests", "limit=1")
		if got := sortedJSON(t, e["buildrequests"]); got != `[{"builderid":1,"buildrequestid":1,"buildsetid":1,"claimed":true,"claimed_at":1795727781,"claimed_by_masterid":1,"complete":true,"complete_at":1795727782,"priority":0,"properties":null,"results":0,"submitted_at":1795727781,"waited_for":false}]` {
			t.Errorf("buildrequests?limit=1 = %s", got)
		}
		// claimed=false is "unclaimed and incomplete", as 3.7's DB layer.
		eqIDs(t, "buildrequests?claimed=false", mustEnv(t, a, "buildrequests", "claimed=false").ids(t, "buildrequests", "buildrequestid"), "8")
		eqIDs(t, "buildrequests?claimed=true&complete=false", mustEnv(t, a, "buildrequests", "claimed=true&complete=false").ids(t, "buildrequests", "buildrequestid"), "9")
		eqIDs(t, "buildrequests?claimed_by_masterid=1&limit=2", mustEnv(t, a, "buildrequests", "claimed_by_masterid=1&limit=2").ids(t, "buildrequests", "buildrequestid"), "1", "2")
		eqIDs(t, "builders/2/buildrequests", mustEnv(t, a, "builders/2/buildrequests", "").ids(t, "buildrequests", "buildrequestid"), "2", "5", "9")
		eqIDs(t, "buildrequests?waited_for=true", mustEnv(t, a, "buildrequests", "waited_for=true").ids(t, "buildrequests", "buildrequestid"), "9")
		e = mustEnv(t, a, "buildrequests/8", "property=owner")
		br := e.items(t, "buildrequests")[0]
		if br["claimed"] != false || br["claimed_at"] != nil || fmt.Sprint(br["results"]) != "-1" || br["properties"] != nil {
			t.Errorf("buildrequests/8 = %v", br)
		}
		br = mustEnv(t, a, "buildrequests/1", "property=owner").items(t, "buildrequests")[0]
		if got := sortedJSON(t, br["properties"]); got != `{"owner":["","Force Build Form"]}` {
			t.Errorf("buildrequests/8 properties = %s", got)
		}
		e = mustEnv(t, a, "buildrequests", "property=nosuch&limit=1")
		if p := e.items(t, "buildrequests")[0]["properties"]; p != nil {
			t.Errorf("property=nosuch: %v", p)
		}

		e = mustEnv(t, a, "builds/1/steps", "")
		eqIDs(t, "builds/1/steps", e.ids(t, "steps", "name"), "worker_preparation", "hello", "second")
		if got := sortedJSON(t, e.items(t, "steps")[1]); got != `{"buildid":1,"complete":true,"complete_at":1795727782,"hidden":false,"name":"hello","number":1,"results":0,"started_at":1795727781,"state_string":"'sh -c ...'","stepid":2,"urls":[{"name":"doc","url":"http://x/doc"}]}` {
			t.Errorf("step = %s", got)
		}
		eqIDs(t, "builds/1/steps?hidden=true", mustEnv(t, a, "builds/1/steps", "hidden=true").ids(t, "steps", "name"), "second")
		for _, p := range []string{"steps/2", "builds/1/steps/hello", "builds/1/steps/1", "builders/1/builds/1/steps/hello", "builders/b0/builds/1/steps/1"} {
			eqIDs(t, p, mustEnv(t, a, p, "").ids(t, "steps", "stepid"), "2")
		}
		eqIDs(t, "builders/b0/builds/1/steps", mustEnv(t, a, "builders/b0/builds/1/steps", "").ids(t, "steps", "number"), "0", "1", "2")
		eqIDs(t, "builds/8/steps?complete=false", mustEnv(t, a, "builds/8/steps", "complete=false").ids(t, "steps", "stepid"), "4")
		wantGetErr(t, a, "builds/1/steps/nosuch", "", &NotFoundError{}, "not found")

		eqIDs(t, "builds/1/steps/1/logs", mustEnv(t, a, "builds/1/steps/1/logs", "").ids(t, "logs", "slug"), "stdio", "summary")
		eqIDs(t, "steps/9/logs", mustEnv(t, a, "steps/9/logs", "").ids(t, "logs", "slug"))
		eqIDs(t, "builders/b0/builds/9/steps/hello/logs", mustEnv(t, a, "builders/b0/builds/9/steps/hello/logs", "").ids(t, "logs", "slug"))
		if got := sortedJSON(t, mustEnv(t, a, "builds/1/steps/hello/logs/stdio", "")); got != `{"logs":[{"complete":true,"logid":1,"name":"stdio","num_lines":5,"slug":"stdio","stepid":2,"type":"s"}],"meta":{}}` {
			t.Errorf("log = %s", got)
		}
		for _, p := range []string{"logs/1", "steps/2/logs/stdio", "builders/b0/builds/1/steps/1/logs/stdio"} {
			eqIDs(t, p, mustEnv(t, a, p, "").ids(t, "logs", "logid"), "1")
		}

		// Contents: offset = first line, limit = line count; 3.7 answers 404
		// outside the log and a pseudo-collection envelope with empty meta.
		contents := []struct{ path, query, want string }{
			{"logs/1/contents", "", "hsh -c 'echo hello; echo err >&2'\nohello\neerr\noworld\nhprogram finished with exit code 0\n"},
			{"logs/1/contents", "offset=1&limit=1", "ohello\n"},
			{"logs/1/contents", "offset=2&limit=2", "eerr\noworld\n"},
			{"logs/1/contents", "offset=4", "hprogram finished with exit code 0\n"},
			{"logs/1/contents", "offset=4&limit=10", "hprogram finished with exit code 0\n"},
			{"steps/2/logs/summary/contents", "", "all good\nreally\n"},
			{"builders/b0/builds/1/steps/hello/logs/summary/contents", "limit=1", "all good\n"},
			{"logs/4/contents", "", ""},
		}
		for _, c := range contents {
			e := mustEnv(t, a, c.path, c.query)
			chunks := e.items(t, "logchunks")
			if len(chunks) != 1 || chunks[0]["content"] != c.want {
				t.Errorf("%s?%s = %v, want content %q", c.path, c.query, chunks, c.want)
			}
			if m, _ := e["meta"].(map[string]any); len(m) != 0 {
				t.Errorf("%s meta = %v", c.path, e["meta"])
			}
		}
		e = mustEnv(t, a, "logs/1/contents", "offset=1&limit=1")
		if got := sortedJSON(t, e); got != `{"logchunks":[{"content":"ohello\n","firstline":1,"logid":1}],"meta":{}}` {
			t.Errorf("contents envelope = %s", got)
		}
		for _, q := range []string{"offset=100", "offset=-1", "limit=0", "offset=5"} {
			wantGetErr(t, a, "logs/1/contents", q, &NotFoundError{}, "not found while getting from endpoint for /logchunks,/logs/n:logid/contents,")
		}
		wantGetErr(t, a, "logchunks", "", &NotFoundError{}, "not found")
		wantGetErr(t, a, "logs/1/contents", "content=x", &BadRequestError{}, "this is not a collection")

		raws := []struct{ path, ctype, file, body string }{
			{"logs/1/raw", "text/plain; charset=utf-8", "stdio", "sh -c 'echo hello; echo err >&2'\nhello\nerr\nworld\nprogram finished with exit code 0"},
			{"steps/2/logs/summary/raw", "text/plain; charset=utf-8", "summary", "all good\nreally\n"},
			{"builds/1/steps/second/logs/html/raw", "text/html; charset=utf-8", "html", "<b>bold</b>\n"},
			{"logs/4/raw", "text/plain; charset=utf-8", "empty", ""},
			{"builds/1/data/coverage/value", "application/octet-stream; charset=utf-8", "coverage", "\x00\xffA"},
		}
		for _, r := range raws {
			res, err := a.Get(context.Background(), r.path, nil)
			if err != nil || res.Raw == nil {
				t.Fatalf("%s: %v %v", r.path, res, err)
			}
			var buf bytes.Buffer
			if err := res.Raw.Stream(context.Background(), &buf); err != nil {
				t.Fatalf("%s: stream: %v", r.path, err)
			}
			if res.Raw.ContentType != r.ctype || res.Raw.Filename != r.file || buf.String() != r.body {
				t.Errorf("%s = %q %q %q, want %q %q %q", r.path, res.Raw.ContentType, res.Raw.Filename, buf.String(), r.ctype, r.file, r.body)
			}
		}
		wantGetErr(t, a, "logs/999/raw", "", &NotFoundError{}, "not found while getting from endpoint for /logs/n:logid/raw,")
		wantGetErr(t, a, "builds/1/data/nosuch/value", "", &NotFoundError{}, "not found")

		if got := sortedJSON(t, mustEnv(t, a, "builds/1/data", "")); got != `{"build_data":[{"buildid":1,"length":3,"name":"coverage","source":"Test","value":null}],"meta":{"total":1}}` {
			t.Errorf("builds/1/data = %s", got)
		}
		eqIDs(t, "builders/b0/builds/1/data/coverage", mustEnv(t, a, "builders/b0/builds/1/data/coverage", "").ids(t, "build_data", "length"), "3")
		eqIDs(t, "builders/b0/builds/9/data", mustEnv(t, a, "builders/b0/builds/9/data", "").ids(t, "build_data", "name"))

		for _, p := range []string{"builds/1/test_result_sets", "steps/2/test_result_sets", "builders/1/test_result_sets", "builders/b0/test_result_sets"} {
			eqIDs(t, p, mustEnv(t, a, p, "").ids(t, "test_result_sets", "test_result_setid"), "1")
		}
		eqIDs(t, "builders/b1/test_result_sets", mustEnv(t, a, "builders/b1/test_result_sets", "").ids(t, "test_result_sets", "test_result_setid"))
		if got := sortedJSON(t, mustEnv(t, a, "test_result_sets/1", "")["test_result_sets"]); got != `[{"builderid":1,"buildid":1,"category":"pass_fail","complete":true,"description":"unit","stepid":2,"test_result_setid":1,"tests_failed":1,"tests_passed":2,"value_unit":"boolean"}]` {
			t.Errorf("test_result_sets/1 = %s", got)
		}
		if got := sortedJSON(t, mustEnv(t, a, "test_result_sets/1/results", "")["test_results"]); got != `[{"builderid":1,"duration_ns":1500,"line":10,"test_code_path":"a_test.go","test_name":"test_a","test_result_setid":1,"test_resultid":1,"value":"ok"},{"builderid":1,"duration_ns":null,"line":null,"test_code_path":null,"test_name":null,"test_result_setid":1,"test_resultid":2,"value":"fail"}]` {
			t.Errorf("test results = %s", got)
		}
		eqIDs(t, "results?value=fail", mustEnv(t, a, "test_result_sets/1/results", "value=fail").ids(t, "test_results", "test_resultid"), "2")
		eqIDs(t, "results?test_name=test_a", mustEnv(t, a, "test_result_sets/1/results", "test_name=test_a").ids(t, "test_results", "test_resultid"), "1")
	})
}

func TestGetRootSpecForceSchedulers(t *testing.T) {
	d := dbtest.Open(t, dbtest.SQLiteMemory, db.Options{})
	a, _ := newFixtureAPI(t, d)
	e := mustEnv(t, a, "", "")
	eqIDs(t, "rootlinks", e.ids(t, "rootlinks", "name"), rootLinks...)
	if fmt.Sprint(e.total(t)) != "12" {
		t.Errorf("root total = %v", e.total(t))
	}
	eqIDs(t, "rootlinks?name=builds", mustEnv(t, a, "", "name=builds").ids(t, "rootlinks", "name"), "builds")

	// application.spec lists 3.7's paths (plus the buildername forms of
	// contents and raw, which 3.7 lacks) with the same plural, type and
	// type_spec.
	e = mustEnv(t, a, "application.spec", "")
	var ref []string
	for _, l := range strings.Split(refSpecPaths, "\n") {
		ref = append(ref, l)
	}
	var got []string
	types := map[string]any{}
	for _, s := range e.items(t, "specs") {
		p := fmt.Sprint(s["path"])
		if strings.HasPrefix(p, "builders/i:buildername/builds/n:build_number/steps/") &&
			(strings.HasSuffix(p, "/contents") || strings.HasSuffix(p, "/raw")) {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s %s", p, s["plural"], s["type"]))
		types[fmt.Sprint(s["type"])] = s["type_spec"]
	}
	eqIDs(t, "application.spec paths", got, ref...)
	var refTypes map[string]any
	dec := json.NewDecoder(strings.NewReader(refSpecTypes))
	dec.UseNumber()
	if err := dec.Decode(&refTypes); err != nil {
		t.Fatal(err)
	}
	for name, spec := range refTypes {
		if g, w := sortedJSON(t, types[name]), sortedJSON(t, spec); g != w {
			t.Errorf("type_spec of %s =\n%s\nwant\n%s", name, g, w)
		}
	}

	e = mustEnv(t, a, "forceschedulers", "")
	if n := len(e.items(t, "forceschedulers")); n != 0 {
		t.Errorf("forceschedulers without a source: %d", n)
	}
	wantGetErr(t, a, "forceschedulers/force", "", &NotFoundError{}, "not found")
	a.SetForceSchedulers(fakeForce{
		{Name: "force", ButtonName: "Force", Label: "Force build", BuilderNames: []string{"b0", "b1"}, Enabled: true,
			AllFields: []json.RawMessage{json.RawMessage(`{"name": "username", "fullName": "username"}`)}},
		{Name: "only_b1", ButtonName: "Go", Label: "Go", BuilderNames: []string{"b1"}},
	})
	e = mustEnv(t, a, "forceschedulers/force", "")
	if got := sortedJSON(t, e); got != `{"forceschedulers":[{"all_fields":[{"fullName":"username","name":"username"}],"builder_names":["b0","b1"],"button_name":"Force","enabled":true,"label":"Force build","name":"force"}],"meta":{}}` {
		t.Errorf("forceschedulers/force = %s", got)
	}
	eqIDs(t, "builders/1/forceschedulers", mustEnv(t, a, "builders/1/forceschedulers", "").ids(t, "forceschedulers", "name"), "force")
	eqIDs(t, "builders/2/forceschedulers", mustEnv(t, a, "builders/2/forceschedulers", "").ids(t, "forceschedulers", "name"), "force", "only_b1")
	eqIDs(t, "builders/99/forceschedulers", mustEnv(t, a, "builders/99/forceschedulers", "").ids(t, "forceschedulers", "name"))
	eqIDs(t, "builders/x/forceschedulers", mustEnv(t, a, "builders/x/forceschedulers", "").ids(t, "forceschedulers", "name"))
	eqIDs(t, "forceschedulers?enabled=false", mustEnv(t, a, "forceschedulers", "enabled=false").ids(t, "forceschedulers", "name"), "only_b1")
	wantGetErr(t, a, "forceschedulers/nosuch", "", &NotFoundError{}, "not found")
}

// TestGetQueryOrderIndependent checks that the first error does not depend on
// map order: parameters are read sorted.
func TestGetQueryOrderIndependent(t *testing.T) {
	d := dbtest.Open(t, dbtest.SQLiteMemory, db.Options{})
	a, _ := newFixtureAPI(t, d)
	q := url.Values{"zzz": {"1"}, "aaa": {"1"}}
	for i := 0; i < 20; i++ {
		_, err := a.Get(context.Background(), "builds", q)
		if err == nil || err.Error() != "unrecognized query parameter 'aaa'" {
			t.Fatalf("error = %v", err)
		}
	}
}
