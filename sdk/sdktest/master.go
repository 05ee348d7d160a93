package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
)

// Master is a fake master implementing base.HostServer in memory. It
// enforces what the real one does that components rely on: state writes are
// compare-and-set and applied atomically with the change or buildset they
// come with, and calls from a stale generation are refused.
type Master struct {
	mu        sync.Mutex
	changed   *sync.Cond
	changes   []base.Change
	buildsets []base.Buildset
	objects   map[[2]string]int64
	state     map[stateKey]base.State
	users     map[int64]*base.User
	gens      map[base.ID]int64
	subs      map[*subscription]struct{}
	nextBRID  int64
	// BuilderIDs maps builder names to ids for AddBuildset; unknown names
	// get new ids.
	BuilderIDs map[string]int64
}

type stateKey struct {
	obj  int64
	name string
}

// NewMaster returns an empty fake master.
func NewMaster() *Master {
	m := &Master{objects: map[[2]string]int64{}, state: map[stateKey]base.State{}, users: map[int64]*base.User{},
		gens: map[base.ID]int64{}, subs: map[*subscription]struct{}{}, BuilderIDs: map[string]int64{}}
	m.changed = sync.NewCond(&m.mu)
	return m
}

// SetGeneration records the current generation of an instance; calls with
// an older one fail with base.ErrStale. The Harness calls it on Configure.
func (m *Master) SetGeneration(ref base.Ref) {
	m.mu.Lock()
	m.gens[ref.ID()] = ref.Generation
	m.mu.Unlock()
}

func (m *Master) checkLocked(ref base.Ref) error {
	if g, ok := m.gens[ref.ID()]; ok && ref.Generation < g {
		return fmt.Errorf("%s generation %d (current %d): %w", ref, ref.Generation, g, base.ErrStale)
	}
	return nil
}

// applyLocked checks every write, then applies them all.
func (m *Master) applyLocked(writes []base.StateWrite) ([]int64, error) {
	for _, w := range writes {
		cur := m.state[stateKey{w.ObjectID, w.Name}]
		if !w.Unconditional && cur.Version != w.ExpectedVersion {
			return nil, fmt.Errorf("%s of object %d: version %d, expected %d: %w", w.Name, w.ObjectID, cur.Version, w.ExpectedVersion, base.ErrStateConflict)
		}
		if !json.Valid(w.Value) {
			return nil, fmt.Errorf("%s of object %d: value is not JSON", w.Name, w.ObjectID)
		}
	}
	versions := make([]int64, len(writes))
	for i, w := range writes {
		k := stateKey{w.ObjectID, w.Name}
		cur := m.state[k]
		m.state[k] = base.State{Found: true, Value: append(json.RawMessage(nil), w.Value...), Version: cur.Version + 1}
		versions[i] = cur.Version + 1
	}
	return versions, nil
}

// AddChange records a change.
func (m *Master) AddChange(ctx context.Context, ref base.Ref, ch base.Change, writes []base.StateWrite) (base.ChangeResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkLocked(ref); err != nil {
		return base.ChangeResult{}, err
	}
	versions, err := m.applyLocked(writes)
	if err != nil {
		return base.ChangeResult{}, err
	}
	id := m.addChangeLocked(ch)
	return base.ChangeResult{ChangeID: id, StateVersions: versions}, nil
}

func (m *Master) addChangeLocked(ch base.Change) int64 {
	ch.ChangeID = int64(len(m.changes) + 1)
	if ch.WhenTimestamp == 0 {
		ch.WhenTimestamp = time.Now().Unix()
	}
	ss := base.SourceStamp{SSID: ch.ChangeID, Codebase: ch.Codebase, Repository: ch.Repository, Branch: ch.Branch,
		Revision: ch.Revision, Project: ch.Project, CreatedAt: ch.WhenTimestamp}
	ch.SourceStamp = &ss
	m.changes = append(m.changes, ch)
	c := ch
	m.publishLocked(base.Event{Kind: base.EventChange, Change: &c})
	m.changed.Broadcast()
	return ch.ChangeID
}

// InjectChange adds a change as if another change source had (for
// scheduler tests) and returns its id.
func (m *Master) InjectChange(ch base.Change) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addChangeLocked(ch)
}

// AddBuildset records a buildset with one build request per builder.
func (m *Master) AddBuildset(ctx context.Context, ref base.Ref, spec base.BuildsetSpec, writes []base.StateWrite) (base.BuildsetResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkLocked(ref); err != nil {
		return base.BuildsetResult{}, err
	}
	if len(spec.BuilderNames) == 0 {
		return base.BuildsetResult{}, errors.New("buildset without builders")
	}
	versions, err := m.applyLocked(writes)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	bs := base.Buildset{BSID: int64(len(m.buildsets) + 1), ExternalID: spec.ExternalID, Reason: spec.Reason,
		SubmittedAt: time.Now().Unix(), SourceStamps: spec.SourceStamps, ParentBuildID: spec.ParentBuildID,
		ParentRelationship: spec.ParentRelationship, Scheduler: spec.Scheduler, BRIDs: map[int64]int64{}}
	if bs.Scheduler == "" {
		bs.Scheduler = ref.Name
	}
	for _, b := range spec.BuilderNames {
		id, ok := m.BuilderIDs[b]
		if !ok {
			id = int64(len(m.BuilderIDs) + 1)
			m.BuilderIDs[b] = id
		}
		m.nextBRID++
		bs.BRIDs[id] = m.nextBRID
	}
	m.buildsets = append(m.buildsets, bs)
	c := bs
	m.publishLocked(base.Event{Kind: base.EventBuildsetNew, Buildset: &c})
	m.changed.Broadcast()
	return base.BuildsetResult{BSID: bs.BSID, BRIDs: bs.BRIDs, StateVersions: versions}, nil
}

