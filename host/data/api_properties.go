package data

import (
	"context"
	"encoding/json"
	"slices"
)

// Properties live in build_properties (name, value JSON, source) and in
// buildset_properties / change_properties (property_name, property_value
// JSON [value, source]).

type propRow struct {
	owner  int64
	name   string
	value  json.RawMessage
	source string
}

// loadPropertyRows reads the property rows of owners (one query whatever
// their number); names limits them unless it holds "*" or is nil.
func (a *API) loadPropertyRows(ctx context.Context, table, keyCol string, owners []int64, names []string) ([]propRow, error) {
	var sel string
	pair := table != "build_properties"
	nameCol := "name"
	if pair {
		nameCol = "property_name"
		sel = "SELECT " + keyCol + ", property_name, property_value, '' FROM " + table
	} else {
		sel = "SELECT " + keyCol + ", name, value, source FROM " + table
	}
	q := newQuery(a.db.Dialect(), sel)
	if len(owners) == 1 {
		q.and(keyCol + " = " + q.arg(owners[0]))
	} else {
		q.and(q.inInts(keyCol, owners))
	}
	if names != nil && !slices.Contains(names, "*") {
		q.and(q.inList(nameCol, toAny(names), KindString))
	}
	q.order = []string{keyCol}
	rows, err := queryAll(ctx, a, q, func(s rowScanner) (propRow, error) {
		var r propRow
		var text []byte
		err := s.Scan(&r.owner, &r.name, &text, &r.source)
		r.value = text
		return r, err
	})
	if err != nil {
		return nil, err
	}
	if pair {
		for i := range rows {
			var vs []json.RawMessage
			if json.Unmarshal(rows[i].value, &vs) == nil && len(vs) == 2 {
				rows[i].value = vs[0]
				var src string
				if json.Unmarshal(vs[1], &src) == nil {
					rows[i].source = src
				}
			}
		}
	}
	return rows, nil
}

// loadProperties returns {owner: {name: [value, source]}}.
func (a *API) loadProperties(ctx context.Context, table, keyCol string, owners []int64, names []string) (map[int64]SourcedProperties, error) {
	rows, err := a.loadPropertyRows(ctx, table, keyCol, owners, names)
	if err != nil {
		return nil, err
	}
	out := map[int64]SourcedProperties{}
	for _, r := range rows {
		p := out[r.owner]
		if p == nil {
			p = SourcedProperties{}
			out[r.owner] = p
		}
		p[r.name] = [2]any{decodeJSON(r.value), r.source}
	}
	return out, nil
}

// filterProperties keeps the names asked for ("*" = all), as Buildbot's
// _generate_filtered_properties; nil when none remain.
func filterProperties(p SourcedProperties, names []string) SourcedProperties {
	if len(p) == 0 || len(names) == 0 {
		return nil
	}
	if slices.Contains(names, "*") {
		return p
	}
	out := SourcedProperties{}
	for _, n := range names {
		if v, ok := p[n]; ok {
			out[n] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (a *API) propertyEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtProperties, patterns: []string{"/buildsets/n:bsid/properties"},
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				id, _ := args.Int("bsid")
				return a.ownerProperties(ctx, "buildset_properties", "buildsetid", id)
			}},
		{rtype: rtProperties, patterns: []string{
			"/builders/n:builderid/builds/n:build_number/properties",
			"/builds/n:buildid/properties",
		}, get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
			id, ok, err := a.buildArg(ctx, args)
			if err != nil || !ok {
				return SourcedProperties{}, err
			}
			return a.ownerProperties(ctx, "build_properties", "buildid", id)
		}},
		{rtype: rtPropertyList, collection: true, patterns: []string{
			"/builds/n:buildid/property_list",
			"/buildsets/n:bsid/properties_list",
			"/changes/n:changeid/properties_list",
		}, get: getPropertyList},
	}
}

func (a *API) ownerProperties(ctx context.Context, table, keyCol string, id int64) (SourcedProperties, error) {
	props, err := a.loadProperties(ctx, table, keyCol, []int64{id}, nil)
	if err != nil {
		return nil, err
	}
	if p := props[id]; p != nil {
		return p, nil
	}
	return SourcedProperties{}, nil
}

// getPropertyList answers the list form: {name, source, value} with value
// the property's JSON text, as Buildbot's json.dumps writes it.
func getPropertyList(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
	var table, keyCol string
	var id int64
	switch {
	case args.Has("buildid"):
		table, keyCol = "build_properties", "buildid"
		id, _ = args.Int("buildid")
	case args.Has("bsid"):
		table, keyCol = "buildset_properties", "buildsetid"
		id, _ = args.Int("bsid")
	default:
		table, keyCol = "change_properties", "changeid"
		id, _ = args.Int("changeid")
	}
	rows, err := a.loadPropertyRows(ctx, table, keyCol, []int64{id}, nil)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(rows))
	seen := map[string]int{}
	for _, r := range rows {
		p := &Property{Name: r.name, Source: r.source, Value: pythonJSON(r.value)}
		if i, ok := seen[r.name]; ok { // a later row wins, as in Buildbot's dict
			out[i] = p
			continue
		}
		seen[r.name] = len(out)
		out = append(out, p)
	}
	return out, nil
}

// pythonJSON re-spaces compact JSON as Python's json.dumps writes it: ", "
// between items and ": " after keys.
func pythonJSON(raw []byte) string {
	out := make([]byte, 0, len(raw)+8)
	inStr, esc := false, false
	for _, c := range raw {
		switch {
		case inStr:
			out = append(out, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		case c == '"':
			inStr = true
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			continue
		case c == ',' || c == ':':
			out = append(out, c, ' ')
			continue
		}
		out = append(out, c)
	}
	return string(out)
}
