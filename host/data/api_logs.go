package data

import (
	"context"
)

const logSelect = `SELECT logs.id, logs.name, logs.slug, logs.stepid, logs.complete, logs.num_lines, logs.type FROM logs`

var logCols = map[string]sqlCol{
	"logid":     col("logs.id", KindInteger),
	"name":      col("logs.name", KindString),
	"slug":      col("logs.slug", KindIdentifier),
	"stepid":    col("logs.stepid", KindInteger),
	"complete":  col("(CASE WHEN logs.complete <> 0 THEN 1 ELSE 0 END)", KindBoolean),
	"num_lines": col("logs.num_lines", KindInteger),
	"type":      col("logs.type", KindIdentifier),
}

func scanLog(s rowScanner) (*Log, error) {
	var l Log
	var complete int64
	if err := s.Scan(&l.LogID, &l.Name, &l.Slug, &l.StepID, &complete, &l.NumLines, &l.Type); err != nil {
		return nil, err
	}
	l.Complete = complete != 0
	return &l, nil
}

// logPaths are the ways of naming one log; contents and raw add a segment.
var logPaths = []string{
	"/logs/n:logid",
	"/steps/n:stepid/logs/i:log_slug",
	"/builds/n:buildid/steps/i:step_name/logs/i:log_slug",
	"/builds/n:buildid/steps/n:step_number/logs/i:log_slug",
	"/builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug",
	"/builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug",
	"/builders/i:buildername/builds/n:build_number/steps/i:step_name/logs/i:log_slug",
	"/builders/i:buildername/builds/n:build_number/steps/n:step_number/logs/i:log_slug",
}

func logSubPaths(suffix string, first ...string) []string {
	out := append([]string(nil), first...)
	for _, p := range logPaths {
		out = append(out, p+suffix)
	}
	return out
}

func (a *API) logEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtLog, patterns: logPaths,
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				l, err := a.logByPath(ctx, args)
				if err != nil || l == nil {
					return nil, err
				}
				return l, nil
			}},
		{rtype: rtLog, collection: true, patterns: []string{
			"/steps/n:stepid/logs",
			"/builds/n:buildid/steps/i:step_name/logs",
			"/builds/n:buildid/steps/n:step_number/logs",
			"/builders/n:builderid/builds/n:build_number/steps/i:step_name/logs",
			"/builders/n:builderid/builds/n:build_number/steps/n:step_number/logs",
			"/builders/i:buildername/builds/n:build_number/steps/i:step_name/logs",
			"/builders/i:buildername/builds/n:build_number/steps/n:step_number/logs",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			stepid, ok, err := a.stepArg(ctx, args)
			if err != nil {
				return nil, err
			}
			if !ok {
				return []any{}, nil
			}
			q := newQuery(a.db.Dialect(), logSelect)
			q.and("logs.stepid = " + q.arg(stepid))
			q.push(rs, logCols, "logs.id", false)
			ls, err := queryAll(ctx, a, q, scanLog)
			return toAny(ls), err
		}},
		{rtype: rtLogChunk, patterns: logSubPaths("/contents", "/logchunks"), get: getLogContents},
		{rtype: rtLogChunk, patterns: logSubPaths("/raw"), raw: getLogRaw},
	}
}

// logByPath reads the log a path names, or nil.
func (a *API) logByPath(ctx context.Context, args PathArgs) (*Log, error) {
	q := newQuery(a.db.Dialect(), logSelect)
	if id, ok := args.Int("logid"); ok {
		q.and("logs.id = " + q.arg(id))
	} else {
		slug, ok := args.String("log_slug")
		if !ok {
			return nil, nil // /logchunks names no log
		}
		stepid, ok, err := a.stepArg(ctx, args)
		if err != nil || !ok {
			return nil, err
		}
		q.and("logs.stepid = " + q.arg(stepid))
		q.and("logs.slug = " + q.arg(slug))
	}
	l, ok, err := selectOne(ctx, a, q, scanLog)
	if err != nil || !ok {
		return nil, err
	}
	return l, nil
}

// getLogContents answers lines [offset, offset+limit) of a log as one
// logchunk, as Buildbot's LogChunkEndpoint: offset defaults to 0 and limit to
// the end; a window outside the log is "not found".
func getLogContents(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
	l, err := a.logByPath(ctx, args)
	if err != nil || l == nil {
		return nil, err
	}
	first := 0
	if rs.Offset != nil {
		first = *rs.Offset
	}
	last := max(0, l.NumLines-1)
	if rs.Limit != nil {
		last = first + *rs.Limit - 1
	}
	rs.Limit, rs.Offset = nil, nil
	if first < 0 || last < 0 || first > last {
		return nil, nil
	}
	text, err := a.db.Logs().Lines(ctx, l.LogID, first, last)
	if err != nil {
		return nil, err
	}
	return &LogChunk{LogID: l.LogID, FirstLine: first, Content: text}, nil
}
