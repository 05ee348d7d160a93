package data

import (
	"context"
)

const workerSelect = `SELECT workers.id, workers.name, workers.info, workers.paused, workers.graceful FROM workers`

var workerCols = map[string]sqlCol{
	"workerid": col("workers.id", KindInteger),
	"name":     col("workers.name", KindString),
	"paused":   col("(CASE WHEN workers.paused <> 0 THEN 1 ELSE 0 END)", KindBoolean),
	"graceful": col("(CASE WHEN workers.graceful <> 0 THEN 1 ELSE 0 END)", KindBoolean),
}

func scanWorker(s rowScanner) (*Worker, error) {
	var w Worker
	var info []byte
	var paused, graceful int64
	if err := s.Scan(&w.WorkerID, &w.Name, &info, &paused, &graceful); err != nil {
		return nil, err
	}
	w.Paused, w.Graceful = paused != 0, graceful != 0
	w.WorkerInfo, _ = decodeJSON(info).(map[string]any)
	if w.WorkerInfo == nil {
		w.WorkerInfo = map[string]any{}
	}
	w.ConnectedTo, w.ConfiguredOn = []WorkerMasterRef{}, []WorkerConfiguredRef{}
	return &w, nil
}

var workerPatterns = []string{
	"/workers/n:workerid",
	"/workers/i:name",
	"/masters/n:masterid/workers/n:workerid",
	"/masters/n:masterid/workers/i:name",
	"/masters/n:masterid/builders/n:builderid/workers/n:workerid",
	"/masters/n:masterid/builders/n:builderid/workers/i:name",
	"/builders/n:builderid/workers/n:workerid",
	"/builders/n:builderid/workers/i:name",
}

func (a *API) workerEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtWorker, patterns: workerPatterns,
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				w, err := a.workerByPath(ctx, args)
				if w == nil || err != nil {
					return nil, err
				}
				return w, nil
			}},
		{rtype: rtWorker, collection: true, patterns: []string{
			"/workers",
			"/masters/n:masterid/workers",
			"/masters/n:masterid/builders/n:builderid/workers",
			"/builders/n:builderid/workers",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			ws, err := a.workers(ctx, args, rs)
			return toAny(ws), err
		}},
	}
}

// workerByPath reads the worker a path names (by id or name, within the
// master/builder the path gives), or nil.
func (a *API) workerByPath(ctx context.Context, args PathArgs) (*Worker, error) {
	ws, err := a.workers(ctx, args, nil)
	if err != nil || len(ws) == 0 {
		return nil, err
	}
	return ws[0], nil
}

// workers reads workers as Buildbot's getWorkers: with a master or builder
// in the path, only workers configured there, and their configured_on (and,
// for a master, connected_to) limited to it.
func (a *API) workers(ctx context.Context, args PathArgs, rs *ResultSpec) ([]*Worker, error) {
	q := newQuery(a.db.Dialect(), workerSelect)
	if id, ok := args.Int("workerid"); ok {
		q.and("workers.id = " + q.arg(id))
	}
	if name, ok := args.String("name"); ok {
		q.and("workers.name = " + q.arg(name))
	}
	mid, hasMaster := args.Int("masterid")
	bid, hasBuilder := args.Int("builderid")
	if hasMaster || hasBuilder {
		cond := "workers.id IN (SELECT cw.workerid FROM configured_workers cw JOIN builder_masters bm ON bm.id = cw.buildermasterid WHERE 1 = 1"
		if hasMaster {
			cond += " AND bm.masterid = " + q.arg(mid)
		}
		if hasBuilder {
			cond += " AND bm.builderid = " + q.arg(bid)
		}
		q.and(cond + ")")
	}
	if rs != nil {
		q.push(rs, workerCols, "workers.id", false)
	} else {
		q.order = []string{"workers.id"}
	}
	ws, err := queryAll(ctx, a, q, scanWorker)
	if err != nil || len(ws) == 0 {
		return ws, err
	}
	byID := make(map[int64]*Worker, len(ws))
	ids := make([]int64, len(ws))
	for i, w := range ws {
		byID[w.WorkerID], ids[i] = w, w.WorkerID
	}
	cq := newQuery(a.db.Dialect(), "SELECT cw.workerid, bm.masterid, bm.builderid FROM configured_workers cw JOIN builder_masters bm ON bm.id = cw.buildermasterid")
	cq.and(cq.inInts("cw.workerid", ids))
	if hasMaster {
		cq.and("bm.masterid = " + cq.arg(mid))
	}
	if hasBuilder {
		cq.and("bm.builderid = " + cq.arg(bid))
	}
	cq.order = []string{"cw.workerid", "cw.id"}
	cfgs, err := queryAll(ctx, a, cq, func(s rowScanner) ([3]int64, error) {
		var r [3]int64
		return r, s.Scan(&r[0], &r[1], &r[2])
	})
	if err != nil {
		return nil, err
	}
	for _, c := range cfgs {
		w := byID[c[0]]
		w.ConfiguredOn = append(w.ConfiguredOn, WorkerConfiguredRef{MasterID: c[1], BuilderID: c[2]})
	}
	kq := newQuery(a.db.Dialect(), "SELECT workerid, masterid FROM connected_workers")
	kq.and(kq.inInts("workerid", ids))
	if hasMaster {
		kq.and("masterid = " + kq.arg(mid))
	}
	kq.order = []string{"workerid", "id"}
	conns, err := queryAll(ctx, a, kq, scanPair)
	if err != nil {
		return nil, err
	}
	for _, c := range conns {
		w := byID[c[0]]
		w.ConnectedTo = append(w.ConnectedTo, WorkerMasterRef{MasterID: c[1]})
	}
	return ws, nil
}
