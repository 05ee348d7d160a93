package db

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// Change is a row of `changes` with its files, properties and parent.
type Change struct {
	ID              int64
	Author          string
	Committer       *string
	Comments        string
	Branch          *string
	Revision        *string
	Revlink         *string
	WhenTimestamp   int64
	Category        *string
	Repository      string
	Codebase        string
	Project         string
	SourceStampID   int64
	ParentChangeIDs []int64
	Files           []string
	Properties      Properties
}

// ChangeSpec is a change to add. Values longer than their columns are
// truncated (PostgreSQL enforces VARCHAR lengths).
type ChangeSpec struct {
	Author        string
	Committer     *string
	Files         []string
	Comments      string
	Revision      *string
	WhenTimestamp int64 // 0: now
	Branch        *string
	Category      *string
	Revlink       *string
	Properties    Properties
	Repository    string
	Codebase      string
	Project       string
	// UID links the change to a user (change_users), when not 0.
	UID int64
}

// Changes is the changes component: changes, change_files,
// change_properties and change_users.
type Changes struct{ comp }

// Changes returns the changes component.
func (d *DB) Changes() Changes { return Changes{comp{d: d}} }

// Changes returns the changes component inside the transaction.
func (t *Tx) Changes() Changes { return Changes{comp{d: t.db, tx: t}} }

const changeCols = "changeid, author, committer, comments, branch, revision, revlink, when_timestamp, category, repository, codebase, project, sourcestampid, parent_changeids"

var (
	qChangeParent     = newStmt("SELECT changeid FROM changes WHERE branch = $1 AND repository = $2 AND project = $3 AND codebase = $4 ORDER BY changeid DESC LIMIT 1")
	qChangeParentNull = newStmt("SELECT changeid FROM changes WHERE branch IS NULL AND repository = $1 AND project = $2 AND codebase = $3 ORDER BY changeid DESC LIMIT 1")
	qChangeInsert     = newStmt("INSERT INTO changes (author, committer, comments, branch, revision, revlink, when_timestamp, category, repository, codebase, project, sourcestampid, parent_changeids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING changeid")
	qChangeFileIns    = newStmt("INSERT INTO change_files (changeid, filename) VALUES ($1, $2)")
	qChangePropIns    = newStmt("INSERT INTO change_properties (changeid, property_name, property_value) VALUES ($1, $2, $3)")
	qChangeUserIns    = newStmt("INSERT INTO change_users (changeid, uid) VALUES ($1, $2)")
	qChangeGet        = newStmt("SELECT " + changeCols + " FROM changes WHERE changeid = $1")
	qChangeFiles      = newStmt("SELECT filename FROM change_files WHERE changeid = $1")
	qChangeProps      = newStmt("SELECT property_name, property_value FROM change_properties WHERE changeid = $1")
	qChangeLast       = newStmt("SELECT max(changeid) FROM changes")
	qChangeUIDs       = newStmt("SELECT uid FROM change_users WHERE changeid = $1")
	qChangesBySS      = newStmt("SELECT changeid FROM changes WHERE sourcestampid = $1 ORDER BY changeid")
)

// Column widths of changes (PostgreSQL enforces them).
const (
	changeAuthorLength   = 255
	changeBranchLength   = 255
	changeRevisionLength = 255
	changeRevlinkLength  = 256
	changeRepoLength     = 512
	changeCodebaseLength = 256
	changeProjectLength  = 512
	changeFileLength     = 1024
)

