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
	b, err := c.db.Builds().Add(ctx, spec)
	if err != nil {
		return 0, 0, err
	}
	return b.ID, b.Number, nil
}

// GenerateNewBuildEvent publishes a build's new event.
func (c *Connector) GenerateNewBuildEvent(ctx context.Context, buildID int64) error {
	b, err := c.db.Builds().Get(ctx, buildID)
	if err != nil {
		return fmt.Errorf("new build event %d: %w", buildID, err)
	}
	if b == nil {
		return fmt.Errorf("new build event %d: %w", buildID, db.ErrNotFound)
	}
	var ev events
	ev.build(buildFromRow(b), "new")
	c.publish(ev)
	return nil
}

// SetBuildStateString sets a build's state string and publishes its update
// event.
func (c *Connector) SetBuildStateString(ctx context.Context, buildID int64, s string) error {
	b, err := c.db.Builds().SetStateString(ctx, buildID, s)
	if err != nil {
		return err
	}
	var ev events
	ev.build(buildFromRow(b), "update")
	c.publish(ev)
	return nil
}

// FinishBuild completes a build with result and publishes its finished
// event.
func (c *Connector) FinishBuild(ctx context.Context, buildID int64, result int) error {
	b, err := c.db.Builds().Finish(ctx, buildID, result, c.now())
	if err != nil {
		return err
	}
	var ev events
	ev.build(buildFromRow(b), "finished")
	c.publish(ev)
	return nil
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
	changed, err := c.db.Builds().SetProperties(ctx, buildID, propertiesFromSourced(props))
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		c.mq.Produce(mq.Key{"builds", idKey(buildID), "properties", "update"}, sourcedFromRow(changed))
	}
	return nil
}

// AddBuildData stores (or replaces) a named blob of a build; no event.
func (c *Connector) AddBuildData(ctx context.Context, buildID int64, name string, value []byte, source string) error {
	return c.db.Builds().SetData(ctx, buildID, name, value, source)
}
