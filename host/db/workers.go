package db

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Worker is a row of `workers` with where it is connected and configured.
type Worker struct {
	ID           int64
	Name         string
	Info         map[string]any
	Paused       bool
	Graceful     bool
	ConnectedTo  []int64 // master ids
	ConfiguredOn []WorkerConfig
}

// WorkerConfig is a (master, builder) a worker is configured on.
type WorkerConfig struct {
	MasterID  int64
	BuilderID int64
}

// WorkerNameLength is the width of workers.name.
const WorkerNameLength = 50

// Workers is the workers, configured_workers and connected_workers
// component.
type Workers struct{ comp }

// Workers returns the workers component.
func (d *DB) Workers() Workers { return Workers{comp{d: d}} }

// Workers returns the workers component inside the transaction.
func (t *Tx) Workers() Workers { return Workers{comp{d: t.db, tx: t}} }

var (
	qWorkerByName   = newStmt("SELECT id FROM workers WHERE name = $1")
	qWorkerInsert   = newStmt("INSERT INTO workers (name, info, paused, graceful) VALUES ($1, '{}', 0, 0) ON CONFLICT (name) DO NOTHING RETURNING id")
	qWorkerConnIns  = newStmt("INSERT INTO connected_workers (masterid, workerid) VALUES ($1, $2) ON CONFLICT DO NOTHING")
	qWorkerInfo     = newStmt("UPDATE workers SET info = $2 WHERE id = $1")
	qWorkerConnDel  = newStmt("DELETE FROM connected_workers WHERE workerid = $1 AND masterid = $2")
	qWorkerState    = newStmt("UPDATE workers SET paused = $2, graceful = $3 WHERE id = $1")
	qWorkerCfgOfM   = newStmt("SELECT cw.workerid, bm.builderid, bm.id FROM configured_workers cw JOIN builder_masters bm ON bm.id = cw.buildermasterid WHERE bm.masterid = $1")
	qWorkerBMOfM    = newStmt("SELECT builderid, id FROM builder_masters WHERE masterid = $1")
	qWorkerDeconfM  = newStmt("DELETE FROM configured_workers WHERE buildermasterid IN (SELECT id FROM builder_masters WHERE masterid = $1)")
	qWorkerConnOfM  = newStmt("SELECT workerid FROM connected_workers WHERE masterid = $1 ORDER BY workerid")
	qWorkerConnDelM = newStmt("DELETE FROM connected_workers WHERE masterid = $1")
	biConfigured    = newBatchInsert("INSERT INTO configured_workers (buildermasterid, workerid) VALUES ", " ON CONFLICT DO NOTHING", 2, 400)
)

// FindID returns the id of the worker named name, inserting it when new.
// The name must be an identifier of at most 50 characters.
func (c Workers) FindID(ctx context.Context, name string) (int64, error) {
	if !IsIdentifier(WorkerNameLength, name) {
		return 0, fmt.Errorf("worker name %q is not a 50-character identifier", name)
	}
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		id, err = findOrInsert(ctx, t, qWorkerByName, qWorkerInsert, []any{name}, []any{name})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find worker %q: %w", name, err)
	}
	return id, nil
}

// Configured sets, for each worker in cfg, the builders it is configured on
// for masterID (only builders linked to that master count), writing only
// the difference. Workers not in cfg keep their configuration.
func (c Workers) Configured(ctx context.Context, masterID int64, cfg map[int64][]int64) error {
	err := c.write(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, qWorkerBMOfM, masterID)
		if err != nil {
			return err
		}
		bmOf := map[int64]int64{}
		for rows.Next() {
			var bid, bmid int64
			if err := rows.Scan(&bid, &bmid); err != nil {
				rows.Close()
				return err
			}
			bmOf[bid] = bmid
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = t.query(ctx, qWorkerCfgOfM, masterID)
		if err != nil {
			return err
		}
		have := map[[2]int64]bool{} // (workerid, buildermasterid)
		for rows.Next() {
			var wid, bid, bmid int64
			if err := rows.Scan(&wid, &bid, &bmid); err != nil {
				rows.Close()
				return err
			}
			if _, ok := cfg[wid]; ok {
				have[[2]int64{wid, bmid}] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		want := map[[2]int64]bool{}
		var ins []any
		for wid, builders := range cfg {
			for _, bid := range builders {
				bmid, ok := bmOf[bid]
				if !ok {
					continue
				}
				k := [2]int64{wid, bmid}
				if want[k] {
					continue
				}
				want[k] = true
				if !have[k] {
					ins = append(ins, bmid, wid)
				}
			}
		}
		var del []string
		var delArgs []any
		for k := range have {
			if !want[k] {
				delArgs = append(delArgs, k[0], k[1])
				del = append(del, fmt.Sprintf("(workerid = $%d AND buildermasterid = $%d)", len(delArgs)-1, len(delArgs)))
				if len(del) == 200 {
					if _, err := t.execSQL(ctx, "DELETE FROM configured_workers WHERE "+strings.Join(del, " OR "), delArgs...); err != nil {
						return err
					}
					del, delArgs = del[:0], delArgs[:0]
				}
			}
		}
		if len(del) > 0 {
			if _, err := t.execSQL(ctx, "DELETE FROM configured_workers WHERE "+strings.Join(del, " OR "), delArgs...); err != nil {
				return err
			}
		}
		if len(ins) > 0 {
			return biConfigured.run(ctx, t, ins, nil)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("configure workers on master %d: %w", masterID, err)
	}
	return nil
}

// DeconfigureAllForMaster removes every worker configuration of a master.
func (c Workers) DeconfigureAllForMaster(ctx context.Context, masterID int64) error {
	return c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qWorkerDeconfM, masterID)
		return err
	})
}

