package data

import (
	"slices"
	"strings"
)

// apply runs what is left of the spec on items, in memory: filters, then
// order, then paging, then projection. Comparisons follow SQL's rules so that
// a filter gives the same answer whether it ran in the database or here: a
// null value matches no operator.
func (rs *ResultSpec) apply(items []any) []any {
	if len(rs.Filters) > 0 {
		kept := items[:0:0]
		for _, it := range items {
			if rs.matches(it) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	if len(rs.Order) > 0 {
		order := rs.Order
		slices.SortStableFunc(items, func(a, b any) int { return compareByOrder(a, b, order) })
	}
	if rs.paged() {
		offset, limit := rs.window()
		if offset >= len(items) {
			items = items[:0]
		} else {
			items = items[offset:]
		}
		if limit >= 0 && limit < len(items) {
			items = items[:limit]
		}
	}
	rs.Filters, rs.Order, rs.Limit, rs.Offset = nil, nil, nil, nil
	return items
}

func compareByOrder(a, b any, order []string) int {
	for _, o := range order {
		name, desc := strings.CutPrefix(o, "-")
		va, _ := fieldValue(a, name)
		vb, _ := fieldValue(b, name)
		c, ok := compareValues(va, vb)
		if !ok || c == 0 {
			continue
		}
		if desc {
			return -c
		}
		return c
	}
	return 0
}

func (rs *ResultSpec) matches(item any) bool {
	for _, f := range rs.Filters {
		v, _ := fieldValue(item, f.Field)
		if !f.match(v) {
			return false
		}
	}
	return true
}

// match applies the filter to one normalised value. With one value the
// operators compare; with several, eq means "in", ne "not in", contains "any
// of".
func (f *Filter) match(v any) bool {
	if v == nil {
		return false
	}
	vals := f.Values
	if len(vals) == 1 {
		x := vals[0]
		switch f.Op {
		case OpEq:
			return equalValue(v, x)
		case OpNe:
			return !equalValue(v, x)
		case OpLt, OpLe, OpGt, OpGe:
			c, ok := compareValues(v, x)
			if !ok {
				return false
			}
			switch f.Op {
			case OpLt:
				return c < 0
			case OpLe:
				return c <= 0
			case OpGt:
				return c > 0
			}
			return c >= 0
		case OpContains:
			return contains(v, x)
		case OpIn:
			return equalValue(v, x)
		case OpNotIn:
			return !equalValue(v, x)
		}
		return false
	}
	switch f.Op {
	case OpEq, OpIn:
		return slices.ContainsFunc(vals, func(x any) bool { return equalValue(v, x) })
	case OpNe, OpNotIn:
		return !slices.ContainsFunc(vals, func(x any) bool { return equalValue(v, x) })
	case OpContains:
		return slices.ContainsFunc(vals, func(x any) bool { return contains(v, x) })
	}
	return false
}

// equalValue is Python's ==: a list never equals a scalar, so eq on a list
// field matches nothing (use contains), as in Buildbot.
func equalValue(v, x any) bool {
	c, ok := compareValues(v, x)
	return ok && c == 0
}

// contains is Python's `x in v`: a substring of a string, an element of a
// list.
func contains(v, x any) bool {
	if s, ok := v.(string); ok {
		sub, ok := x.(string)
		return ok && strings.Contains(s, sub)
	}
	if elems, ok := listElems(v); ok {
		return slices.ContainsFunc(elems, func(e any) bool { c, ok := compareValues(e, x); return ok && c == 0 })
	}
	return false
}

// project keeps the selected fields of each item, as maps.
func project(items []any, fields []string) []any {
	if len(fields) == 0 {
		return items
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = projectOne(it, fields)
	}
	return out
}

func projectOne(item any, fields []string) map[string]any {
	m := make(map[string]any, len(fields))
	for _, f := range fields {
		if v, ok := fieldValue(item, f); ok {
			m[f] = v
		}
	}
	return m
}