// Add inserts a change: its source stamp (found or created), its parent
// (the latest change on the same branch, repository, project and codebase),
// files, properties and user link, and returns it as stored.
func (c Changes) Add(ctx context.Context, spec ChangeSpec) (*Change, *SourceStamp, error) {
	var ch *Change
	var ss *SourceStamp
	err := c.write(ctx, func(t *Tx) error {
		var err error
		ch, ss, err = addChange(ctx, t, spec)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("add change: %w", err)
	}
	return ch, ss, nil
}

func addChange(ctx context.Context, t *Tx, spec ChangeSpec) (*Change, *SourceStamp, error) {
	ch := &Change{
		Author:        clip(spec.Author, changeAuthorLength),
		Committer:     clipPtr(spec.Committer, changeAuthorLength),
		Comments:      spec.Comments,
		Branch:        clipPtr(spec.Branch, changeBranchLength),
		Revision:      clipPtr(spec.Revision, changeRevisionLength),
		Revlink:       clipPtr(spec.Revlink, changeRevlinkLength),
		WhenTimestamp: spec.WhenTimestamp,
		Category:      clipPtr(spec.Category, 255),
		Repository:    clip(spec.Repository, changeRepoLength),
		Codebase:      clip(spec.Codebase, changeCodebaseLength),
		Project:       clip(spec.Project, changeProjectLength),
		Properties:    spec.Properties,
	}
	if ch.WhenTimestamp == 0 {
		ch.WhenTimestamp = t.db.Now()
	}
	ss, _, err := findOrCreateSourceStamp(ctx, t, SourceStampSpec{
		Branch: ch.Branch, Revision: ch.Revision, Repository: ch.Repository,
		Project: ch.Project, Codebase: ch.Codebase,
	})
	if err != nil {
		return nil, nil, err
	}
	ch.SourceStampID = ss.ID
	var parent sql.NullInt64
	if ch.Branch != nil {
		err = t.queryRow(ctx, qChangeParent, *ch.Branch, ch.Repository, ch.Project, ch.Codebase).Scan(&parent)
	} else {
		err = t.queryRow(ctx, qChangeParentNull, ch.Repository, ch.Project, ch.Codebase).Scan(&parent)
	}
	if _, err := noRows(err); err != nil {
		return nil, nil, fmt.Errorf("find parent change: %w", err)
	}
	ch.ParentChangeIDs = []int64{}
	if parent.Valid {
		ch.ParentChangeIDs = []int64{parent.Int64}
	}
	if err := t.queryRow(ctx, qChangeInsert, ch.Author, ch.Committer, ch.Comments, ch.Branch, ch.Revision,
		ch.Revlink, ch.WhenTimestamp, ch.Category, ch.Repository, ch.Codebase, ch.Project, ch.SourceStampID,
		parent).Scan(&ch.ID); err != nil {
		return nil, nil, fmt.Errorf("insert change: %w", err)
	}
	ch.Files = make([]string, 0, len(spec.Files))
	for _, f := range spec.Files {
		f = clip(f, changeFileLength)
		ch.Files = append(ch.Files, f)
		if _, err := t.exec(ctx, qChangeFileIns, ch.ID, f); err != nil {
			return nil, nil, fmt.Errorf("insert change file: %w", err)
		}
	}
	for _, name := range sortedKeys(spec.Properties) {
		v, err := encodePair(spec.Properties[name])
		if err != nil {
			return nil, nil, fmt.Errorf("property %q: %w", name, err)
		}
		if _, err := t.exec(ctx, qChangePropIns, ch.ID, clip(name, propertyNameLength), v); err != nil {
			return nil, nil, fmt.Errorf("insert change property: %w", err)
		}
	}
	if ch.Properties == nil {
		ch.Properties = Properties{}
	}
	if spec.UID != 0 {
		if _, err := t.exec(ctx, qChangeUserIns, ch.ID, spec.UID); err != nil {
			return nil, nil, fmt.Errorf("link change to user: %w", err)
		}
	}
	return ch, ss, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func scanChange(s scanner) (Change, error) {
	var ch Change
	var committer, branch, rev, revlink, cat sql.NullString
	var parent sql.NullInt64
	err := s.Scan(&ch.ID, &ch.Author, &committer, &ch.Comments, &branch, &rev, &revlink, &ch.WhenTimestamp,
		&cat, &ch.Repository, &ch.Codebase, &ch.Project, &ch.SourceStampID, &parent)
	ch.Committer, ch.Branch, ch.Revision, ch.Revlink, ch.Category = strPtr(committer), strPtr(branch), strPtr(rev), strPtr(revlink), strPtr(cat)
	ch.ParentChangeIDs = []int64{}
	if parent.Valid {
		ch.ParentChangeIDs = []int64{parent.Int64}
	}
	return ch, err
}

// Get returns a change with its files and properties, or nil.
func (c Changes) Get(ctx context.Context, id int64) (*Change, error) {
	r := c.read()
	ch, err := scanChange(r.queryRow(ctx, qChangeGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	rows, err := r.query(ctx, qChangeFiles, id)
	if ch.Files, err = collect(rows, err, scanString); err != nil {
		return nil, fmt.Errorf("get change %d files: %w", id, err)
	}
	if ch.Files == nil {
		ch.Files = []string{}
	}
	rows, err = r.query(ctx, qChangeProps, id)
	if ch.Properties, err = scanPairProperties(rows, err); err != nil {
		return nil, fmt.Errorf("get change %d properties: %w", id, err)
	}
	return &ch, nil
}

// GetMany returns the changes with the given ids (missing ones left out),
// keyed by id, with files and properties, in a few queries.
func (c Changes) GetMany(ctx context.Context, ids []int64) (map[int64]*Change, error) {
	out := make(map[int64]*Change, len(ids))
	r := c.read()
	for _, part := range batches(uniqueIDs(ids), 500) {
		in := "(" + placeholders(1, len(part)) + ")"
		args := int64Args(nil, part)
		rows, err := r.querySQL(ctx, "SELECT "+changeCols+" FROM changes WHERE changeid IN "+in, args...)
		list, err := collect(rows, err, scanChange)
		if err != nil {
			return nil, fmt.Errorf("get changes: %w", err)
		}
		for i := range list {
			list[i].Files, list[i].Properties = []string{}, Properties{}
			out[list[i].ID] = &list[i]
		}
		rows, err = r.querySQL(ctx, "SELECT changeid, filename FROM change_files WHERE changeid IN "+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var f string
			if err := rows.Scan(&id, &f); err != nil {
				rows.Close()
				return nil, err
			}
			if ch := out[id]; ch != nil {
				ch.Files = append(ch.Files, f)
			}
		}
		rows.Close()
		rows, err = r.querySQL(ctx, "SELECT changeid, property_name, property_value FROM change_properties WHERE changeid IN "+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name, v string
			if err := rows.Scan(&id, &name, &v); err != nil {
				rows.Close()
				return nil, err
			}
			p, err := decodePair(v)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("change %d property %q: %w", id, name, err)
			}
			if ch := out[id]; ch != nil {
				ch.Properties[name] = p
			}
		}
		rows.Close()
	}
	return out, nil
}

// LastID returns the highest change id, 0 when there is none.
func (c Changes) LastID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := c.read().queryRow(ctx, qChangeLast).Scan(&id); err != nil {
		return 0, err
	}
	return id.Int64, nil
}

// UIDs returns the users linked to a change.
func (c Changes) UIDs(ctx context.Context, changeID int64) ([]int64, error) {
	rows, err := c.read().query(ctx, qChangeUIDs, changeID)
	return collect(rows, err, scanInt64)
}

// IDsForSourceStamp returns the changes that produced a source stamp.
func (c Changes) IDsForSourceStamp(ctx context.Context, ssid int64) ([]int64, error) {
	rows, err := c.read().query(ctx, qChangesBySS, ssid)
	return collect(rows, err, scanInt64)
}

// Prune keeps the newest horizon changes and deletes the older ones with
// their files, properties, user links and scheduler classifications
// (Buildbot's hourly changeHorizon cleanup). It returns how many changes
// were deleted.
func (c Changes) Prune(ctx context.Context, horizon int) (int64, error) {
	if horizon <= 0 {
		return 0, nil
	}
	var n int64
	err := c.write(ctx, func(t *Tx) error {
		var cutoff sql.NullInt64
		err := t.q.QueryRowContext(ctx, t.db.Rebind(
			"SELECT changeid FROM changes ORDER BY changeid DESC LIMIT 1 OFFSET $1"), horizon).Scan(&cutoff)
		if ok, err := noRows(err); !ok {
			return err
		}
		for _, tbl := range []string{"scheduler_changes", "change_files", "change_properties", "change_users"} {
			if _, err := t.execSQL(ctx, "DELETE FROM "+tbl+" WHERE changeid <= $1", cutoff.Int64); err != nil {
				return fmt.Errorf("prune %s: %w", tbl, err)
			}
		}
		if _, err := t.execSQL(ctx, "UPDATE changes SET parent_changeids = NULL WHERE parent_changeids <= $1", cutoff.Int64); err != nil {
			return err
		}
		res, err := t.execSQL(ctx, "DELETE FROM changes WHERE changeid <= $1", cutoff.Int64)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune changes to %d: %w", horizon, err)
	}
	return n, nil
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// scanPairProperties reads (name, JSON [value, source]) rows.
func scanPairProperties(rows *sql.Rows, err error) (Properties, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	props := Properties{}
	for rows.Next() {
		var name, v string
		if err := rows.Scan(&name, &v); err != nil {
			return nil, err
		}
		p, err := decodePair(v)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		props[name] = p
	}
	return props, rows.Err()
}
