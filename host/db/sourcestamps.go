package db

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
)

// SourceStamp is a row of `sourcestamps`, with its patch.
type SourceStamp struct {
	ID         int64
	Branch     *string
	Revision   *string
	Repository string
	Codebase   string
	Project    string
	PatchID    *int64
	Patch      *Patch
	CreatedAt  int64
}

// Patch is a row of `patches`, its body decoded.
type Patch struct {
	ID      int64
	Level   int
	Body    []byte
	Author  string
	Comment string
	Subdir  *string
}

// SourceStampSpec describes a source stamp to find or create.
type SourceStampSpec struct {
	Branch     *string
	Revision   *string
	Repository string
	Project    string
	Codebase   string
	// Patch, when set, is inserted as a new row: stamps with patches are
	// never shared.
	Patch *PatchSpec
}

// PatchSpec is a patch to store with a source stamp.
type PatchSpec struct {
	Body    []byte
	Level   int
	Author  string
	Comment string
	Subdir  *string
}

// SourceStamps is the sourcestamps and patches component.
type SourceStamps struct{ comp }

// SourceStamps returns the source stamps component.
func (d *DB) SourceStamps() SourceStamps { return SourceStamps{comp{d: d}} }

// SourceStamps returns the source stamps component inside the transaction.
func (t *Tx) SourceStamps() SourceStamps { return SourceStamps{comp{d: t.db, tx: t}} }

const ssCols = "s.id, s.branch, s.revision, s.repository, s.codebase, s.project, s.patchid, s.created_at, " +
	"p.patchlevel, p.patch_base64, p.patch_author, p.patch_comment, p.subdir"

const ssFrom = " FROM sourcestamps s LEFT JOIN patches p ON p.id = s.patchid"

var (
	qSSByHash     = newStmt("SELECT " + ssCols + ssFrom + " WHERE s.ss_hash = $1")
	qSSGet        = newStmt("SELECT " + ssCols + ssFrom + " WHERE s.id = $1")
	qSSInsert     = newStmt("INSERT INTO sourcestamps (ss_hash, branch, revision, patchid, repository, codebase, project, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ss_hash) DO NOTHING RETURNING id")
	qPatchInsert  = newStmt("INSERT INTO patches (patchlevel, patch_base64, patch_author, patch_comment, subdir) VALUES ($1, $2, $3, $4, $5) RETURNING id")
	qSSOfBuildset = newStmt("SELECT " + ssCols + ssFrom + " JOIN buildset_sourcestamps bs ON bs.sourcestampid = s.id WHERE bs.buildsetid = $1 ORDER BY bs.id")
	qSSAll        = newStmt("SELECT " + ssCols + ssFrom + " ORDER BY s.id")
)

func scanSourceStamp(s scanner) (SourceStamp, error) {
	var ss SourceStamp
	var branch, rev, b64, author, comment, subdir sql.NullString
	var patchID, level sql.NullInt64
	err := s.Scan(&ss.ID, &branch, &rev, &ss.Repository, &ss.Codebase, &ss.Project, &patchID, &ss.CreatedAt,
		&level, &b64, &author, &comment, &subdir)
	if err != nil {
		return ss, err
	}
	ss.Branch, ss.Revision, ss.PatchID = strPtr(branch), strPtr(rev), int64Ptr(patchID)
	if ss.PatchID != nil && b64.Valid {
		body, err := base64.StdEncoding.DecodeString(b64.String)
		if err != nil {
			return ss, fmt.Errorf("patch %d: %w", *ss.PatchID, err)
		}
		ss.Patch = &Patch{ID: *ss.PatchID, Level: int(level.Int64), Body: body,
			Author: author.String, Comment: comment.String, Subdir: strPtr(subdir)}
	}
	return ss, nil
}

// FindID returns the id of the source stamp spec describes, creating it
// (and its patch) when new.
func (c SourceStamps) FindID(ctx context.Context, spec SourceStampSpec) (int64, error) {
	ss, _, err := c.FindOrCreate(ctx, spec)
	if err != nil {
		return 0, err
	}
	return ss.ID, nil
}

