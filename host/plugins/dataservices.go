package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/sdk/base"
)

// StateVersion is the version of a stored state value: a hash of its JSON
// text, never 0 (0 means "not set"). object_state (Buildbot's schema) has
// no version column, so the version is derived from the value.
func StateVersion(v json.RawMessage) int64 {
	sum := sha256.Sum256(v)
	n := int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
	if n == 0 {
		n = 1
	}
	return n
}

// DataServices implements HostServices on the master's data layer: writes
// through host/data's update methods (AddChange and AddBuildset carry the
// state writes into their transactions), users and claims through
// host/db's components.
//
// Compare-and-set of state writes: the expected versions are checked and
// the write committed while this master holds a lock on each object
// involved. Every write to an instance's state goes through the one master
// that has claimed the instance, so the check and the commit cannot be
// interleaved by another writer.
type DataServices struct {
	data     *data.Connector
	masterID func() int64
	stripes  [64]sync.Mutex
}

var _ HostServices = (*DataServices)(nil)

// NewDataServices returns the HostServices of a master; masterID returns
// its id in the masters table (known once it registered).
func NewDataServices(d *data.Connector, masterID func() int64) *DataServices {
	return &DataServices{data: d, masterID: masterID}
}

func (s *DataServices) db() *db.DB { return s.data.DB() }

// lock takes the locks of the objects written and returns the unlock.
func (s *DataServices) lock(writes []base.StateWrite) func() {
	idx := map[int]bool{}
	for _, w := range writes {
		idx[int(uint64(w.ObjectID)%uint64(len(s.stripes)))] = true
	}
	order := make([]int, 0, len(idx))
	for i := range idx {
		order = append(order, i)
	}
	sort.Ints(order)
	for _, i := range order {
		s.stripes[i].Lock()
	}
	return func() {
		for n := len(order) - 1; n >= 0; n-- {
			s.stripes[order[n]].Unlock()
		}
	}
}

// check verifies the expected versions and returns the new ones and the
// data layer's writes.
func (s *DataServices) check(ctx context.Context, writes []base.StateWrite) ([]int64, []data.StateWrite, error) {
	versions := make([]int64, len(writes))
	out := make([]data.StateWrite, len(writes))
	for i, w := range writes {
		if !json.Valid(w.Value) {
			return nil, nil, fmt.Errorf("state %q of object %d: not valid JSON", w.Name, w.ObjectID)
		}
		if !w.Unconditional {
			cur, found, err := s.data.GetState(ctx, w.ObjectID, w.Name)
			if err != nil {
				return nil, nil, err
			}
			var v int64
			if found {
				v = StateVersion(cur)
			}
			if v != w.ExpectedVersion {
				return nil, nil, fmt.Errorf("state %q of object %d has version %d, expected %d: %w", w.Name, w.ObjectID, v, w.ExpectedVersion, base.ErrStateConflict)
			}
		}
		versions[i] = StateVersion(w.Value)
		out[i] = data.StateWrite{ObjectID: w.ObjectID, Name: w.Name, Value: json.RawMessage(w.Value)}
	}
	return versions, out, nil
}

// AddChange implements HostServices.
func (s *DataServices) AddChange(ctx context.Context, ref base.Ref, ch base.Change, writes []base.StateWrite) (base.ChangeResult, error) {
	unlock := s.lock(writes)
	defer unlock()
	versions, dw, err := s.check(ctx, writes)
	if err != nil {
		return base.ChangeResult{}, err
	}
	in := data.ChangeInput{Author: ch.Author, Committer: ch.Committer, Files: ch.Files, Comments: ch.Comments, Revision: ch.Revision,
		WhenTimestamp: ch.WhenTimestamp, Branch: ch.Branch, Category: ch.Category, Properties: ch.Properties,
		Repository: ch.Repository, Codebase: ch.Codebase, Project: ch.Project, Src: ch.Src}
	if ch.Revlink != nil {
		in.Revlink = *ch.Revlink
	}
	id, err := s.data.AddChange(ctx, in, dw...)
	if err != nil {
		return base.ChangeResult{}, err
	}
	return base.ChangeResult{ChangeID: id, StateVersions: versions}, nil
}

