package data

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
)

// StateWrite is an object state value written in the same transaction as
// a change or a buildset, so that a plugin's durable cursor and the effect
// it records commit together or not at all. Value is encoded as JSON (a
// json.RawMessage is stored as is).
type StateWrite struct {
	ObjectID int64
	Name     string
	Value    any
}

func writeState(ctx context.Context, tx *db.Tx, writes []StateWrite) error {
	for _, w := range writes {
		if err := tx.State().Set(ctx, w.ObjectID, w.Name, w.Value); err != nil {
			return fmt.Errorf("state %q of object %d: %w", w.Name, w.ObjectID, err)
		}
	}
	return nil
}

// GetObjectID returns the id of the state object (name, className),
// creating it when new.
func (c *Connector) GetObjectID(ctx context.Context, name, className string) (int64, error) {
	return c.db.State().ObjectID(ctx, name, className)
}

// GetState returns an object's state value as JSON and whether it is set.
func (c *Connector) GetState(ctx context.Context, objectID int64, name string) (json.RawMessage, bool, error) {
	return c.db.State().Get(ctx, objectID, name)
}

// SetState stores an object's state value (JSON-encoded).
func (c *Connector) SetState(ctx context.Context, objectID int64, name string, value any) error {
	return c.db.State().Set(ctx, objectID, name, value)
}
