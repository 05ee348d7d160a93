package data

import (
	"context"
	"database/sql"
)

// Schedulers and change sources share a shape: a row, the master that
// currently runs it (scheduler_masters / changesource_masters) embedded as a
// master entity.

const schedulerSelect = `SELECT schedulers.id, schedulers.name, schedulers.enabled, sm.masterid
 FROM schedulers LEFT JOIN scheduler_masters sm ON sm.schedulerid = schedulers.id`

var schedulerCols = map[string]sqlCol{
	"schedulerid": col("schedulers.id", KindInteger),
	"name":        col("schedulers.name", KindString),
	"enabled":     col("(CASE WHEN schedulers.enabled <> 0 THEN 1 ELSE 0 END)", KindBoolean),
}

// masteredRow is a scheduler or change source with the id of the master
// that runs it, if any.
type masteredRow[T any] struct {
	e        *T
	masterID sql.NullInt64
}

func scanScheduler(s rowScanner) (masteredRow[Scheduler], error) {
	r := masteredRow[Scheduler]{e: &Scheduler{}}
	var enabled sql.NullInt64
	err := s.Scan(&r.e.SchedulerID, &r.e.Name, &enabled, &r.masterID)
	r.e.Enabled = !enabled.Valid || enabled.Int64 != 0
	return r, err
}

const changesourceSelect = `SELECT changesources.id, changesources.name, cm.masterid
 FROM changesources LEFT JOIN changesource_masters cm ON cm.changesourceid = changesources.id`

var changesourceCols = map[string]sqlCol{
	"changesourceid": col("changesources.id", KindInteger),
	"name":           col("changesources.name", KindString),
}

func scanChangeSource(s rowScanner) (masteredRow[ChangeSource], error) {
	r := masteredRow[ChangeSource]{e: &ChangeSource{}}
	err := s.Scan(&r.e.ChangeSourceID, &r.e.Name, &r.masterID)
	return r, err
}

// withMasters loads the masters of rows in one query and gives each entity
// its master through set.
func withMasters[T any](ctx context.Context, a *API, rows []masteredRow[T], set func(*T, *Master)) ([]*T, error) {
	var mids []int64
	for _, r := range rows {
		if r.masterID.Valid {
			mids = append(mids, r.masterID.Int64)
		}
	}
	masters, err := a.loadMasters(ctx, mids)
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(rows))
	for i, r := range rows {
		if r.masterID.Valid {
			set(r.e, masters[r.masterID.Int64])
		}
		out[i] = r.e
	}
	return out, nil
}

func (a *API) schedulerEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtScheduler, patterns: []string{
			"/schedulers/n:schedulerid",
			"/masters/n:masterid/schedulers/n:schedulerid",
		}, get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
			id, _ := args.Int("schedulerid")
			ss, err := a.schedulers(ctx, args, nil, &id)
			if err != nil || len(ss) == 0 {
				return nil, err
			}
			return ss[0], nil
		}},
		{rtype: rtScheduler, collection: true, patterns: []string{
			"/schedulers",
			"/masters/n:masterid/schedulers",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			ss, err := a.schedulers(ctx, args, rs, nil)
			return toAny(ss), err
		}},
		{rtype: rtChangeSource, patterns: []string{
			"/changesources/n:changesourceid",
			"/masters/n:masterid/changesources/n:changesourceid",
		}, get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
			id, _ := args.Int("changesourceid")
			cs, err := a.changeSources(ctx, args, nil, &id)
			if err != nil || len(cs) == 0 {
				return nil, err
			}
			return cs[0], nil
		}},
		{rtype: rtChangeSource, collection: true, patterns: []string{
			"/changesources",
			"/masters/n:masterid/changesources",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			cs, err := a.changeSources(ctx, args, rs, nil)
			return toAny(cs), err
		}},
	}
}

func (a *API) schedulers(ctx context.Context, args PathArgs, rs *ResultSpec, id *int64) ([]*Scheduler, error) {
	q := newQuery(a.db.Dialect(), schedulerSelect)
	if id != nil {
		q.and("schedulers.id = " + q.arg(*id))
	}
	if mid, ok := args.Int("masterid"); ok {
		q.and("sm.masterid = " + q.arg(mid))
	}
	if rs != nil {
		q.push(rs, schedulerCols, "schedulers.id", false)
	}
	rows, err := queryAll(ctx, a, q, scanScheduler)
	if err != nil {
		return nil, err
	}
	return withMasters(ctx, a, rows, func(s *Scheduler, m *Master) { s.Master = m })
}

func (a *API) changeSources(ctx context.Context, args PathArgs, rs *ResultSpec, id *int64) ([]*ChangeSource, error) {
	q := newQuery(a.db.Dialect(), changesourceSelect)
	if id != nil {
		q.and("changesources.id = " + q.arg(*id))
	}
	if mid, ok := args.Int("masterid"); ok {
		q.and("cm.masterid = " + q.arg(mid))
	}
	if rs != nil {
		q.push(rs, changesourceCols, "changesources.id", false)
	}
	rows, err := queryAll(ctx, a, q, scanChangeSource)
	if err != nil {
		return nil, err
	}
	return withMasters(ctx, a, rows, func(c *ChangeSource, m *Master) { c.Master = m })
}