// AddBuildset implements HostServices.
func (s *DataServices) AddBuildset(ctx context.Context, ref base.Ref, spec base.BuildsetSpec, writes []base.StateWrite) (base.BuildsetResult, error) {
	builderIDs := make([]int64, 0, len(spec.BuilderNames))
	for _, name := range spec.BuilderNames {
		id, err := s.data.FindBuilderID(ctx, name)
		if err != nil {
			return base.BuildsetResult{}, fmt.Errorf("builder %q: %w", name, err)
		}
		builderIDs = append(builderIDs, id)
	}
	in := data.BuildsetInput{WaitedFor: spec.WaitedFor, Scheduler: spec.Scheduler, Reason: spec.Reason, BuilderIDs: builderIDs,
		ExternalIDString: spec.ExternalID, ParentBuildID: spec.ParentBuildID, ParentRelationship: spec.ParentRelationship,
		Properties: data.SourcedProperties{}}
	for name, p := range spec.Properties {
		in.Properties[name] = [2]any{p.Value, p.Source}
	}
	for _, ss := range spec.SourceStamps {
		if ss.SSID > 0 {
			in.SourceStamps = append(in.SourceStamps, db.SourceStampRef{ID: ss.SSID})
			continue
		}
		sp := &db.SourceStampSpec{Branch: ss.Branch, Revision: ss.Revision, Repository: ss.Repository, Project: ss.Project, Codebase: ss.Codebase}
		if ss.Patch != nil {
			p := ss.Patch
			sp.Patch = &db.PatchSpec{Body: p.Body, Level: p.Level, Author: p.Author, Comment: p.Comment}
			if p.Subdir != "" {
				sub := p.Subdir
				sp.Patch.Subdir = &sub
			}
		}
		in.SourceStamps = append(in.SourceStamps, db.SourceStampRef{Spec: sp})
	}
	unlock := s.lock(writes)
	defer unlock()
	versions, dw, err := s.check(ctx, writes)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	bsid, brids, err := s.data.AddBuildset(ctx, in, dw...)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	return base.BuildsetResult{BSID: bsid, BRIDs: brids, StateVersions: versions}, nil
}

// GetObjectID implements HostServices.
func (s *DataServices) GetObjectID(ctx context.Context, name, className string) (int64, error) {
	return s.data.GetObjectID(ctx, name, className)
}

// GetState implements HostServices.
func (s *DataServices) GetState(ctx context.Context, objectID int64, name string) (base.State, error) {
	v, found, err := s.data.GetState(ctx, objectID, name)
	if err != nil || !found {
		return base.State{}, err
	}
	return base.State{Found: true, Value: v, Version: StateVersion(v)}, nil
}

// SetState implements HostServices.
func (s *DataServices) SetState(ctx context.Context, w base.StateWrite) (int64, error) {
	writes := []base.StateWrite{w}
	unlock := s.lock(writes)
	defer unlock()
	versions, _, err := s.check(ctx, writes)
	if err != nil {
		return 0, err
	}
	if err := s.data.SetState(ctx, w.ObjectID, w.Name, json.RawMessage(w.Value)); err != nil {
		return 0, err
	}
	return versions[0], nil
}

func changeFromEntity(c *data.Change) base.Change {
	props := make(map[string]any, len(c.Properties))
	for k, v := range c.Properties {
		props[k] = v[0]
	}
	ss := sourceStampFromEntity(c.SourceStamp)
	return base.Change{ChangeID: c.ChangeID, Author: c.Author, Committer: c.Committer, Files: c.Files, Comments: c.Comments,
		Revision: c.Revision, WhenTimestamp: c.WhenTimestamp, Branch: c.Branch, Category: c.Category, Revlink: c.Revlink,
		Properties: props, Repository: c.Repository, Project: c.Project, Codebase: c.Codebase, SourceStamp: &ss,
		ParentChangeIDs: c.ParentChangeIDs}
}

func sourceStampFromEntity(s data.SourceStamp) base.SourceStamp {
	out := base.SourceStamp{SSID: s.SSID, Codebase: s.Codebase, Repository: s.Repository, Branch: s.Branch, Revision: s.Revision,
		Project: s.Project, CreatedAt: s.CreatedAt}
	if p := s.Patch; p != nil {
		out.Patch = &base.Patch{PatchID: p.PatchID, Body: p.Body, Level: p.Level, Subdir: p.Subdir, Author: p.Author, Comment: p.Comment}
	}
	return out
}

// GetChange implements HostServices.
func (s *DataServices) GetChange(ctx context.Context, id int64) (base.Change, bool, error) {
	c, err := s.data.GetChange(ctx, id)
	if err != nil || c == nil {
		return base.Change{}, false, err
	}
	return changeFromEntity(c), true, nil
}

