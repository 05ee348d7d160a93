package changes

import (
	"encoding/json"
	"fmt"
	"sort"
)

// StateName is the state value holding a scheduler's cursor and
// classified changes.
const StateName = "scheduler_changes"

// State is a change-driven scheduler's durable progress: the last change
// it looked at and the changes it classified but has not built yet
// (Buildbot's scheduler_changes rows).
type State struct {
	// Cursor is the highest change id handled.
	Cursor int64 `json:"cursor"`
	// Classified are the changes waiting for a buildset, by change id.
	Classified []Classified `json:"classified"`
}

// Classified is one classified change: [changeid, important] in JSON.
type Classified struct {
	ChangeID  int64
	Important bool
}

// MarshalJSON writes [changeid, important].
func (c Classified) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{c.ChangeID, c.Important})
}

// UnmarshalJSON reads [changeid, important].
func (c *Classified) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("classified change: want [changeid, important], got %s", b)
	}
	if err := json.Unmarshal(pair[0], &c.ChangeID); err != nil {
		return err
	}
	return json.Unmarshal(pair[1], &c.Important)
}

// With returns a copy with the change classified (replacing an earlier
// classification of it) and the cursor moved to it.
func (s State) With(changeID int64, important bool) State {
	out := State{Cursor: max(s.Cursor, changeID)}
	for _, c := range s.Classified {
		if c.ChangeID != changeID {
			out.Classified = append(out.Classified, c)
		}
	}
	out.Classified = append(out.Classified, Classified{ChangeID: changeID, Important: important})
	sort.Slice(out.Classified, func(i, j int) bool { return out.Classified[i].ChangeID < out.Classified[j].ChangeID })
	return out
}

// At returns a copy with the cursor moved to changeID.
func (s State) At(changeID int64) State {
	s.Classified = append([]Classified(nil), s.Classified...)
	s.Cursor = max(s.Cursor, changeID)
	return s
}

// Without returns a copy without the classifications of ids (Buildbot
// flushes the changes a buildset took).
func (s State) Without(ids []int64) State {
	drop := make(map[int64]bool, len(ids))
	for _, id := range ids {
		drop[id] = true
	}
	out := State{Cursor: s.Cursor}
	for _, c := range s.Classified {
		if !drop[c.ChangeID] {
			out.Classified = append(out.Classified, c)
		}
	}
	return out
}

// IDs returns the classified change ids, ascending.
func (s State) IDs() []int64 {
	out := make([]int64, len(s.Classified))
	for i, c := range s.Classified {
		out[i] = c.ChangeID
	}
	return out
}

// AnyImportant reports whether an important change is classified.
func (s State) AnyImportant() bool {
	for _, c := range s.Classified {
		if c.Important {
			return true
		}
	}
	return false
}
