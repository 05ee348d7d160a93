package data

import (
	"context"
)

const masterSelect = `SELECT masters.id, masters.name, masters.active, masters.last_active FROM masters`

var masterCols = map[string]sqlCol{
	"masterid":    col("masters.id", KindInteger),
	"name":        col("masters.name", KindString),
	"active":      col("(CASE WHEN masters.active <> 0 THEN 1 ELSE 0 END)", KindBoolean),
	"last_active": col("masters.last_active", KindDateTime),
}

func scanMaster(s rowScanner) (*Master, error) {
	var m Master
	var active int64
	if err := s.Scan(&m.MasterID, &m.Name, &active, &m.LastActive); err != nil {
		return nil, err
	}
	m.Active = active != 0
	return &m, nil
}

func (a *API) masterEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtMaster, patterns: []string{
			"/masters/n:masterid",
			"/builders/n:builderid/masters/n:masterid",
		}, get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
			id, _ := args.Int("masterid")
			q := newQuery(a.db.Dialect(), masterSelect)
			q.and("masters.id = " + q.arg(id))
			if bid, ok := args.Int("builderid"); ok {
				q.and("masters.id IN (SELECT masterid FROM builder_masters WHERE builderid = " + q.arg(bid) + ")")
			}
			m, ok, err := selectOne(ctx, a, q, scanMaster)
			if err != nil || !ok {
				return nil, err
			}
			return m, nil
		}},
		{rtype: rtMaster, collection: true, patterns: []string{
			"/masters",
			"/builders/n:builderid/masters",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			q := newQuery(a.db.Dialect(), masterSelect)
			if bid, ok := args.Int("builderid"); ok {
				q.and("masters.id IN (SELECT masterid FROM builder_masters WHERE builderid = " + q.arg(bid) + ")")
			}
			q.push(rs, masterCols, "masters.id", false)
			ms, err := queryAll(ctx, a, q, scanMaster)
			return toAny(ms), err
		}},
	}
}

// loadMasters reads the masters with the given ids (one query).
func (a *API) loadMasters(ctx context.Context, ids []int64) (map[int64]*Master, error) {
	out := map[int64]*Master{}
	if len(ids) == 0 {
		return out, nil
	}
	q := newQuery(a.db.Dialect(), masterSelect)
	q.and(q.inInts("masters.id", ids))
	ms, err := queryAll(ctx, a, q, scanMaster)
	for _, m := range ms {
		out[m.MasterID] = m
	}
	return out, err
}
