package data

import (
	"context"
	"database/sql"
)

const changeSelect = `SELECT changes.changeid, changes.author, changes.committer, changes.comments,
 changes.branch, changes.revision, changes.revlink, changes.when_timestamp, changes.category,
 changes.repository, changes.codebase, changes.project, changes.sourcestampid, changes.parent_changeids
 FROM changes`

var changeCols = map[string]sqlCol{
	"changeid":       col("changes.changeid", KindInteger),
	"author":         col("changes.author", KindString),
	"committer":      ncol("changes.committer", KindString),
	"comments":       col("changes.comments", KindString),
	"revision":       ncol("changes.revision", KindString),
	"when_timestamp": col("changes.when_timestamp", KindInteger),
	"branch":         ncol("changes.branch", KindString),
	"category":       ncol("changes.category", KindString),
	"revlink":        ncol("changes.revlink", KindString),
	"repository":     col("changes.repository", KindString),
	"project":        col("changes.project", KindString),
	"codebase":       col("changes.codebase", KindString),
}

type changeRow struct {
	c    *Change
	ssid int64
}

func scanChange(s rowScanner) (changeRow, error) {
	var r changeRow
	c := &Change{}
	var committer, branch, revision, revlink, category sql.NullString
	var parent sql.NullInt64
	if err := s.Scan(&c.ChangeID, &c.Author, &committer, &c.Comments, &branch, &revision, &revlink,
		&c.WhenTimestamp, &category, &c.Repository, &c.Codebase, &c.Project, &r.ssid, &parent); err != nil {
		return r, err
	}
	c.Committer, c.Branch, c.Revision = strP(committer), strP(branch), strP(revision)
	c.Revlink, c.Category = strP(revlink), strP(category)
	c.ParentChangeIDs = []int64{}
	if parent.Valid {
		c.ParentChangeIDs = append(c.ParentChangeIDs, parent.Int64)
	}
	c.Files, c.Properties = []string{}, SourcedProperties{}
	r.c = c
	return r, nil
}

func (a *API) changeEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtChange, patterns: []string{"/changes/n:changeid"},
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				id, _ := args.Int("changeid")
				q := newQuery(a.db.Dialect(), changeSelect)
				q.and("changes.changeid = " + q.arg(id))
				cs, err := a.changes(ctx, q)
				if err != nil || len(cs) == 0 {
					return nil, err
				}
				return cs[0], nil
			}},
		{rtype: rtChange, collection: true, patterns: []string{
			"/changes",
			"/builders/n:builderid/builds/n:build_number/changes",
			"/builds/n:buildid/changes",
			"/sourcestamps/n:ssid/changes",
		}, get: getChanges},
	}
}

// getChanges answers /changes newest first (Buildbot 3.7 reverses its
// ascending query when no order is given), a source stamp's latest change,
// or the changes a build brought (getChangesForBuild).
func getChanges(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
	q := newQuery(a.db.Dialect(), changeSelect)
	switch {
	case args.Has("ssid"):
		id, _ := args.Int("ssid")
		q.and("changes.sourcestampid = " + q.arg(id))
		q.order = []string{"changes.changeid DESC"}
		q.tail = " LIMIT 1"
	case args.Has("buildid") || args.Has("build_number"):
		buildid, ok, err := a.buildArg(ctx, args)
		if err != nil {
			return nil, err
		}
		if !ok {
			return []any{}, nil
		}
		cs, err := a.changesForBuild(ctx, buildid)
		return toAny(cs), err
	default:
		q.push(rs, changeCols, "changes.changeid", true)
	}
	cs, err := a.changes(ctx, q)
	return toAny(cs), err
}

// changes runs a changeSelect query and fills files, properties and the
// source stamp of every change (one query each).
func (a *API) changes(ctx context.Context, q *query) ([]*Change, error) {
	rows, err := queryAll(ctx, a, q, scanChange)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return a.fillChanges(ctx, rows)
}

func (a *API) fillChanges(ctx context.Context, rows []changeRow) ([]*Change, error) {
	out := make([]*Change, len(rows))
	byID := make(map[int64]*Change, len(rows))
	ids := make([]int64, len(rows))
	ssids := make([]int64, 0, len(rows))
	for i, r := range rows {
		out[i], byID[r.c.ChangeID], ids[i] = r.c, r.c, r.c.ChangeID
		ssids = append(ssids, r.ssid)
	}
	fq := newQuery(a.db.Dialect(), "SELECT changeid, filename FROM change_files")
	fq.and(fq.inInts("changeid", ids))
	files, err := queryAll(ctx, a, fq, func(s rowScanner) (idName, error) {
		var r idName
		return r, s.Scan(&r.id, &r.name)
	})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		c := byID[f.id]
		c.Files = append(c.Files, f.name)
	}
	props, err := a.loadProperties(ctx, "change_properties", "changeid", ids, nil)
	if err != nil {
		return nil, err
	}
	for id, p := range props {
		byID[id].Properties = p
	}
	sss, err := a.loadSourceStamps(ctx, ssids)
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if ss := sss[r.ssid]; ss != nil {
			out[i].SourceStamp = *ss
		}
	}
	return out, nil
}

