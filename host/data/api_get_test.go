package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

// apiEnv is a decoded envelope.
type apiEnv map[string]any

func (e apiEnv) items(t *testing.T, plural string) []map[string]any {
	t.Helper()
	raw, ok := e[plural].([]any)
	if !ok {
		t.Fatalf("envelope has no %q list: %v", plural, e)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i], _ = r.(map[string]any)
	}
	return out
}

func (e apiEnv) ids(t *testing.T, plural, key string) []string {
	t.Helper()
	var out []string
	for _, it := range e.items(t, plural) {
		out = append(out, fmt.Sprint(it[key]))
	}
	return out
}

func (e apiEnv) total(t *testing.T) any {
	t.Helper()
	meta, ok := e["meta"].(map[string]any)
	if !ok {
		t.Fatalf("no meta: %v", e)
	}
	return meta["total"]
}

func getEnv(t *testing.T, a *API, path, query string) (apiEnv, error) {
	t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatalf("bad query %q: %v", query, err)
	}
	res, err := a.Get(context.Background(), path, q)
	if err != nil {
		return nil, err
	}
	if res.Raw != nil {
		t.Fatalf("%s answered raw", path)
	}
	b, err := res.AppendJSON(nil)
	if err != nil {
		t.Fatalf("encode %s: %v", path, err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var e apiEnv
	if err := d.Decode(&e); err != nil {
		t.Fatalf("decode %s: %v\n%s", path, err, b)
	}
	return e, nil
}

func mustEnv(t *testing.T, a *API, path, query string) apiEnv {
	t.Helper()
	e, err := getEnv(t, a, path, query)
	if err != nil {
		t.Fatalf("GET %s?%s: %v", path, query, err)
	}
	return e
}

func wantGetErr(t *testing.T, a *API, path, query string, kind any, msg string) {
	t.Helper()
	_, err := getEnv(t, a, path, query)
	if err == nil {
		t.Fatalf("GET %s?%s: no error, want %T %q", path, query, kind, msg)
	}
	target := reflect.New(reflect.TypeOf(kind)).Interface()
	if !errors.As(err, target) {
		t.Fatalf("GET %s?%s: error %T %v, want %T", path, query, err, err, kind)
	}
	if !strings.HasPrefix(err.Error(), msg) {
		t.Fatalf("GET %s?%s: error %q, want prefix %q", path, query, err, msg)
	}
}

func eqIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

type fakeForce []ForceScheduler

func (f fakeForce) ForceSchedulers(context.Context) ([]ForceScheduler, error) {
	return append([]ForceScheduler(nil), f...), nil
}

func newFixtureAPI(t *testing.T, d *db.DB) (*API, *mq.Simple) {
	insertFixture(t, d)
	m := mq.NewSimple()
	return NewAPI(APIOptions{DB: d, MQ: m}), m
}

// TestGetEmpty answers every collection of the root on an empty database.
func TestGetEmpty(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		a := NewAPI(APIOptions{DB: d, MQ: mq.NewSimple()})
		for _, plural := range rootLinks {
			if plural == "logchunks" {
				wantGetErr(t, a, plural, "", &NotFoundError{}, "not found while getting")
				continue
			}
			e := mustEnv(t, a, plural, "")
			if n := len(e.items(t, plural)); n != 0 || fmt.Sprint(e.total(t)) != "0" {
				t.Errorf("%s on an empty database: %d items, total %v", plural, n, e.total(t))
			}
		}
		for _, p := range []string{"builds/1", "builders/b0", "logs/1/contents", "workers/w0", "changes/1", "buildsets/1"} {
			wantGetErr(t, a, p, "", &NotFoundError{}, "not found while getting from endpoint for ")
		}
		for _, p := range []string{"builds/1/steps", "builders/1/builds", "builds/1/changes", "builds/1/data", "test_result_sets/1/results"} {
			if e := mustEnv(t, a, p, ""); len(e) != 2 {
				t.Errorf("%s: %v", p, e)
			}
		}
		wantGetErr(t, a, "builders/1/builds/1/steps", "", &NotFoundError{}, "not found")
		e := mustEnv(t, a, "builds/1/properties", "")
		if got := fmt.Sprint(e["properties"]); got != "[map[]]" {
			t.Errorf("properties of a missing build = %s", got)
		}
	})
}

