package base

import "context"

// Host is what an instance may ask of the master. The master runs every
// write in one database transaction together with the state writes given,
// so progress (a poller's last revision, a scheduler's event cursor) is
// recorded exactly when its effect is: a crash or a hot swap never loses or
// doubles a change or a buildset.
type Host interface {
	// AddChange adds a change and applies writes in the same transaction.
	AddChange(ctx context.Context, ch Change, writes ...StateWrite) (ChangeResult, error)
	// AddBuildset adds a buildset and its build requests and applies writes
	// in the same transaction.
	AddBuildset(ctx context.Context, spec BuildsetSpec, writes ...StateWrite) (BuildsetResult, error)
	// GetObjectID finds or creates the state object (name, className).
	GetObjectID(ctx context.Context, name, className string) (int64, error)
	// GetState reads one state value.
	GetState(ctx context.Context, objectID int64, name string) (State, error)
	// SetState writes one state value (compare-and-set, see StateWrite) and
	// returns its new version.
	SetState(ctx context.Context, w StateWrite) (int64, error)
	// GetChange loads a change; ok is false when it does not exist.
	GetChange(ctx context.Context, changeID int64) (ch Change, ok bool, err error)
	// GetBuildset loads a buildset; ok is false when it does not exist.
	GetBuildset(ctx context.Context, bsid int64) (bs Buildset, ok bool, err error)
	// FindUserByAttr finds the user with the attribute, creating it when
	// absent (Buildbot's findUserByAttr), and returns its uid.
	FindUserByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error)
	// GetUser loads a user; ok is false when it does not exist.
	GetUser(ctx context.Context, uid int64) (u User, ok bool, err error)
	// UpdateUser changes a user.
	UpdateUser(ctx context.Context, u UserUpdate) error
	// RemoveUser deletes a user.
	RemoveUser(ctx context.Context, uid int64) error
	// IdentifierToUID finds a user by identifier.
	IdentifierToUID(ctx context.Context, identifier string) (uid int64, ok bool, err error)
	// Subscribe streams events until ctx is cancelled or the subscription
	// is closed.
	Subscribe(ctx context.Context, req SubscribeRequest) (Subscription, error)
}

// HostServer is the master's side of Host: the same calls, each naming the
// calling instance. sdk/hostservice serves it to plugin processes and
// BindHost adapts it for in-process components.
type HostServer interface {
	AddChange(ctx context.Context, ref Ref, ch Change, writes []StateWrite) (ChangeResult, error)
	AddBuildset(ctx context.Context, ref Ref, spec BuildsetSpec, writes []StateWrite) (BuildsetResult, error)
	GetObjectID(ctx context.Context, ref Ref, name, className string) (int64, error)
	GetState(ctx context.Context, ref Ref, objectID int64, name string) (State, error)
	SetState(ctx context.Context, ref Ref, w StateWrite) (int64, error)
	GetChange(ctx context.Context, ref Ref, changeID int64) (Change, bool, error)
	GetBuildset(ctx context.Context, ref Ref, bsid int64) (Buildset, bool, error)
	FindUserByAttr(ctx context.Context, ref Ref, identifier, attrType, attrData string) (int64, error)
	GetUser(ctx context.Context, ref Ref, uid int64) (User, bool, error)
	UpdateUser(ctx context.Context, ref Ref, u UserUpdate) error
	RemoveUser(ctx context.Context, ref Ref, uid int64) error
	IdentifierToUID(ctx context.Context, ref Ref, identifier string) (int64, bool, error)
	Subscribe(ctx context.Context, ref Ref, req SubscribeRequest) (Subscription, error)
}

// BindHost returns the Host view of s for one instance; ref is called on
// every call so a reconfigured instance speaks with its newest generation.
func BindHost(s HostServer, ref func() Ref) Host { return boundHost{s: s, ref: ref} }

type boundHost struct {
	s   HostServer
	ref func() Ref
}

func (h boundHost) AddChange(ctx context.Context, ch Change, writes ...StateWrite) (ChangeResult, error) {
	return h.s.AddChange(ctx, h.ref(), ch, writes)
}
func (h boundHost) AddBuildset(ctx context.Context, spec BuildsetSpec, writes ...StateWrite) (BuildsetResult, error) {
	return h.s.AddBuildset(ctx, h.ref(), spec, writes)
}
func (h boundHost) GetObjectID(ctx context.Context, name, className string) (int64, error) {
	return h.s.GetObjectID(ctx, h.ref(), name, className)
}
func (h boundHost) GetState(ctx context.Context, objectID int64, name string) (State, error) {
	return h.s.GetState(ctx, h.ref(), objectID, name)
}
func (h boundHost) SetState(ctx context.Context, w StateWrite) (int64, error) {
	return h.s.SetState(ctx, h.ref(), w)
}
func (h boundHost) GetChange(ctx context.Context, id int64) (Change, bool, error) {
	return h.s.GetChange(ctx, h.ref(), id)
}
func (h boundHost) GetBuildset(ctx context.Context, bsid int64) (Buildset, bool, error) {
	return h.s.GetBuildset(ctx, h.ref(), bsid)
}
func (h boundHost) FindUserByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error) {
	return h.s.FindUserByAttr(ctx, h.ref(), identifier, attrType, attrData)
}
func (h boundHost) GetUser(ctx context.Context, uid int64) (User, bool, error) {
	return h.s.GetUser(ctx, h.ref(), uid)
}
func (h boundHost) UpdateUser(ctx context.Context, u UserUpdate) error {
	return h.s.UpdateUser(ctx, h.ref(), u)
}
func (h boundHost) RemoveUser(ctx context.Context, uid int64) error {
	return h.s.RemoveUser(ctx, h.ref(), uid)
}
func (h boundHost) IdentifierToUID(ctx context.Context, identifier string) (int64, bool, error) {
	return h.s.IdentifierToUID(ctx, h.ref(), identifier)
}
func (h boundHost) Subscribe(ctx context.Context, req SubscribeRequest) (Subscription, error) {
	return h.s.Subscribe(ctx, h.ref(), req)
}
