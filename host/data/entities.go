package data

import "encoding/json"

// Entities are the resource types of Buildbot's data API (§9.2 of the
// reference), with their JSON field names. They are the bodies of mq events
// and the items of REST answers. Dates are integer Unix seconds; a nullable
// field is a pointer.

// Master is a `masters` item.
type Master struct {
	MasterID   int64  `json:"masterid"`
	Name       string `json:"name"`
	Active     bool   `json:"active"`
	LastActive int64  `json:"last_active"`
}

// Builder is a `builders` item.
type Builder struct {
	BuilderID   int64    `json:"builderid"`
	Name        string   `json:"name"`
	MasterIDs   []int64  `json:"masterids"`
	Description *string  `json:"description"`
	Tags        []string `json:"tags"`
}

// WorkerMasterRef is an element of Worker.ConnectedTo.
type WorkerMasterRef struct {
	MasterID int64 `json:"masterid"`
}

// WorkerConfiguredRef is an element of Worker.ConfiguredOn.
type WorkerConfiguredRef struct {
	MasterID  int64 `json:"masterid"`
	BuilderID int64 `json:"builderid"`
}

// Worker is a `workers` item.
type Worker struct {
	WorkerID     int64                 `json:"workerid"`
	Name         string                `json:"name"`
	ConnectedTo  []WorkerMasterRef     `json:"connected_to"`
	ConfiguredOn []WorkerConfiguredRef `json:"configured_on"`
	WorkerInfo   map[string]any        `json:"workerinfo"`
	Paused       bool                  `json:"paused"`
	Graceful     bool                  `json:"graceful"`
}

// ChangeSource is a `changesources` item.
type ChangeSource struct {
	ChangeSourceID int64   `json:"changesourceid"`
	Name           string  `json:"name"`
	Master         *Master `json:"master"`
}

// Scheduler is a `schedulers` item.
type Scheduler struct {
	SchedulerID int64   `json:"schedulerid"`
	Name        string  `json:"name"`
	Enabled     bool    `json:"enabled"`
	Master      *Master `json:"master"`
}

// ForceScheduler is a `forceschedulers` item.
type ForceScheduler struct {
	Name         string            `json:"name"`
	ButtonName   string            `json:"button_name"`
	Label        string            `json:"label"`
	BuilderNames []string          `json:"builder_names"`
	Enabled      bool              `json:"enabled"`
	AllFields    []json.RawMessage `json:"all_fields"`
}

// SourcedProperties maps a property name to [value, source].
type SourcedProperties map[string][2]any

// Patch is the patch embedded in a source stamp.
type Patch struct {
	PatchID int64  `json:"patchid"`
	Body    []byte `json:"body"`
	Level   int    `json:"level"`
	Subdir  string `json:"subdir"`
	Author  string `json:"author"`
	Comment string `json:"comment"`
}

// SourceStamp is a `sourcestamps` item.
type SourceStamp struct {
	SSID       int64   `json:"ssid"`
	Revision   *string `json:"revision"`
	Branch     *string `json:"branch"`
	Repository string  `json:"repository"`
	Project    string  `json:"project"`
	Codebase   string  `json:"codebase"`
	Patch      *Patch  `json:"patch"`
	CreatedAt  int64   `json:"created_at"`
}

// Change is a `changes` item.
type Change struct {
	ChangeID        int64             `json:"changeid"`
	ParentChangeIDs []int64           `json:"parent_changeids"`
	Author          string            `json:"author"`
	Committer       *string           `json:"committer"`
	Files           []string          `json:"files"`
	Comments        string            `json:"comments"`
	Revision        *string           `json:"revision"`
	WhenTimestamp   int64             `json:"when_timestamp"`
	Branch          *string           `json:"branch"`
	Category        *string           `json:"category"`
	Revlink         *string           `json:"revlink"`
	Properties      SourcedProperties `json:"properties"`
	Repository      string            `json:"repository"`
	Project         string            `json:"project"`
	Codebase        string            `json:"codebase"`
	SourceStamp     SourceStamp       `json:"sourcestamp"`
}

// Buildset is a `buildsets` item.
type Buildset struct {
	BSID               int64         `json:"bsid"`
	ExternalIDString   *string       `json:"external_idstring"`
	Reason             string        `json:"reason"`
	SubmittedAt        int64         `json:"submitted_at"`
	Complete           bool          `json:"complete"`
	CompleteAt         *int64        `json:"complete_at"`
	Results            *int          `json:"results"`
	SourceStamps       []SourceStamp `json:"sourcestamps"`
	ParentBuildID      *int64        `json:"parent_buildid"`
	ParentRelationship *string       `json:"parent_relationship"`
}

