package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// TestResultSet is a row of `test_result_sets`.
type TestResultSet struct {
	ID          int64
	BuilderID   int64
	BuildID     int64
	StepID      int64
	Description *string
	Category    string
	ValueUnit   string
	TestsPassed *int
	TestsFailed *int
	Complete    bool
}

// TestResult is a row of `test_results` with its name and code path.
type TestResult struct {
	ID              int64
	BuilderID       int64
	TestResultSetID int64
	TestName        *string
	TestCodePath    *string
	Line            *int
	DurationNS      *int64
	Value           string
}

// TestResultSpec is a test result to add; at least one of TestName and
// TestCodePath is set.
type TestResultSpec struct {
	TestName     *string
	TestCodePath *string
	Line         *int
	DurationNS   *int64
	Value        string
}

// TestResults is the test_result_sets, test_results, test_names and
// test_code_paths component.
type TestResults struct{ comp }

// TestResults returns the test results component.
func (d *DB) TestResults() TestResults { return TestResults{comp{d: d}} }

// TestResults returns the test results component inside the transaction.
func (t *Tx) TestResults() TestResults { return TestResults{comp{d: t.db, tx: t}} }

const trsCols = "id, builderid, buildid, stepid, description, category, value_unit, tests_passed, tests_failed, complete"

var (
	qTRSInsert   = newStmt("INSERT INTO test_result_sets (builderid, buildid, stepid, description, category, value_unit, complete) VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING id")
	qTRSComplete = newStmt("UPDATE test_result_sets SET complete = 1, tests_passed = coalesce($2, tests_passed), tests_failed = coalesce($3, tests_failed) WHERE id = $1 AND complete = 0 RETURNING " + trsCols)
	qTRSGet      = newStmt("SELECT " + trsCols + " FROM test_result_sets WHERE id = $1")
	qTRSOfBuild  = newStmt("SELECT " + trsCols + " FROM test_result_sets WHERE buildid = $1 ORDER BY id")
	qTRSOfStep   = newStmt("SELECT " + trsCols + " FROM test_result_sets WHERE stepid = $1 ORDER BY id")
	qTRResults   = newStmt("SELECT r.id, r.builderid, r.test_result_setid, n.name, p.path, r.line, r.duration_ns, r.value FROM test_results r LEFT JOIN test_names n ON n.id = r.test_nameid LEFT JOIN test_code_paths p ON p.id = r.test_code_pathid WHERE r.test_result_setid = $1 ORDER BY r.id")
	biTestResult = newBatchInsert("INSERT INTO test_results (builderid, test_result_setid, test_nameid, test_code_pathid, line, duration_ns, value) VALUES ", "", 7, 100)
)

func scanTRS(s scanner) (TestResultSet, error) {
	var r TestResultSet
	var desc sql.NullString
	var passed, failed sql.NullInt64
	err := s.Scan(&r.ID, &r.BuilderID, &r.BuildID, &r.StepID, &desc, &r.Category, &r.ValueUnit, &passed, &failed, &r.Complete)
	r.Description, r.TestsPassed, r.TestsFailed = strPtr(desc), intPtr(passed), intPtr(failed)
	return r, err
}

