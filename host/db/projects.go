package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Project is a row of `projects` (Buildbot 3.9).
type Project struct {
	ID                int64
	Name              string
	Slug              string
	Description       *string
	DescriptionFormat *string
	DescriptionHTML   *string
}

// Projects is the `projects` component.
type Projects struct{ comp }

// Projects returns the projects component.
func (d *DB) Projects() Projects { return Projects{comp{d: d}} }

// Projects returns the projects component inside the transaction.
func (t *Tx) Projects() Projects { return Projects{comp{d: t.db, tx: t}} }

const projectCols = "id, name, slug, description, description_format, description_html"

var (
	qProjectByHash = newStmt("SELECT id FROM projects WHERE name_hash = $1")
	qProjectInsert = newStmt("INSERT INTO projects (name, name_hash, slug) VALUES ($1, $2, $3) ON CONFLICT (name_hash) DO NOTHING RETURNING id")
	qProjectGet    = newStmt("SELECT " + projectCols + " FROM projects WHERE id = $1")
	qProjectAll    = newStmt("SELECT " + projectCols + " FROM projects ORDER BY id")
	qProjectUpdate = newStmt("UPDATE projects SET slug = $2, description = $3, description_format = $4, description_html = $5 WHERE id = $1")
)

func scanProject(s scanner) (Project, error) {
	var p Project
	var d, f, h sql.NullString
	err := s.Scan(&p.ID, &p.Name, &p.Slug, &d, &f, &h)
	p.Description, p.DescriptionFormat, p.DescriptionHTML = strPtr(d), strPtr(f), strPtr(h)
	return p, err
}

// FindID returns the id of the project named name, inserting it (slug =
// the name as an identifier) when new.
func (c Projects) FindID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := c.write(ctx, func(t *Tx) error {
		var err error
		h := HashColumns(name)
		id, err = findOrInsert(ctx, t, qProjectByHash, qProjectInsert, []any{h}, []any{name, h, ForceIdentifier(50, name)})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find project %q: %w", name, err)
	}
	return id, nil
}

// Get returns a project, or nil.
func (c Projects) Get(ctx context.Context, id int64) (*Project, error) {
	p, err := scanProject(c.read().queryRow(ctx, qProjectGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &p, nil
}

// List returns every project, by id.
func (c Projects) List(ctx context.Context) ([]Project, error) {
	rows, err := c.read().query(ctx, qProjectAll)
	return collect(rows, err, scanProject)
}

// UpdateInfo sets a project's slug and description.
func (c Projects) UpdateInfo(ctx context.Context, p Project) error {
	return c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qProjectUpdate, p.ID, ForceIdentifier(50, p.Slug), p.Description, p.DescriptionFormat, p.DescriptionHTML)
		return err
	})
}

// resolve finds or creates the projects the specs name.
func (c Projects) resolve(ctx context.Context, specs []BuilderSpec) (map[string]*int64, error) {
	out := map[string]*int64{"": nil}
	for _, s := range specs {
		if _, ok := out[s.Project]; ok {
			continue
		}
		id, err := c.FindID(ctx, s.Project)
		if err != nil {
			return nil, err
		}
		out[s.Project] = &id
	}
	return out, nil
}
