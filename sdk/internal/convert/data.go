package convert

import (
	"fmt"

	"github.com/bbhost/bbhost/sdk/base"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
)

// ChangeSource is the property source of change properties.
const changeSource = "Change"

// SourceStampToProto converts a source stamp.
func SourceStampToProto(s base.SourceStamp) *pb.SourceStamp {
	out := &pb.SourceStamp{Ssid: s.SSID, Codebase: s.Codebase, Repository: s.Repository, Branch: s.Branch,
		Revision: s.Revision, Project: s.Project, CreatedAt: s.CreatedAt}
	if s.Patch != nil {
		p := s.Patch
		out.Patch = &pb.Patch{Patchid: p.PatchID, Body: p.Body, Level: int64(p.Level), Subdir: p.Subdir, Author: p.Author, Comment: p.Comment}
	}
	return out
}

// SourceStampFromProto converts a source stamp.
func SourceStampFromProto(s *pb.SourceStamp) base.SourceStamp {
	if s == nil {
		return base.SourceStamp{}
	}
	out := base.SourceStamp{SSID: s.Ssid, Codebase: s.Codebase, Repository: s.Repository, Branch: s.Branch,
		Revision: s.Revision, Project: s.Project, CreatedAt: s.CreatedAt}
	if p := s.Patch; p != nil {
		out.Patch = &base.Patch{PatchID: p.Patchid, Body: p.Body, Level: int(p.Level), Subdir: p.Subdir, Author: p.Author, Comment: p.Comment}
	}
	return out
}

// SourceStampsToProto converts a list of source stamps.
func SourceStampsToProto(ss []base.SourceStamp) []*pb.SourceStamp {
	out := make([]*pb.SourceStamp, len(ss))
	for i, s := range ss {
		out[i] = SourceStampToProto(s)
	}
	return out
}

// SourceStampsFromProto converts a list of source stamps.
func SourceStampsFromProto(ss []*pb.SourceStamp) []base.SourceStamp {
	if len(ss) == 0 {
		return nil
	}
	out := make([]base.SourceStamp, len(ss))
	for i, s := range ss {
		out[i] = SourceStampFromProto(s)
	}
	return out
}

// ChangeToProto converts a change.
func ChangeToProto(c base.Change) (*pb.Change, error) {
	props := make(map[string]*pb.Property, len(c.Properties))
	for k, v := range c.Properties {
		pv, err := ValueToProto(v)
		if err != nil {
			return nil, fmt.Errorf("change property %q: %w", k, err)
		}
		props[k] = &pb.Property{Value: pv, Source: changeSource}
	}
	out := &pb.Change{Changeid: c.ChangeID, Author: c.Author, Committer: c.Committer, Files: c.Files, Comments: c.Comments,
		Revision: c.Revision, WhenTimestamp: c.WhenTimestamp, Branch: c.Branch, Category: c.Category, Revlink: c.Revlink,
		Properties: props, Repository: c.Repository, Project: c.Project, Codebase: c.Codebase, Src: c.Src,
		ParentChangeids: c.ParentChangeIDs}
	if c.SourceStamp != nil {
		out.Sourcestamp = SourceStampToProto(*c.SourceStamp)
	}
	return out, nil
}

// ChangeFromProto converts a change.
func ChangeFromProto(c *pb.Change) (base.Change, error) {
	if c == nil {
		return base.Change{}, fmt.Errorf("missing change")
	}
	var props map[string]any
	if len(c.Properties) > 0 {
		props = make(map[string]any, len(c.Properties))
		for k, p := range c.Properties {
			v, err := ValueFromProto(p.GetValue())
			if err != nil {
				return base.Change{}, fmt.Errorf("change property %q: %w", k, err)
			}
			props[k] = v
		}
	}
	out := base.Change{ChangeID: c.Changeid, Author: c.Author, Committer: c.Committer, Files: c.Files, Comments: c.Comments,
		Revision: c.Revision, WhenTimestamp: c.WhenTimestamp, Branch: c.Branch, Category: c.Category, Revlink: c.Revlink,
		Properties: props, Repository: c.Repository, Project: c.Project, Codebase: c.Codebase, Src: c.Src,
		ParentChangeIDs: c.ParentChangeids}
	if c.Sourcestamp != nil {
		ss := SourceStampFromProto(c.Sourcestamp)
		out.SourceStamp = &ss
	}
	return out, nil
}

// BuildsetToProto converts a buildset.
func BuildsetToProto(b base.Buildset) *pb.Buildset {
	var results *int32
	if b.Results != nil {
		r := int32(*b.Results)
		results = &r
	}
	return &pb.Buildset{Bsid: b.BSID, ExternalIdstring: b.ExternalID, Reason: b.Reason, SubmittedAt: b.SubmittedAt,
		Complete: b.Complete, CompleteAt: b.CompleteAt, Results: results, Sourcestamps: SourceStampsToProto(b.SourceStamps),
		ParentBuildid: b.ParentBuildID, ParentRelationship: b.ParentRelationship, Scheduler: b.Scheduler, Brids: b.BRIDs}
}

// BuildsetFromProto converts a buildset.
func BuildsetFromProto(b *pb.Buildset) base.Buildset {
	if b == nil {
		return base.Buildset{}
	}
	var results *int
	if b.Results != nil {
		r := int(*b.Results)
		results = &r
	}
	return base.Buildset{BSID: b.Bsid, ExternalID: b.ExternalIdstring, Reason: b.Reason, SubmittedAt: b.SubmittedAt,
		Complete: b.Complete, CompleteAt: b.CompleteAt, Results: results, SourceStamps: SourceStampsFromProto(b.Sourcestamps),
		ParentBuildID: b.ParentBuildid, ParentRelationship: b.ParentRelationship, Scheduler: b.Scheduler, BRIDs: b.Brids}
}

