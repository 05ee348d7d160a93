package data

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/mq"
)

// AddBuild stores a build of a request on a builder, numbered after the
// builder's last build, in state "created" unless stateString says
// otherwise; workerID 0 means none. It publishes nothing (the build's new
// event comes from GenerateNewBuildEvent, once its properties are set).
func (c *Connector) AddBuild(ctx context.Context, builderID, buildRequestID, workerID, masterID int64, stateString string) (buildID, number int64, err error) {
	if stateString == "" {
		stateString = "created"
	}
	spec := db.BuildSpec{BuilderID: builderID, BuildRequestID: buildRequestID, MasterID: masterID,
		StateString: stateString, StartedAt: c.now()}
	if workerID != 0 {
		spec.WorkerID = &workerID
	}
	err = c.progress(ctx, func(tx *db.Tx, _ *events) error {
		b, err := tx.Builds().Add(ctx, spec)
		if err == nil {
			buildID, number = b.ID, b.Number
		}
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	return buildID, number, nil
}

// buildEvent runs a build update and publishes the build's event ev.
func (c *Connector) buildEvent(ctx context.Context, ev string, write func(tx *db.Tx) (*db.Build, error)) error {
	return c.progress(ctx, func(tx *db.Tx, evs *events) error {
		b, err := write(tx)
		if err != nil {
			return err
		}
		evs.build(buildFromRow(b), ev)
		return nil
	})
}

// GenerateNewBuildEvent publishes a build's new event.
func (c *Connector) GenerateNewBuildEvent(ctx context.Context, buildID int64) error {
	return c.buildEvent(ctx, "new", func(tx *db.Tx) (*db.Build, error) {
		b, err := tx.Builds().Get(ctx, buildID)
		if err == nil && b == nil {
			err = fmt.Errorf("new build event %d: %w", buildID, db.ErrNotFound)
		}
		return b, err
	})
}

// SetBuildStateString sets a build's state string and publishes its update
// event.
func (c *Connector) SetBuildStateString(ctx context.Context, buildID int64, s string) error {
	return c.buildEvent(ctx, "update", func(tx *db.Tx) (*db.Build, error) {
		return tx.Builds().SetStateString(ctx, buildID, s)
	})
}

// FinishBuild completes a build with result and publishes its finished
// event.
func (c *Connector) FinishBuild(ctx context.Context, buildID int64, result int) error {
	now := c.now()
	return c.buildEvent(ctx, "finished", func(tx *db.Tx) (*db.Build, error) {
		return tx.Builds().Finish(ctx, buildID, result, now)
	})
}

// SetBuildProperty writes one build property and, when it changed,
// publishes builds.N.properties.update with it.
func (c *Connector) SetBuildProperty(ctx context.Context, buildID int64, name string, value any, source string) error {
	return c.SetBuildProperties(ctx, buildID, SourcedProperties{name: {value, source}})
}

// SetBuildProperties writes the properties that differ from the stored
// ones and publishes builds.N.properties.update with those ({name: [value,
// source]}); nothing when none changed.
func (c *Connector) SetBuildProperties(ctx context.Context, buildID int64, props SourcedProperties) error {
	if len(props) == 0 {
		return nil
	}
	in := propertiesFromSourced(props)
	return c.progress(ctx, func(tx *db.Tx, ev *events) error {
		changed, err := tx.Builds().SetProperties(ctx, buildID, in)
		if err != nil {
			return err
		}
		if len(changed) > 0 {
			ev.add(mq.Key{"builds", idKey(buildID), "properties", "update"}, sourcedFromRow(changed))
		}
		return nil
	})
}

// AddBuildData stores (or replaces) a named blob of a build; no event.
func (c *Connector) AddBuildData(ctx context.Context, buildID int64, name string, value []byte, source string) error {
	return c.progress(ctx, func(tx *db.Tx, _ *events) error {
		return tx.Builds().SetData(ctx, buildID, name, value, source)
	})
}