// AddSet inserts an incomplete test result set and returns it.
func (c TestResults) AddSet(ctx context.Context, builderID, buildID, stepID int64, description *string, category, valueUnit string) (*TestResultSet, error) {
	r := &TestResultSet{BuilderID: builderID, BuildID: buildID, StepID: stepID, Description: description,
		Category: category, ValueUnit: valueUnit}
	err := c.write(ctx, func(t *Tx) error {
		return t.queryRow(ctx, qTRSInsert, builderID, buildID, stepID, description, category, valueUnit).Scan(&r.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("add test result set to step %d: %w", stepID, err)
	}
	return r, nil
}

// CompleteSet marks a set complete with its counts (nil: left as is); a
// set already complete or missing is ErrAlreadyCompleted.
func (c TestResults) CompleteSet(ctx context.Context, id int64, passed, failed *int) (*TestResultSet, error) {
	var r TestResultSet
	err := c.write(ctx, func(t *Tx) error {
		var err error
		r, err = scanTRS(t.queryRow(ctx, qTRSComplete, id, passed, failed))
		return err
	})
	if ok, err := noRows(err); err != nil {
		return nil, fmt.Errorf("complete test result set %d: %w", id, err)
	} else if !ok {
		return nil, fmt.Errorf("test result set %d is already completed or does not exist: %w", id, ErrAlreadyCompleted)
	}
	return &r, nil
}

// GetSet returns a test result set, or nil.
func (c TestResults) GetSet(ctx context.Context, id int64) (*TestResultSet, error) {
	r, err := scanTRS(c.read().queryRow(ctx, qTRSGet, id))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &r, nil
}

// SetsOfBuild returns a build's test result sets.
func (c TestResults) SetsOfBuild(ctx context.Context, buildID int64) ([]TestResultSet, error) {
	rows, err := c.read().query(ctx, qTRSOfBuild, buildID)
	return collect(rows, err, scanTRS)
}

// SetsOfStep returns a step's test result sets.
func (c TestResults) SetsOfStep(ctx context.Context, stepID int64) ([]TestResultSet, error) {
	rows, err := c.read().query(ctx, qTRSOfStep, stepID)
	return collect(rows, err, scanTRS)
}

// Results returns a set's results.
func (c TestResults) Results(ctx context.Context, setID int64) ([]TestResult, error) {
	rows, err := c.read().query(ctx, qTRResults, setID)
	return collect(rows, err, func(s scanner) (TestResult, error) {
		var r TestResult
		var name, path sql.NullString
		var line, dur sql.NullInt64
		err := s.Scan(&r.ID, &r.BuilderID, &r.TestResultSetID, &name, &path, &line, &dur, &r.Value)
		r.TestName, r.TestCodePath, r.Line, r.DurationNS = strPtr(name), strPtr(path), intPtr(line), int64Ptr(dur)
		return r, err
	})
}

// AddResults stores results of a set, creating the builder's test names and
// code paths they mention.
func (c TestResults) AddResults(ctx context.Context, builderID, setID int64, results []TestResultSpec) error {
	names, paths := map[string]int64{}, map[string]int64{}
	for i, r := range results {
		if r.TestName == nil && r.TestCodePath == nil {
			return fmt.Errorf("add test results: result %d has neither test_name nor test_code_path", i)
		}
		if r.TestName != nil {
			names[*r.TestName] = 0
		}
		if r.TestCodePath != nil {
			paths[*r.TestCodePath] = 0
		}
	}
	err := c.write(ctx, func(t *Tx) error {
		if err := resolveTestIDs(ctx, t, "test_names", "name", builderID, names); err != nil {
			return err
		}
		if err := resolveTestIDs(ctx, t, "test_code_paths", "path", builderID, paths); err != nil {
			return err
		}
		args := make([]any, 0, 7*len(results))
		for _, r := range results {
			var nameID, pathID *int64
			if r.TestName != nil {
				id := names[*r.TestName]
				nameID = &id
			}
			if r.TestCodePath != nil {
				id := paths[*r.TestCodePath]
				pathID = &id
			}
			args = append(args, builderID, setID, nameID, pathID, r.Line, r.DurationNS, r.Value)
		}
		return biTestResult.run(ctx, t, args, nil)
	})
	if err != nil {
		return fmt.Errorf("add test results to set %d: %w", setID, err)
	}
	return nil
}

// resolveTestIDs fills ids (name → 0) with the ids of the builder's rows of
// table, inserting the missing ones.
func resolveTestIDs(ctx context.Context, t *Tx, table, col string, builderID int64, ids map[string]int64) error {
	if len(ids) == 0 {
		return nil
	}
	keys := sortedKeys(ids)
	for start := 0; start < len(keys); start += 500 {
		part := keys[start:min(start+500, len(keys))]
		args := []any{builderID}
		for _, k := range part {
			args = append(args, k)
		}
		rows, err := t.querySQL(ctx, "SELECT id, "+col+" FROM "+table+" WHERE builderid = $1 AND "+col+" IN ("+placeholders(2, len(part))+")", args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var k string
			if err := rows.Scan(&id, &k); err != nil {
				rows.Close()
				return err
			}
			ids[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var missing []string
	for _, k := range keys {
		if ids[k] == 0 {
			missing = append(missing, k)
		}
	}
	for start := 0; start < len(missing); start += 500 {
		part := missing[start:min(start+500, len(missing))]
		var vals []string
		args := []any{builderID}
		for _, k := range part {
			args = append(args, k)
			vals = append(vals, fmt.Sprintf("($1, $%d)", len(args)))
		}
		rows, err := t.querySQL(ctx, "INSERT INTO "+table+" (builderid, "+col+") VALUES "+strings.Join(vals, ", ")+" RETURNING id, "+col, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var k string
			if err := rows.Scan(&id, &k); err != nil {
				rows.Close()
				return err
			}
			ids[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
