package data

import (
	"context"
	"database/sql"
)

const buildsetSelect = `SELECT buildsets.id, buildsets.external_idstring, buildsets.reason,
 buildsets.submitted_at, buildsets.complete, buildsets.complete_at, buildsets.results,
 buildsets.parent_buildid, buildsets.parent_relationship FROM buildsets`

var buildsetCols = map[string]sqlCol{
	"bsid":                col("buildsets.id", KindInteger),
	"external_idstring":   ncol("buildsets.external_idstring", KindString),
	"reason":              col("buildsets.reason", KindString),
	"submitted_at":        col("buildsets.submitted_at", KindInteger),
	"complete":            col("(CASE WHEN buildsets.complete <> 0 THEN 1 ELSE 0 END)", KindBoolean),
	"complete_at":         ncol("buildsets.complete_at", KindInteger),
	"results":             ncol("buildsets.results", KindInteger),
	"parent_buildid":      ncol("buildsets.parent_buildid", KindInteger),
	"parent_relationship": ncol("buildsets.parent_relationship", KindString),
}

func scanBuildset(s rowScanner) (*Buildset, error) {
	var b Buildset
	var ext, reason, rel sql.NullString
	var complete, completeAt, results, parent sql.NullInt64
	if err := s.Scan(&b.BSID, &ext, &reason, &b.SubmittedAt, &complete, &completeAt, &results,
		&parent, &rel); err != nil {
		return nil, err
	}
	b.ExternalIDString, b.Reason, b.ParentRelationship = strP(ext), reason.String, strP(rel)
	b.Complete = complete.Int64 != 0
	b.CompleteAt, b.Results, b.ParentBuildID = int64P(completeAt), intP(results), int64P(parent)
	b.SourceStamps = []SourceStamp{}
	return &b, nil
}

func (a *API) buildsetEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtBuildset, patterns: []string{"/buildsets/n:bsid"},
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				id, _ := args.Int("bsid")
				q := newQuery(a.db.Dialect(), buildsetSelect)
				q.and("buildsets.id = " + q.arg(id))
				bs, err := a.buildsets(ctx, q)
				if err != nil || len(bs) == 0 {
					return nil, err
				}
				return bs[0], nil
			}},
		{rtype: rtBuildset, collection: true, patterns: []string{"/buildsets"},
			get: func(ctx context.Context, a *API, rs *ResultSpec, _ PathArgs) (any, error) {
				q := newQuery(a.db.Dialect(), buildsetSelect)
				q.push(rs, buildsetCols, "buildsets.id", false)
				bs, err := a.buildsets(ctx, q)
				return toAny(bs), err
			}},
	}
}

func (a *API) buildsets(ctx context.Context, q *query) ([]*Buildset, error) {
	bs, err := queryAll(ctx, a, q, scanBuildset)
	if err != nil || len(bs) == 0 {
		return bs, err
	}
	ids := make([]int64, len(bs))
	for i, b := range bs {
		ids[i] = b.BSID
	}
	sss, err := a.loadBuildsetSourceStamps(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if s := sss[b.BSID]; s != nil {
			b.SourceStamps = s
		}
	}
	return bs, nil
}
