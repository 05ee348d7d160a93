package data

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/bbhost/bbhost/host/db"
)

// sqlCol maps an API field onto an SQL expression of the query that loads
// the resource (Buildbot's fieldMapping). Booleans must be expressions that
// give 0 or 1 on both dialects.
type sqlCol struct {
	expr     string
	kind     FieldKind
	nullable bool
}

func col(expr string, kind FieldKind) sqlCol { return sqlCol{expr: expr, kind: kind} }
func ncol(expr string, kind FieldKind) sqlCol {
	return sqlCol{expr: expr, kind: kind, nullable: true}
}

func (c sqlCol) isString() bool {
	return c.kind == KindString || c.kind == KindIdentifier
}

// query is a SELECT built from an endpoint's fixed conditions and the parts
// of a ResultSpec that SQL can answer. Placeholders are $N (rebound for
// SQLite by the connector); lists of values travel as one parameter (a JSON
// array read with json_each on SQLite, an array on PostgreSQL), so the text
// of a query does not depend on how many values a filter has.
type query struct {
	dialect db.Dialect
	sel     string
	where   []string
	args    []any
	order   []string
	tail    string // LIMIT/OFFSET
}

func newQuery(d db.Dialect, sel string) *query { return &query{dialect: d, sel: sel} }

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) and(cond string) { q.where = append(q.where, cond) }

// typedArg is arg with, on PostgreSQL, integers cast to BIGINT so that a
// large value compared with an INTEGER column is a comparison, not an
// encoding error.
func (q *query) typedArg(v any, kind FieldKind) string {
	p := q.arg(v)
	if _, isInt := v.(int64); isInt && q.dialect == db.Postgres {
		return "CAST(" + p + " AS BIGINT)"
	}
	return p
}

// inList is "expr IN (values)" with the values as one parameter.
func (q *query) inList(expr string, values []any, kind FieldKind) string {
	if q.dialect == db.Postgres {
		arr := pgArray(values, kind)
		if _, isInt := arr.([]int64); isInt {
			return expr + " = ANY(CAST(" + q.arg(arr) + " AS BIGINT[]))"
		}
		return expr + " = ANY(CAST(" + q.arg(arr) + " AS TEXT[]))"
	}
	return expr + " IN (SELECT value FROM json_each(" + q.arg(jsonArray(values)) + "))"
}

// inInts is inList for integer ids.
func (q *query) inInts(expr string, ids []int64) string {
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	return q.inList(expr, vals, KindInteger)
}

func (q *query) sql() string {
	var b strings.Builder
	b.WriteString(q.sel)
	if len(q.where) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(q.where, " AND "))
	}
	if len(q.order) > 0 {
		b.WriteString(" ORDER BY ")
		b.WriteString(strings.Join(q.order, ", "))
	}
	b.WriteString(q.tail)
	return b.String()
}

