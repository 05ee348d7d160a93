package data

import (
	"context"
)

const buildSelect = `SELECT builds.id, builds.number, builds.builderid, builds.buildrequestid,
 builds.workerid, builds.masterid, builds.started_at, builds.complete_at, builds.state_string,
 builds.results FROM builds`

var buildCols = map[string]sqlCol{
	"buildid":        col("builds.id", KindInteger),
	"number":         col("builds.number", KindInteger),
	"builderid":      col("builds.builderid", KindInteger),
	"buildrequestid": col("builds.buildrequestid", KindInteger),
	"workerid":       ncol("builds.workerid", KindInteger),
	"masterid":       col("builds.masterid", KindInteger),
	"started_at":     col("builds.started_at", KindDateTime),
	"complete":       col("(CASE WHEN builds.complete_at IS NULL THEN 0 ELSE 1 END)", KindBoolean),
	"complete_at":    ncol("builds.complete_at", KindDateTime),
	"results":        ncol("builds.results", KindInteger),
	"state_string":   col("builds.state_string", KindString),
}

func scanBuild(s rowScanner) (*Build, error) {
	var b Build
	// Nullable columns scan straight into the pointer fields (nil for NULL).
	if err := s.Scan(&b.BuildID, &b.Number, &b.BuilderID, &b.BuildRequestID, &b.WorkerID, &b.MasterID,
		&b.StartedAt, &b.CompleteAt, &b.StateString, &b.Results); err != nil {
		return nil, err
	}
	b.Complete = b.CompleteAt != nil
	b.Properties = SourcedProperties{} // Buildbot answers {} unless properties are asked for
	return &b, nil
}

func (a *API) buildEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtBuild, patterns: []string{
			"/builds/n:buildid",
			"/builders/n:builderid/builds/n:number",
			"/builders/i:buildername/builds/n:number",
		}, get: getBuild},
		{rtype: rtBuild, collection: true, patterns: []string{
			"/builds",
			"/builders/n:builderid/builds",
			"/builders/i:buildername/builds",
			"/buildrequests/n:buildrequestid/builds",
			"/changes/n:changeid/builds",
			"/workers/n:workerid/builds",
		}, get: getBuilds},
	}
}

func getBuild(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
	q := newQuery(a.db.Dialect(), buildSelect)
	if id, ok := args.Int("buildid"); ok {
		q.and("builds.id = " + q.arg(id))
	} else {
		bid, ok, err := a.builderArg(ctx, args)
		if err != nil || !ok {
			return nil, err
		}
		num, _ := args.Int("number")
		q.and("builds.builderid = " + q.arg(bid))
		q.and("builds.number = " + q.arg(num))
	}
	b, ok, err := selectOne(ctx, a, q, scanBuild)
	if err != nil || !ok {
		return nil, err
	}
	if rs.Properties != nil {
		if err := a.addBuildProperties(ctx, []*Build{b}, rs.Properties); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func getBuilds(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
	q := newQuery(a.db.Dialect(), buildSelect)
	switch {
	case args.Has("builderid") || args.Has("buildername"):
		bid, ok, err := a.builderArg(ctx, args)
		if err != nil {
			return nil, err
		}
		if !ok {
			return []any{}, nil
		}
		q.and("builds.builderid = " + q.arg(bid))
	case args.Has("buildrequestid"):
		id, _ := args.Int("buildrequestid")
		q.and("builds.buildrequestid = " + q.arg(id))
	case args.Has("workerid"):
		id, _ := args.Int("workerid")
		q.and("builds.workerid = " + q.arg(id))
	case args.Has("changeid"):
		id, _ := args.Int("changeid")
		q.and(`builds.buildrequestid IN (SELECT br.id FROM changes c
 JOIN buildset_sourcestamps bss ON bss.sourcestampid = c.sourcestampid
 JOIN buildrequests br ON br.buildsetid = bss.buildsetid
 WHERE c.changeid = ` + q.arg(id) + `)`)
	}
	q.push(rs, buildCols, "builds.id", false)
	builds, err := queryAll(ctx, a, q, scanBuild)
	if err != nil {
		return nil, err
	}
	if rs.Properties != nil && len(builds) > 0 {
		if err := a.addBuildProperties(ctx, builds, rs.Properties); err != nil {
			return nil, err
		}
	}
	return toAny(builds), nil
}

// addBuildProperties sets the asked-for properties of builds ("*" = all),
// with one query for the whole page. A build without any keeps {}.
func (a *API) addBuildProperties(ctx context.Context, builds []*Build, names []string) error {
	if len(names) == 0 {
		return nil
	}
	byID := make(map[int64]*Build, len(builds))
	ids := make([]int64, len(builds))
	for i, b := range builds {
		byID[b.BuildID] = b
		ids[i] = b.BuildID
	}
	props, err := a.loadProperties(ctx, "build_properties", "buildid", ids, names)
	if err != nil {
		return err
	}
	for id, p := range props {
		if b := byID[id]; b != nil && len(p) > 0 {
			b.Properties = p
		}
	}
	return nil
}
