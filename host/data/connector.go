package data

import (
	"context"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/mq"
)

// Connector is the write side of the data API, Buildbot's
// master.data.updates: one method per update method. Each runs one
// database transaction and, once it has committed, publishes its mq events
// (one message per routing-key pattern, as Buildbot's eventPathPatterns),
// with bodies built from what was written. Bodies are pointers to the
// entity structs of this package (or the *Event types of events.go) and are
// shared by every consumer, which must not modify them.
type Connector struct {
	db          *db.DB
	mq          mq.MQ
	log         hclog.Logger
	compression db.Compression
	collapser   atomic.Pointer[collapserBox]
}

// Options configures New.
type Options struct {
	// LogCompression is how new log chunks are stored: "zstd" (default),
	// "gz" or "raw".
	LogCompression string
	Logger         hclog.Logger
}

// Collapser is the botmaster's hook into AddBuildset: it is called with the
// new requests (builder id → build request id) after they are committed and
// before their events are published, to supersede older pending requests
// (Buildbot's BuildRequestCollapser).
type Collapser interface {
	CollapseRequests(ctx context.Context, brids map[int64]int64) error
}

type collapserBox struct{ Collapser }

// New returns the update methods over d, publishing on m.
func New(d *db.DB, m mq.MQ, opts Options) *Connector {
	c := &Connector{db: d, mq: m, log: opts.Logger}
	if c.log == nil {
		c.log = hclog.NewNullLogger()
	}
	comp, err := db.ParseCompression(opts.LogCompression)
	if err != nil {
		c.log.Warn("using zstd log compression", "error", err)
		comp = db.CompressZstd
	}
	c.compression = comp
	return c
}

// DB returns the database the connector writes.
func (c *Connector) DB() *db.DB { return c.db }

// MQ returns the message queue the connector publishes on.
func (c *Connector) MQ() mq.MQ { return c.mq }

// SetCollapser installs (or, with nil, removes) the request collapser.
func (c *Connector) SetCollapser(col Collapser) {
	if col == nil {
		c.collapser.Store(nil)
		return
	}
	c.collapser.Store(&collapserBox{col})
}

// events collects the messages of one update, published after its commit.
type events []mq.Message

func (e *events) add(key mq.Key, body any) { *e = append(*e, mq.Message{Key: key, Body: body}) }

// update runs fn in one durable transaction and publishes the events it
// collected once the transaction committed (a retried transaction starts
// with no events).
func (c *Connector) update(ctx context.Context, fn func(tx *db.Tx, ev *events) error) error {
	return c.run(ctx, true, fn)
}

// progress is update for a build's progress (steps, logs, state strings,
// properties): when the database batches commits, such transactions may
// commit together a little later, and their events are published then.
func (c *Connector) progress(ctx context.Context, fn func(tx *db.Tx, ev *events) error) error {
	return c.run(ctx, false, fn)
}

func (c *Connector) run(ctx context.Context, durable bool, fn func(tx *db.Tx, ev *events) error) error {
	var ev events
	return c.db.TxThen(ctx, durable, func(tx *db.Tx) error {
		ev = ev[:0]
		return fn(tx, &ev)
	}, func() { c.publish(ev) })
}

func (c *Connector) publish(ev events) {
	for _, m := range ev {
		c.mq.Produce(m.Key, m.Body)
	}
}

// now is the database clock, in Unix seconds.
func (c *Connector) now() int64 { return c.db.Now() }
