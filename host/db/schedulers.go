package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Scheduler is a row of `schedulers` with the master it is active on.
type Scheduler struct {
	ID       int64
	Name     string
	Enabled  bool
	MasterID *int64
}

// Schedulers is the schedulers, scheduler_masters and scheduler_changes
// component.
type Schedulers struct{ comp }

// Schedulers returns the schedulers component.
func (d *DB) Schedulers() Schedulers { return Schedulers{comp{d: d}} }

// Schedulers returns the schedulers component inside the transaction.
func (t *Tx) Schedulers() Schedulers { return Schedulers{comp{d: t.db, tx: t}} }

const schedCols = "s.id, s.name, s.enabled, sm.masterid"
const schedFrom = " FROM schedulers s LEFT JOIN scheduler_masters sm ON sm.schedulerid = s.id"

var (
	qSchedByHash    = newStmt("SELECT id FROM schedulers WHERE name_hash = $1")
	qSchedInsert    = newStmt("INSERT INTO schedulers (name, name_hash, enabled) VALUES ($1, $2, 1) ON CONFLICT (name_hash) DO NOTHING RETURNING id")
	qSchedGet       = newStmt("SELECT " + schedCols + schedFrom + " WHERE s.id = $1")
	qSchedEnable    = newStmt("UPDATE schedulers SET enabled = $2 WHERE id = $1")
	qSchedMasterIns = newStmt("INSERT INTO scheduler_masters (schedulerid, masterid) VALUES ($1, $2) ON CONFLICT (schedulerid) DO NOTHING")
	qSchedMasterGet = newStmt("SELECT masterid FROM scheduler_masters WHERE schedulerid = $1")
	qSchedMasterDel = newStmt("DELETE FROM scheduler_masters WHERE schedulerid = $1")
	qSchedOfMaster  = newStmt("SELECT schedulerid FROM scheduler_masters WHERE masterid = $1 ORDER BY schedulerid")
	qSchedDelMaster = newStmt("DELETE FROM scheduler_masters WHERE masterid = $1")
	qSchedChIns     = newStmt("INSERT INTO scheduler_changes (schedulerid, changeid, important) VALUES ($1, $2, $3) ON CONFLICT (schedulerid, changeid) DO UPDATE SET important = excluded.important")
	qSchedChFlush   = newStmt("DELETE FROM scheduler_changes WHERE schedulerid = $1")
	qSchedChFlushLt = newStmt("DELETE FROM scheduler_changes WHERE schedulerid = $1 AND changeid < $2")
)

func scanScheduler(s scanner) (Scheduler, error) {
	var sc Scheduler
	var enabled, master sql.NullInt64
	err := s.Scan(&sc.ID, &sc.Name, &enabled, &master)
	sc.Enabled, sc.MasterID = !enabled.Valid || enabled.Int64 != 0, int64Ptr(master)
	return sc, err
}

// FindID returns the id of the scheduler named name, inserting it
// (enabled) when new.
func (c Schedulers) FindID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		h := HashColumns(name)
		id, err = findOrInsert(ctx, t, qSchedByHash, qSchedInsert, []any{h}, []any{name, h})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find scheduler %q: %w", name, err)
	}
	return id, nil
}

