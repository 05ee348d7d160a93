package data

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Filter operators, as Buildbot's resultspec.
const (
	OpEq       = "eq"
	OpNe       = "ne"
	OpLt       = "lt"
	OpLe       = "le"
	OpGt       = "gt"
	OpGe       = "ge"
	OpContains = "contains"
	OpIn       = "in"
	OpNotIn    = "notin"
)

// singularOps are the operators allowed with one value; pluralOps those
// allowed with several (where eq means "in" and ne "not in").
var (
	singularOps = map[string]bool{OpEq: true, OpNe: true, OpLt: true, OpLe: true, OpGt: true,
		OpGe: true, OpContains: true, OpIn: true, OpNotIn: true}
	pluralOps = map[string]bool{OpEq: true, OpNe: true, OpContains: true, OpIn: true, OpNotIn: true}
)

// Filter is one `<field>[__<op>]=value` condition; several values are
// alternatives (see the operators).
type Filter struct {
	Field  string
	Op     string
	Values []any
}

// ResultSpec is what a request asks of a collection beyond its path: field
// projection, filters, order, paging and the properties to include (Buildbot's
// ResultSpec). Endpoints consume the parts they can push into SQL; what is
// left is applied in memory.
type ResultSpec struct {
	// Fields is the projection; nil means every field.
	Fields []string
	// Filters must all hold.
	Filters []Filter
	// Order lists field names, "-name" for descending.
	Order []string
	// Limit and Offset page the result; nil when not given.
	Limit, Offset *int
	// Properties are the `property=` names ("*" = all); nil when not asked.
	Properties []string
}

// ParseResultSpec reads the query parameters of a request on a resource of
// type rt, exactly as Buildbot 3.7's resultspec_from_jsonapi: unknown
// parameters and fields are errors, an unknown field or operator in the
// `field__op` form is ignored, filters on a singular endpoint are refused.
// Parameters are read in sorted order so that the first error is
// deterministic.
func ParseResultSpec(q url.Values, rt *ResourceType, collection bool) (*ResultSpec, error) {
	rs := &ResultSpec{}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	checkField := func(name string, negOK bool) error {
		if negOK && strings.HasPrefix(name, "-") {
			name = name[1:]
		}
		if rt.Field(name) == nil {
			return badRequestf("no such field '%s'", name)
		}
		return nil
	}
	for _, k := range keys {
		vals := q[k]
		switch k {
		case "order":
			for _, o := range vals {
				if err := checkField(o, true); err != nil {
					return nil, err
				}
			}
			rs.Order = append([]string(nil), vals...)
		case "field":
			for _, f := range vals {
				if err := checkField(f, false); err != nil {
					return nil, err
				}
			}
			rs.Fields = append([]string(nil), vals...)
		case "limit", "offset":
			n, err := parsePythonInt(first(vals))
			if err != nil {
				return nil, badRequestf("invalid %s", k)
			}
			if k == "limit" {
				rs.Limit = &n
			} else {
				rs.Offset = &n
			}
		case "property":
			rs.Properties = append([]string{}, vals...)
		default:
			if f := rt.Field(k); f != nil {
				values, err := parseValues(f.Type, vals)
				if err != nil {
					return nil, badRequestf("invalid filter value for %s", k)
				}
				rs.Filters = append(rs.Filters, Filter{Field: k, Op: OpEq, Values: values})
				continue
			}
			i := strings.LastIndex(k, "__")
			if i < 0 {
				return nil, badRequestf("unrecognized query parameter '%s'", k)
			}
			name, op := k[:i], k[i+2:]
			ops := singularOps
			if len(vals) != 1 {
				ops = pluralOps
			}
			f := rt.Field(name)
			if !ops[op] || f == nil {
				continue // Buildbot ignores an unknown field or operator here
			}
			values, err := parseValues(f.Type, vals)
			if err != nil {
				return nil, badRequestf("invalid filter value for %s", k)
			}
			rs.Filters = append(rs.Filters, Filter{Field: name, Op: op, Values: values})
		}
	}
	if len(rs.Fields) > 0 {
		selected := make(map[string]bool, len(rs.Fields))
		for _, f := range rs.Fields {
			selected[f] = true
		}
		for _, o := range rs.Order {
			if !selected[strings.TrimPrefix(o, "-")] {
				return nil, badRequestf("cannot order on un-selected fields")
			}
		}
		for _, f := range rs.Filters {
			if !selected[f.Field] {
				return nil, badRequestf("cannot filter on un-selected fields")
			}
		}
	}
	if !collection && len(rs.Filters) > 0 {
		return nil, badRequestf("this is not a collection")
	}
	return rs, nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// parsePythonInt parses a decimal integer the way Python's int() does for
// the values Buildbot sees: surrounding spaces and a sign are allowed.
func parsePythonInt(s string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 0)
	return int(n), err
}

func parseValues(t *FieldType, vals []string) ([]any, error) {
	out := make([]any, len(vals))
	for i, v := range vals {
		x, err := t.ValueFromString(v)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// PopFilter removes and returns the values of the first filter on field with
// operator op, or nil.
func (rs *ResultSpec) PopFilter(field, op string) []any {
	for i, f := range rs.Filters {
		if f.Field == field && f.Op == op {
			rs.Filters = append(rs.Filters[:i:i], rs.Filters[i+1:]...)
			return f.Values
		}
	}
	return nil
}

// PopBooleanFilter removes a single-valued eq or ne filter on field and
// returns the boolean it requires, as Buildbot's popBooleanFilter.
func (rs *ResultSpec) PopBooleanFilter(field string) (value, ok bool) {
	if v := rs.PopFilter(field, OpEq); v != nil {
		if b, isBool := v[0].(bool); len(v) == 1 && isBool {
			return b, true
		}
		rs.Filters = append(rs.Filters, Filter{Field: field, Op: OpEq, Values: v})
	}
	if v := rs.PopFilter(field, OpNe); v != nil {
		if b, isBool := v[0].(bool); len(v) == 1 && isBool {
			return !b, true
		}
		rs.Filters = append(rs.Filters, Filter{Field: field, Op: OpNe, Values: v})
	}
	return false, false
}

// hasLimit reports whether paging was asked for.
func (rs *ResultSpec) paged() bool { return rs.Limit != nil || rs.Offset != nil }

// window turns Limit and Offset into a start index and a length (-1 for no
// limit). Negative values are accepted as SQLite does: a negative limit is no
// limit, a negative offset is 0.
func (rs *ResultSpec) window() (offset, limit int) {
	limit = -1
	if rs.Offset != nil && *rs.Offset > 0 {
		offset = *rs.Offset
	}
	if rs.Limit != nil && *rs.Limit >= 0 {
		limit = *rs.Limit
	}
	return offset, limit
}
