package data

import (
	"bytes"
	"context"
	"io"
)

// buildDataItem is a build_data item as Buildbot lists it: the value itself
// is only served by …/value, so it is always null here.
type buildDataItem struct {
	BuildID int64   `json:"buildid"`
	Name    string  `json:"name"`
	Length  int64   `json:"length"`
	Value   *string `json:"value"`
	Source  string  `json:"source"`
}

const buildDataSelect = `SELECT build_data.buildid, build_data.name, build_data.length, build_data.source FROM build_data`

var buildDataCols = map[string]sqlCol{
	"buildid": col("build_data.buildid", KindInteger),
	"name":    col("build_data.name", KindString),
	"length":  col("build_data.length", KindInteger),
	"source":  col("build_data.source", KindString),
}

func scanBuildData(s rowScanner) (*buildDataItem, error) {
	var d buildDataItem
	return &d, s.Scan(&d.BuildID, &d.Name, &d.Length, &d.Source)
}

func (a *API) buildDataEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtBuildData, collection: true, patterns: []string{
			"/builders/n:builderid/builds/n:build_number/data",
			"/builders/i:buildername/builds/n:build_number/data",
			"/builds/n:buildid/data",
		}, get: func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error) {
			buildid, ok, err := a.buildArg(ctx, args)
			if err != nil {
				return nil, err
			}
			if !ok {
				return []any{}, nil
			}
			q := newQuery(a.db.Dialect(), buildDataSelect)
			q.and("build_data.buildid = " + q.arg(buildid))
			q.push(rs, buildDataCols, "build_data.id", false)
			ds, err := queryAll(ctx, a, q, scanBuildData)
			return toAny(ds), err
		}},
		{rtype: rtBuildData, patterns: []string{
			"/builders/n:builderid/builds/n:build_number/data/i:name",
			"/builders/i:buildername/builds/n:build_number/data/i:name",
			"/builds/n:buildid/data/i:name",
		}, get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
			buildid, ok, err := a.buildArg(ctx, args)
			if err != nil || !ok {
				return nil, err
			}
			name, _ := args.String("name")
			q := newQuery(a.db.Dialect(), buildDataSelect)
			q.and("build_data.buildid = " + q.arg(buildid))
			q.and("build_data.name = " + q.arg(name))
			d, ok, err := selectOne(ctx, a, q, scanBuildData)
			if err != nil || !ok {
				return nil, err
			}
			return d, nil
		}},
		{rtype: rtBuildData, patterns: []string{
			"/builders/n:builderid/builds/n:build_number/data/i:name/value",
			"/builders/i:buildername/builds/n:build_number/data/i:name/value",
			"/builds/n:buildid/data/i:name/value",
		}, raw: getBuildDataValue},
	}
}

func getBuildDataValue(ctx context.Context, a *API, args PathArgs) (*Raw, error) {
	buildid, ok, err := a.buildArg(ctx, args)
	if err != nil || !ok {
		return nil, err
	}
	name, _ := args.String("name")
	q := newQuery(a.db.Dialect(), "SELECT value FROM build_data")
	q.and("buildid = " + q.arg(buildid))
	q.and("name = " + q.arg(name))
	value, ok, err := selectOne(ctx, a, q, func(s rowScanner) ([]byte, error) {
		var v []byte
		return v, s.Scan(&v)
	})
	if err != nil || !ok {
		return nil, err
	}
	return &Raw{ContentType: "application/octet-stream; charset=utf-8", Filename: name,
		Stream: func(_ context.Context, w io.Writer) error {
			_, err := io.Copy(w, bytes.NewReader(value))
			return err
		}}, nil
}
