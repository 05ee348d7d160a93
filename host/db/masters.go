package db

import (
	"context"
	"fmt"
)

// Master is a row of `masters`.
type Master struct {
	ID         int64
	Name       string
	Active     bool
	LastActive int64
}

// Masters is the `masters` component.
type Masters struct{ comp }

// Masters returns the masters component.
func (d *DB) Masters() Masters { return Masters{comp{d: d}} }

// Masters returns the masters component inside the transaction.
func (t *Tx) Masters() Masters { return Masters{comp{d: t.db, tx: t}} }

const masterCols = "id, name, active, last_active"

var (
	qMasterByHash   = newStmt("SELECT id FROM masters WHERE name_hash = $1")
	qMasterInsert   = newStmt("INSERT INTO masters (name, name_hash, active, last_active) VALUES ($1, $2, 0, $3) ON CONFLICT (name_hash) DO NOTHING RETURNING id")
	qMasterGet      = newStmt("SELECT " + masterCols + " FROM masters WHERE id = $1")
	qMasterList     = newStmt("SELECT " + masterCols + " FROM masters ORDER BY id")
	qMasterActivate = newStmt("UPDATE masters SET active = 1, last_active = $2 WHERE id = $1")
	qMasterDeact    = newStmt("UPDATE masters SET active = 0 WHERE id = $1")
	qMasterSchedDel = newStmt("DELETE FROM scheduler_masters WHERE masterid = $1")
)

func scanMaster(s scanner) (Master, error) {
	var m Master
	err := s.Scan(&m.ID, &m.Name, &m.Active, &m.LastActive)
	return m, err
}

// FindID returns the id of the master named name, inserting it (inactive,
// last_active now) when new.
func (c Masters) FindID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		id, err = findOrInsert(ctx, t, qMasterByHash, qMasterInsert, []any{HashColumns(name)},
			[]any{name, HashColumns(name), t.db.Now()})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find master %q: %w", name, err)
	}
	return id, nil
}

// findOrInsert is Buildbot's findSomethingId: SELECT by the unique key,
// INSERT … ON CONFLICT DO NOTHING RETURNING id when missing, and SELECT again
// when a concurrent writer inserted it first.
func findOrInsert(ctx context.Context, t *Tx, sel, ins *stmt, selArgs, insArgs []any) (int64, error) {
	var id int64
	found, err := noRows(t.queryRow(ctx, sel, selArgs...).Scan(&id))
	if err != nil || found {
		return id, err
	}
	found, err = noRows(t.queryRow(ctx, ins, insArgs...).Scan(&id))
	if err != nil || found {
		return id, err
	}
	if err := t.queryRow(ctx, sel, selArgs...).Scan(&id); err != nil {
		return 0, fmt.Errorf("select after insert conflict: %w", err)
	}
	return id, nil
}

// Get returns a master, or nil.
func (c Masters) Get(ctx context.Context, id int64) (*Master, error) {
	m, err := scanMaster(c.read().queryRow(ctx, qMasterGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &m, nil
}

// List returns every master, by id.
func (c Masters) List(ctx context.Context) ([]Master, error) {
	r := c.read()
	rows, err := r.query(ctx, qMasterList)
	return collect(rows, err, scanMaster)
}

// SetState marks a master active (and refreshes last_active to now) or
// inactive (and deletes its scheduler links, as Buildbot's setMasterState).
// It returns the master as written and whether its state flipped; nil when
// there is no such master.
func (c Masters) SetState(ctx context.Context, id int64, active bool) (m *Master, flipped bool, err error) {
	err = c.write(ctx, func(t *Tx) error {
		old, err := scanMaster(t.queryRow(ctx, qMasterGet, id))
		if ok, err := noRows(err); !ok {
			return err
		}
		if active {
			old.LastActive = t.db.Now()
			_, err = t.exec(ctx, qMasterActivate, id, old.LastActive)
		} else {
			if _, err = t.exec(ctx, qMasterSchedDel, id); err == nil {
				_, err = t.exec(ctx, qMasterDeact, id)
			}
		}
		if err != nil {
			return err
		}
		flipped = old.Active != active
		old.Active = active
		m = &old
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("set master %d active=%v: %w", id, active, err)
	}
	return m, flipped, nil
}
