package db

import (
	"context"
	"database/sql"
	"fmt"
)

// ChangeSource is a row of `changesources` with the master it is active on.
type ChangeSource struct {
	ID       int64
	Name     string
	MasterID *int64
}

// ChangeSources is the changesources and changesource_masters component.
type ChangeSources struct{ comp }

// ChangeSources returns the change sources component.
func (d *DB) ChangeSources() ChangeSources { return ChangeSources{comp{d: d}} }

// ChangeSources returns the change sources component inside the
// transaction.
func (t *Tx) ChangeSources() ChangeSources { return ChangeSources{comp{d: t.db, tx: t}} }

const csCols = "cs.id, cs.name, csm.masterid"
const csFrom = " FROM changesources cs LEFT JOIN changesource_masters csm ON csm.changesourceid = cs.id"

var (
	qCSByHash    = newStmt("SELECT id FROM changesources WHERE name_hash = $1")
	qCSInsert    = newStmt("INSERT INTO changesources (name, name_hash) VALUES ($1, $2) ON CONFLICT (name_hash) DO NOTHING RETURNING id")
	qCSGet       = newStmt("SELECT " + csCols + csFrom + " WHERE cs.id = $1")
	qCSMasterIns = newStmt("INSERT INTO changesource_masters (changesourceid, masterid) VALUES ($1, $2) ON CONFLICT (changesourceid) DO NOTHING")
	qCSMasterGet = newStmt("SELECT masterid FROM changesource_masters WHERE changesourceid = $1")
	qCSMasterDel = newStmt("DELETE FROM changesource_masters WHERE changesourceid = $1")
	qCSOfMaster  = newStmt("SELECT changesourceid FROM changesource_masters WHERE masterid = $1 ORDER BY changesourceid")
	qCSDelMaster = newStmt("DELETE FROM changesource_masters WHERE masterid = $1")
)

func scanChangeSource(s scanner) (ChangeSource, error) {
	var cs ChangeSource
	var master sql.NullInt64
	err := s.Scan(&cs.ID, &cs.Name, &master)
	cs.MasterID = int64Ptr(master)
	return cs, err
}

// FindID returns the id of the change source named name, inserting it
// when new.
func (c ChangeSources) FindID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		h := HashColumns(name)
		id, err = findOrInsert(ctx, t, qCSByHash, qCSInsert, []any{h}, []any{name, h})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find change source %q: %w", name, err)
	}
	return id, nil
}

// Get returns a change source, or nil.
func (c ChangeSources) Get(ctx context.Context, id int64) (*ChangeSource, error) {
	cs, err := scanChangeSource(c.read().queryRow(ctx, qCSGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &cs, nil
}

// List returns the change sources, by id, filtered as Schedulers.List.
func (c ChangeSources) List(ctx context.Context, active *bool, masterID int64) ([]ChangeSource, error) {
	return listClustered(ctx, c.read(), "SELECT "+csCols+csFrom, "cs", "csm", active, masterID, scanChangeSource)
}

// SetMaster makes masterID the master a change source is active on (nil:
// none). It reports false when another master holds it.
func (c ChangeSources) SetMaster(ctx context.Context, id int64, masterID *int64) (bool, error) {
	ok, err := setClusteredMaster(ctx, c.comp, qCSMasterIns, qCSMasterGet, qCSMasterDel, id, masterID)
	if err != nil {
		return false, fmt.Errorf("set master of change source %d: %w", id, err)
	}
	return ok, nil
}

// UnclaimAllForMaster removes a master's change source links and returns
// the change sources it held.
func (c ChangeSources) UnclaimAllForMaster(ctx context.Context, masterID int64) ([]int64, error) {
	var ids []int64
	err := c.write(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, qCSOfMaster, masterID)
		if ids, err = collect(rows, err, scanInt64); err != nil || len(ids) == 0 {
			return err
		}
		_, err = t.exec(ctx, qCSDelMaster, masterID)
		return err
	})
	return ids, err
}
