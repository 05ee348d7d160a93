package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// BuildRequest is a row of `buildrequests` with its claim, if any.
type BuildRequest struct {
	ID                int64
	BuildsetID        int64
	BuilderID         int64
	Priority          int
	Complete          bool
	Results           *int
	SubmittedAt       int64
	CompleteAt        *int64
	WaitedFor         bool
	ClaimedAt         *int64
	ClaimedByMasterID *int64
}

// Claimed reports whether the request has a claim.
func (r *BuildRequest) Claimed() bool { return r.ClaimedAt != nil }

// BuildRequests is the buildrequests and buildrequest_claims component.
type BuildRequests struct{ comp }

// BuildRequests returns the build requests component.
func (d *DB) BuildRequests() BuildRequests { return BuildRequests{comp{d: d}} }

// BuildRequests returns the build requests component inside the transaction.
func (t *Tx) BuildRequests() BuildRequests { return BuildRequests{comp{d: t.db, tx: t}} }

const brCols = "br.id, br.buildsetid, br.builderid, br.priority, br.complete, br.results, br.submitted_at, br.complete_at, br.waited_for, c.claimed_at, c.masterid"
const brFrom = " FROM buildrequests br LEFT JOIN buildrequest_claims c ON c.brid = br.id"

var (
	qBRGet             = newStmt("SELECT " + brCols + brFrom + " WHERE br.id = $1")
	qBRClaim1          = newStmt("INSERT INTO buildrequest_claims (brid, masterid, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (brid) DO NOTHING")
	qBRUnclaimedFor    = newStmt("SELECT " + brCols + brFrom + " WHERE br.builderid = $1 AND br.complete = 0 AND c.claimed_at IS NULL ORDER BY br.submitted_at, br.id")
	qBRMasterIncompl   = newStmt("SELECT br.id" + brFrom + " WHERE c.masterid = $1 AND br.complete = 0 ORDER BY br.id")
	qBRComplete1       = newStmt("UPDATE buildrequests SET complete = 1, results = $2, complete_at = $3 WHERE id = $1 AND complete <> 1")
	qBRBuildIDs        = newStmt("SELECT id FROM builds WHERE buildrequestid = $1 ORDER BY id")
	qBRUnclaimMasterRq = newStmt("DELETE FROM buildrequest_claims WHERE masterid = $1 AND brid IN (SELECT id FROM buildrequests WHERE complete = 0)")
)

func scanBuildRequest(s scanner) (BuildRequest, error) {
	var br BuildRequest
	var complete, waited, res, completeAt, claimedAt, master sql.NullInt64
	err := s.Scan(&br.ID, &br.BuildsetID, &br.BuilderID, &br.Priority, &complete, &res, &br.SubmittedAt,
		&completeAt, &waited, &claimedAt, &master)
	br.Complete, br.WaitedFor = complete.Int64 != 0, waited.Int64 != 0
	br.Results, br.CompleteAt, br.ClaimedAt, br.ClaimedByMasterID = intPtr(res), int64Ptr(completeAt), int64Ptr(claimedAt), int64Ptr(master)
	return br, err
}

