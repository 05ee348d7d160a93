package data

import (
	"context"
	"database/sql"
)

const buildrequestSelect = `SELECT br.id, br.buildsetid, br.builderid, br.priority, br.complete, br.results,
 br.submitted_at, br.complete_at, br.waited_for, c.claimed_at, c.masterid
 FROM buildrequests br LEFT JOIN buildrequest_claims c ON c.brid = br.id`

var buildrequestCols = map[string]sqlCol{
	"buildrequestid":      col("br.id", KindInteger),
	"buildsetid":          col("br.buildsetid", KindInteger),
	"builderid":           col("br.builderid", KindInteger),
	"priority":            col("br.priority", KindInteger),
	"claimed":             col("(CASE WHEN c.claimed_at IS NULL THEN 0 ELSE 1 END)", KindBoolean),
	"claimed_at":          ncol("c.claimed_at", KindDateTime),
	"claimed_by_masterid": ncol("c.masterid", KindInteger),
	"complete":            col("(CASE WHEN br.complete <> 0 THEN 1 ELSE 0 END)", KindBoolean),
	"results":             ncol("br.results", KindInteger),
	"submitted_at":        col("br.submitted_at", KindDateTime),
	"complete_at":         ncol("br.complete_at", KindDateTime),
	"waited_for":          col("(CASE WHEN br.waited_for <> 0 THEN 1 ELSE 0 END)", KindBoolean),
}

func scanBuildRequest(s rowScanner) (*BuildRequest, error) {
	var r BuildRequest
	var complete, results, completeAt, waited, claimedAt, master sql.NullInt64
	if err := s.Scan(&r.BuildRequestID, &r.BuildsetID, &r.BuilderID, &r.Priority, &complete, &results,
		&r.SubmittedAt, &completeAt, &waited, &claimedAt, &master); err != nil {
		return nil, err
	}
	r.Complete, r.WaitedFor = complete.Int64 != 0, waited.Int64 != 0
	r.Results, r.CompleteAt = intP(results), int64P(completeAt)
	if claimedAt.Valid {
		r.Claimed = true
		r.ClaimedAt, r.ClaimedByMasterID = int64P(claimedAt), int64P(master)
	}
	return &r, nil
}

func (a *API) buildrequestEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtBuildRequest, patterns: []string{"/buildrequests/n:buildrequestid"},
			get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
				id, _ := args.Int("buildrequestid")
				q := newQuery(a.db.Dialect(), buildrequestSelect)
				q.and("br.id = " + q.arg(id))
				brs, err := a.buildrequests(ctx, q, rs.Properties)
				if err != nil || len(brs) == 0 {
					return nil, err
				}
				return brs[0], nil
			}},
		{rtype: rtBuildRequest, collection: true, patterns: []string{
			"/buildrequests",
			"/builders/n:builderid/buildrequests",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			q := newQuery(a.db.Dialect(), buildrequestSelect)
			if bid, ok := args.Int("builderid"); ok {
				q.and("br.builderid = " + q.arg(bid))
			}
			// Buildbot's claimed=false means "unclaimed and not complete".
			if claimed, ok := rs.PopBooleanFilter("claimed"); ok {
				if claimed {
					q.and("c.claimed_at IS NOT NULL")
				} else {
					q.and("c.claimed_at IS NULL AND br.complete = 0")
				}
			}
			q.push(rs, buildrequestCols, "br.id", false)
			brs, err := a.buildrequests(ctx, q, rs.Properties)
			return toAny(brs), err
		}},
	}
}

// buildrequests runs q and adds the asked-for buildset properties to each
// request (one query for the page).
func (a *API) buildrequests(ctx context.Context, q *query, props []string) ([]*BuildRequest, error) {
	brs, err := queryAll(ctx, a, q, scanBuildRequest)
	if err != nil || len(brs) == 0 || len(props) == 0 {
		return brs, err
	}
	seen := map[int64]bool{}
	var bsids []int64
	for _, br := range brs {
		if !seen[br.BuildsetID] {
			seen[br.BuildsetID] = true
			bsids = append(bsids, br.BuildsetID)
		}
	}
	all, err := a.loadProperties(ctx, "buildset_properties", "buildsetid", bsids, props)
	if err != nil {
		return nil, err
	}
	for _, br := range brs {
		if p := filterProperties(all[br.BuildsetID], props); p != nil {
			br.Properties = p
		}
	}
	return brs, nil
}
