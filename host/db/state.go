package db

import (
	"context"
	"encoding/json"
	"fmt"
)

// State is the objects and object_state component: named JSON values of
// schedulers, change sources and other services that must survive a
// restart.
type State struct{ comp }

// State returns the state component.
func (d *DB) State() State { return State{comp{d: d}} }

// State returns the state component inside the transaction.
func (t *Tx) State() State { return State{comp{d: t.db, tx: t}} }

var (
	qObjectSel   = newStmt("SELECT id FROM objects WHERE name = $1 AND class_name = $2")
	qObjectIns   = newStmt("INSERT INTO objects (name, class_name) VALUES ($1, $2) ON CONFLICT (name, class_name) DO NOTHING RETURNING id")
	qStateGet    = newStmt("SELECT value_json FROM object_state WHERE objectid = $1 AND name = $2")
	qStateSet    = newStmt("INSERT INTO object_state (objectid, name, value_json) VALUES ($1, $2, $3) ON CONFLICT (objectid, name) DO UPDATE SET value_json = excluded.value_json")
	qStateDelete = newStmt("DELETE FROM object_state WHERE objectid = $1 AND name = $2")
)

// ObjectID returns the id of the object (name, className), inserting it
// when new. A name longer than 128 characters is shortened as Buildbot's
// ensureLength does.
func (c State) ObjectID(ctx context.Context, name, className string) (int64, error) {
	name, className = ensureLength(name, 128), clip(className, 128)
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		id, err = findOrInsert(ctx, t, qObjectSel, qObjectIns, []any{name, className}, []any{name, className})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("object id of %s %q: %w", className, name, err)
	}
	return id, nil
}

// Get returns an object's state value as JSON, and whether it is set.
func (c State) Get(ctx context.Context, objectID int64, name string) (json.RawMessage, bool, error) {
	var v string
	found, err := noRows(c.read().queryRow(ctx, qStateGet, objectID, ensureLength(name, 255)).Scan(&v))
	if err != nil || !found {
		return nil, false, err
	}
	return json.RawMessage(v), true, nil
}

// Set stores an object's state value, encoded as JSON.
func (c State) Set(ctx context.Context, objectID int64, name string, value any) error {
	enc, err := marshalJSON(value)
	if err != nil {
		return fmt.Errorf("encode state %q of object %d: %w", name, objectID, err)
	}
	return c.SetJSON(ctx, objectID, name, json.RawMessage(enc))
}

// SetJSON stores an object's state value given as JSON text.
func (c State) SetJSON(ctx context.Context, objectID int64, name string, value json.RawMessage) error {
	if !json.Valid(value) {
		return fmt.Errorf("state %q of object %d: not valid JSON", name, objectID)
	}
	return c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qStateSet, objectID, ensureLength(name, 255), string(value))
		return err
	})
}

// Delete removes an object's state value.
func (c State) Delete(ctx context.Context, objectID int64, name string) error {
	return c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qStateDelete, objectID, ensureLength(name, 255))
		return err
	})
}
