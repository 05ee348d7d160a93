package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
)

// Step is a row of `steps`.
type Step struct {
	ID          int64
	Number      int
	Name        string
	BuildID     int64
	StartedAt   *int64
	CompleteAt  *int64
	StateString string
	Results     *int
	URLs        []StepURL
	Hidden      bool
}

// StepURL is an element of steps.urls_json.
type StepURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// StepNameLength is the width of steps.name.
const StepNameLength = 50

// Steps is the `steps` component.
type Steps struct{ comp }

// Steps returns the steps component.
func (d *DB) Steps() Steps { return Steps{comp{d: d}} }

// Steps returns the steps component inside the transaction.
func (t *Tx) Steps() Steps { return Steps{comp{d: t.db, tx: t}} }

const stepCols = "id, number, name, buildid, started_at, complete_at, state_string, results, urls_json, hidden"

var (
	qStepInsert   = newStmt("INSERT INTO steps (number, name, buildid, started_at, complete_at, state_string, results, urls_json, hidden) SELECT coalesce(max(number) + 1, 0), $2, $1, NULL, NULL, $3, NULL, '[]', 0 FROM steps WHERE buildid = $1 ON CONFLICT DO NOTHING RETURNING id, number")
	qStepNames    = newStmt("SELECT name FROM steps WHERE buildid = $1")
	qStepGet      = newStmt("SELECT " + stepCols + " FROM steps WHERE id = $1")
	qStepByNumber = newStmt("SELECT " + stepCols + " FROM steps WHERE buildid = $1 AND number = $2")
	qStepByName   = newStmt("SELECT " + stepCols + " FROM steps WHERE buildid = $1 AND name = $2")
	qStepList     = newStmt("SELECT " + stepCols + " FROM steps WHERE buildid = $1 ORDER BY number")
	qStepStart    = newStmt("UPDATE steps SET started_at = $2 WHERE id = $1 RETURNING " + stepCols)
	qStepState    = newStmt("UPDATE steps SET state_string = $2 WHERE id = $1 RETURNING " + stepCols)
	qStepURLs     = newStmt("SELECT urls_json FROM steps WHERE id = $1")
	qStepSetURLs  = newStmt("UPDATE steps SET urls_json = $2 WHERE id = $1 RETURNING " + stepCols)
	qStepFinish   = newStmt("UPDATE steps SET complete_at = $2, results = $3, hidden = $4 WHERE id = $1 RETURNING " + stepCols)
)

func scanStep(s scanner) (Step, error) {
	var st Step
	var started, completeAt, res sql.NullInt64
	var urls string
	var hidden sql.NullInt64
	err := s.Scan(&st.ID, &st.Number, &st.Name, &st.BuildID, &started, &completeAt, &st.StateString, &res, &urls, &hidden)
	if err != nil {
		return st, err
	}
	st.StartedAt, st.CompleteAt, st.Results, st.Hidden = int64Ptr(started), int64Ptr(completeAt), intPtr(res), hidden.Int64 != 0
	st.URLs = []StepURL{}
	if urls != "" && urls != "[]" {
		if err := json.Unmarshal([]byte(urls), &st.URLs); err != nil {
			return st, fmt.Errorf("step %d urls: %w", st.ID, err)
		}
	}
	return st, nil
}

// Add inserts a step numbered after the build's last one, in state
// stateString. A name already used in the build becomes name_1, name_2, …
// (cut to fit 50 characters). It returns the step as stored.
func (c Steps) Add(ctx context.Context, buildID int64, name, stateString string) (*Step, error) {
	st := &Step{BuildID: buildID, Name: clip(name, StepNameLength), StateString: stateString, URLs: []StepURL{}}
	err := c.write(ctx, func(t *Tx) error {
		st.Name = clip(name, StepNameLength)
		for attempt := 0; attempt < 3; attempt++ {
			found, err := noRows(t.queryRow(ctx, qStepInsert, buildID, st.Name, stateString).Scan(&st.ID, &st.Number))
			if err != nil || found {
				return err
			}
			rows, err := t.query(ctx, qStepNames, buildID)
			names, err := collect(rows, err, scanString)
			if err != nil {
				return err
			}
			used := make(map[string]bool, len(names))
			for _, n := range names {
				used[n] = true
			}
			if !used[st.Name] {
				continue // the number clashed (another writer); try again
			}
			base := clip(name, StepNameLength)
			for num := 1; ; num++ {
				suffix := "_" + strconv.Itoa(num)
				candidate := clip(base, StepNameLength-len(suffix)) + suffix
				if !used[candidate] {
					st.Name = candidate
					break
				}
			}
		}
		return fmt.Errorf("could not insert step %q", name)
	})
	if err != nil {
		return nil, fmt.Errorf("add step to build %d: %w", buildID, err)
	}
	return st, nil
}

