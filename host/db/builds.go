package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Build is a row of `builds`.
type Build struct {
	ID             int64
	Number         int64
	BuilderID      int64
	BuildRequestID int64
	WorkerID       *int64
	MasterID       int64
	StartedAt      int64
	CompleteAt     *int64
	StateString    string
	Results        *int
}

// BuildSpec is a build to add.
type BuildSpec struct {
	BuilderID      int64
	BuildRequestID int64
	WorkerID       *int64
	MasterID       int64
	StateString    string
	StartedAt      int64 // 0: now
}

// Builds is the builds component: builds, build_properties and build_data.
type Builds struct{ comp }

// Builds returns the builds component.
func (d *DB) Builds() Builds { return Builds{comp{d: d}} }

// Builds returns the builds component inside the transaction.
func (t *Tx) Builds() Builds { return Builds{comp{d: t.db, tx: t}} }

const buildCols = "id, number, builderid, buildrequestid, workerid, masterid, started_at, complete_at, state_string, results"

var (
	qBuildInsert   = newStmt("INSERT INTO builds (number, builderid, buildrequestid, workerid, masterid, started_at, complete_at, state_string) SELECT coalesce(max(number), 0) + 1 + $6, $1, $2, $3, $4, $5, NULL, $7 FROM builds WHERE builderid = $1 ON CONFLICT DO NOTHING RETURNING id, number")
	qBuildGet      = newStmt("SELECT " + buildCols + " FROM builds WHERE id = $1")
	qBuildByNumber = newStmt("SELECT " + buildCols + " FROM builds WHERE builderid = $1 AND number = $2")
	qBuildState    = newStmt("UPDATE builds SET state_string = $2 WHERE id = $1 RETURNING " + buildCols)
	qBuildFinish   = newStmt("UPDATE builds SET complete_at = $2, results = $3 WHERE id = $1 RETURNING " + buildCols)
	qBuildsOfReq   = newStmt("SELECT " + buildCols + " FROM builds WHERE buildrequestid = $1 ORDER BY id")
	qBuildsRunning = newStmt("SELECT " + buildCols + " FROM builds WHERE masterid = $1 AND complete_at IS NULL ORDER BY id")
	qBuildProps    = newStmt("SELECT name, value, source FROM build_properties WHERE buildid = $1")
	qBuildPropIns  = newStmt("INSERT INTO build_properties (buildid, name, value, source) VALUES ($1, $2, $3, $4)")
	qBuildPropUpd  = newStmt("UPDATE build_properties SET value = $3, source = $4 WHERE buildid = $1 AND name = $2")
	qBuildDataUps  = newStmt("INSERT INTO build_data (buildid, name, value, length, source) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (buildid, name) DO UPDATE SET value = excluded.value, length = excluded.length, source = excluded.source")
	qBuildDataGet  = newStmt("SELECT name, value, length, source FROM build_data WHERE buildid = $1 AND name = $2")
	qBuildDataMeta = newStmt("SELECT name, length, source FROM build_data WHERE buildid = $1 ORDER BY id")
	qBuildDataOld  = newStmt("DELETE FROM build_data WHERE buildid IN (SELECT id FROM builds WHERE complete_at IS NOT NULL AND complete_at < $1)")
)

func scanBuild(s scanner) (Build, error) {
	var b Build
	var worker, completeAt, res sql.NullInt64
	err := s.Scan(&b.ID, &b.Number, &b.BuilderID, &b.BuildRequestID, &worker, &b.MasterID, &b.StartedAt,
		&completeAt, &b.StateString, &res)
	b.WorkerID, b.CompleteAt, b.Results = int64Ptr(worker), int64Ptr(completeAt), intPtr(res)
	return b, err
}

// Add inserts a build numbered one more than the builder's last (retrying
// with the next number when another master took it) and returns it.
func (c Builds) Add(ctx context.Context, spec BuildSpec) (*Build, error) {
	b := &Build{BuilderID: spec.BuilderID, BuildRequestID: spec.BuildRequestID, WorkerID: spec.WorkerID,
		MasterID: spec.MasterID, StartedAt: spec.StartedAt, StateString: spec.StateString}
	err := c.write(ctx, func(t *Tx) error {
		if b.StartedAt == 0 {
			b.StartedAt = t.db.Now()
		}
		// A clash means another master's insert committed while ours waited;
		// the next statement sees it, so retry the same computation first.
		for attempt := 0; attempt < 50; attempt++ {
			skip := max(0, attempt-5)
			found, err := noRows(t.queryRow(ctx, qBuildInsert, b.BuilderID, b.BuildRequestID, b.WorkerID,
				b.MasterID, b.StartedAt, skip, b.StateString).Scan(&b.ID, &b.Number))
			if err != nil || found {
				return err
			}
		}
		return fmt.Errorf("no free build number")
	})
	if err != nil {
		return nil, fmt.Errorf("add build on builder %d: %w", spec.BuilderID, err)
	}
	return b, nil
}

func (c Builds) update(ctx context.Context, s *stmt, id int64, args ...any) (*Build, error) {
	var b Build
	err := c.write(ctx, func(t *Tx) error {
		var err error
		b, err = scanBuild(t.queryRow(ctx, s, append([]any{id}, args...)...))
		return err
	})
	if ok, err := noRows(err); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("build %d: %w", id, ErrNotFound)
	}
	return &b, nil
}

// SetStateString sets a build's state string and returns the build.
func (c Builds) SetStateString(ctx context.Context, id int64, s string) (*Build, error) {
	b, err := c.update(ctx, qBuildState, id, s)
	if err != nil {
		return nil, fmt.Errorf("set build %d state: %w", id, err)
	}
	return b, nil
}