// CompleteBuildset marks a buildset complete with results and publishes
// the completion event.
func (m *Master) CompleteBuildset(bsid int64, results int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bsid < 1 || bsid > int64(len(m.buildsets)) {
		return fmt.Errorf("no buildset %d", bsid)
	}
	bs := &m.buildsets[bsid-1]
	now := time.Now().Unix()
	bs.Complete, bs.CompleteAt, bs.Results = true, &now, &results
	c := *bs
	m.publishLocked(base.Event{Kind: base.EventBuildsetComplete, Buildset: &c})
	m.changed.Broadcast()
	return nil
}

// GetObjectID finds or creates an object id.
func (m *Master) GetObjectID(ctx context.Context, ref base.Ref, name, className string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{name, className}
	id, ok := m.objects[k]
	if !ok {
		id = int64(len(m.objects) + 1)
		m.objects[k] = id
	}
	return id, nil
}

// GetState reads a state value.
func (m *Master) GetState(ctx context.Context, ref base.Ref, objectID int64, name string) (base.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state[stateKey{objectID, name}], nil
}

// SetState writes a state value.
func (m *Master) SetState(ctx context.Context, ref base.Ref, w base.StateWrite) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkLocked(ref); err != nil {
		return 0, err
	}
	v, err := m.applyLocked([]base.StateWrite{w})
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// GetChange loads a change.
func (m *Master) GetChange(ctx context.Context, ref base.Ref, id int64) (base.Change, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || id > int64(len(m.changes)) {
		return base.Change{}, false, nil
	}
	return m.changes[id-1], true, nil
}

// GetBuildset loads a buildset.
func (m *Master) GetBuildset(ctx context.Context, ref base.Ref, bsid int64) (base.Buildset, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bsid < 1 || bsid > int64(len(m.buildsets)) {
		return base.Buildset{}, false, nil
	}
	return m.buildsets[bsid-1], true, nil
}

// FindUserByAttr finds or creates a user with the attribute.
func (m *Master) FindUserByAttr(ctx context.Context, ref base.Ref, identifier, attrType, attrData string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.users {
		if u.Attributes[attrType] == attrData {
			return u.UID, nil
		}
	}
	uid := int64(len(m.users) + 1)
	m.users[uid] = &base.User{UID: uid, Identifier: identifier, Attributes: map[string]string{attrType: attrData}}
	return uid, nil
}

// GetUser loads a user.
func (m *Master) GetUser(ctx context.Context, ref base.Ref, uid int64) (base.User, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[uid]
	if !ok {
		return base.User{}, false, nil
	}
	c := *u
	c.Attributes = map[string]string{}
	for k, v := range u.Attributes {
		c.Attributes[k] = v
	}
	return c, true, nil
}

// UpdateUser changes a user.
func (m *Master) UpdateUser(ctx context.Context, ref base.Ref, up base.UserUpdate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[up.UID]
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

// RemoveUser deletes a user.
func (m *Master) RemoveUser(ctx context.Context, ref base.Ref, uid int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, uid)
	return nil
}

// IdentifierToUID finds a user by identifier.
func (m *Master) IdentifierToUID(ctx context.Context, ref base.Ref, identifier string) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]int64, 0, len(m.users))
	for id := range m.users {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if m.users[id].Identifier == identifier {
			return id, true, nil
		}
	}
	return 0, false, nil
}

// Changes returns the recorded changes.
func (m *Master) Changes() []base.Change {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]base.Change(nil), m.changes...)
}

// Buildsets returns the recorded buildsets.
func (m *Master) Buildsets() []base.Buildset {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]base.Buildset(nil), m.buildsets...)
}

// State returns the state value name of object (objectName, className).
func (m *Master) State(objectName, className, name string) (base.State, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.objects[[2]string{objectName, className}]
	if !ok {
		return base.State{}, false
	}
	st, ok := m.state[stateKey{id, name}]
	return st, ok
}

// WaitChanges waits until at least n changes are recorded and returns them;
// it fails the test after timeout.
func (m *Master) WaitChanges(t testing.TB, n int, timeout time.Duration) []base.Change {
	t.Helper()
	if !m.wait(timeout, func() bool { return len(m.changes) >= n }) {
		t.Fatalf("waited %s for %d changes, have %d", timeout, n, len(m.Changes()))
	}
	return m.Changes()
}

// WaitBuildsets waits until at least n buildsets are recorded.
func (m *Master) WaitBuildsets(t testing.TB, n int, timeout time.Duration) []base.Buildset {
	t.Helper()
	if !m.wait(timeout, func() bool { return len(m.buildsets) >= n }) {
		t.Fatalf("waited %s for %d buildsets, have %d", timeout, n, len(m.Buildsets()))
	}
	return m.Buildsets()
}

func (m *Master) wait(timeout time.Duration, cond func() bool) bool {
	timer := time.AfterFunc(timeout, func() {
		m.mu.Lock()
		m.changed.Broadcast()
		m.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	m.mu.Lock()
	defer m.mu.Unlock()
	for !cond() {
		if !time.Now().Before(deadline) {
			return false
		}
		m.changed.Wait()
	}
	return true
}

var _ base.HostServer = (*Master)(nil)