func (c Steps) update(ctx context.Context, s *stmt, id int64, args ...any) (*Step, error) {
	var st Step
	err := c.write(ctx, func(t *Tx) error {
		var err error
		st, err = scanStep(t.queryRow(ctx, s, append([]any{id}, args...)...))
		return err
	})
	if ok, err := noRows(err); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("step %d: %w", id, ErrNotFound)
	}
	return &st, nil
}

// Start sets a step's started_at and returns it.
func (c Steps) Start(ctx context.Context, id, startedAt int64) (*Step, error) {
	st, err := c.update(ctx, qStepStart, id, startedAt)
	if err != nil {
		return nil, fmt.Errorf("start step %d: %w", id, err)
	}
	return st, nil
}

// SetStateString sets a step's state string and returns it.
func (c Steps) SetStateString(ctx context.Context, id int64, s string) (*Step, error) {
	st, err := c.update(ctx, qStepState, id, s)
	if err != nil {
		return nil, fmt.Errorf("set step %d state: %w", id, err)
	}
	return st, nil
}

// AddURL appends {name, url} to a step's URLs unless already there, and
// returns the step.
func (c Steps) AddURL(ctx context.Context, id int64, name, url string) (*Step, error) {
	var st *Step
	err := c.write(ctx, func(t *Tx) error {
		var raw string
		if err := t.queryRow(ctx, qStepURLs, id).Scan(&raw); err != nil {
			if ok, err := noRows(err); !ok && err == nil {
				return fmt.Errorf("step %d: %w", id, ErrNotFound)
			}
			return err
		}
		var urls []StepURL
		if err := json.Unmarshal([]byte(raw), &urls); err != nil {
			return fmt.Errorf("step %d urls: %w", id, err)
		}
		item := StepURL{Name: name, URL: url}
		for _, u := range urls {
			if u == item {
				got, err := scanStep(t.queryRow(ctx, qStepGet, id))
				st = &got
				return err
			}
		}
		enc, err := marshalJSON(append(urls, item))
		if err != nil {
			return err
		}
		got, err := scanStep(t.queryRow(ctx, qStepSetURLs, id, enc))
		st = &got
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("add url to step %d: %w", id, err)
	}
	return st, nil
}

// Finish completes a step and returns it.
func (c Steps) Finish(ctx context.Context, id int64, result int, hidden bool, completeAt int64) (*Step, error) {
	st, err := c.update(ctx, qStepFinish, id, completeAt, result, boolInt(hidden))
	if err != nil {
		return nil, fmt.Errorf("finish step %d: %w", id, err)
	}
	return st, nil
}

func (c Steps) one(ctx context.Context, s *stmt, args ...any) (*Step, error) {
	st, err := scanStep(c.read().queryRow(ctx, s, args...))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &st, nil
}

// Get returns a step, or nil.
func (c Steps) Get(ctx context.Context, id int64) (*Step, error) { return c.one(ctx, qStepGet, id) }

// GetByNumber returns a build's step by number, or nil.
func (c Steps) GetByNumber(ctx context.Context, buildID int64, number int) (*Step, error) {
	return c.one(ctx, qStepByNumber, buildID, number)
}

// GetByName returns a build's step by name, or nil.
func (c Steps) GetByName(ctx context.Context, buildID int64, name string) (*Step, error) {
	return c.one(ctx, qStepByName, buildID, name)
}

// List returns a build's steps by number.
func (c Steps) List(ctx context.Context, buildID int64) ([]Step, error) {
	rows, err := c.read().query(ctx, qStepList, buildID)
	return collect(rows, err, scanStep)
}

// GetMany returns the steps with the given ids, in id order.
func (c Steps) GetMany(ctx context.Context, ids []int64) ([]Step, error) {
	var out []Step
	r := c.read()
	for _, part := range batches(uniqueIDs(ids), 500) {
		rows, err := r.querySQL(ctx, "SELECT "+stepCols+" FROM steps WHERE id IN ("+placeholders(1, len(part))+") ORDER BY id", int64Args(nil, part)...)
		list, err := collect(rows, err, scanStep)
		if err != nil {
			return nil, fmt.Errorf("get steps: %w", err)
		}
		out = append(out, list...)
	}
	return out, nil
}