// Get returns a build request with its claim, or nil.
func (c BuildRequests) Get(ctx context.Context, id int64) (*BuildRequest, error) {
	br, err := scanBuildRequest(c.read().queryRow(ctx, qBRGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &br, nil
}

// GetMany returns the build requests with the given ids, in id order
// (missing ones left out).
func (c BuildRequests) GetMany(ctx context.Context, ids []int64) ([]BuildRequest, error) {
	return getRequests(ctx, c.read(), ids)
}

func getRequests(ctx context.Context, r runner, ids []int64) ([]BuildRequest, error) {
	if len(ids) == 1 {
		br, err := scanBuildRequest(r.queryRow(ctx, qBRGet, ids[0]))
		if ok, err := noRows(err); !ok {
			return nil, err
		}
		return []BuildRequest{br}, nil
	}
	var out []BuildRequest
	for _, part := range batches(uniqueIDs(ids), 500) {
		rows, err := r.querySQL(ctx, "SELECT "+brCols+brFrom+" WHERE br.id IN ("+placeholders(1, len(part))+") ORDER BY br.id", int64Args(nil, part)...)
		list, err := collect(rows, err, scanBuildRequest)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// BuildRequestFilter selects build requests; zero fields select anything.
type BuildRequestFilter struct {
	BuilderID  int64
	BuildsetID int64
	Complete   *bool
	// Claimed: true = has a claim, false = no claim and not complete (as
	// Buildbot's claimed=False).
	Claimed *bool
	// ClaimedBy selects requests claimed by this master.
	ClaimedBy int64
}

// List returns the build requests matching f, oldest first.
func (c BuildRequests) List(ctx context.Context, f BuildRequestFilter) ([]BuildRequest, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.BuilderID != 0 {
		add("br.builderid = $?", f.BuilderID)
	}
	if f.BuildsetID != 0 {
		add("br.buildsetid = $?", f.BuildsetID)
	}
	if f.Complete != nil {
		if *f.Complete {
			where = append(where, "br.complete <> 0")
		} else {
			where = append(where, "br.complete = 0")
		}
	}
	if f.Claimed != nil {
		if *f.Claimed {
			where = append(where, "c.claimed_at IS NOT NULL")
		} else {
			where = append(where, "c.claimed_at IS NULL AND br.complete = 0")
		}
	}
	if f.ClaimedBy != 0 {
		add("c.masterid = $?", f.ClaimedBy)
	}
	q := "SELECT " + brCols + brFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY br.submitted_at, br.id"
	rows, err := c.read().querySQL(ctx, q, args...)
	return collect(rows, err, scanBuildRequest)
}

// Unclaimed returns a builder's unclaimed requests, oldest first.
func (c BuildRequests) Unclaimed(ctx context.Context, builderID int64) ([]BuildRequest, error) {
	rows, err := c.read().query(ctx, qBRUnclaimedFor, builderID)
	return collect(rows, err, scanBuildRequest)
}

// BuildIDs returns the builds started for a request.
func (c BuildRequests) BuildIDs(ctx context.Context, brid int64) ([]int64, error) {
	rows, err := c.read().query(ctx, qBRBuildIDs, brid)
	return collect(rows, err, scanInt64)
}

// errAlreadyClaimed rolls a claim back.
var errAlreadyClaimed = errors.New("already claimed")

// Claim claims the requests for masterID, all or none: the unique index on
// buildrequest_claims.brid makes one master win. It returns the claimed
// requests and true, or nil and false (no error) when any was already
// claimed.
func (c BuildRequests) Claim(ctx context.Context, masterID int64, brids []int64, claimedAt int64) ([]BuildRequest, bool, error) {
	// Claim in id order so two masters claiming overlapping sets on
	// PostgreSQL wait for each other instead of deadlocking.
	brids = uniqueIDs(brids)
	slices.Sort(brids)
	var out []BuildRequest
	err := c.write(ctx, func(t *Tx) error {
		for _, id := range brids {
			res, err := t.exec(ctx, qBRClaim1, id, masterID, claimedAt)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return errAlreadyClaimed
			}
		}
		var err error
		out, err = getRequests(ctx, t, brids)
		if err == nil && len(out) != len(brids) {
			err = fmt.Errorf("claimed build requests %v: %w", brids, ErrNotFound)
		}
		return err
	})
	if errors.Is(err, errAlreadyClaimed) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("claim build requests %v: %w", brids, err)
	}
	return out, true, nil
}

// Unclaim deletes masterID's claims on the requests, in batches of 100,
// and returns the requests as they are afterwards.
func (c BuildRequests) Unclaim(ctx context.Context, masterID int64, brids []int64) ([]BuildRequest, error) {
	brids = uniqueIDs(brids)
	var out []BuildRequest
	err := c.write(ctx, func(t *Tx) error {
		if _, err := inBatches(ctx, t, "DELETE FROM buildrequest_claims WHERE masterid = $1 AND brid IN ({{ids}})",
			[]any{masterID}, brids, 100); err != nil {
			return err
		}
		var err error
		out, err = getRequests(ctx, t, brids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("unclaim build requests %v: %w", brids, err)
	}
	return out, nil
}

// UnclaimAllForMaster deletes the claims masterID holds on incomplete
// requests (housekeeping of a stopped or dead master) and returns those
// requests as they are afterwards.
func (c BuildRequests) UnclaimAllForMaster(ctx context.Context, masterID int64) ([]BuildRequest, error) {
	var out []BuildRequest
	err := c.write(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, qBRMasterIncompl, masterID)
		ids, err := collect(rows, err, scanInt64)
		if err != nil || len(ids) == 0 {
			return err
		}
		if _, err := t.exec(ctx, qBRUnclaimMasterRq, masterID); err != nil {
			return err
		}
		out, err = getRequests(ctx, t, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("unclaim build requests of master %d: %w", masterID, err)
	}
	return out, nil
}

// errNotClaimed rolls a completion back.
var errNotClaimed = errors.New("not claimed")

// Complete marks the requests complete with results, all or none: when any
// is already complete nothing changes and it returns false (Buildbot's
// NotClaimedError). It returns the requests as completed.
func (c BuildRequests) Complete(ctx context.Context, brids []int64, result int, completeAt int64) ([]BuildRequest, bool, error) {
	brids = uniqueIDs(brids)
	var out []BuildRequest
	err := c.write(ctx, func(t *Tx) error {
		if len(brids) == 1 {
			res, err := t.exec(ctx, qBRComplete1, brids[0], result, completeAt)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return errNotClaimed
			}
		} else {
			for _, part := range batches(brids, 100) {
				n, err := inBatches(ctx, t, "UPDATE buildrequests SET complete = 1, results = $1, complete_at = $2 WHERE complete <> 1 AND id IN ({{ids}})",
					[]any{result, completeAt}, part, 100)
				if err != nil {
					return err
				}
				if n != int64(len(part)) {
					return errNotClaimed
				}
			}
		}
		var err error
		out, err = getRequests(ctx, t, brids)
		return err
	})
	if errors.Is(err, errNotClaimed) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("complete build requests %v: %w", brids, err)
	}
	return out, true, nil
}