// BuildRequest is a `buildrequests` item. A pending request has Results -1,
// as Buildbot 3.7 answers.
type BuildRequest struct {
	BuildRequestID    int64             `json:"buildrequestid"`
	BuildsetID        int64             `json:"buildsetid"`
	BuilderID         int64             `json:"builderid"`
	Priority          int               `json:"priority"`
	Claimed           bool              `json:"claimed"`
	ClaimedAt         *int64            `json:"claimed_at"`
	ClaimedByMasterID *int64            `json:"claimed_by_masterid"`
	Complete          bool              `json:"complete"`
	Results           *int              `json:"results"`
	SubmittedAt       int64             `json:"submitted_at"`
	CompleteAt        *int64            `json:"complete_at"`
	WaitedFor         bool              `json:"waited_for"`
	Properties        SourcedProperties `json:"properties,omitempty"`
}

// Build is a `builds` item. Properties is only set when the request asks for
// them (`property=`).
type Build struct {
	BuildID        int64             `json:"buildid"`
	Number         int64             `json:"number"`
	BuilderID      int64             `json:"builderid"`
	BuildRequestID int64             `json:"buildrequestid"`
	WorkerID       *int64            `json:"workerid"`
	MasterID       int64             `json:"masterid"`
	StartedAt      int64             `json:"started_at"`
	Complete       bool              `json:"complete"`
	CompleteAt     *int64            `json:"complete_at"`
	Results        *int              `json:"results"`
	StateString    string            `json:"state_string"`
	Properties     SourcedProperties `json:"properties,omitempty"`
}

// StepURL is an element of Step.URLs.
type StepURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Step is a `steps` item.
type Step struct {
	StepID      int64     `json:"stepid"`
	Number      int       `json:"number"`
	Name        string    `json:"name"`
	BuildID     int64     `json:"buildid"`
	StartedAt   *int64    `json:"started_at"`
	Complete    bool      `json:"complete"`
	CompleteAt  *int64    `json:"complete_at"`
	Results     *int      `json:"results"`
	StateString string    `json:"state_string"`
	URLs        []StepURL `json:"urls"`
	Hidden      bool      `json:"hidden"`
}

// Log is a `logs` item (no text: the text is read through contents or raw).
type Log struct {
	LogID    int64  `json:"logid"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	StepID   int64  `json:"stepid"`
	Complete bool   `json:"complete"`
	NumLines int    `json:"num_lines"`
	Type     string `json:"type"`
}

// LogChunk is a `logchunks` item: lines from FirstLine, joined with "\n"
// and ending with "\n".
type LogChunk struct {
	LogID     int64  `json:"logid"`
	FirstLine int    `json:"firstline"`
	Content   string `json:"content"`
}

// Property is an item of the list forms (`property_list`, `properties_list`).
type Property struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Value  any    `json:"value"`
}

// BuildData is a `build_data` item (the value itself only through `.../value`).
type BuildData struct {
	BuildID int64  `json:"buildid"`
	Name    string `json:"name"`
	Length  int64  `json:"length"`
	Source  string `json:"source"`
}

// TestResultSet is a `test_result_sets` item.
type TestResultSet struct {
	TestResultSetID int64   `json:"test_result_setid"`
	BuilderID       int64   `json:"builderid"`
	BuildID         int64   `json:"buildid"`
	StepID          int64   `json:"stepid"`
	Description     *string `json:"description"`
	Category        string  `json:"category"`
	ValueUnit       string  `json:"value_unit"`
	TestsPassed     *int    `json:"tests_passed"`
	TestsFailed     *int    `json:"tests_failed"`
	Complete        bool    `json:"complete"`
}

// TestResult is a `test_results` item.
type TestResult struct {
	TestResultID    int64   `json:"test_resultid"`
	BuilderID       int64   `json:"builderid"`
	TestResultSetID int64   `json:"test_result_setid"`
	TestName        *string `json:"test_name"`
	TestCodePath    *string `json:"test_code_path"`
	Line            *int    `json:"line"`
	DurationNS      *int64  `json:"duration_ns"`
	Value           string  `json:"value"`
}
