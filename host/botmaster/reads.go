package botmaster

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
)

// SQLReads implements Reads with queries on the database's reader pool.
// Reads never change state, so they go straight to host/db.
type SQLReads struct{ DB *db.DB }

var _ Reads = SQLReads{}

// inBatch bounds the ids of one IN list.
const inBatch = 500

func placeholders(n, from int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// PendingRequests implements Reads. Above a few hundred builders it reads
// every pending request at once and filters here (one query at start).
func (r SQLReads) PendingRequests(ctx context.Context, builderIDs []int64) ([]PendingRequest, error) {
	if len(builderIDs) == 0 {
		return nil, nil
	}
	const base = `SELECT br.id, br.buildsetid, br.builderid, br.priority, br.submitted_at
		FROM buildrequests br LEFT JOIN buildrequest_claims c ON c.brid = br.id
		WHERE (br.complete IS NULL OR br.complete = 0) AND c.brid IS NULL`
	var out []PendingRequest
	scan := func(rows *sql.Rows, keep func(int64) bool) error {
		defer rows.Close()
		for rows.Next() {
			var p PendingRequest
			if err := rows.Scan(&p.BRID, &p.BSID, &p.BuilderID, &p.Priority, &p.SubmittedAt); err != nil {
				return err
			}
			if keep == nil || keep(p.BuilderID) {
				out = append(out, p)
			}
		}
		return rows.Err()
	}
	if len(builderIDs) > inBatch {
		want := make(map[int64]bool, len(builderIDs))
		for _, id := range builderIDs {
			want[id] = true
		}
		rows, err := r.DB.Query(ctx, base)
		if err != nil {
			return nil, fmt.Errorf("pending build requests: %w", err)
		}
		if err := scan(rows, func(id int64) bool { return want[id] }); err != nil {
			return nil, fmt.Errorf("pending build requests: %w", err)
		}
		return out, nil
	}
	args := make([]any, len(builderIDs))
	for i, id := range builderIDs {
		args[i] = id
	}
	rows, err := r.DB.Query(ctx, base+" AND br.builderid IN ("+placeholders(len(args), 1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("pending build requests: %w", err)
	}
	if err := scan(rows, nil); err != nil {
		return nil, fmt.Errorf("pending build requests: %w", err)
	}
	return out, nil
}

// UnclaimedRequestsOfBuilder implements Reads.
func (r SQLReads) UnclaimedRequestsOfBuilder(ctx context.Context, builderID int64) ([]PendingRequest, error) {
	rows, err := r.DB.Query(ctx, `SELECT br.id, br.buildsetid, br.builderid, br.priority, br.submitted_at
		FROM buildrequests br LEFT JOIN buildrequest_claims c ON c.brid = br.id
		WHERE (br.complete IS NULL OR br.complete = 0) AND c.brid IS NULL AND br.builderid = $1
		ORDER BY br.submitted_at, br.id`, builderID)
	if err != nil {
		return nil, fmt.Errorf("unclaimed requests of builder %d: %w", builderID, err)
	}
	defer rows.Close()
	var out []PendingRequest
	for rows.Next() {
		var p PendingRequest
		if err := rows.Scan(&p.BRID, &p.BSID, &p.BuilderID, &p.Priority, &p.SubmittedAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// decodeProp decodes a [value, source] JSON property column.
func decodeProp(raw string) ([2]any, error) {
	var pair []any
	if err := json.Unmarshal([]byte(raw), &pair); err != nil {
		return [2]any{}, err
	}
	if len(pair) != 2 {
		return [2]any{}, fmt.Errorf("property value %q is not [value, source]", raw)
	}
	return [2]any{pair[0], pair[1]}, nil
}

// RequestDetails implements Reads, in two queries when the stamps have no
// changes (three otherwise): the request with its buildset and properties,
// then the stamps with their patches and changes.
func (r SQLReads) RequestDetails(ctx context.Context, brid int64) (*RequestDetails, error) {
	d := &RequestDetails{BRID: brid, Properties: data.SourcedProperties{}}
	rows, err := r.DB.Query(ctx, `SELECT br.buildsetid, br.builderid, br.submitted_at, br.waited_for, bs.reason,
			bp.property_name, bp.property_value
		FROM buildrequests br JOIN buildsets bs ON bs.id = br.buildsetid
		LEFT JOIN buildset_properties bp ON bp.buildsetid = bs.id
		WHERE br.id = $1`, brid)
	if err != nil {
		return nil, fmt.Errorf("build request %d: %w", brid, err)
	}
	found := false
	for rows.Next() {
		var waited sql.NullInt64
		var reason, name, raw sql.NullString
		if err := rows.Scan(&d.BSID, &d.BuilderID, &d.SubmittedAt, &waited, &reason, &name, &raw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("build request %d: %w", brid, err)
		}
		found = true
		d.WaitedFor = waited.Int64 != 0
		d.Reason = reason.String
		if name.Valid {
			p, err := decodeProp(raw.String)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("buildset %d property %s: %w", d.BSID, name.String, err)
			}
			d.Properties[name.String] = p
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("build request %d: %w", brid, err)
	}
	if !found {
		return nil, fmt.Errorf("build request %d: %w", brid, sql.ErrNoRows)
	}
	if err := r.sourcesAndChanges(ctx, d); err != nil {
		return nil, fmt.Errorf("build request %d: %w", brid, err)
	}
	return d, nil
}

// sourcesAndChanges reads a buildset's stamps (with patch) and the changes
// of each stamp, then the changes' properties if there are changes.
func (r SQLReads) sourcesAndChanges(ctx context.Context, d *RequestDetails) error {
	rows, err := r.DB.Query(ctx, `SELECT ss.id, ss.branch, ss.revision, ss.repository, ss.project, ss.codebase,
			p.id, p.patchlevel, p.patch_base64, p.patch_author, p.patch_comment, p.subdir,
			c.changeid, c.author, c.revision
		FROM buildset_sourcestamps bss JOIN sourcestamps ss ON ss.id = bss.sourcestampid
		LEFT JOIN patches p ON p.id = ss.patchid
		LEFT JOIN changes c ON c.sourcestampid = ss.id
		WHERE bss.buildsetid = $1 ORDER BY bss.id, c.changeid`, d.BSID)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for rows.Next() {
		var ss steps.SourceStamp
		var branch, rev sql.NullString
		var pid, plevel sql.NullInt64
		var pbody, pauthor, pcomment, psubdir sql.NullString
		var cid sql.NullInt64
		var cauthor, crev sql.NullString
		if err := rows.Scan(&ss.SSID, &branch, &rev, &ss.Repository, &ss.Project, &ss.Codebase,
			&pid, &plevel, &pbody, &pauthor, &pcomment, &psubdir, &cid, &cauthor, &crev); err != nil {
			rows.Close()
			return err
		}
		if !seen[ss.SSID] {
			seen[ss.SSID] = true
			if branch.Valid {
				ss.Branch = &branch.String
			}
			if rev.Valid {
				ss.Revision = &rev.String
			}
			if pid.Valid {
				body, _ := base64.StdEncoding.DecodeString(pbody.String)
				ss.Patch = &data.Patch{PatchID: pid.Int64, Level: int(plevel.Int64), Body: body,
					Author: pauthor.String, Comment: pcomment.String, Subdir: psubdir.String}
			}
			d.Sources = append(d.Sources, ss)
		}
		if cid.Valid {
			c := ChangeInfo{ChangeID: cid.Int64, SSID: ss.SSID, Author: cauthor.String}
			if crev.Valid {
				c.Revision = &crev.String
			}
			d.Changes = append(d.Changes, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(d.Changes) == 0 {
		return err
	}
	sort.Slice(d.Changes, func(i, j int) bool { return d.Changes[i].ChangeID < d.Changes[j].ChangeID })
	rows, err = r.DB.Query(ctx, `SELECT cp.changeid, cp.property_name, cp.property_value
		FROM change_properties cp JOIN changes c ON c.changeid = cp.changeid
		JOIN buildset_sourcestamps bss ON bss.sourcestampid = c.sourcestampid
		WHERE bss.buildsetid = $1`, d.BSID)
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := make(map[int64]int, len(d.Changes))
	for i, c := range d.Changes {
		idx[c.ChangeID] = i
	}
	for rows.Next() {
		var id int64
		var name, raw string
		if err := rows.Scan(&id, &name, &raw); err != nil {
			return err
		}
		p, err := decodeProp(raw)
		if err != nil {
			return fmt.Errorf("change %d property %s: %w", id, name, err)
		}
		if i, ok := idx[id]; ok {
			if d.Changes[i].Properties == nil {
				d.Changes[i].Properties = data.SourcedProperties{}
			}
			d.Changes[i].Properties[name] = p
		}
	}
	return rows.Err()
}

func (r SQLReads) ids(ctx context.Context, what, q string, args ...any) ([]int64, error) {
	rows, err := r.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// BuildByNumber implements Reads.
func (r SQLReads) BuildByNumber(ctx context.Context, builderID, number int64) (int64, error) {
	ids, err := r.ids(ctx, "build by number", `SELECT id FROM builds WHERE builderid = $1 AND number = $2`, builderID, number)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// BuildRequestOfBuild implements Reads.
func (r SQLReads) BuildRequestOfBuild(ctx context.Context, buildID int64) (int64, error) {
	ids, err := r.ids(ctx, "request of build", `SELECT buildrequestid FROM builds WHERE id = $1`, buildID)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// CollapseInfo implements Reads.
func (r SQLReads) CollapseInfo(ctx context.Context, brids []int64) (map[int64]*CollapseInfo, error) {
	out := make(map[int64]*CollapseInfo, len(brids))
	for start := 0; start < len(brids); start += inBatch {
		batch := brids[start:min(len(brids), start+inBatch)]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		in := placeholders(len(batch), 1)
		rows, err := r.DB.Query(ctx, `SELECT br.id, br.buildsetid, ss.codebase, ss.repository, ss.project,
				ss.branch, ss.revision, ss.patchid,
				EXISTS (SELECT 1 FROM changes c WHERE c.sourcestampid = ss.id)
			FROM buildrequests br
			JOIN buildset_sourcestamps bss ON bss.buildsetid = br.buildsetid
			JOIN sourcestamps ss ON ss.id = bss.sourcestampid
			WHERE br.id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("collapse info: %w", err)
		}
		for rows.Next() {
			var brid, bsid int64
			var cb, repo, proj string
			var branch, rev sql.NullString
			var patch sql.NullInt64
			var hasChanges bool
			if err := rows.Scan(&brid, &bsid, &cb, &repo, &proj, &branch, &rev, &patch, &hasChanges); err != nil {
				rows.Close()
				return nil, fmt.Errorf("collapse info: %w", err)
			}
			ci := out[brid]
			if ci == nil {
				ci = &CollapseInfo{BRID: brid, BSID: bsid, Sources: map[string]CollapseSource{}, SchedulerProps: map[string]any{}}
				out[brid] = ci
			}
			src := CollapseSource{Repository: repo, Project: proj, HasPatch: patch.Valid, HasChanges: hasChanges}
			if branch.Valid {
				src.Branch = &branch.String
			}
			if rev.Valid {
				src.Revision = &rev.String
			}
			ci.Sources[cb] = src
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("collapse info: %w", err)
		}
		rows, err = r.DB.Query(ctx, `SELECT br.id, br.buildsetid, bp.property_name, bp.property_value
			FROM buildrequests br JOIN buildset_properties bp ON bp.buildsetid = br.buildsetid
			WHERE br.id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("collapse info: %w", err)
		}
		for rows.Next() {
			var brid, bsid int64
			var name, raw string
			if err := rows.Scan(&brid, &bsid, &name, &raw); err != nil {
				rows.Close()
				return nil, fmt.Errorf("collapse info: %w", err)
			}
			p, err := decodeProp(raw)
			if err != nil {
				continue
			}
			ci := out[brid]
			if ci == nil {
				ci = &CollapseInfo{BRID: brid, BSID: bsid, Sources: map[string]CollapseSource{}, SchedulerProps: map[string]any{}}
				out[brid] = ci
			}
			if src, _ := p[1].(string); src == "Scheduler" && name != "scheduler" {
				ci.SchedulerProps[name] = p[0]
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("collapse info: %w", err)
		}
	}
	return out, nil
}
