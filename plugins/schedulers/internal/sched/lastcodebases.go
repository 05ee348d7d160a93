package sched

import "github.com/bbhost/bbhost/sdk/base"

// StateLastCodebases is the state key of LastCodebases, as Buildbot names it.
const StateLastCodebases = "lastCodebases"

// LastCodebase is the last change seen on a codebase.
type LastCodebase struct {
	Repository string  `json:"repository"`
	Branch     *string `json:"branch"`
	Revision   *string `json:"revision"`
	LastChange int64   `json:"lastChange"`
}

// LastCodebases is Buildbot's lastCodebases state, kept for
// create_absolute_source_stamps: the last change seen per codebase.
type LastCodebases map[string]LastCodebase

// Stamp is getCodebaseDict: the last change seen on cb when absolute is
// set and there is one, else cb's configured defaults.
func (l LastCodebases) Stamp(cb Codebase, absolute bool) base.SourceStamp {
	if absolute {
		if last, ok := l[cb.Name]; ok {
			return base.SourceStamp{Codebase: cb.Name, Repository: last.Repository, Branch: last.Branch, Revision: last.Revision}
		}
	}
	return DefaultStamp(cb)
}

// Record returns a copy of l with ch as its codebase's last change, and
// false when ch is not newer than what l holds (l is then returned as is).
func (l LastCodebases) Record(ch base.Change) (LastCodebases, bool) {
	if last, ok := l[ch.Codebase]; ok && ch.ChangeID <= last.LastChange {
		return l, false
	}
	m := make(LastCodebases, len(l)+1)
	for k, v := range l {
		m[k] = v
	}
	m[ch.Codebase] = LastCodebase{Repository: ch.Repository, Branch: ch.Branch, Revision: ch.Revision, LastChange: ch.ChangeID}
	return m, true
}
