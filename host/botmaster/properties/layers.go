package properties

import (
	"sort"

	"github.com/bbhost/bbhost/host/data"
)

// Layers are the property sources of a build known before it starts, in
// Buildbot's precedence order (later wins; §5.2):
//
//  1. Global: master { properties } (source "Configuration");
//  2. Changes: properties of every change of the build's source stamps (as
//     stored, normally "Change");
//  3. Buildsets: the properties of each request's buildset (as stored:
//     "Scheduler", "Force Build Form", "Trigger"…); this is where
//     scheduler, reason and owner come from;
//  4. builder: buildername (source "Builder"), the builder's properties,
//     then its default_properties where still unset;
//  5. worker: workername and the worker's properties (source "Worker").
type Layers struct {
	Global          map[string]any
	Changes         []data.SourcedProperties
	Buildsets       []data.SourcedProperties
	BuilderName     string
	Builder         map[string]any
	BuilderDefaults map[string]any
	WorkerName      string
	Worker          map[string]any
}

// KnownBeforeStart is Buildbot's setupPropertiesKnownBeforeBuildStarts.
func KnownBeforeStart(l Layers) *Properties {
	p := New()
	p.UpdateFromMap(l.Global, SourceConfiguration)
	for _, c := range l.Changes {
		p.UpdateFromSourced(c)
	}
	for _, b := range l.Buildsets {
		p.UpdateFromSourced(b)
	}
	p.Set("buildername", l.BuilderName, SourceBuilder)
	p.UpdateFromMap(l.Builder, SourceBuilder)
	p.DefaultsFromMap(l.BuilderDefaults, SourceBuilder)
	if l.WorkerName != "" {
		p.Set("workername", l.WorkerName, SourceWorker)
		p.UpdateFromMap(l.Worker, SourceWorker)
	}
	return p
}

// SourceStamp is what SetupBuild needs of a build's source stamp.
type SourceStamp struct {
	Branch     *string
	Revision   *string
	Repository string
	Project    string
	Codebase   string
}

// SetupBuild is Buildbot's setupBuildProperties: buildnumber, and for a build
// with exactly one source stamp its branch, revision, repository, codebase and
// project (source "Build"; a nil branch or revision is None).
func SetupBuild(p *Properties, number int64, sources []SourceStamp) {
	p.Set("buildnumber", number, SourceBuild)
	if len(sources) != 1 {
		return
	}
	ss := sources[0]
	p.Set("branch", strOrNil(ss.Branch), SourceBuild)
	p.Set("revision", strOrNil(ss.Revision), SourceBuild)
	p.Set("repository", ss.Repository, SourceBuild)
	p.Set("codebase", ss.Codebase, SourceBuild)
	p.Set("project", ss.Project, SourceBuild)
}

// SetOwners sets `owners` (source "Build") to the sorted union of the change
// authors, patch authors and the requests' `owner` properties, when there is
// any (Buildbot's Build.setupBuild).
func SetOwners(p *Properties, authors []string, requestOwners []any) {
	set := map[string]struct{}{}
	for _, a := range authors {
		set[a] = struct{}{}
	}
	for _, o := range requestOwners {
		if s, ok := o.(string); ok {
			set[s] = struct{}{}
		}
	}
	if len(set) == 0 {
		return
	}
	owners := make([]string, 0, len(set))
	for o := range set {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	list := make([]any, len(owners))
	for i, o := range owners {
		list[i] = o
	}
	p.Set("owners", list, SourceBuild)
}

func strOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
