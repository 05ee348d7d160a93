package plugins

import (
	"context"

	"github.com/bbhost/bbhost/sdk/base"
)

// HostServices is what plugins may ask of the master, implemented by the
// master on top of host/data (NewDataServices) and by fakes in tests. The
// Host checks every call's instance ref (known instance, current process,
// current generation) before calling it.
//
// State writes are compare-and-set: each applies only if the value's
// current version equals ExpectedVersion (0 = not set) unless
// Unconditional; a mismatch fails the whole call with base.ErrStateConflict
// and writes nothing. AddChange and AddBuildset apply their writes in the
// same transaction as the change or buildset.
type HostServices interface {
	AddChange(ctx context.Context, ref base.Ref, ch base.Change, writes []base.StateWrite) (base.ChangeResult, error)
	AddBuildset(ctx context.Context, ref base.Ref, spec base.BuildsetSpec, writes []base.StateWrite) (base.BuildsetResult, error)
	GetObjectID(ctx context.Context, name, className string) (int64, error)
	GetState(ctx context.Context, objectID int64, name string) (base.State, error)
	SetState(ctx context.Context, w base.StateWrite) (int64, error)
	// GetChange loads one change; ok is false when there is none.
	GetChange(ctx context.Context, changeID int64) (base.Change, bool, error)
	// ChangesAfter returns up to limit changes with a changeid above
	// after, in changeid order (Subscribe's replay).
	ChangesAfter(ctx context.Context, after int64, limit int) ([]base.Change, error)
	GetBuildset(ctx context.Context, bsid int64) (base.Buildset, bool, error)
	FindUserByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error)
	GetUser(ctx context.Context, uid int64) (base.User, bool, error)
	UpdateUser(ctx context.Context, u base.UserUpdate) error
	RemoveUser(ctx context.Context, uid int64) error
	IdentifierToUID(ctx context.Context, identifier string) (int64, bool, error)
	// Claim makes this master the one running the scheduler or change
	// source name (Buildbot's scheduler_masters / changesource_masters);
	// false means another master has it. Unclaim gives it up.
	Claim(ctx context.Context, typ base.ComponentType, name string) (bool, error)
	Unclaim(ctx context.Context, typ base.ComponentType, name string) error
}
