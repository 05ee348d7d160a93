package changes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/hashicorp/go-hclog"
)

// Handler receives the changes a scheduler follows.
type Handler interface {
	// Cursor is the highest change id handled: the stream resumes after it.
	Cursor() int64
	// Handle takes one change, in change id order. On an error Follow
	// pauses and subscribes again from Cursor.
	Handle(ctx context.Context, ch base.Change) error
	// CaughtUp is called each time the replay of stored changes is over.
	CaughtUp(ctx context.Context) error
}

// Retry pauses: the first, doubled after each failure up to the last.
const (
	firstRetry = time.Second
	maxRetry   = time.Minute
)

// Follow streams the changes after h.Cursor() to h until ctx ends or the
// master says the instance is stale. Failures (of the stream or of h) are
// logged and retried after a pause measured on clk.
func Follow(ctx context.Context, host base.Host, clk clock.Clock, log hclog.Logger, h Handler) {
	pause := firstRetry
	for ctx.Err() == nil {
		err := follow(ctx, host, h)
		if ctx.Err() != nil || errors.Is(err, base.ErrStale) {
			return
		}
		log.Warn("following changes failed; retrying", "error", err, "retry_in", pause)
		t := clk.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		pause = min(2*pause, maxRetry)
	}
}

func follow(ctx context.Context, host base.Host, h Handler) error {
	sub, err := host.Subscribe(ctx, base.SubscribeRequest{Changes: true, ChangesAfter: h.Cursor()})
	if err != nil {
		return fmt.Errorf("subscribe to changes: %w", err)
	}
	defer func() { _ = sub.Close() }()
	for {
		ev, err := sub.Recv()
		if err != nil {
			return fmt.Errorf("receive changes: %w", err)
		}
		switch ev.Kind {
		case base.EventChange:
			if ev.Change == nil || ev.Change.ChangeID <= h.Cursor() {
				continue
			}
			if err := h.Handle(ctx, *ev.Change); err != nil {
				return fmt.Errorf("change %d: %w", ev.Change.ChangeID, err)
			}
		case base.EventCaughtUp:
			if err := h.CaughtUp(ctx); err != nil {
				return err
			}
		}
	}
}

// Rules decide which changes a scheduler takes and which are important
// (startConsumingChanges' checks).
type Rules struct {
	Filter        *Filter
	Codebases     sched.Codebases
	Files         *Files
	OnlyImportant bool
}

// Classify reports whether the change is taken and whether it is
// important: it must pass the filter and belong to a configured codebase;
// an unimportant change is dropped when OnlyImportant is set.
func (r Rules) Classify(ch base.Change) (taken, important bool) {
	if !r.Filter.Match(ch) || !r.Codebases.Has(ch.Codebase) {
		return false, false
	}
	important = r.Files.Important(ch)
	if !important && r.OnlyImportant {
		return false, false
	}
	return true, important
}