// Connected records a worker connected to a master with its reported info.
func (c Workers) Connected(ctx context.Context, workerID, masterID int64, info map[string]any) error {
	if info == nil {
		info = map[string]any{}
	}
	enc, err := marshalJSON(info)
	if err != nil {
		return fmt.Errorf("worker %d info: %w", workerID, err)
	}
	return c.write(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, qWorkerConnIns, masterID, workerID); err != nil {
			return err
		}
		_, err := t.exec(ctx, qWorkerInfo, workerID, enc)
		return err
	})
}

// Disconnected records a worker no longer connected to a master.
func (c Workers) Disconnected(ctx context.Context, workerID, masterID int64) error {
	return c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qWorkerConnDel, workerID, masterID)
		return err
	})
}

// DisconnectAllForMaster drops every connection to a master and returns
// the workers that were connected.
func (c Workers) DisconnectAllForMaster(ctx context.Context, masterID int64) ([]int64, error) {
	var ids []int64
	err := c.write(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, qWorkerConnOfM, masterID)
		if ids, err = collect(rows, err, scanInt64); err != nil || len(ids) == 0 {
			return err
		}
		_, err = t.exec(ctx, qWorkerConnDelM, masterID)
		return err
	})
	return ids, err
}

// SetState sets a worker's paused and graceful flags.
func (c Workers) SetState(ctx context.Context, workerID int64, paused, graceful bool) error {
	return c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qWorkerState, workerID, boolInt(paused), boolInt(graceful))
		return err
	})
}

// WorkerFilter selects workers; zero fields select anything.
type WorkerFilter struct {
	ID        int64
	Name      string
	MasterID  int64 // configured on or connected to this master
	BuilderID int64 // configured for this builder
	Paused    *bool
	Graceful  *bool
}

// Get returns a worker, or nil.
func (c Workers) Get(ctx context.Context, id int64) (*Worker, error) {
	ws, err := c.List(ctx, WorkerFilter{ID: id})
	if err != nil || len(ws) == 0 {
		return nil, err
	}
	return &ws[0], nil
}

// GetByName returns a worker by name, or nil.
func (c Workers) GetByName(ctx context.Context, name string) (*Worker, error) {
	ws, err := c.List(ctx, WorkerFilter{Name: name})
	if err != nil || len(ws) == 0 {
		return nil, err
	}
	return &ws[0], nil
}

// List returns the workers matching f, by id, with their connections and
// configurations (Buildbot's getWorkers: with MasterID or BuilderID, only
// the matching configurations are listed).
func (c Workers) List(ctx context.Context, f WorkerFilter) ([]Worker, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.ID != 0 {
		add("w.id = $%d", f.ID)
	}
	if f.Name != "" {
		add("w.name = $%d", f.Name)
	}
	if f.Paused != nil {
		add("w.paused = $%d", boolInt(*f.Paused))
	}
	if f.Graceful != nil {
		add("w.graceful = $%d", boolInt(*f.Graceful))
	}
	if f.MasterID != 0 {
		add("bm.masterid = $%d", f.MasterID)
	}
	if f.BuilderID != 0 {
		add("bm.builderid = $%d", f.BuilderID)
	}
	q := "SELECT w.id, w.name, w.info, w.paused, w.graceful, bm.builderid, bm.masterid FROM workers w " +
		"LEFT JOIN configured_workers cw ON cw.workerid = w.id LEFT JOIN builder_masters bm ON bm.id = cw.buildermasterid"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY w.id, bm.masterid, bm.builderid"
	r := c.read()
	rows, err := r.querySQL(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	var out []Worker
	index := map[int64]int{}
	for rows.Next() {
		var w Worker
		var info string
		var bid, mid *int64
		if err := rows.Scan(&w.ID, &w.Name, &info, &w.Paused, &w.Graceful, &bid, &mid); err != nil {
			rows.Close()
			return nil, err
		}
		i, ok := index[w.ID]
		if !ok {
			w.Info = map[string]any{}
			if info != "" {
				if err := json.Unmarshal([]byte(info), &w.Info); err != nil {
					rows.Close()
					return nil, fmt.Errorf("worker %d info: %w", w.ID, err)
				}
			}
			w.ConnectedTo, w.ConfiguredOn = []int64{}, []WorkerConfig{}
			i = len(out)
			index[w.ID] = i
			out = append(out, w)
		}
		if bid != nil && mid != nil {
			out[i].ConfiguredOn = append(out[i].ConfiguredOn, WorkerConfig{MasterID: *mid, BuilderID: *bid})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i, w := range out {
		ids[i] = w.ID
	}
	for _, part := range batches(ids, 500) {
		cargs := int64Args(nil, part)
		cq := "SELECT workerid, masterid FROM connected_workers WHERE workerid IN (" + placeholders(1, len(part)) + ")"
		if f.MasterID != 0 {
			cargs = append(cargs, f.MasterID)
			cq += fmt.Sprintf(" AND masterid = $%d", len(cargs))
		}
		rows, err := r.querySQL(ctx, cq+" ORDER BY workerid, masterid", cargs...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var wid, mid int64
			if err := rows.Scan(&wid, &mid); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := index[wid]; ok {
				out[i].ConnectedTo = append(out[i].ConnectedTo, mid)
			}
		}
		rows.Close()
	}
	for i := range out {
		slices.Sort(out[i].ConnectedTo)
	}
	return out, nil
}