// ChangesAfter implements HostServices.
func (s *DataServices) ChangesAfter(ctx context.Context, after int64, limit int) ([]base.Change, error) {
	rows, err := s.db().Query(ctx, "SELECT changeid FROM changes WHERE changeid > $1 ORDER BY changeid LIMIT $2", after, limit)
	if err != nil {
		return nil, fmt.Errorf("changes after %d: %w", after, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("changes after %d: %w", after, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes after %d: %w", after, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	changes, err := s.data.GetChangesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]base.Change, 0, len(changes))
	for _, c := range changes {
		out = append(out, changeFromEntity(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ChangeID < out[j].ChangeID })
	return out, nil
}

// GetBuildset implements HostServices; BRIDs lists the buildset's build
// requests.
func (s *DataServices) GetBuildset(ctx context.Context, bsid int64) (base.Buildset, bool, error) {
	b, err := s.data.GetBuildset(ctx, bsid)
	if err != nil || b == nil {
		return base.Buildset{}, false, err
	}
	out := base.Buildset{BSID: b.BSID, ExternalID: b.ExternalIDString, Reason: b.Reason, SubmittedAt: b.SubmittedAt,
		Complete: b.Complete, CompleteAt: b.CompleteAt, Results: b.Results, ParentBuildID: b.ParentBuildID,
		ParentRelationship: b.ParentRelationship, BRIDs: map[int64]int64{}}
	for _, ss := range b.SourceStamps {
		out.SourceStamps = append(out.SourceStamps, sourceStampFromEntity(ss))
	}
	brs, err := s.db().BuildRequests().List(ctx, db.BuildRequestFilter{BuildsetID: bsid})
	if err != nil {
		return base.Buildset{}, false, err
	}
	for _, br := range brs {
		out.BRIDs[br.BuilderID] = br.ID
	}
	return out, true, nil
}

// FindUserByAttr implements HostServices.
func (s *DataServices) FindUserByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error) {
	return s.db().Users().FindByAttr(ctx, identifier, attrType, attrData)
}

// GetUser implements HostServices.
func (s *DataServices) GetUser(ctx context.Context, uid int64) (base.User, bool, error) {
	u, err := s.db().Users().Get(ctx, uid)
	if err != nil || u == nil {
		return base.User{}, false, err
	}
	return base.User{UID: u.UID, Identifier: u.Identifier, BBUsername: u.BBUsername, BBPassword: u.BBPassword, Attributes: u.Attrs}, true, nil
}

// UpdateUser implements HostServices.
func (s *DataServices) UpdateUser(ctx context.Context, u base.UserUpdate) error {
	return s.db().Users().Update(ctx, db.UserUpdate{UID: u.UID, Identifier: u.Identifier, BBUsername: u.BBUsername,
		BBPassword: u.BBPassword, AttrType: u.AttrType, AttrData: u.AttrData})
}

// RemoveUser implements HostServices.
func (s *DataServices) RemoveUser(ctx context.Context, uid int64) error {
	return s.db().Users().Remove(ctx, uid)
}

// IdentifierToUID implements HostServices.
func (s *DataServices) IdentifierToUID(ctx context.Context, identifier string) (int64, bool, error) {
	uid, err := s.db().Users().IdentifierToUID(ctx, identifier)
	return uid, uid != 0, err
}

func (s *DataServices) serviceID(ctx context.Context, typ base.ComponentType, name string) (int64, error) {
	switch typ {
	case base.TypeScheduler:
		return s.db().Schedulers().FindID(ctx, name)
	case base.TypeChangeSource:
		return s.db().ChangeSources().FindID(ctx, name)
	}
	return 0, fmt.Errorf("%s instances are not claimed", typ)
}

// Claim implements HostServices (scheduler_masters, changesource_masters).
func (s *DataServices) Claim(ctx context.Context, typ base.ComponentType, name string) (bool, error) {
	id, err := s.serviceID(ctx, typ, name)
	if err != nil {
		return false, err
	}
	master := s.masterID()
	if master == 0 {
		return false, errors.New("the master is not registered yet")
	}
	if typ == base.TypeScheduler {
		return s.db().Schedulers().SetMaster(ctx, id, &master)
	}
	return s.db().ChangeSources().SetMaster(ctx, id, &master)
}

// Unclaim implements HostServices.
func (s *DataServices) Unclaim(ctx context.Context, typ base.ComponentType, name string) error {
	id, err := s.serviceID(ctx, typ, name)
	if err != nil {
		return err
	}
	if typ == base.TypeScheduler {
		_, err = s.db().Schedulers().SetMaster(ctx, id, nil)
	} else {
		_, err = s.db().ChangeSources().SetMaster(ctx, id, nil)
	}
	return err
}