// BuildsetSpecToProto converts a buildset specification.
func BuildsetSpecToProto(s base.BuildsetSpec) (*pb.BuildsetSpec, error) {
	props, err := PropertiesToProto(s.Properties)
	if err != nil {
		return nil, err
	}
	var prio *int64
	if s.Priority != nil {
		p := int64(*s.Priority)
		prio = &p
	}
	return &pb.BuildsetSpec{Scheduler: s.Scheduler, Sourcestamps: SourceStampsToProto(s.SourceStamps), Reason: s.Reason,
		Properties: props, BuilderNames: s.BuilderNames, ExternalIdstring: s.ExternalID, WaitedFor: s.WaitedFor,
		ParentBuildid: s.ParentBuildID, ParentRelationship: s.ParentRelationship, Priority: prio}, nil
}

// BuildsetSpecFromProto converts a buildset specification.
func BuildsetSpecFromProto(s *pb.BuildsetSpec) (base.BuildsetSpec, error) {
	if s == nil {
		return base.BuildsetSpec{}, fmt.Errorf("missing buildset spec")
	}
	props, err := PropertiesFromProto(s.Properties)
	if err != nil {
		return base.BuildsetSpec{}, err
	}
	var prio *int
	if s.Priority != nil {
		p := int(*s.Priority)
		prio = &p
	}
	return base.BuildsetSpec{Scheduler: s.Scheduler, SourceStamps: SourceStampsFromProto(s.Sourcestamps), Reason: s.Reason,
		Properties: props, BuilderNames: s.BuilderNames, ExternalID: s.ExternalIdstring, WaitedFor: s.WaitedFor,
		ParentBuildID: s.ParentBuildid, ParentRelationship: s.ParentRelationship, Priority: prio}, nil
}

// StateWritesToProto converts state writes.
func StateWritesToProto(ws []base.StateWrite) []*pb.StateWrite {
	out := make([]*pb.StateWrite, len(ws))
	for i, w := range ws {
		out[i] = StateWriteToProto(w)
	}
	return out
}

// StateWriteToProto converts one state write.
func StateWriteToProto(w base.StateWrite) *pb.StateWrite {
	return &pb.StateWrite{Objectid: w.ObjectID, Name: w.Name, ValueJson: w.Value, ExpectedVersion: w.ExpectedVersion, Unconditional: w.Unconditional}
}

// StateWritesFromProto converts state writes.
func StateWritesFromProto(ws []*pb.StateWrite) []base.StateWrite {
	out := make([]base.StateWrite, 0, len(ws))
	for _, w := range ws {
		out = append(out, StateWriteFromProto(w))
	}
	return out
}

// StateWriteFromProto converts one state write.
func StateWriteFromProto(w *pb.StateWrite) base.StateWrite {
	if w == nil {
		return base.StateWrite{}
	}
	return base.StateWrite{ObjectID: w.Objectid, Name: w.Name, Value: w.ValueJson, ExpectedVersion: w.ExpectedVersion, Unconditional: w.Unconditional}
}

// UserToProto converts a user.
func UserToProto(u base.User) *pb.User {
	return &pb.User{Uid: u.UID, Identifier: u.Identifier, BbUsername: u.BBUsername, BbPassword: u.BBPassword, Attributes: u.Attributes}
}

// UserFromProto converts a user.
func UserFromProto(u *pb.User) base.User {
	if u == nil {
		return base.User{}
	}
	return base.User{UID: u.Uid, Identifier: u.Identifier, BBUsername: u.BbUsername, BBPassword: u.BbPassword, Attributes: u.Attributes}
}

// EventToProto converts a subscription event.
func EventToProto(e base.Event) (*pb.Event, error) {
	switch e.Kind {
	case base.EventChange:
		if e.Change == nil {
			return nil, fmt.Errorf("change event without a change")
		}
		c, err := ChangeToProto(*e.Change)
		if err != nil {
			return nil, err
		}
		return &pb.Event{Event: &pb.Event_Change{Change: c}}, nil
	case base.EventBuildsetNew, base.EventBuildsetComplete:
		if e.Buildset == nil {
			return nil, fmt.Errorf("buildset event without a buildset")
		}
		b := BuildsetToProto(*e.Buildset)
		if e.Kind == base.EventBuildsetNew {
			return &pb.Event{Event: &pb.Event_BuildsetNew{BuildsetNew: b}}, nil
		}
		return &pb.Event{Event: &pb.Event_BuildsetComplete{BuildsetComplete: b}}, nil
	case base.EventCaughtUp:
		return &pb.Event{Event: &pb.Event_CaughtUp{CaughtUp: true}}, nil
	}
	return nil, fmt.Errorf("unknown event kind %d", e.Kind)
}

// EventFromProto converts a subscription event.
func EventFromProto(e *pb.Event) (base.Event, error) {
	switch ev := e.GetEvent().(type) {
	case *pb.Event_Change:
		c, err := ChangeFromProto(ev.Change)
		if err != nil {
			return base.Event{}, err
		}
		return base.Event{Kind: base.EventChange, Change: &c}, nil
	case *pb.Event_BuildsetNew:
		b := BuildsetFromProto(ev.BuildsetNew)
		return base.Event{Kind: base.EventBuildsetNew, Buildset: &b}, nil
	case *pb.Event_BuildsetComplete:
		b := BuildsetFromProto(ev.BuildsetComplete)
		return base.Event{Kind: base.EventBuildsetComplete, Buildset: &b}, nil
	case *pb.Event_CaughtUp:
		return base.Event{Kind: base.EventCaughtUp}, nil
	}
	return base.Event{}, fmt.Errorf("unknown event %T", e.GetEvent())
}