// changesForBuild is Buildbot's getChangesForBuild: for each codebase of the
// build's source stamps, the change of that stamp and its ancestors back to
// (not including) the change of the previous successful build with the same
// repositories, branches and codebases — or to the first change when there is
// none.
func (a *API) changesForBuild(ctx context.Context, buildid int64) ([]*Change, error) {
	q := newQuery(a.db.Dialect(), buildSelect)
	q.and("builds.id = " + q.arg(buildid))
	b, ok, err := selectOne(ctx, a, q, scanBuild)
	if err != nil || !ok {
		return nil, err
	}
	ssBuild, err := a.buildSourceStamps(ctx, []int64{buildid})
	if err != nil {
		return nil, err
	}
	var codebases []string
	from := map[string]int64{} // codebase → changeid (0: none)
	for _, ss := range ssBuild[buildid] {
		id, err := a.latestChangeForSS(ctx, ss.SSID)
		if err != nil {
			return nil, err
		}
		if _, seen := from[ss.Codebase]; !seen {
			codebases = append(codebases, ss.Codebase)
		}
		from[ss.Codebase] = id
	}
	to := map[string]int64{}
	prev, err := a.prevSuccessfulBuild(ctx, b, ssBuild[buildid])
	if err != nil {
		return nil, err
	}
	if prev != 0 {
		prevSS, err := a.buildSourceStamps(ctx, []int64{prev})
		if err != nil {
			return nil, err
		}
		for _, ss := range prevSS[prev] {
			id, err := a.latestChangeForSS(ctx, ss.SSID)
			if err != nil {
				return nil, err
			}
			to[ss.Codebase] = id
		}
	}
	var chain []int64
	for _, cb := range codebases {
		start := from[cb]
		if start == 0 || start == to[cb] {
			continue
		}
		ids, err := a.changeAncestry(ctx, start, to[cb])
		if err != nil {
			return nil, err
		}
		chain = append(chain, ids...)
	}
	if len(chain) == 0 {
		return []*Change{}, nil
	}
	cq := newQuery(a.db.Dialect(), changeSelect)
	cq.and(cq.inInts("changes.changeid", chain))
	cs, err := a.changes(ctx, cq)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Change, len(cs))
	for _, c := range cs {
		byID[c.ChangeID] = c
	}
	out := make([]*Change, 0, len(chain))
	for i, id := range chain {
		c := byID[id]
		if c == nil {
			if i == 0 {
				continue
			}
			break // a dangling parent ends the walk, as in Buildbot
		}
		out = append(out, c)
	}
	return out, nil
}

// changeAncestry walks parent_changeids from start (included) until the
// parent is stop or there is none, in one recursive query.
func (a *API) changeAncestry(ctx context.Context, start, stop int64) ([]int64, error) {
	q := newQuery(a.db.Dialect(), "")
	q.sel = `WITH RECURSIVE chain(id, n) AS (
 SELECT CAST(` + q.arg(start) + ` AS BIGINT), 0
 UNION ALL
 SELECT c.parent_changeids, chain.n + 1 FROM changes c JOIN chain ON c.changeid = chain.id
 WHERE c.parent_changeids IS NOT NULL AND c.parent_changeids <> ` + q.arg(stop) + ` AND chain.n < 100000
) SELECT id FROM chain ORDER BY n`
	return queryAll(ctx, a, q, scanInt)
}

func (a *API) latestChangeForSS(ctx context.Context, ssid int64) (int64, error) {
	q := newQuery(a.db.Dialect(), "SELECT changeid FROM changes")
	q.and("sourcestampid = " + q.arg(ssid))
	q.order = []string{"changeid DESC"}
	q.tail = " LIMIT 1"
	id, _, err := selectOne(ctx, a, q, scanInt)
	return id, err
}

// buildSourceStamps reads the source stamps of builds (through their
// request's buildset).
func (a *API) buildSourceStamps(ctx context.Context, buildids []int64) (map[int64][]SourceStamp, error) {
	q := newQuery(a.db.Dialect(), `SELECT b.id, br.buildsetid FROM builds b JOIN buildrequests br ON br.id = b.buildrequestid`)
	q.and(q.inInts("b.id", buildids))
	pairs, err := queryAll(ctx, a, q, scanPair)
	if err != nil {
		return nil, err
	}
	bsids := make([]int64, len(pairs))
	for i, p := range pairs {
		bsids[i] = p[1]
	}
	byBS, err := a.loadBuildsetSourceStamps(ctx, bsids)
	if err != nil {
		return nil, err
	}
	out := map[int64][]SourceStamp{}
	for _, p := range pairs {
		out[p[0]] = byBS[p[1]]
	}
	return out, nil
}

type ssKey struct{ repository, branch, codebase string }

func ssKeys(sss []SourceStamp) map[ssKey]bool {
	m := map[ssKey]bool{}
	for _, ss := range sss {
		k := ssKey{repository: ss.Repository, codebase: ss.Codebase}
		if ss.Branch != nil {
			k.branch = "\x00" + *ss.Branch
		}
		m[k] = true
	}
	return m
}

// prevSuccessfulBuild is Buildbot's getPrevSuccessfulBuild: the most
// recently completed successful build of the same builder with a lower
// number and the same (repository, branch, codebase) set; 0 when none.
func (a *API) prevSuccessfulBuild(ctx context.Context, b *Build, sss []SourceStamp) (int64, error) {
	want := ssKeys(sss)
	const page = 200
	for offset := 0; ; offset += page {
		q := newQuery(a.db.Dialect(), "SELECT builds.id FROM builds")
		q.and("builds.builderid = " + q.arg(b.BuilderID))
		q.and("builds.number < " + q.arg(b.Number))
		q.and("builds.results = 0")
		q.order = []string{"builds.complete_at DESC", "builds.id DESC"}
		q.tail = " LIMIT " + itoa(page) + " OFFSET " + itoa(offset)
		ids, err := queryAll(ctx, a, q, scanInt)
		if err != nil || len(ids) == 0 {
			return 0, err
		}
		byBuild, err := a.buildSourceStamps(ctx, ids)
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			if sameKeys(ssKeys(byBuild[id]), want) {
				return id, nil
			}
		}
	}
}

func sameKeys(a, b map[ssKey]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
