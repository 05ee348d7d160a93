package data

import (
	"fmt"

	"github.com/bbhost/bbhost/host/db"
)

// Conversions from database rows to entities.

func masterFromRow(m *db.Master) *Master {
	return &Master{MasterID: m.ID, Name: m.Name, Active: m.Active, LastActive: m.LastActive}
}

func builderFromRow(b *db.Builder) *Builder {
	e := &Builder{BuilderID: b.ID, Name: b.Name, Description: b.Description,
		MasterIDs: b.MasterIDs, Tags: b.Tags}
	if e.MasterIDs == nil {
		e.MasterIDs = []int64{}
	}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	return e
}

func workerFromRow(w *db.Worker) *Worker {
	e := &Worker{WorkerID: w.ID, Name: w.Name, WorkerInfo: w.Info, Paused: w.Paused, Graceful: w.Graceful,
		ConnectedTo:  make([]WorkerMasterRef, 0, len(w.ConnectedTo)),
		ConfiguredOn: make([]WorkerConfiguredRef, 0, len(w.ConfiguredOn))}
	for _, m := range w.ConnectedTo {
		e.ConnectedTo = append(e.ConnectedTo, WorkerMasterRef{MasterID: m})
	}
	for _, c := range w.ConfiguredOn {
		e.ConfiguredOn = append(e.ConfiguredOn, WorkerConfiguredRef{MasterID: c.MasterID, BuilderID: c.BuilderID})
	}
	if e.WorkerInfo == nil {
		e.WorkerInfo = map[string]any{}
	}
	return e
}

func sourceStampFromRow(ss *db.SourceStamp) SourceStamp {
	e := SourceStamp{SSID: ss.ID, Revision: ss.Revision, Branch: ss.Branch, Repository: ss.Repository,
		Project: ss.Project, Codebase: ss.Codebase, CreatedAt: ss.CreatedAt}
	if p := ss.Patch; p != nil {
		e.Patch = &Patch{PatchID: p.ID, Body: p.Body, Level: p.Level, Author: p.Author, Comment: p.Comment}
		if p.Subdir != nil {
			e.Patch.Subdir = *p.Subdir
		}
	}
	return e
}

func sourcedFromRow(props db.Properties) SourcedProperties {
	out := make(SourcedProperties, len(props))
	for k, p := range props {
		out[k] = [2]any{p.Value, p.Source}
	}
	return out
}

// propertiesFromSourced turns {name: [value, source]} into database
// properties; a source that is not a string is formatted.
func propertiesFromSourced(props SourcedProperties) db.Properties {
	out := make(db.Properties, len(props))
	for k, v := range props {
		src, ok := v[1].(string)
		if !ok && v[1] != nil {
			src = fmt.Sprint(v[1])
		}
		out[k] = db.Property{Value: v[0], Source: src}
	}
	return out
}

func changeFromRow(ch *db.Change, ss *db.SourceStamp) *Change {
	e := &Change{ChangeID: ch.ID, ParentChangeIDs: ch.ParentChangeIDs, Author: ch.Author, Committer: ch.Committer,
		Files: ch.Files, Comments: ch.Comments, Revision: ch.Revision, WhenTimestamp: ch.WhenTimestamp,
		Branch: ch.Branch, Category: ch.Category, Revlink: ch.Revlink, Properties: sourcedFromRow(ch.Properties),
		Repository: ch.Repository, Project: ch.Project, Codebase: ch.Codebase}
	if e.ParentChangeIDs == nil {
		e.ParentChangeIDs = []int64{}
	}
	if e.Files == nil {
		e.Files = []string{}
	}
	if ss != nil {
		e.SourceStamp = sourceStampFromRow(ss)
	}
	return e
}

func buildsetFromRow(bs *db.Buildset, sss []db.SourceStamp) *Buildset {
	e := &Buildset{BSID: bs.ID, ExternalIDString: bs.ExternalIDString, Reason: bs.Reason,
		SubmittedAt: bs.SubmittedAt, Complete: bs.Complete, CompleteAt: bs.CompleteAt, Results: bs.Results,
		ParentBuildID: bs.ParentBuildID, ParentRelationship: bs.ParentRelationship,
		SourceStamps: make([]SourceStamp, 0, len(sss))}
	for i := range sss {
		e.SourceStamps = append(e.SourceStamps, sourceStampFromRow(&sss[i]))
	}
	return e
}

func buildRequestFromRow(br *db.BuildRequest) *BuildRequest {
	return &BuildRequest{BuildRequestID: br.ID, BuildsetID: br.BuildsetID, BuilderID: br.BuilderID,
		Priority: br.Priority, Claimed: br.Claimed(), ClaimedAt: br.ClaimedAt, ClaimedByMasterID: br.ClaimedByMasterID,
		Complete: br.Complete, Results: br.Results, SubmittedAt: br.SubmittedAt, CompleteAt: br.CompleteAt,
		WaitedFor: br.WaitedFor}
}

func buildFromRow(b *db.Build) *Build {
	return &Build{BuildID: b.ID, Number: b.Number, BuilderID: b.BuilderID, BuildRequestID: b.BuildRequestID,
		WorkerID: b.WorkerID, MasterID: b.MasterID, StartedAt: b.StartedAt, Complete: b.CompleteAt != nil,
		CompleteAt: b.CompleteAt, Results: b.Results, StateString: b.StateString, Properties: SourcedProperties{}}
}

func stepFromRow(s *db.Step) *Step {
	e := &Step{StepID: s.ID, Number: s.Number, Name: s.Name, BuildID: s.BuildID, StartedAt: s.StartedAt,
		Complete: s.CompleteAt != nil, CompleteAt: s.CompleteAt, Results: s.Results, StateString: s.StateString,
		URLs: make([]StepURL, 0, len(s.URLs)), Hidden: s.Hidden}
	for _, u := range s.URLs {
		e.URLs = append(e.URLs, StepURL{Name: u.Name, URL: u.URL})
	}
	return e
}

func logFromRow(l *db.Log) *Log {
	return &Log{LogID: l.ID, Name: l.Name, Slug: l.Slug, StepID: l.StepID, Complete: l.Complete,
		NumLines: l.NumLines, Type: l.Type}
}

func testResultSetFromRow(r *db.TestResultSet) *TestResultSet {
	return &TestResultSet{TestResultSetID: r.ID, BuilderID: r.BuilderID, BuildID: r.BuildID, StepID: r.StepID,
		Description: r.Description, Category: r.Category, ValueUnit: r.ValueUnit, TestsPassed: r.TestsPassed,
		TestsFailed: r.TestsFailed, Complete: r.Complete}
}
