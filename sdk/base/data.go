package base

import "encoding/json"

// Patch is a patch carried by a source stamp (force and try builds).
type Patch struct {
	PatchID int64
	Body    []byte
	Level   int
	Subdir  string
	Author  string
	Comment string
}

// SourceStamp is Buildbot's source stamp: what to build in one codebase. A
// nil Branch is the default branch; a nil Revision is "latest".
type SourceStamp struct {
	SSID       int64 // set by the master
	Codebase   string
	Repository string
	Branch     *string
	Revision   *string
	Project    string
	Patch      *Patch
	CreatedAt  int64 // set by the master
}

// Change is one change, as Buildbot's data.updates.addChange takes it. The
// master fills ChangeID, SourceStamp and ParentChangeIDs; a zero
// WhenTimestamp means now.
type Change struct {
	ChangeID      int64
	Author        string
	Committer     *string
	Files         []string
	Comments      string
	Revision      *string
	WhenTimestamp int64
	Branch        *string
	Category      *string
	Revlink       *string
	// Properties are stored with source "Change"; values are JSON-compatible.
	Properties map[string]any
	Repository string
	Project    string
	Codebase   string
	// Src is the version control system ("git", "svn", "hg", ...); when set,
	// the master finds or creates a user for Author (Buildbot's
	// createUserObject).
	Src             string
	SourceStamp     *SourceStamp
	ParentChangeIDs []int64
}

// Property is a build property value with its source.
type Property struct {
	Value  any
	Source string
}

// BuildsetSpec is what a scheduler submits: Buildbot's addBuildset
// arguments.
type BuildsetSpec struct {
	// Scheduler names the submitting scheduler; empty means the instance.
	Scheduler          string
	SourceStamps       []SourceStamp
	Reason             string
	Properties         map[string]Property
	BuilderNames       []string
	ExternalID         *string
	WaitedFor          bool
	ParentBuildID      *int64
	ParentRelationship *string
	Priority           *int
}

// BuildsetResult is what AddBuildset, Force and Trigger return: the new
// buildset and its build requests by builder id.
type BuildsetResult struct {
	BSID  int64
	BRIDs map[int64]int64
	// StateVersions are the new versions of the state writes, in order.
	StateVersions []int64
}

// ChangeResult is what AddChange returns.
type ChangeResult struct {
	ChangeID      int64
	StateVersions []int64
}

// Buildset is a buildset as the master reports it (GetBuildset and buildset
// events). Results is nil until the buildset completes.
type Buildset struct {
	BSID               int64
	ExternalID         *string
	Reason             string
	SubmittedAt        int64
	Complete           bool
	CompleteAt         *int64
	Results            *int
	SourceStamps       []SourceStamp
	ParentBuildID      *int64
	ParentRelationship *string
	Scheduler          string
	BRIDs              map[int64]int64
}

// StateWrite sets one named value of an object's state (Buildbot's
// object_state). It applies only when the value's current version equals
// ExpectedVersion (0 = not set yet), unless Unconditional is set; otherwise
// the whole call fails with ErrStateConflict and writes nothing.
type StateWrite struct {
	ObjectID        int64
	Name            string
	Value           json.RawMessage
	ExpectedVersion int64
	Unconditional   bool
}

// State is one named value of an object's state. Version is 0 when the value
// is not set; every write increases it.
type State struct {
	Found   bool
	Value   json.RawMessage
	Version int64
}

// User is a row of Buildbot's users table with its users_info attributes.
type User struct {
	UID        int64
	Identifier string
	BBUsername *string
	BBPassword *string
	Attributes map[string]string
}

// UserUpdate changes a user (Buildbot's updateUser): nil fields stay.
type UserUpdate struct {
	UID        int64
	Identifier *string
	BBUsername *string
	BBPassword *string
	AttrType   *string
	AttrData   *string
}

// SubscribeRequest says which events to stream. Changes with a changeid
// above ChangesAfter are replayed from the database first, then live ones
// follow; buildset events are live only.
type SubscribeRequest struct {
	Changes      bool
	ChangesAfter int64
	Buildsets    bool
}

// EventKind is the kind of an Event.
type EventKind int

// Event kinds.
const (
	// EventChange: a change (replayed or new), in Change.
	EventChange EventKind = iota + 1
	// EventBuildsetNew: a buildset was added, in Buildset.
	EventBuildsetNew
	// EventBuildsetComplete: a buildset completed, in Buildset.
	EventBuildsetComplete
	// EventCaughtUp: the replay of stored changes is over.
	EventCaughtUp
)

// Event is one item of a subscription.
type Event struct {
	Kind     EventKind
	Change   *Change
	Buildset *Buildset
}

// Subscription is a stream of events. Recv blocks for the next event and
// returns an error when the stream ends (the subscribing context was
// cancelled, the master stopped, or the instance went stale).
type Subscription interface {
	Recv() (Event, error)
	Close() error
}
