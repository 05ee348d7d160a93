package data

import (
	"context"
	"database/sql"
)

const testResultSetSelect = `SELECT trs.id, trs.builderid, trs.buildid, trs.stepid, trs.description,
 trs.category, trs.value_unit, trs.tests_passed, trs.tests_failed, trs.complete FROM test_result_sets trs`

var testResultSetCols = map[string]sqlCol{
	"test_result_setid": col("trs.id", KindInteger),
	"builderid":         col("trs.builderid", KindInteger),
	"buildid":           col("trs.buildid", KindInteger),
	"stepid":            col("trs.stepid", KindInteger),
	"description":       ncol("trs.description", KindString),
	"category":          col("trs.category", KindString),
	"value_unit":        col("trs.value_unit", KindString),
	"tests_passed":      ncol("trs.tests_passed", KindInteger),
	"tests_failed":      ncol("trs.tests_failed", KindInteger),
	"complete":          col("(CASE WHEN trs.complete <> 0 THEN 1 ELSE 0 END)", KindBoolean),
}

func scanTestResultSet(s rowScanner) (*TestResultSet, error) {
	var t TestResultSet
	var desc sql.NullString
	var passed, failed sql.NullInt64
	var complete int64
	if err := s.Scan(&t.TestResultSetID, &t.BuilderID, &t.BuildID, &t.StepID, &desc, &t.Category,
		&t.ValueUnit, &passed, &failed, &complete); err != nil {
		return nil, err
	}
	t.Description, t.TestsPassed, t.TestsFailed = strP(desc), intP(passed), intP(failed)
	t.Complete = complete != 0
	return &t, nil
}

const testResultSelect = `SELECT tr.id, tr.builderid, tr.test_result_setid, tn.name, tcp.path, tr.line,
 tr.duration_ns, tr.value FROM test_results tr
 LEFT JOIN test_names tn ON tn.id = tr.test_nameid
 LEFT JOIN test_code_paths tcp ON tcp.id = tr.test_code_pathid`

var testResultCols = map[string]sqlCol{
	"test_resultid":     col("tr.id", KindInteger),
	"builderid":         col("tr.builderid", KindInteger),
	"test_result_setid": col("tr.test_result_setid", KindInteger),
	"test_name":         ncol("tn.name", KindString),
	"test_code_path":    ncol("tcp.path", KindString),
	"line":              ncol("tr.line", KindInteger),
	"duration_ns":       ncol("tr.duration_ns", KindInteger),
	"value":             col("tr.value", KindString),
}

func scanTestResult(s rowScanner) (*TestResult, error) {
	var t TestResult
	var name, path sql.NullString
	var line, dur sql.NullInt64
	if err := s.Scan(&t.TestResultID, &t.BuilderID, &t.TestResultSetID, &name, &path, &line, &dur,
		&t.Value); err != nil {
		return nil, err
	}
	t.TestName, t.TestCodePath, t.Line, t.DurationNS = strP(name), strP(path), intP(line), int64P(dur)
	return &t, nil
}

func (a *API) testResultEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtTestResultSet, collection: true, patterns: []string{
			"/builders/n:builderid/test_result_sets",
			"/builders/i:buildername/test_result_sets",
			"/builds/n:buildid/test_result_sets",
			"/steps/n:stepid/test_result_sets",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			q := newQuery(a.db.Dialect(), testResultSetSelect)
			switch {
			case args.Has("stepid"):
				id, _ := args.Int("stepid")
				q.and("trs.stepid = " + q.arg(id))
			case args.Has("buildid"):
				id, _ := args.Int("buildid")
				q.and("trs.buildid = " + q.arg(id))
			default:
				bid, ok, err := a.builderArg(ctx, args)
				if err != nil {
					return nil, err
				}
				if !ok {
					return []any{}, nil
				}
				q.and("trs.builderid = " + q.arg(bid))
			}
			q.push(rs, testResultSetCols, "trs.id", false)
			ts, err := queryAll(ctx, a, q, scanTestResultSet)
			return toAny(ts), err
		}},
		{rtype: rtTestResultSet, patterns: []string{"/test_result_sets/n:test_result_setid"},
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				id, _ := args.Int("test_result_setid")
				q := newQuery(a.db.Dialect(), testResultSetSelect)
				q.and("trs.id = " + q.arg(id))
				t, ok, err := selectOne(ctx, a, q, scanTestResultSet)
				if err != nil || !ok {
					return nil, err
				}
				return t, nil
			}},
		{rtype: rtTestResult, collection: true, patterns: []string{"/test_result_sets/n:test_result_setid/results"},
			get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
				id, _ := args.Int("test_result_setid")
				q := newQuery(a.db.Dialect(), testResultSelect)
				q.and("tr.test_result_setid = " + q.arg(id))
				q.push(rs, testResultCols, "tr.id", false)
				ts, err := queryAll(ctx, a, q, scanTestResult)
				return toAny(ts), err
			}},
	}
}
