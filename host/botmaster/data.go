package botmaster

import (
	"context"

	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
)

// Updates are the data-layer update methods the engine calls; host/data's
// *Connector implements them (each writes the database in one transaction
// and then publishes its events).
type Updates interface {
	// UpdateBuilderList makes builders the list of builders this master runs
	// (builder_masters), writing name, description, tags and project only
	// when they changed, and returns every builder's id by name.
	UpdateBuilderList(ctx context.Context, masterID int64, builders []db.BuilderSpec) (map[string]int64, error)
	// UpdateBuilderInfo rewrites one builder's description, tags and project
	// (used instead of the bulk list when only a few builders changed).
	UpdateBuilderInfo(ctx context.Context, builderID int64, info db.BuilderInfo) error
	// FindProjectID finds or creates a project by name.
	FindProjectID(ctx context.Context, name string) (int64, error)

	// ClaimBuildRequests claims requests for a master, all or none; false
	// (no error) when another master claimed one first. claimedAt 0 is now.
	ClaimBuildRequests(ctx context.Context, masterID int64, brids []int64, claimedAt int64) (bool, error)
	UnclaimBuildRequests(ctx context.Context, masterID int64, brids []int64) error
	// CompleteBuildRequests completes requests with a result and completes
	// their buildsets when every request is complete; false when one was
	// complete already. completeAt 0 is now.
	CompleteBuildRequests(ctx context.Context, brids []int64, result int, completeAt int64) (bool, error)
	// CancelBuildRequest is the buildrequest `cancel` of §4.2: an unclaimed
	// request is claimed and completed CANCELLED (true); for a claimed one
	// it returns false and the ids of its builds, which the caller stops.
	CancelBuildRequest(ctx context.Context, masterID, brid int64) (bool, []int64, error)
	// RebuildBuildRequest adds a buildset running a request's builder again
	// on its stamps with its buildset's properties (reason "rebuild").
	RebuildBuildRequest(ctx context.Context, brid int64) (int64, map[int64]int64, error)

	// AddBuild adds a build in state stateString ("" is "created").
	AddBuild(ctx context.Context, builderID, buildRequestID, workerID, masterID int64, stateString string) (buildID, number int64, err error)
	// GenerateNewBuildEvent publishes builds.<id>.new.
	GenerateNewBuildEvent(ctx context.Context, buildID int64) error
	SetBuildStateString(ctx context.Context, buildID int64, s string) error
	SetBuildProperties(ctx context.Context, buildID int64, props data.SourcedProperties) error
	FinishBuild(ctx context.Context, buildID int64, result int) error

	// AddStep adds a step; the name is made unique in the build and returned.
	AddStep(ctx context.Context, buildID int64, name string) (stepID int64, number int, finalName string, err error)
	StartStep(ctx context.Context, stepID int64) error
	SetStepStateString(ctx context.Context, stepID int64, state string) error
	AddStepURL(ctx context.Context, stepID int64, name, url string) error
	FinishStep(ctx context.Context, stepID int64, result int, hidden bool) error

	AddLog(ctx context.Context, stepID int64, name, typ string) (int64, error)
	AppendLog(ctx context.Context, logID int64, content string) error
	FinishLog(ctx context.Context, logID int64) error
}

var _ Updates = (*data.Connector)(nil)

// PendingRequest is an unclaimed, incomplete build request of a builder.
type PendingRequest struct {
	BRID        int64
	BSID        int64
	BuilderID   int64
	Priority    int
	SubmittedAt int64
}

// RequestDetails is what a build needs of its request: the buildset's
// reason, properties and source stamps, and the changes of those stamps.
type RequestDetails struct {
	BRID        int64
	BSID        int64
	BuilderID   int64
	SubmittedAt int64
	WaitedFor   bool
	Reason      string
	Properties  data.SourcedProperties
	Sources     []steps.SourceStamp
	// Changes are the changes of the stamps (properties and authors).
	Changes []ChangeInfo
}

// ChangeInfo is what a build takes from a change.
type ChangeInfo struct {
	ChangeID   int64
	SSID       int64
	Author     string
	Revision   *string
	Properties data.SourcedProperties
}

// CollapseInfo is what the default collapse rule compares of a request's
// buildset (Buildbot's BuildRequest.canBeCollapsed).
type CollapseInfo struct {
	BRID int64
	BSID int64
	// Sources by codebase.
	Sources map[string]CollapseSource
	// SchedulerProps are the buildset properties whose source is
	// "Scheduler", except `scheduler` itself.
	SchedulerProps map[string]any
}

// CollapseSource is one stamp of a buildset for collapsing.
type CollapseSource struct {
	Repository, Project string
	Branch, Revision    *string
	HasPatch            bool
	HasChanges          bool
}

// Reads are the engine's reads (plain SQL on the reader pool; see reads.go).
type Reads interface {
	// PendingRequests returns the unclaimed, incomplete requests of builders.
	PendingRequests(ctx context.Context, builderIDs []int64) ([]PendingRequest, error)
	// RequestDetails returns what a build needs of a request.
	RequestDetails(ctx context.Context, brid int64) (*RequestDetails, error)
	// BuildByNumber resolves a builder's build number to a build id (0 when unknown).
	BuildByNumber(ctx context.Context, builderID, number int64) (int64, error)
	// BuildRequestOfBuild returns the request a build ran for (0 when unknown).
	BuildRequestOfBuild(ctx context.Context, buildID int64) (int64, error)
	// CollapseInfo returns the collapse view of requests' buildsets.
	CollapseInfo(ctx context.Context, brids []int64) (map[int64]*CollapseInfo, error)
	// UnclaimedRequestsOfBuilder returns a builder's unclaimed, incomplete
	// requests (the collapse candidates), oldest first.
	UnclaimedRequestsOfBuilder(ctx context.Context, builderID int64) ([]PendingRequest, error)
}