func sqlValue(v any) any {
	if b, ok := v.(bool); ok {
		if b {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

func jsonArray(values []any) string {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = sqlValue(v)
	}
	b, _ := json.Marshal(out) // ints and strings only
	return string(b)
}

// pgArray builds the Go slice pgx sends as an int8[] or text[].
func pgArray(values []any, kind FieldKind) any {
	if kind == KindString || kind == KindIdentifier || kind == KindBinary {
		out := make([]string, 0, len(values))
		for _, v := range values {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	out := make([]int64, 0, len(values))
	for _, v := range values {
		if n, ok := sqlValue(v).(int64); ok {
			out = append(out, n)
		}
	}
	return out
}

// filterSQL is the SQL condition of one filter on column c, or "" when SQL
// cannot answer it the way the in-memory filter would.
func (q *query) filterSQL(f Filter, c sqlCol) string {
	if len(f.Values) == 1 {
		v := sqlValue(f.Values[0])
		switch f.Op {
		case OpEq, OpIn:
			return c.expr + " = " + q.typedArg(v, c.kind)
		case OpNe, OpNotIn:
			return c.expr + " <> " + q.typedArg(v, c.kind)
		case OpLt, OpLe, OpGt, OpGe:
			op := map[string]string{OpLt: " < ", OpLe: " <= ", OpGt: " > ", OpGe: " >= "}[f.Op]
			return q.collated(c) + op + q.typedArg(v, c.kind)
		case OpContains:
			if !c.isString() {
				return ""
			}
			return q.substr(c.expr, q.arg(v)) + " > 0"
		}
		return ""
	}
	switch f.Op {
	case OpEq, OpIn:
		return q.inList(c.expr, f.Values, c.kind)
	case OpNe, OpNotIn:
		return "NOT (" + q.inList(c.expr, f.Values, c.kind) + ")"
	case OpContains:
		if !c.isString() {
			return ""
		}
		if q.dialect == db.Postgres {
			return "EXISTS (SELECT 1 FROM unnest(" + q.arg(pgArray(f.Values, KindString)) + "::text[]) AS v(s) WHERE strpos(" + c.expr + ", v.s) > 0)"
		}
		return "EXISTS (SELECT 1 FROM json_each(" + q.arg(jsonArray(f.Values)) + ") AS v WHERE instr(" + c.expr + ", v.value) > 0)"
	}
	return ""
}

// substr is the position of needle in expr (1-based, 0 when absent),
// case-sensitive on both dialects, as Python's `in`.
func (q *query) substr(expr, needle string) string {
	if q.dialect == db.Postgres {
		return "strpos(" + expr + ", " + needle + ")"
	}
	return "instr(" + expr + ", " + needle + ")"
}

// collated orders strings by code point on PostgreSQL as SQLite and Python
// do.
func (q *query) collated(c sqlCol) string {
	if q.dialect == db.Postgres && c.isString() {
		return c.expr + ` COLLATE "C"`
	}
	return c.expr
}

func (q *query) orderTerm(c sqlCol, desc bool) string {
	t := q.collated(c)
	if desc {
		t += " DESC"
	}
	// Python sorts None first; SQLite does the same for ASC (and last for
	// DESC); PostgreSQL does the opposite unless told.
	if c.nullable && q.dialect == db.Postgres {
		if desc {
			t += " NULLS LAST"
		} else {
			t += " NULLS FIRST"
		}
	}
	return t
}

// push moves into the query what SQL can answer of rs: every filter on a
// mapped field, the order when every key is mapped, and then, if nothing is
// left to do in memory, the paging. key is the default order that makes
// answers deterministic (the resource's id); desc reverses it.
func (q *query) push(rs *ResultSpec, cols map[string]sqlCol, key string, desc bool) {
	var left []Filter
	for _, f := range rs.Filters {
		c, ok := cols[f.Field]
		cond := ""
		if ok {
			cond = q.filterSQL(f, c)
		}
		if cond == "" {
			left = append(left, f)
			continue
		}
		q.and(cond)
	}
	rs.Filters = left
	orderInSQL := true
	for _, o := range rs.Order {
		if _, ok := cols[strings.TrimPrefix(o, "-")]; !ok {
			orderInSQL = false
			break
		}
	}
	hasKey := false
	if orderInSQL {
		for _, o := range rs.Order {
			name, d := strings.CutPrefix(o, "-")
			c := cols[name]
			if c.expr == key {
				hasKey = true
			}
			q.order = append(q.order, q.orderTerm(c, d))
		}
		rs.Order = nil
	}
	if !hasKey && key != "" {
		if desc {
			q.order = append(q.order, key+" DESC")
		} else {
			q.order = append(q.order, key)
		}
	}
	if orderInSQL && len(left) == 0 && rs.paged() {
		offset, limit := rs.window()
		switch {
		case limit >= 0:
			q.tail = " LIMIT " + strconv.Itoa(limit)
		case offset > 0 && q.dialect == db.Postgres:
			q.tail = " LIMIT ALL"
		case offset > 0:
			q.tail = " LIMIT -1"
		}
		if offset > 0 {
			q.tail += " OFFSET " + strconv.Itoa(offset)
		}
		rs.Limit, rs.Offset = nil, nil
	}
}