// FindOrCreate returns the source stamp spec describes and whether it
// already existed.
func (c SourceStamps) FindOrCreate(ctx context.Context, spec SourceStampSpec) (ss *SourceStamp, found bool, err error) {
	err = c.write(ctx, func(t *Tx) error {
		ss, found, err = findOrCreateSourceStamp(ctx, t, spec)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("find source stamp: %w", err)
	}
	return ss, found, nil
}

func findOrCreateSourceStamp(ctx context.Context, t *Tx, spec SourceStampSpec) (*SourceStamp, bool, error) {
	ss := SourceStamp{
		Branch:     clipPtr(spec.Branch, 256),
		Revision:   clipPtr(spec.Revision, 256),
		Repository: clip(spec.Repository, 512),
		Codebase:   clip(spec.Codebase, 256),
		Project:    clip(spec.Project, 512),
	}
	if p := spec.Patch; p != nil && len(p.Body) > 0 {
		var id int64
		if err := t.queryRow(ctx, qPatchInsert, p.Level, base64.StdEncoding.EncodeToString(p.Body),
			p.Author, p.Comment, p.Subdir).Scan(&id); err != nil {
			return nil, false, fmt.Errorf("insert patch: %w", err)
		}
		ss.PatchID = &id
		ss.Patch = &Patch{ID: id, Level: p.Level, Body: p.Body, Author: p.Author, Comment: p.Comment, Subdir: p.Subdir}
	}
	hash := HashColumns(ss.Branch, ss.Revision, ss.Repository, ss.Project, ss.Codebase, ss.PatchID)
	got, err := scanSourceStamp(t.queryRow(ctx, qSSByHash, hash))
	if ok, err := noRows(err); err != nil {
		return nil, false, err
	} else if ok {
		return &got, true, nil
	}
	ss.CreatedAt = t.db.Now()
	found, err := noRows(t.queryRow(ctx, qSSInsert, hash, ss.Branch, ss.Revision, ss.PatchID,
		ss.Repository, ss.Codebase, ss.Project, ss.CreatedAt).Scan(&ss.ID))
	if err != nil {
		return nil, false, fmt.Errorf("insert source stamp: %w", err)
	}
	if found {
		return &ss, false, nil
	}
	got, err = scanSourceStamp(t.queryRow(ctx, qSSByHash, hash))
	if err != nil {
		return nil, false, fmt.Errorf("select source stamp after conflict: %w", err)
	}
	return &got, true, nil
}

// Get returns a source stamp, or nil.
func (c SourceStamps) Get(ctx context.Context, id int64) (*SourceStamp, error) {
	ss, err := scanSourceStamp(c.read().queryRow(ctx, qSSGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &ss, nil
}

// GetMany returns the source stamps with the given ids (missing ones are
// left out), keyed by id.
func (c SourceStamps) GetMany(ctx context.Context, ids []int64) (map[int64]*SourceStamp, error) {
	out := make(map[int64]*SourceStamp, len(ids))
	r := c.read()
	for _, part := range batches(uniqueIDs(ids), 500) {
		rows, err := r.querySQL(ctx, "SELECT "+ssCols+ssFrom+" WHERE s.id IN ("+placeholders(1, len(part))+")", int64Args(nil, part)...)
		list, err := collect(rows, err, scanSourceStamp)
		if err != nil {
			return nil, fmt.Errorf("get source stamps: %w", err)
		}
		for i := range list {
			out[list[i].ID] = &list[i]
		}
	}
	return out, nil
}

// ForBuildset returns the source stamps of a buildset, in insertion order.
func (c SourceStamps) ForBuildset(ctx context.Context, bsid int64) ([]SourceStamp, error) {
	rows, err := c.read().query(ctx, qSSOfBuildset, bsid)
	return collect(rows, err, scanSourceStamp)
}

// List returns every source stamp, by id.
func (c SourceStamps) List(ctx context.Context) ([]SourceStamp, error) {
	rows, err := c.read().query(ctx, qSSAll)
	return collect(rows, err, scanSourceStamp)
}

// uniqueIDs returns ids without repetitions, in first-seen order.
func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