// Get returns a scheduler, or nil.
func (c Schedulers) Get(ctx context.Context, id int64) (*Scheduler, error) {
	sc, err := scanScheduler(c.read().queryRow(ctx, qSchedGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &sc, nil
}

// List returns the schedulers, by id: active ones (on some master) when
// active is true, inactive ones when false; with masterID only those active
// on that master.
func (c Schedulers) List(ctx context.Context, active *bool, masterID int64) ([]Scheduler, error) {
	return listClustered(ctx, c.read(), "SELECT "+schedCols+schedFrom, "s", "sm", active, masterID, scanScheduler)
}

func listClustered[T any](ctx context.Context, r runner, q, tbl, link string, active *bool, masterID int64, scan func(scanner) (T, error)) ([]T, error) {
	var where []string
	var args []any
	if active != nil {
		if *active {
			where = append(where, link+".masterid IS NOT NULL")
		} else {
			where = append(where, link+".masterid IS NULL")
		}
	}
	if masterID != 0 {
		args = append(args, masterID)
		where = append(where, link+".masterid = $1")
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := r.querySQL(ctx, q+" ORDER BY "+tbl+".id", args...)
	return collect(rows, err, scan)
}

// Enable sets a scheduler's enabled flag and returns the scheduler.
func (c Schedulers) Enable(ctx context.Context, id int64, enabled bool) (*Scheduler, error) {
	var sc *Scheduler
	err := c.write(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, qSchedEnable, id, boolInt(enabled)); err != nil {
			return err
		}
		var err error
		sc, err = t.Schedulers().Get(ctx, id)
		if err == nil && sc == nil {
			err = fmt.Errorf("scheduler %d: %w", id, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("enable scheduler %d: %w", id, err)
	}
	return sc, nil
}

// SetMaster makes masterID the master a scheduler is active on (nil:
// none). It reports false when another master holds it; claiming one's own
// scheduler again succeeds.
func (c Schedulers) SetMaster(ctx context.Context, id int64, masterID *int64) (bool, error) {
	ok, err := setClusteredMaster(ctx, c.comp, qSchedMasterIns, qSchedMasterGet, qSchedMasterDel, id, masterID)
	if err != nil {
		return false, fmt.Errorf("set master of scheduler %d: %w", id, err)
	}
	return ok, nil
}

func setClusteredMaster(ctx context.Context, c comp, ins, get, del *stmt, id int64, masterID *int64) (bool, error) {
	ok := false
	err := c.write(ctx, func(t *Tx) error {
		if masterID == nil {
			_, err := t.exec(ctx, del, id)
			ok = true
			return err
		}
		res, err := t.exec(ctx, ins, id, *masterID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			ok = true
			return nil
		}
		var holder int64
		if err := t.queryRow(ctx, get, id).Scan(&holder); err != nil {
			return err
		}
		ok = holder == *masterID
		return nil
	})
	return ok, err
}

// UnclaimAllForMaster removes a master's scheduler links and returns the
// schedulers it held.
func (c Schedulers) UnclaimAllForMaster(ctx context.Context, masterID int64) ([]int64, error) {
	var ids []int64
	err := c.write(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, qSchedOfMaster, masterID)
		if ids, err = collect(rows, err, scanInt64); err != nil || len(ids) == 0 {
			return err
		}
		_, err = t.exec(ctx, qSchedDelMaster, masterID)
		return err
	})
	return ids, err
}

// ClassifyChanges records, for each change id, whether it is important to
// the scheduler (insert or update).
func (c Schedulers) ClassifyChanges(ctx context.Context, id int64, classifications map[int64]bool) error {
	err := c.write(ctx, func(t *Tx) error {
		for changeID, important := range classifications {
			if _, err := t.exec(ctx, qSchedChIns, id, changeID, boolInt(important)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("classify changes for scheduler %d: %w", id, err)
	}
	return nil
}

// StringMatch restricts a nullable column: Value nil matches NULL.
type StringMatch struct{ Value *string }

// ClassificationFilter restricts GetChangeClassifications to changes with
// the given attributes; nil fields match anything.
type ClassificationFilter struct {
	Branch, Repository, Project, Codebase *StringMatch
}

// ChangeClassifications returns the scheduler's classified changes
// (change id → important).
func (c Schedulers) ChangeClassifications(ctx context.Context, id int64, f ClassificationFilter) (map[int64]bool, error) {
	q := "SELECT sc.changeid, sc.important FROM scheduler_changes sc"
	args := []any{id}
	where := []string{"sc.schedulerid = $1"}
	join := false
	for _, col := range []struct {
		name string
		m    *StringMatch
	}{{"branch", f.Branch}, {"repository", f.Repository}, {"project", f.Project}, {"codebase", f.Codebase}} {
		if col.m == nil {
			continue
		}
		join = true
		if col.m.Value == nil {
			where = append(where, "ch."+col.name+" IS NULL")
		} else {
			args = append(args, *col.m.Value)
			where = append(where, fmt.Sprintf("ch.%s = $%d", col.name, len(args)))
		}
	}
	if join {
		q += " JOIN changes ch ON ch.changeid = sc.changeid"
	}
	rows, err := c.read().querySQL(ctx, q+" WHERE "+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, fmt.Errorf("change classifications of scheduler %d: %w", id, err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var changeID int64
		var important sql.NullInt64
		if err := rows.Scan(&changeID, &important); err != nil {
			return nil, err
		}
		out[changeID] = important.Int64 != 0
	}
	return out, rows.Err()
}

// FlushChangeClassifications forgets the scheduler's classified changes
// (those with ids below lessThan when it is not 0).
func (c Schedulers) FlushChangeClassifications(ctx context.Context, id, lessThan int64) error {
	return c.write(ctx, func(t *Tx) error {
		var err error
		if lessThan != 0 {
			_, err = t.exec(ctx, qSchedChFlushLt, id, lessThan)
		} else {
			_, err = t.exec(ctx, qSchedChFlush, id)
		}
		return err
	})
}
