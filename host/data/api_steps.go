package data

import (
	"context"
	"database/sql"
	"encoding/json"
)

const stepSelect = `SELECT steps.id, steps.number, steps.name, steps.buildid, steps.started_at,
 steps.complete_at, steps.state_string, steps.results, steps.urls_json, steps.hidden FROM steps`

var stepCols = map[string]sqlCol{
	"stepid":       col("steps.id", KindInteger),
	"number":       col("steps.number", KindInteger),
	"name":         col("steps.name", KindIdentifier),
	"buildid":      col("steps.buildid", KindInteger),
	"started_at":   ncol("steps.started_at", KindDateTime),
	"complete":     col("(CASE WHEN steps.complete_at IS NULL THEN 0 ELSE 1 END)", KindBoolean),
	"complete_at":  ncol("steps.complete_at", KindDateTime),
	"results":      ncol("steps.results", KindInteger),
	"state_string": col("steps.state_string", KindString),
	"hidden":       col("(CASE WHEN steps.hidden <> 0 THEN 1 ELSE 0 END)", KindBoolean),
}

func scanStep(s rowScanner) (*Step, error) {
	var st Step
	var started, completeAt, results, hidden sql.NullInt64
	var urls []byte
	if err := s.Scan(&st.StepID, &st.Number, &st.Name, &st.BuildID, &started, &completeAt,
		&st.StateString, &results, &urls, &hidden); err != nil {
		return nil, err
	}
	st.StartedAt, st.CompleteAt, st.Results = int64P(started), int64P(completeAt), intP(results)
	st.Complete, st.Hidden = completeAt.Valid, hidden.Int64 != 0
	if json.Unmarshal(urls, &st.URLs) != nil || st.URLs == nil {
		st.URLs = []StepURL{}
	}
	return &st, nil
}

func (a *API) stepEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtStep, patterns: []string{
			"/steps/n:stepid",
			"/builds/n:buildid/steps/i:step_name",
			"/builds/n:buildid/steps/n:step_number",
			"/builders/n:builderid/builds/n:build_number/steps/i:step_name",
			"/builders/n:builderid/builds/n:build_number/steps/n:step_number",
			"/builders/i:buildername/builds/n:build_number/steps/i:step_name",
			"/builders/i:buildername/builds/n:build_number/steps/n:step_number",
		}, get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
			q := newQuery(a.db.Dialect(), stepSelect)
			if id, ok := args.Int("stepid"); ok {
				q.and("steps.id = " + q.arg(id))
			} else {
				buildid, ok, err := a.buildArg(ctx, args)
				if err != nil || !ok {
					return nil, err
				}
				q.and("steps.buildid = " + q.arg(buildid))
				if name, ok := args.String("step_name"); ok {
					q.and("steps.name = " + q.arg(name))
				} else {
					num, _ := args.Int("step_number")
					q.and("steps.number = " + q.arg(num))
				}
			}
			st, ok, err := selectOne(ctx, a, q, scanStep)
			if err != nil || !ok {
				return nil, err
			}
			return st, nil
		}},
		{rtype: rtStep, collection: true, patterns: []string{
			"/builds/n:buildid/steps",
			"/builders/n:builderid/builds/n:build_number/steps",
			"/builders/i:buildername/builds/n:build_number/steps",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			buildid, ok, err := a.buildArg(ctx, args)
			if err != nil || !ok {
				return nil, err // an unknown build by number is "not found", as in Buildbot
			}
			q := newQuery(a.db.Dialect(), stepSelect)
			q.and("steps.buildid = " + q.arg(buildid))
			q.push(rs, stepCols, "steps.number", false)
			sts, err := queryAll(ctx, a, q, scanStep)
			return toAny(sts), err
		}},
	}
}
