package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bbhost/bbhost/host/results"
)

// Buildset is a row of `buildsets` with its source stamp ids.
type Buildset struct {
	ID                 int64
	ExternalIDString   *string
	Reason             string
	SubmittedAt        int64
	Complete           bool
	CompleteAt         *int64
	Results            *int
	ParentBuildID      *int64
	ParentRelationship *string
	SourceStampIDs     []int64
}

// SourceStampRef names a buildset's source stamp: an existing id, or a
// stamp to find or create.
type SourceStampRef struct {
	ID   int64
	Spec *SourceStampSpec
}

// BuildsetSpec is a buildset to add.
type BuildsetSpec struct {
	SourceStamps       []SourceStampRef
	Reason             string
	Properties         Properties
	BuilderIDs         []int64
	WaitedFor          bool
	ExternalIDString   *string
	SubmittedAt        int64 // 0: now
	ParentBuildID      *int64
	ParentRelationship *string
}

// AddedBuildset is what Add wrote.
type AddedBuildset struct {
	Buildset     Buildset
	SourceStamps []SourceStamp
	// Requests are the new build requests, in the order of BuilderIDs.
	Requests []BuildRequest
}

// BRIDs maps each builder id to its new build request id.
func (a *AddedBuildset) BRIDs() map[int64]int64 {
	m := make(map[int64]int64, len(a.Requests))
	for _, r := range a.Requests {
		m[r.BuilderID] = r.ID
	}
	return m
}

// Buildsets is the buildsets component: buildsets, buildset_properties and
// buildset_sourcestamps.
type Buildsets struct{ comp }

// Buildsets returns the buildsets component.
func (d *DB) Buildsets() Buildsets { return Buildsets{comp{d: d}} }

// Buildsets returns the buildsets component inside the transaction.
func (t *Tx) Buildsets() Buildsets { return Buildsets{comp{d: t.db, tx: t}} }

const bsCols = "id, external_idstring, reason, submitted_at, complete, complete_at, results, parent_buildid, parent_relationship"

var (
	qBSInsert   = newStmt("INSERT INTO buildsets (external_idstring, reason, submitted_at, complete, complete_at, results, parent_buildid, parent_relationship) VALUES ($1, $2, $3, 0, NULL, -1, $4, $5) RETURNING id")
	qBSPropIns  = newStmt("INSERT INTO buildset_properties (buildsetid, property_name, property_value) VALUES ($1, $2, $3)")
	qBSSSIns    = newStmt("INSERT INTO buildset_sourcestamps (buildsetid, sourcestampid) VALUES ($1, $2) ON CONFLICT DO NOTHING")
	qBRInsert   = newStmt("INSERT INTO buildrequests (buildsetid, builderid, priority, complete, results, submitted_at, complete_at, waited_for) VALUES ($1, $2, 0, 0, -1, $3, NULL, $4) RETURNING id")
	qBSGet      = newStmt("SELECT " + bsCols + " FROM buildsets WHERE id = $1")
	qBSSSIDs    = newStmt("SELECT sourcestampid FROM buildset_sourcestamps WHERE buildsetid = $1 ORDER BY id")
	qBSProps    = newStmt("SELECT property_name, property_value FROM buildset_properties WHERE buildsetid = $1")
	qBSComplete = newStmt("UPDATE buildsets SET complete = 1, results = $2, complete_at = $3 WHERE id = $1 AND (complete IS NULL OR complete <> 1) RETURNING " + bsCols)
	qBSBRState  = newStmt("SELECT complete, results FROM buildrequests WHERE buildsetid = $1")
)

