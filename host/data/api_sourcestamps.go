package data

import (
	"context"
	"database/sql"
	"encoding/base64"
)

const sourcestampSelect = `SELECT ss.id, ss.branch, ss.revision, ss.repository, ss.project, ss.codebase,
 ss.created_at, p.id, p.patchlevel, p.patch_base64, p.patch_author, p.patch_comment, p.subdir
 FROM sourcestamps ss LEFT JOIN patches p ON p.id = ss.patchid`

var sourcestampCols = map[string]sqlCol{
	"ssid":       col("ss.id", KindInteger),
	"revision":   ncol("ss.revision", KindString),
	"branch":     ncol("ss.branch", KindString),
	"repository": col("ss.repository", KindString),
	"project":    col("ss.project", KindString),
	"codebase":   col("ss.codebase", KindString),
	"created_at": col("ss.created_at", KindDateTime),
}

// scanSourceStampInto reads the sourcestampSelect columns (after any
// leading ones in dest).
func scanSourceStamp(s rowScanner, lead ...any) (*SourceStamp, error) {
	var ss SourceStamp
	var branch, revision, b64, author, comment, subdir sql.NullString
	var pid, level sql.NullInt64
	dest := append(lead, &ss.SSID, &branch, &revision, &ss.Repository, &ss.Project, &ss.Codebase,
		&ss.CreatedAt, &pid, &level, &b64, &author, &comment, &subdir)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	ss.Branch, ss.Revision = strP(branch), strP(revision)
	if pid.Valid && b64.String != "" {
		body, err := base64.StdEncoding.DecodeString(b64.String)
		if err != nil {
			body = []byte(b64.String)
		}
		ss.Patch = &Patch{PatchID: pid.Int64, Body: body, Level: int(level.Int64),
			Subdir: subdir.String, Author: author.String, Comment: comment.String}
	}
	return &ss, nil
}

func (a *API) sourcestampEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtSourceStamp, patterns: []string{"/sourcestamps/n:ssid"},
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				id, _ := args.Int("ssid")
				m, err := a.loadSourceStamps(ctx, []int64{id})
				if err != nil || m[id] == nil {
					return nil, err
				}
				return m[id], nil
			}},
		{rtype: rtSourceStamp, collection: true, patterns: []string{"/sourcestamps"},
			get: func(ctx context.Context, a *API, rs *ResultSpec, _ PathArgs) (any, error) {
				q := newQuery(a.db.Dialect(), sourcestampSelect)
				q.push(rs, sourcestampCols, "ss.id", false)
				sss, err := queryAll(ctx, a, q, func(s rowScanner) (*SourceStamp, error) { return scanSourceStamp(s) })
				return toAny(sss), err
			}},
	}
}

// loadSourceStamps reads source stamps by id (one query).
func (a *API) loadSourceStamps(ctx context.Context, ids []int64) (map[int64]*SourceStamp, error) {
	out := map[int64]*SourceStamp{}
	if len(ids) == 0 {
		return out, nil
	}
	q := newQuery(a.db.Dialect(), sourcestampSelect)
	if len(ids) == 1 {
		q.and("ss.id = " + q.arg(ids[0]))
	} else {
		q.and(q.inInts("ss.id", ids))
	}
	sss, err := queryAll(ctx, a, q, func(s rowScanner) (*SourceStamp, error) { return scanSourceStamp(s) })
	for _, ss := range sss {
		out[ss.SSID] = ss
	}
	return out, err
}

// loadBuildsetSourceStamps reads the source stamps of buildsets, in
// buildset_sourcestamps order (one query).
func (a *API) loadBuildsetSourceStamps(ctx context.Context, bsids []int64) (map[int64][]SourceStamp, error) {
	out := map[int64][]SourceStamp{}
	if len(bsids) == 0 {
		return out, nil
	}
	q := newQuery(a.db.Dialect(), `SELECT bss.buildsetid, ss.id, ss.branch, ss.revision, ss.repository,
 ss.project, ss.codebase, ss.created_at, p.id, p.patchlevel, p.patch_base64, p.patch_author, p.patch_comment,
 p.subdir FROM buildset_sourcestamps bss JOIN sourcestamps ss ON ss.id = bss.sourcestampid
 LEFT JOIN patches p ON p.id = ss.patchid`)
	if len(bsids) == 1 {
		q.and("bss.buildsetid = " + q.arg(bsids[0]))
	} else {
		q.and(q.inInts("bss.buildsetid", bsids))
	}
	q.order = []string{"bss.buildsetid", "bss.id"}
	type row struct {
		bsid int64
		ss   *SourceStamp
	}
	rows, err := queryAll(ctx, a, q, func(s rowScanner) (row, error) {
		var r row
		ss, err := scanSourceStamp(s, &r.bsid)
		r.ss = ss
		return r, err
	})
	for _, r := range rows {
		out[r.bsid] = append(out[r.bsid], *r.ss)
	}
	return out, err
}