// Finish completes a build with results and returns it.
func (c Builds) Finish(ctx context.Context, id int64, result int, completeAt int64) (*Build, error) {
	b, err := c.update(ctx, qBuildFinish, id, completeAt, result)
	if err != nil {
		return nil, fmt.Errorf("finish build %d: %w", id, err)
	}
	return b, nil
}

// Get returns a build, or nil.
func (c Builds) Get(ctx context.Context, id int64) (*Build, error) {
	b, err := scanBuild(c.read().queryRow(ctx, qBuildGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &b, nil
}

// GetByNumber returns a builder's build by number, or nil.
func (c Builds) GetByNumber(ctx context.Context, builderID, number int64) (*Build, error) {
	b, err := scanBuild(c.read().queryRow(ctx, qBuildByNumber, builderID, number))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &b, nil
}

// GetMany returns the builds with the given ids, in id order.
func (c Builds) GetMany(ctx context.Context, ids []int64) ([]Build, error) {
	var out []Build
	r := c.read()
	for _, part := range batches(uniqueIDs(ids), 500) {
		rows, err := r.querySQL(ctx, "SELECT "+buildCols+" FROM builds WHERE id IN ("+placeholders(1, len(part))+") ORDER BY id", int64Args(nil, part)...)
		list, err := collect(rows, err, scanBuild)
		if err != nil {
			return nil, fmt.Errorf("get builds: %w", err)
		}
		out = append(out, list...)
	}
	return out, nil
}

// ForRequest returns the builds of a build request.
func (c Builds) ForRequest(ctx context.Context, brid int64) ([]Build, error) {
	rows, err := c.read().query(ctx, qBuildsOfReq, brid)
	return collect(rows, err, scanBuild)
}

// Running returns the incomplete builds of a master.
func (c Builds) Running(ctx context.Context, masterID int64) ([]Build, error) {
	rows, err := c.read().query(ctx, qBuildsRunning, masterID)
	return collect(rows, err, scanBuild)
}

// Properties returns a build's properties.
func (c Builds) Properties(ctx context.Context, id int64) (Properties, error) {
	rows, err := c.read().query(ctx, qBuildProps, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	props := Properties{}
	for rows.Next() {
		var name, value, source string
		if err := rows.Scan(&name, &value, &source); err != nil {
			return nil, err
		}
		v, err := decodeValue(value)
		if err != nil {
			return nil, fmt.Errorf("build %d property %q: %w", id, name, err)
		}
		props[name] = Property{Value: v, Source: source}
	}
	return props, rows.Err()
}

// SetProperty writes one build property (insert or update) unless it is
// unchanged; it reports whether anything was written.
func (c Builds) SetProperty(ctx context.Context, id int64, name string, p Property) (bool, error) {
	changed, err := c.SetProperties(ctx, id, Properties{name: p})
	return len(changed) > 0, err
}

// SetProperties writes the properties that differ from the stored ones (by
// their JSON value and their source) and returns those.
func (c Builds) SetProperties(ctx context.Context, id int64, props Properties) (Properties, error) {
	changed := Properties{}
	err := c.write(ctx, func(t *Tx) error {
		clear(changed)
		stored := map[string][2]string{}
		rows, err := t.query(ctx, qBuildProps, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var name, value, source string
			if err := rows.Scan(&name, &value, &source); err != nil {
				rows.Close()
				return err
			}
			stored[name] = [2]string{value, source}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range sortedKeys(props) {
			p := props[name]
			name := clip(name, propertyNameLength)
			source := clip(p.Source, propertySourceLength)
			value, err := marshalJSON(p.Value)
			if err != nil {
				return fmt.Errorf("property %q: %w", name, err)
			}
			old, ok := stored[name]
			switch {
			case !ok:
				_, err = t.exec(ctx, qBuildPropIns, id, name, value, source)
			case old[0] != value || old[1] != source:
				_, err = t.exec(ctx, qBuildPropUpd, id, name, value, source)
			default:
				continue
			}
			if err != nil {
				return fmt.Errorf("write property %q: %w", name, err)
			}
			changed[name] = Property{Value: p.Value, Source: source}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set build %d properties: %w", id, err)
	}
	return changed, nil
}

// BuildData is a row of `build_data` (Value only when asked for).
type BuildData struct {
	BuildID int64
	Name    string
	Value   []byte
	Length  int64
	Source  string
}

// SetData stores (or replaces) a named blob of a build.
func (c Builds) SetData(ctx context.Context, id int64, name string, value []byte, source string) error {
	if value == nil {
		value = []byte{}
	}
	err := c.write(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, qBuildDataUps, id, clip(name, 256), value, int64(len(value)), clip(source, 256))
		return err
	})
	if err != nil {
		return fmt.Errorf("set build %d data %q: %w", id, name, err)
	}
	return nil
}

// Data returns one build data item with its value, or nil.
func (c Builds) Data(ctx context.Context, id int64, name string) (*BuildData, error) {
	d := BuildData{BuildID: id}
	err := c.read().queryRow(ctx, qBuildDataGet, id, name).Scan(&d.Name, &d.Value, &d.Length, &d.Source)
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &d, nil
}

// DataList returns a build's data items without their values.
func (c Builds) DataList(ctx context.Context, id int64) ([]BuildData, error) {
	rows, err := c.read().query(ctx, qBuildDataMeta, id)
	return collect(rows, err, func(s scanner) (BuildData, error) {
		d := BuildData{BuildID: id}
		return d, s.Scan(&d.Name, &d.Length, &d.Source)
	})
}

// DeleteOldData deletes the data of builds completed before olderThan (the
// janitor's build_data_horizon) and returns how many items went.
func (c Builds) DeleteOldData(ctx context.Context, olderThan int64) (int64, error) {
	var n int64
	err := c.write(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, qBuildDataOld, olderThan)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}
