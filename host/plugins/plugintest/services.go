package plugintest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/sdk/base"
)

// Services is an in-memory plugins.HostServices. State versions are as the
// data adapter computes them (a hash of the stored JSON), changes publish
// changes.N.new and buildsets buildsets.N.new on MQ.
type Services struct {
	MQ mq.MQ

	mu        sync.Mutex
	changes   []base.Change
	buildsets []base.Buildset
	objects   map[[2]string]int64
	state     map[stateKey]json.RawMessage
	users     map[int64]*base.User
	claims    map[string]bool
	elsewhere map[string]bool
	// Fail, when set, is returned by AddChange (to test failures).
	Fail error
	// BuilderIDs maps builder names to ids; new names get new ids.
	BuilderIDs map[string]int64
	nextBRID   int64
	arrivals   []time.Time
}

type stateKey struct {
	obj  int64
	name string
}

// NewServices returns empty services publishing on m (a new mq.Simple when
// nil).
func NewServices(m mq.MQ) *Services {
	if m == nil {
		m = mq.NewSimple()
	}
	return &Services{MQ: m, objects: map[[2]string]int64{}, state: map[stateKey]json.RawMessage{},
		users: map[int64]*base.User{}, claims: map[string]bool{}, elsewhere: map[string]bool{}, BuilderIDs: map[string]int64{}}
}

// Version is the version of a stored state value, as the data adapter
// computes it (plugins.StateVersion).
func Version(v json.RawMessage) int64 { return plugins.StateVersion(v) }

func (s *Services) checkLocked(writes []base.StateWrite) error {
	for _, w := range writes {
		cur, ok := s.state[stateKey{w.ObjectID, w.Name}]
		var v int64
		if ok {
			v = Version(cur)
		}
		if !w.Unconditional && v != w.ExpectedVersion {
			return fmt.Errorf("state %q of object %d: %w", w.Name, w.ObjectID, base.ErrStateConflict)
		}
		if !json.Valid(w.Value) {
			return fmt.Errorf("state %q: not JSON", w.Name)
		}
	}
	return nil
}

func (s *Services) applyLocked(writes []base.StateWrite) []int64 {
	out := make([]int64, len(writes))
	for i, w := range writes {
		v := append(json.RawMessage(nil), w.Value...)
		s.state[stateKey{w.ObjectID, w.Name}] = v
		out[i] = Version(v)
	}
	return out
}

func (s *Services) AddChange(ctx context.Context, ref base.Ref, ch base.Change, writes []base.StateWrite) (base.ChangeResult, error) {
	s.mu.Lock()
	if s.Fail != nil {
		s.mu.Unlock()
		return base.ChangeResult{}, s.Fail
	}
	if err := s.checkLocked(writes); err != nil {
		s.mu.Unlock()
		return base.ChangeResult{}, err
	}
	versions := s.applyLocked(writes)
	ch.ChangeID = int64(len(s.changes) + 1)
	if ch.WhenTimestamp == 0 {
		ch.WhenTimestamp = time.Now().Unix()
	}
	ss := base.SourceStamp{SSID: ch.ChangeID, Codebase: ch.Codebase, Repository: ch.Repository, Branch: ch.Branch, Revision: ch.Revision, Project: ch.Project}
	ch.SourceStamp = &ss
	s.changes = append(s.changes, ch)
	s.arrivals = append(s.arrivals, time.Now())
	id := ch.ChangeID
	s.mu.Unlock()
	s.MQ.Produce(mq.Key{"changes", strconv.FormatInt(id, 10), "new"}, ch)
	return base.ChangeResult{ChangeID: id, StateVersions: versions}, nil
}

func (s *Services) AddBuildset(ctx context.Context, ref base.Ref, spec base.BuildsetSpec, writes []base.StateWrite) (base.BuildsetResult, error) {
	s.mu.Lock()
	if err := s.checkLocked(writes); err != nil {
		s.mu.Unlock()
		return base.BuildsetResult{}, err
	}
	versions := s.applyLocked(writes)
	bs := base.Buildset{BSID: int64(len(s.buildsets) + 1), Reason: spec.Reason, SubmittedAt: time.Now().Unix(), SourceStamps: spec.SourceStamps,
		ExternalID: spec.ExternalID, ParentBuildID: spec.ParentBuildID, ParentRelationship: spec.ParentRelationship, Scheduler: spec.Scheduler,
		BRIDs: map[int64]int64{}}
	for _, b := range spec.BuilderNames {
		id, ok := s.BuilderIDs[b]
		if !ok {
			id = int64(len(s.BuilderIDs) + 1)
			s.BuilderIDs[b] = id
		}
		s.nextBRID++
		bs.BRIDs[id] = s.nextBRID
	}
	s.buildsets = append(s.buildsets, bs)
	s.mu.Unlock()
	s.MQ.Produce(mq.Key{"buildsets", strconv.FormatInt(bs.BSID, 10), "new"}, bs)
	return base.BuildsetResult{BSID: bs.BSID, BRIDs: bs.BRIDs, StateVersions: versions}, nil
}