func TestGetBuilds(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		a, _ := newFixtureAPI(t, d)
		e := mustEnv(t, a, "builds", "")
		eqIDs(t, "builds", e.ids(t, "builds", "buildid"), "1", "2", "3", "4", "5", "6", "7", "8")
		if fmt.Sprint(e.total(t)) != "8" {
			t.Errorf("total = %v", e.total(t))
		}
		b1 := e.items(t, "builds")[0]
		want := `{"builderid":1,"buildid":1,"buildrequestid":1,"complete":true,"complete_at":1795727782,"masterid":1,"number":1,"properties":{},"results":0,"started_at":1795727781,"state_string":"build successful","workerid":1}`
		if got, _ := MarshalSorted(b1); string(got) != want {
			t.Errorf("build 1 =\n%s\nwant\n%s", got, want)
		}
		b8 := e.items(t, "builds")[7]
		if b8["complete"] != false || b8["results"] != nil || b8["complete_at"] != nil || b8["workerid"] != nil {
			t.Errorf("running build = %v", b8)
		}
		cases := []struct {
			query string
			want  []string
		}{
			// Checked against Buildbot 3.7: total is the number of items
			// returned; negative limit/offset are accepted (SQLite's LIMIT -1
			// is no limit, a negative OFFSET is 0).
			{"limit=2", []string{"1", "2"}},
			{"offset=5&limit=3", []string{"6", "7", "8"}},
			{"offset=6", []string{"7", "8"}},
			{"limit=0", nil},
			{"limit=-1", []string{"1", "2", "3", "4", "5", "6", "7", "8"}},
			{"offset=-2&limit=2", []string{"1", "2"}},
			{"order=-buildid&limit=3", []string{"8", "7", "6"}},
			{"order=builderid&order=-number", []string{"7", "6", "4", "3", "1", "8", "5", "2"}},
			{"order=-results&limit=3", []string{"2", "5", "1"}},
			{"order=results&limit=2", []string{"8", "1"}}, // null first, as Python sorts None
			{"nosuch__ne=1", []string{"1", "2", "3", "4", "5", "6", "7", "8"}},
			{"results__foo=1", []string{"1", "2", "3", "4", "5", "6", "7", "8"}},
			{"complete=TRUE", []string{"1", "2", "3", "4", "5", "6", "7"}},
			{"complete=off", []string{"8"}},
			{"complete__ne=yes", []string{"8"}},
			{"results__ne=0", []string{"2", "5"}},
			{"results__lt=1", []string{"1", "3", "4", "6", "7"}},
			{"results__ge=2", []string{"2", "5"}},
			{"results=0&results=2&limit=3", []string{"1", "2", "3"}},
			{"results__ne=0&results__ne=2", nil},
			{"results__in=2", []string{"2", "5"}},
			{"results__notin=0&results__notin=1", []string{"2", "5"}},
			{"state_string__contains=fin", nil},
			{"state_string__contains=fail", []string{"2", "5"}},
			{"state_string__contains=FAIL", nil},
			{"state_string__contains=buil&state_string__contains=fail", []string{"1", "2", "3", "4", "5", "6", "7", "8"}},
			{"state_string__gt=c", []string{"2", "5"}},
			{"builderid__in=1&builderid__in=2&limit=2", []string{"1", "2"}},
			{"builderid=2&number__le=2", []string{"2", "5"}},
			{"workerid=1&limit=1&offset=1", []string{"2"}},
			{"buildrequestid=9", []string{"8"}},
			{"started_at__gt=1795727782", []string{"7", "8"}},
		}
		for _, c := range cases {
			e := mustEnv(t, a, "builds", c.query)
			eqIDs(t, "builds?"+c.query, e.ids(t, "builds", "buildid"), c.want...)
			if fmt.Sprint(e.total(t)) != fmt.Sprint(len(c.want)) {
				t.Errorf("builds?%s total = %v, want %d", c.query, e.total(t), len(c.want))
			}
		}
		e = mustEnv(t, a, "builds", "field=buildid&field=number&order=-number&limit=2")
		got, _ := MarshalSorted(e["builds"])
		if string(got) != `[{"buildid":7,"number":5},{"buildid":6,"number":4}]` {
			t.Errorf("projection = %s", got)
		}

		// Paths.
		eqIDs(t, "builders/1/builds", mustEnv(t, a, "builders/1/builds", "").ids(t, "builds", "buildid"), "1", "3", "4", "6", "7")
		eqIDs(t, "builders/b1/builds", mustEnv(t, a, "builders/b1/builds", "").ids(t, "builds", "buildid"), "2", "5", "8")
		eqIDs(t, "builders/nosuch/builds", mustEnv(t, a, "builders/nosuch/builds", "").ids(t, "builds", "buildid"))
		eqIDs(t, "buildrequests/9/builds", mustEnv(t, a, "buildrequests/9/builds", "").ids(t, "builds", "buildid"), "8")
		eqIDs(t, "workers/1/builds", mustEnv(t, a, "workers/1/builds", "limit=2").ids(t, "builds", "buildid"), "1", "2")
		eqIDs(t, "changes/2/builds", mustEnv(t, a, "changes/2/builds", "").ids(t, "builds", "buildid"), "7")
		eqIDs(t, "changes/1/builds", mustEnv(t, a, "changes/1/builds", "").ids(t, "builds", "buildid"))
		for _, p := range []string{"builds/3", "builders/1/builds/2", "builders/b0/builds/2"} {
			e := mustEnv(t, a, p, "")
			eqIDs(t, p, e.ids(t, "builds", "buildid"), "3")
			if m, ok := e["meta"].(map[string]any); !ok || len(m) != 0 {
				t.Errorf("%s meta = %v, want {}", p, e["meta"])
			}
		}
		e = mustEnv(t, a, "builds/1", "field=number&limit=1")
		if got, _ := MarshalSorted(e); string(got) != `{"builds":[{"number":1}],"meta":{}}` {
			t.Errorf("builds/1?field=number = %s", got)
		}

		// Properties (property=, as 3.7: only the names asked for; {} when none).
		e = mustEnv(t, a, "builds", "property=*&limit=2")
		p1, _ := MarshalSorted(e.items(t, "builds")[0]["properties"])
		if string(p1) != `{"buildername":["b0","Builder"],"buildnumber":[1,"Build"],"nested":[{"a":[true,null],"z":1},"Test"],"owners":[[""],"Build"],"ratio":[1.0,"Test"]}` {
			t.Errorf("properties = %s", p1)
		}
		if got := fmt.Sprint(e.items(t, "builds")[1]["properties"]); got != "map[]" {
			t.Errorf("build 2 properties = %s", got)
		}
		e = mustEnv(t, a, "builds/1", "property=buildername&property=nosuch")
		if got := fmt.Sprint(e.items(t, "builds")[0]["properties"]); got != "map[buildername:[b0 Builder]]" {
			t.Errorf("builds/1?property=buildername = %s", got)
		}
		e = mustEnv(t, a, "builds", "property=nosuch&limit=1")
		if got := fmt.Sprint(e.items(t, "builds")[0]["properties"]); got != "map[]" {
			t.Errorf("property=nosuch = %s", got)
		}

		// Errors, with 3.7's messages.
		wantGetErr(t, a, "builds", "field=buildid&order=number", &BadRequestError{}, "cannot order on un-selected fields")
		wantGetErr(t, a, "builds", "field=buildid&number=1", &BadRequestError{}, "cannot filter on un-selected fields")
		wantGetErr(t, a, "builds", "nosuch=1", &BadRequestError{}, "unrecognized query parameter 'nosuch'")
		wantGetErr(t, a, "builds", "complete=maybe", &BadRequestError{}, "invalid filter value for complete")
		wantGetErr(t, a, "builds", "results__lt=x", &BadRequestError{}, "invalid filter value for results__lt")
		wantGetErr(t, a, "builds", "field=", &BadRequestError{}, "no such field ''")
		wantGetErr(t, a, "builds", "field=nosuch", &BadRequestError{}, "no such field 'nosuch'")
		wantGetErr(t, a, "builds", "order=-nosuch", &BadRequestError{}, "no such field 'nosuch'")
		wantGetErr(t, a, "builds", "limit=abc", &BadRequestError{}, "invalid limit")
		wantGetErr(t, a, "builds", "offset=1.5", &BadRequestError{}, "invalid offset")
		wantGetErr(t, a, "builds", "properties=1", &BadRequestError{}, "invalid filter value for properties")
		wantGetErr(t, a, "builds/1", "number=1", &BadRequestError{}, "this is not a collection")
		wantGetErr(t, a, "builds/999", "", &NotFoundError{},
			"not found while getting from endpoint for /builds/n:buildid,/builders/n:builderid/builds/n:number,/builders/i:buildername/builds/n:number with arguments {'buildid': 999}")
		wantGetErr(t, a, "builders/b9/builds/1", "", &NotFoundError{}, "not found while getting")
		wantGetErr(t, a, "builds/abc", "", &NotFoundError{}, "Invalid path: builds/abc")
		wantGetErr(t, a, "builds/", "", &NotFoundError{}, "Invalid path: builds/")
		wantGetErr(t, a, "/", "", &NotFoundError{}, "Invalid path: ")
	})
}
