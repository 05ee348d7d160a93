package data

import (
	"errors"
	"fmt"
	"net/url"
	"testing"
)

func TestParseResultSpec(t *testing.T) {
	cases := []struct {
		query      string
		collection bool
		want       string // fmt of the spec, or "error: <msg>"
	}{
		{"", true, "fields=[] filters=[] order=[] limit=<nil> offset=<nil> props=[]"},
		{"field=buildid&field=number&order=-number&limit=5&offset=2", true,
			"fields=[buildid number] filters=[] order=[-number] limit=5 offset=2 props=[]"},
		{"complete=yes&results=0&results=2", true,
			"fields=[] filters=[{complete eq [true]} {results eq [0 2]}] order=[] limit=<nil> offset=<nil> props=[]"},
		{"results__ne=3&state_string__contains=x", true,
			"fields=[] filters=[{results ne [3]} {state_string contains [x]}] order=[] limit=<nil> offset=<nil> props=[]"},
		// Only eq, ne, contains, in and notin take several values; lt with
		// two values is ignored, as an unknown operator or field is.
		{"results__lt=1&results__lt=2&x__eq=1&results__zz=1", true, "fields=[] filters=[] order=[] limit=<nil> offset=<nil> props=[]"},
		{"builderid__in=1&builderid__in=2", true, "fields=[] filters=[{builderid in [1 2]}] order=[] limit=<nil> offset=<nil> props=[]"},
		{"property=*&property=owner", true, "fields=[] filters=[] order=[] limit=<nil> offset=<nil> props=[* owner]"},
		{"limit=+3&offset= 4 ", true, "fields=[] filters=[] order=[] limit=3 offset=4 props=[]"},
		{"complete=Off", true, "fields=[] filters=[{complete eq [false]}] order=[] limit=<nil> offset=<nil> props=[]"},
		{"field=buildid&limit=1", false, "fields=[buildid] filters=[] order=[] limit=1 offset=<nil> props=[]"},
		{"complete=maybe", true, "error: invalid filter value for complete"},
		{"complete=", true, "error: invalid filter value for complete"},
		{"results__gt=x", true, "error: invalid filter value for results__gt"},
		{"limit=", true, "error: invalid limit"},
		{"offset=x", true, "error: invalid offset"},
		{"nope=1", true, "error: unrecognized query parameter 'nope'"},
		{"field=nope", true, "error: no such field 'nope'"},
		{"order=--number", true, "error: no such field '-number'"},
		{"field=-number", true, "error: no such field '-number'"},
		{"field=buildid&order=number", true, "error: cannot order on un-selected fields"},
		{"field=buildid&complete=1", true, "error: cannot filter on un-selected fields"},
		{"complete=1", false, "error: this is not a collection"},
		{"properties=x", true, "error: invalid filter value for properties"},
	}
	for _, c := range cases {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := ParseResultSpec(q, rtBuild, c.collection)
		var got string
		if err != nil {
			var bad *BadRequestError
			if !errors.As(err, &bad) {
				t.Errorf("%q: error %T, want *BadRequestError", c.query, err)
			}
			got = "error: " + err.Error()
		} else {
			lim, off := "<nil>", "<nil>"
			if rs.Limit != nil {
				lim = fmt.Sprint(*rs.Limit)
			}
			if rs.Offset != nil {
				off = fmt.Sprint(*rs.Offset)
			}
			got = fmt.Sprintf("fields=%v filters=%v order=%v limit=%s offset=%s props=%v", rs.Fields, rs.Filters, rs.Order, lim, off, rs.Properties)
		}
		if got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.query, got, c.want)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	two := 2
	cases := []struct {
		f    Filter
		v    any
		want bool
	}{
		{Filter{"results", OpEq, []any{int64(2)}}, &two, true},
		{Filter{"results", OpNe, []any{int64(2)}}, (*int)(nil), false}, // null matches nothing, as in SQL
		{Filter{"results", OpLt, []any{int64(3)}}, 2, true},
		{Filter{"results", OpGe, []any{int64(3)}}, 2, false},
		{Filter{"name", OpContains, []any{"ui"}}, "build", true},
		{Filter{"name", OpContains, []any{"x", "b"}}, "build", true},
		{Filter{"tags", OpContains, []any{"a"}}, []string{"a", "b"}, true},
		{Filter{"tags", OpEq, []any{"a"}}, []string{"a"}, false},
		{Filter{"tags", OpNe, []any{"a"}}, []string{"a"}, true},
		{Filter{"results", OpEq, []any{int64(1), int64(2)}}, 2, true},
		{Filter{"results", OpNe, []any{int64(1), int64(2)}}, 2, false},
		{Filter{"results", OpNotIn, []any{int64(1)}}, 2, true},
		{Filter{"complete", OpLt, []any{true}}, false, true},
		{Filter{"results", OpContains, []any{int64(2)}}, 2, false},
	}
	for _, c := range cases {
		if got := c.f.match(normalize(c.v)); got != c.want {
			t.Errorf("%v on %#v = %v, want %v", c.f, c.v, got, c.want)
		}
	}
}

// FuzzParseResultSpec: any query string on any resource type parses to a
// spec or a *BadRequestError, and applying the spec in memory never panics.
func FuzzParseResultSpec(f *testing.F) {
	for _, s := range []string{"", "limit=2&offset=1", "field=buildid&order=-buildid", "results__ne=0&results__ne=1",
		"complete=on", "tags__contains=x", "property=*", "state_string__contains=a&state_string__contains=b",
		"order=", "field=", "limit=-1", "offset=99999999999999999999", "a__b__c=1", "%zz", "results__lt=1&results__lt=2"} {
		f.Add(s)
	}
	types := []*ResourceType{rtBuild, rtBuilder, rtWorker, rtChange, rtBuildset, rtBuildRequest, rtLogChunk, rtProperties, rtSpec}
	one, three := 1, 3
	items := []any{
		&Build{BuildID: 1, Results: &one, Properties: SourcedProperties{}},
		&Build{BuildID: 2, StateString: "x"},
		&Builder{BuilderID: 1, Name: "b", Tags: []string{"a"}, MasterIDs: []int64{1}},
		map[string]any{"name": "builds", "results": 3},
		&Build{BuildID: 3, Results: &three},
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, rt := range types {
			for _, coll := range []bool{true, false} {
				rs, err := ParseResultSpec(q, rt, coll)
				if err != nil {
					var bad *BadRequestError
					if !errors.As(err, &bad) {
						t.Fatalf("%q on %s: error %T %v", raw, rt.Name, err, err)
					}
					continue
				}
				out := rs.apply(append([]any(nil), items...))
				_ = project(out, rs.Fields)
			}
		}
	})
}