// CompleteBuildset completes a buildset and publishes buildsets.N.complete.
func (s *Services) CompleteBuildset(bsid int64, results int) error {
	s.mu.Lock()
	if bsid < 1 || bsid > int64(len(s.buildsets)) {
		s.mu.Unlock()
		return errors.New("no such buildset")
	}
	b := &s.buildsets[bsid-1]
	now := time.Now().Unix()
	b.Complete, b.CompleteAt, b.Results = true, &now, &results
	c := *b
	s.mu.Unlock()
	s.MQ.Produce(mq.Key{"buildsets", strconv.FormatInt(bsid, 10), "complete"}, c)
	return nil
}

func (s *Services) GetObjectID(ctx context.Context, name, className string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{name, className}
	if id, ok := s.objects[k]; ok {
		return id, nil
	}
	id := int64(len(s.objects) + 1)
	s.objects[k] = id
	return id, nil
}

func (s *Services) GetState(ctx context.Context, objectID int64, name string) (base.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.state[stateKey{objectID, name}]
	if !ok {
		return base.State{}, nil
	}
	return base.State{Found: true, Value: append(json.RawMessage(nil), v...), Version: Version(v)}, nil
}

func (s *Services) SetState(ctx context.Context, w base.StateWrite) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkLocked([]base.StateWrite{w}); err != nil {
		return 0, err
	}
	return s.applyLocked([]base.StateWrite{w})[0], nil
}

// State returns a state value by object (name, class) and value name.
func (s *Services) State(object, class, name string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.objects[[2]string{object, class}]
	if !ok {
		return nil, false
	}
	v, ok := s.state[stateKey{id, name}]
	return v, ok
}

func (s *Services) GetChange(ctx context.Context, id int64) (base.Change, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.changes)) {
		return base.Change{}, false, nil
	}
	return s.changes[id-1], true, nil
}

func (s *Services) ChangesAfter(ctx context.Context, after int64, limit int) ([]base.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []base.Change
	for _, c := range s.changes {
		if c.ChangeID > after {
			out = append(out, c)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (s *Services) GetBuildset(ctx context.Context, bsid int64) (base.Buildset, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bsid < 1 || bsid > int64(len(s.buildsets)) {
		return base.Buildset{}, false, nil
	}
	return s.buildsets[bsid-1], true, nil
}

func (s *Services) FindUserByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Attributes[attrType] == attrData {
			return u.UID, nil
		}
	}
	uid := int64(len(s.users) + 1)
	s.users[uid] = &base.User{UID: uid, Identifier: identifier, Attributes: map[string]string{attrType: attrData}}
	return uid, nil
}

func (s *Services) GetUser(ctx context.Context, uid int64) (base.User, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[uid]
	if !ok {
		return base.User{}, false, nil
	}
	return *u, true, nil
}

func (s *Services) UpdateUser(ctx context.Context, up base.UserUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[up.UID]
	if !ok {
		return fmt.Errorf("no user %d", up.UID)
	}
	if up.Identifier != nil {
		u.Identifier = *up.Identifier
	}
	if up.BBUsername != nil {
		u.BBUsername = up.BBUsername
	}
	if up.BBPassword != nil {
		u.BBPassword = up.BBPassword
	}
	if up.AttrType != nil && up.AttrData != nil {
		u.Attributes[*up.AttrType] = *up.AttrData
	}
	return nil
}

func (s *Services) RemoveUser(ctx context.Context, uid int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, uid)
	return nil
}

func (s *Services) IdentifierToUID(ctx context.Context, identifier string) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if s.users[id].Identifier == identifier {
			return id, true, nil
		}
	}
	return 0, false, nil
}

func (s *Services) Claim(ctx context.Context, typ base.ComponentType, name string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(typ) + "/" + name
	if s.elsewhere[k] {
		return false, nil
	}
	s.claims[k] = true
	return true, nil
}

func (s *Services) Unclaim(ctx context.Context, typ base.ComponentType, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.claims, string(typ)+"/"+name)
	return nil
}

// SetClaimedElsewhere says whether another master runs typ/name (Claim
// then fails).
func (s *Services) SetClaimedElsewhere(typ base.ComponentType, name string, elsewhere bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.elsewhere[string(typ)+"/"+name] = elsewhere
}

// Claimed reports whether this master holds the claim on typ/name.
func (s *Services) Claimed(typ base.ComponentType, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claims[string(typ)+"/"+name]
}

// Changes returns the changes added so far.
func (s *Services) Changes() []base.Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]base.Change(nil), s.changes...)
}

// Buildsets returns the buildsets added so far.
func (s *Services) Buildsets() []base.Buildset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]base.Buildset(nil), s.buildsets...)
}

var _ plugins.HostServices = (*Services)(nil)

// Arrivals returns when each change was added, in order.
func (s *Services) Arrivals() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.arrivals...)
}