// Add inserts a buildset, its properties and source stamps (found or
// created) and one build request per builder id, in one transaction.
func (c Buildsets) Add(ctx context.Context, spec BuildsetSpec) (*AddedBuildset, error) {
	var out *AddedBuildset
	err := c.write(ctx, func(t *Tx) error {
		var err error
		out, err = addBuildset(ctx, t, spec)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("add buildset: %w", err)
	}
	return out, nil
}

func addBuildset(ctx context.Context, t *Tx, spec BuildsetSpec) (*AddedBuildset, error) {
	out := &AddedBuildset{}
	for _, ref := range spec.SourceStamps {
		var ss *SourceStamp
		var err error
		if ref.Spec != nil {
			ss, _, err = findOrCreateSourceStamp(ctx, t, *ref.Spec)
		} else {
			ss, err = t.SourceStamps().Get(ctx, ref.ID)
			if err == nil && ss == nil {
				err = fmt.Errorf("source stamp %d: %w", ref.ID, ErrNotFound)
			}
		}
		if err != nil {
			return nil, err
		}
		out.SourceStamps = append(out.SourceStamps, *ss)
	}
	submitted := spec.SubmittedAt
	if submitted == 0 {
		submitted = t.db.Now()
	}
	bs := &out.Buildset
	*bs = Buildset{
		ExternalIDString:   clipPtr(spec.ExternalIDString, 256),
		Reason:             clip(spec.Reason, 256),
		SubmittedAt:        submitted,
		ParentBuildID:      spec.ParentBuildID,
		ParentRelationship: spec.ParentRelationship,
	}
	minus1 := -1
	bs.Results = &minus1
	if err := t.queryRow(ctx, qBSInsert, bs.ExternalIDString, bs.Reason, bs.SubmittedAt,
		bs.ParentBuildID, bs.ParentRelationship).Scan(&bs.ID); err != nil {
		return nil, fmt.Errorf("insert buildset: %w", err)
	}
	for _, name := range sortedKeys(spec.Properties) {
		v, err := encodePair(spec.Properties[name])
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		if _, err := t.exec(ctx, qBSPropIns, bs.ID, clip(name, propertyNameLength), v); err != nil {
			return nil, fmt.Errorf("insert buildset property: %w", err)
		}
	}
	seen := map[int64]bool{}
	for _, ss := range out.SourceStamps {
		if seen[ss.ID] {
			continue
		}
		seen[ss.ID] = true
		bs.SourceStampIDs = append(bs.SourceStampIDs, ss.ID)
		if _, err := t.exec(ctx, qBSSSIns, bs.ID, ss.ID); err != nil {
			return nil, fmt.Errorf("insert buildset source stamp: %w", err)
		}
	}
	for _, builderID := range uniqueIDs(spec.BuilderIDs) {
		br := BuildRequest{BuildsetID: bs.ID, BuilderID: builderID, SubmittedAt: submitted,
			WaitedFor: spec.WaitedFor, Results: &minus1}
		if err := t.queryRow(ctx, qBRInsert, bs.ID, builderID, submitted, boolInt(spec.WaitedFor)).Scan(&br.ID); err != nil {
			return nil, fmt.Errorf("insert build request: %w", err)
		}
		out.Requests = append(out.Requests, br)
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scanBuildset(s scanner) (Buildset, error) {
	var bs Buildset
	var ext, reason, rel sql.NullString
	var completeAt, res, parent sql.NullInt64
	var complete sql.NullInt64
	err := s.Scan(&bs.ID, &ext, &reason, &bs.SubmittedAt, &complete, &completeAt, &res, &parent, &rel)
	bs.ExternalIDString, bs.Reason, bs.ParentRelationship = strPtr(ext), reason.String, strPtr(rel)
	bs.Complete, bs.CompleteAt, bs.Results, bs.ParentBuildID = complete.Int64 != 0, int64Ptr(completeAt), intPtr(res), int64Ptr(parent)
	return bs, err
}

// Get returns a buildset with its source stamp ids, or nil.
func (c Buildsets) Get(ctx context.Context, id int64) (*Buildset, error) {
	r := c.read()
	bs, err := scanBuildset(r.queryRow(ctx, qBSGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	rows, err := r.query(ctx, qBSSSIDs, id)
	if bs.SourceStampIDs, err = collect(rows, err, scanInt64); err != nil {
		return nil, fmt.Errorf("get buildset %d: %w", id, err)
	}
	return &bs, nil
}

// GetMany returns the buildsets with the given ids, keyed by id.
func (c Buildsets) GetMany(ctx context.Context, ids []int64) (map[int64]*Buildset, error) {
	out := make(map[int64]*Buildset, len(ids))
	r := c.read()
	for _, part := range batches(uniqueIDs(ids), 500) {
		in := "(" + placeholders(1, len(part)) + ")"
		args := int64Args(nil, part)
		rows, err := r.querySQL(ctx, "SELECT "+bsCols+" FROM buildsets WHERE id IN "+in, args...)
		list, err := collect(rows, err, scanBuildset)
		if err != nil {
			return nil, fmt.Errorf("get buildsets: %w", err)
		}
		for i := range list {
			out[list[i].ID] = &list[i]
		}
		rows, err = r.querySQL(ctx, "SELECT buildsetid, sourcestampid FROM buildset_sourcestamps WHERE buildsetid IN "+in+" ORDER BY id", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var bsid, ssid int64
			if err := rows.Scan(&bsid, &ssid); err != nil {
				rows.Close()
				return nil, err
			}
			if bs := out[bsid]; bs != nil {
				bs.SourceStampIDs = append(bs.SourceStampIDs, ssid)
			}
		}
		rows.Close()
	}
	return out, nil
}

// Properties returns a buildset's properties.
func (c Buildsets) Properties(ctx context.Context, id int64) (Properties, error) {
	rows, err := c.read().query(ctx, qBSProps, id)
	props, err := scanPairProperties(rows, err)
	if err != nil {
		return nil, fmt.Errorf("buildset %d properties: %w", id, err)
	}
	return props, nil
}

// MaybeComplete completes a buildset whose requests are all complete, with
// the worst of their results (Buildbot's maybeBuildsetComplete). It returns
// the buildset as completed (without its SourceStampIDs), or nil when some
// request is still incomplete or the buildset was already complete.
func (c Buildsets) MaybeComplete(ctx context.Context, id, completeAt int64) (*Buildset, error) {
	var out *Buildset
	err := c.write(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, qBSBRState, id)
		if err != nil {
			return err
		}
		result := results.Success
		incomplete := false
		for rows.Next() {
			var complete, res sql.NullInt64
			if err := rows.Scan(&complete, &res); err != nil {
				rows.Close()
				return err
			}
			if complete.Int64 == 0 {
				incomplete = true
				break
			}
			result = results.Worst(result, int(res.Int64))
		}
		rows.Close()
		if err := rows.Err(); err != nil || incomplete {
			return err
		}
		bs, err := scanBuildset(t.queryRow(ctx, qBSComplete, id, result, completeAt))
		if ok, err := noRows(err); !ok {
			return err // already complete (or gone)
		}
		out = &bs
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("complete buildset %d: %w", id, err)
	}
	return out, nil
}
