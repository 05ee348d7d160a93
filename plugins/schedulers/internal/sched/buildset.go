package sched

import (
	"sort"

	"github.com/bbhost/bbhost/sdk/base"
)

// DefaultStamp is the source stamp of a codebase without changes: its
// configured repository, branch and revision, and an empty project.
func DefaultStamp(cb Codebase) base.SourceStamp {
	return base.SourceStamp{Codebase: cb.Name, Repository: cb.Repository, Branch: cb.Branch, Revision: cb.Revision}
}

// StampsWithDefaults is Buildbot's addBuildsetForSourceStampsWithDefaults:
// one stamp per configured codebase (in order), the given stamp's fields
// laid over the codebase's defaults (set reports which fields a given stamp
// carries; nil means all of them), then the given stamps of codebases not
// configured, with only their repository, branch and revision kept.
func StampsWithDefaults(cbs Codebases, defaults func(Codebase) base.SourceStamp, stamps []GivenStamp) []base.SourceStamp {
	if defaults == nil {
		defaults = DefaultStamp
	}
	byCodebase := map[string]GivenStamp{}
	for _, s := range stamps {
		byCodebase[s.Stamp.Codebase] = s
	}
	out := make([]base.SourceStamp, 0, len(cbs)+len(stamps))
	for _, cb := range cbs {
		ss := defaults(cb)
		if g, ok := byCodebase[cb.Name]; ok {
			ss = g.over(ss)
		}
		out = append(out, ss)
	}
	var extra []string
	for name := range byCodebase {
		if !cbs.Has(name) {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		g := byCodebase[name]
		out = append(out, base.SourceStamp{Codebase: name, Repository: g.Stamp.Repository, Branch: g.Stamp.Branch, Revision: g.Stamp.Revision})
	}
	return out
}

// GivenStamp is a partial source stamp (a dict in Buildbot): Stamp holds
// the values and Fields names the ones given ("repository", "branch",
// "revision", "project", "patch"); a nil Fields means every field.
type GivenStamp struct {
	Stamp  base.SourceStamp
	Fields map[string]bool
}

func (g GivenStamp) has(f string) bool { return g.Fields == nil || g.Fields[f] }

func (g GivenStamp) over(ss base.SourceStamp) base.SourceStamp {
	if g.has("repository") {
		ss.Repository = g.Stamp.Repository
	}
	if g.has("branch") {
		ss.Branch = g.Stamp.Branch
	}
	if g.has("revision") {
		ss.Revision = g.Stamp.Revision
	}
	if g.has("project") {
		ss.Project = g.Stamp.Project
	}
	if g.has("patch") {
		ss.Patch = g.Stamp.Patch
	}
	return ss
}

// StampsForChanges is Buildbot's addBuildsetForChanges: for each configured
// codebase, sorted by name, the source stamp of its highest-numbered
// change, else the codebase's default stamp (from defaults, DefaultStamp
// when nil). It also returns the changes whose stamps were used, whose
// properties go on the buildset.
func StampsForChanges(cbs Codebases, defaults func(Codebase) base.SourceStamp, changes []base.Change) ([]base.SourceStamp, []base.Change) {
	if defaults == nil {
		defaults = DefaultStamp
	}
	last := map[string]base.Change{}
	for _, ch := range changes {
		if cur, ok := last[ch.Codebase]; !ok || ch.ChangeID > cur.ChangeID {
			last[ch.Codebase] = ch
		}
	}
	var stamps []base.SourceStamp
	var used []base.Change
	for _, cb := range cbs.Sorted() {
		ch, ok := last[cb.Name]
		if !ok {
			stamps = append(stamps, defaults(cb))
			continue
		}
		stamps = append(stamps, ChangeStamp(ch))
		used = append(used, ch)
	}
	return stamps, used
}

// ChangeStamp returns the source stamp a change belongs to.
func ChangeStamp(ch base.Change) base.SourceStamp {
	if ch.SourceStamp != nil {
		return *ch.SourceStamp
	}
	return base.SourceStamp{Codebase: ch.Codebase, Repository: ch.Repository, Branch: ch.Branch, Revision: ch.Revision, Project: ch.Project}
}
