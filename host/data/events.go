package data

import (
	"strconv"

	"github.com/bbhost/bbhost/host/mq"
)

// Event bodies that are not plain entities.

// BuilderMasterEvent is the body of builders.N.started and
// builders.N.stopped: a builder linked to or unlinked from a master.
type BuilderMasterEvent struct {
	BuilderID int64  `json:"builderid"`
	MasterID  int64  `json:"masterid"`
	Name      string `json:"name"`
}

// BuildsetNewEvent is the body of buildsets.N.new: the buildset and the
// scheduler that added it.
type BuildsetNewEvent struct {
	Buildset
	Scheduler string `json:"scheduler"`
}

// WorkerMissingEvent is the body of workers.N.missing.
type WorkerMissingEvent struct {
	Worker
	LastConnection string   `json:"last_connection"`
	Notify         []string `json:"notify"`
}

func idKey(n int64) string { return strconv.FormatInt(n, 10) }

// Routing keys, one per eventPathPatterns entry of Buildbot's resource
// types (§9.3 of the reference).

func masterKey(m int64, ev string) mq.Key { return mq.Key{"masters", idKey(m), ev} }

func builderKey(b int64, ev string) mq.Key { return mq.Key{"builders", idKey(b), ev} }

func workerKey(w int64, ev string) mq.Key { return mq.Key{"workers", idKey(w), ev} }

func changeKey(ch int64, ev string) mq.Key { return mq.Key{"changes", idKey(ch), ev} }

func buildsetKey(bs int64, ev string) mq.Key { return mq.Key{"buildsets", idKey(bs), ev} }

func schedulerKey(s int64, ev string) mq.Key { return mq.Key{"schedulers", idKey(s), ev} }

func testResultSetKey(s int64, ev string) mq.Key { return mq.Key{"test_result_sets", idKey(s), ev} }

func (e *events) buildRequest(br *BuildRequest, ev string) {
	e.add(mq.Key{"buildsets", idKey(br.BuildsetID), "builders", idKey(br.BuilderID), "buildrequests", idKey(br.BuildRequestID), ev}, br)
	e.add(mq.Key{"buildrequests", idKey(br.BuildRequestID), ev}, br)
	e.add(mq.Key{"builders", idKey(br.BuilderID), "buildrequests", idKey(br.BuildRequestID), ev}, br)
}

// build publishes a build event; the workers.W.builds.B key is left out for
// a build without a worker (Buildbot would format "None").
func (e *events) build(b *Build, ev string) {
	e.add(mq.Key{"builders", idKey(b.BuilderID), "builds", idKey(b.Number), ev}, b)
	e.add(mq.Key{"builds", idKey(b.BuildID), ev}, b)
	if b.WorkerID != nil {
		e.add(mq.Key{"workers", idKey(*b.WorkerID), "builds", idKey(b.BuildID), ev}, b)
	}
}

func (e *events) step(s *Step, ev string) {
	e.add(mq.Key{"builds", idKey(s.BuildID), "steps", idKey(s.StepID), ev}, s)
	e.add(mq.Key{"steps", idKey(s.StepID), ev}, s)
}

func (e *events) log(l *Log, ev string) {
	e.add(mq.Key{"logs", idKey(l.LogID), ev}, l)
	e.add(mq.Key{"steps", idKey(l.StepID), "logs", l.Slug, ev}, l)
}

func mqKey(kind string, n int64, ev string) mq.Key { return mq.Key{kind, idKey(n), ev} }
