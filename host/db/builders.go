package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// Builder is a row of `builders` with its masters (builder_masters) and tag
// names (builders_tags).
type Builder struct {
	ID          int64
	Name        string
	Description *string
	ProjectID   *int64
	MasterIDs   []int64
	Tags        []string
}

// Builders is the builders component: builders, builder_masters, tags and
// builders_tags.
type Builders struct{ comp }

// Builders returns the builders component.
func (d *DB) Builders() Builders { return Builders{comp{d: d}} }

// Builders returns the builders component inside the transaction.
func (t *Tx) Builders() Builders { return Builders{comp{d: t.db, tx: t}} }

var (
	qBuilderByHash  = newStmt("SELECT id FROM builders WHERE name_hash = $1")
	qBuilderInsert  = newStmt("INSERT INTO builders (name, name_hash) VALUES ($1, $2) ON CONFLICT (name_hash) DO NOTHING RETURNING id")
	qBuilderGet     = newStmt("SELECT id, name, description, projectid FROM builders WHERE id = $1")
	qBuilderAll     = newStmt("SELECT id, name, description, projectid FROM builders ORDER BY id")
	qBuilderMasters = newStmt("SELECT masterid FROM builder_masters WHERE builderid = $1 ORDER BY masterid")
	qBuilderTags    = newStmt("SELECT t.name FROM builders_tags bt JOIN tags t ON t.id = bt.tagid WHERE bt.builderid = $1 ORDER BY bt.id")
	qBuilderSetInfo = newStmt("UPDATE builders SET description = $2, projectid = $3 WHERE id = $1")
	qBuilderTagsDel = newStmt("DELETE FROM builders_tags WHERE builderid = $1")
	qBuilderTagIns  = newStmt("INSERT INTO builders_tags (builderid, tagid) VALUES ($1, $2) ON CONFLICT DO NOTHING")
	qBMAll          = newStmt("SELECT id, builderid, masterid FROM builder_masters ORDER BY builderid, masterid")
	qBMInsert       = newStmt("INSERT INTO builder_masters (builderid, masterid) VALUES ($1, $2) ON CONFLICT DO NOTHING")
	qBMDelete       = newStmt("DELETE FROM builder_masters WHERE builderid = $1 AND masterid = $2")
	qBMCfgDelete    = newStmt("DELETE FROM configured_workers WHERE buildermasterid IN (SELECT id FROM builder_masters WHERE builderid = $1 AND masterid = $2)")
	qTagsAllBT      = newStmt("SELECT bt.builderid, t.name FROM builders_tags bt JOIN tags t ON t.id = bt.tagid ORDER BY bt.id")
	qTagByHash      = newStmt("SELECT id FROM tags WHERE name_hash = $1")
	qTagInsert      = newStmt("INSERT INTO tags (name, name_hash) VALUES ($1, $2) ON CONFLICT (name_hash) DO NOTHING RETURNING id")
	qTagAll         = newStmt("SELECT id, name FROM tags")
)

// FindID returns the id of the builder named name, inserting it when new.
func (c Builders) FindID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		h := HashColumns(name)
		id, err = findOrInsert(ctx, t, qBuilderByHash, qBuilderInsert, []any{h}, []any{name, h})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find builder %q: %w", name, err)
	}
	return id, nil
}

// FindTagID returns the id of the tag named name, inserting it when new.
func (c Builders) FindTagID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		h := HashColumns(name)
		id, err = findOrInsert(ctx, t, qTagByHash, qTagInsert, []any{h}, []any{name, h})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find tag %q: %w", name, err)
	}
	return id, nil
}

func scanBuilderRow(s scanner) (Builder, error) {
	var b Builder
	var desc sql.NullString
	var proj sql.NullInt64
	err := s.Scan(&b.ID, &b.Name, &desc, &proj)
	b.Description, b.ProjectID = strPtr(desc), int64Ptr(proj)
	return b, err
}

// Get returns a builder with its masters and tags, or nil.
func (c Builders) Get(ctx context.Context, id int64) (*Builder, error) {
	r := c.read()
	b, err := scanBuilderRow(r.queryRow(ctx, qBuilderGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	if err := c.fill(ctx, r, &b); err != nil {
		return nil, fmt.Errorf("get builder %d: %w", id, err)
	}
	return &b, nil
}

func (c Builders) fill(ctx context.Context, r runner, b *Builder) error {
	rows, err := r.query(ctx, qBuilderMasters, b.ID)
	if b.MasterIDs, err = collect(rows, err, scanInt64); err != nil {
		return err
	}
	rows, err = r.query(ctx, qBuilderTags, b.ID)
	b.Tags, err = collect(rows, err, func(s scanner) (string, error) {
		var v string
		return v, s.Scan(&v)
	})
	return err
}

// List returns every builder (on the master masterID when it is not 0),
// by id, with masters and tags.
func (c Builders) List(ctx context.Context, masterID int64) ([]Builder, error) {
	st, err := loadBuilderState(ctx, c.read())
	if err != nil {
		return nil, fmt.Errorf("list builders: %w", err)
	}
	out := make([]Builder, 0, len(st.list))
	for _, b := range st.list {
		if masterID == 0 || slices.Contains(b.MasterIDs, masterID) {
			out = append(out, *b)
		}
	}
	return out, nil
}

// BuilderInfo is what UpdateInfo writes.
type BuilderInfo struct {
	Description *string
	Tags        []string
	ProjectID   *int64
}

// UpdateInfo sets a builder's description, project and tags (tags are
// found or created by name) and returns the builder as written.
func (c Builders) UpdateInfo(ctx context.Context, id int64, info BuilderInfo) (*Builder, error) {
	var b *Builder
	err := c.write(ctx, func(t *Tx) error {
		tb := t.Builders()
		if _, err := t.exec(ctx, qBuilderSetInfo, id, info.Description, info.ProjectID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, qBuilderTagsDel, id); err != nil {
			return err
		}
		for _, tag := range dedupe(info.Tags) {
			tagID, err := tb.FindTagID(ctx, tag)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, qBuilderTagIns, id, tagID); err != nil {
				return err
			}
		}
		var err error
		b, err = tb.Get(ctx, id)
		if err == nil && b == nil {
			err = fmt.Errorf("builder %d: %w", id, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update builder %d info: %w", id, err)
	}
	return b, nil
}

// AddMaster links a builder to a master (no error when already linked).
func (c Builders) AddMaster(ctx context.Context, builderID, masterID int64) error {
	return c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qBMInsert, builderID, masterID)
		return err
	})
}

// RemoveMaster unlinks a builder from a master, with the workers configured
// on that link.
func (c Builders) RemoveMaster(ctx context.Context, builderID, masterID int64) error {
	return c.write(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, qBMCfgDelete, builderID, masterID); err != nil {
			return err
		}
		_, err := t.exec(ctx, qBMDelete, builderID, masterID)
		return err
	})
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
