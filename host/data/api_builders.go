package data

import (
	"context"
	"database/sql"
	"slices"
)

const builderSelect = `SELECT builders.id, builders.name, builders.description FROM builders`

var builderCols = map[string]sqlCol{
	"builderid":   col("builders.id", KindInteger),
	"name":        col("builders.name", KindIdentifier),
	"description": ncol("builders.description", KindString),
}

func scanBuilder(s rowScanner) (*Builder, error) {
	var b Builder
	var desc sql.NullString
	if err := s.Scan(&b.BuilderID, &b.Name, &desc); err != nil {
		return nil, err
	}
	b.Description = strP(desc)
	b.MasterIDs, b.Tags = []int64{}, []string{}
	return &b, nil
}

func (a *API) builderEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtBuilder, patterns: []string{
			"/builders/n:builderid",
			"/builders/i:buildername",
			"/masters/n:masterid/builders/n:builderid",
		}, get: getBuilder},
		{rtype: rtBuilder, collection: true, patterns: []string{
			"/builders",
			"/masters/n:masterid/builders",
		}, get: getBuilders},
	}
}

func getBuilder(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
	id, ok, err := a.builderArg(ctx, args)
	if err != nil || !ok {
		return nil, err
	}
	q := newQuery(a.db.Dialect(), builderSelect)
	q.and("builders.id = " + q.arg(id))
	b, ok, err := selectOne(ctx, a, q, scanBuilder)
	if err != nil || !ok {
		return nil, err
	}
	if err := a.fillBuilders(ctx, []*Builder{b}); err != nil {
		return nil, err
	}
	if mid, ok := args.Int("masterid"); ok && !slices.Contains(b.MasterIDs, mid) {
		return nil, nil
	}
	return b, nil
}

func getBuilders(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
	q := newQuery(a.db.Dialect(), builderSelect)
	if mid, ok := args.Int("masterid"); ok {
		q.and("builders.id IN (SELECT builderid FROM builder_masters WHERE masterid = " + q.arg(mid) + ")")
	}
	q.push(rs, builderCols, "builders.id", false)
	bs, err := queryAll(ctx, a, q, scanBuilder)
	if err != nil {
		return nil, err
	}
	if err := a.fillBuilders(ctx, bs); err != nil {
		return nil, err
	}
	return toAny(bs), nil
}

// fillBuilders loads masterids and tags for a page of builders: one query
// for each.
func (a *API) fillBuilders(ctx context.Context, bs []*Builder) error {
	if len(bs) == 0 {
		return nil
	}
	byID := make(map[int64]*Builder, len(bs))
	ids := make([]int64, len(bs))
	for i, b := range bs {
		byID[b.BuilderID], ids[i] = b, b.BuilderID
	}
	q := newQuery(a.db.Dialect(), "SELECT builderid, masterid FROM builder_masters")
	q.and(q.inInts("builderid", ids))
	q.order = []string{"builderid", "masterid"}
	pairs, err := queryAll(ctx, a, q, scanPair)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		b := byID[p[0]]
		b.MasterIDs = append(b.MasterIDs, p[1])
	}
	q = newQuery(a.db.Dialect(), "SELECT bt.builderid, t.name FROM builders_tags bt JOIN tags t ON t.id = bt.tagid")
	q.and(q.inInts("bt.builderid", ids))
	q.order = []string{"bt.id"}
	tags, err := queryAll(ctx, a, q, func(s rowScanner) (idName, error) {
		var r idName
		return r, s.Scan(&r.id, &r.name)
	})
	if err != nil {
		return err
	}
	for _, t := range tags {
		b := byID[t.id]
		b.Tags = append(b.Tags, t.name)
	}
	return nil
}

type idName struct {
	id   int64
	name string
}

func scanPair(s rowScanner) ([2]int64, error) {
	var p [2]int64
	return p, s.Scan(&p[0], &p[1])
}
