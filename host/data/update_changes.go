package data

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
)

// ChangeInput is a change to add (Buildbot's addChange arguments).
type ChangeInput struct {
	Author    string
	Committer *string
	Files     []string
	Comments  string
	Revision  *string
	// WhenTimestamp is the change's time in Unix seconds; 0 means now.
	WhenTimestamp int64
	Branch        *string
	Category      *string
	Revlink       string
	// Properties are stored with source "Change".
	Properties map[string]any
	Repository string
	Codebase   string
	Project    string
	// Src names the version control system ("git", "svn", "hg", "cvs",
	// "darcs", "bzr", "fossil"); for those a user is found or created from
	// Author and linked to the change.
	Src string
}

// userSrcs are the version control systems for which changes create users.
var userSrcs = map[string]bool{"git": true, "svn": true, "hg": true, "cvs": true, "darcs": true, "bzr": true, "fossil": true}

// AddChange stores a change — its source stamp found or created, its parent
// (the latest change on the same branch, repository, project and codebase),
// files, properties, author's user — and the given state writes in one
// transaction, then publishes changes.N.new. It returns the change id.
func (c *Connector) AddChange(ctx context.Context, in ChangeInput, state ...StateWrite) (int64, error) {
	spec := db.ChangeSpec{
		Author: in.Author, Committer: in.Committer, Files: in.Files, Comments: in.Comments,
		Revision: in.Revision, WhenTimestamp: in.WhenTimestamp, Branch: in.Branch, Category: in.Category,
		Revlink: &in.Revlink, Repository: in.Repository, Codebase: in.Codebase, Project: in.Project,
		Properties: make(db.Properties, len(in.Properties)),
	}
	for k, v := range in.Properties {
		spec.Properties[k] = db.Property{Value: v, Source: "Change"}
	}
	var changeID int64
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		spec.UID = 0
		if userSrcs[in.Src] && in.Author != "" {
			uid, err := tx.Users().FindByAttr(ctx, in.Author, in.Src, in.Author)
			if err != nil {
				return err
			}
			spec.UID = uid
		}
		ch, ss, err := tx.Changes().Add(ctx, spec)
		if err != nil {
			return err
		}
		if err := writeState(ctx, tx, state); err != nil {
			return err
		}
		changeID = ch.ID
		ev.add(changeKey(ch.ID, "new"), changeFromRow(ch, ss))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("add change: %w", err)
	}
	return changeID, nil
}

// FindSourceStampID returns the id of the source stamp spec describes,
// creating it (and its patch) when new.
func (c *Connector) FindSourceStampID(ctx context.Context, spec db.SourceStampSpec) (int64, error) {
	return c.db.SourceStamps().FindID(ctx, spec)
}
