package data

import (
	"context"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
)

// The fixture mirrors what a real Buildbot 3.7 master held after the
// reference run of /tmp/bbref (two builders b0 and b1, one worker w0, a
// force scheduler, seven forced builds: b0 b1 b0 b0 b1 b0 b0, b1's failing),
// plus changes, a patch, tags, build data and test results so that every
// endpoint has something to answer. Rows are inserted with SQL until the
// data update methods exist.

const fixtureT0 = 1795727780

var fixtureSQL = []string{
	`INSERT INTO masters (id, name, name_hash, active, last_active) VALUES (1, 'vm:/m1', 'h-m1', 1, 1795727780)`,
	`INSERT INTO masters (id, name, name_hash, active, last_active) VALUES (2, 'vm:/m2', 'h-m2', 0, 1795700000)`,
	`INSERT INTO builders (id, name, description, name_hash) VALUES (1, 'b0', NULL, '` + db.HashColumns("b0") + `')`,
	`INSERT INTO builders (id, name, description, name_hash) VALUES (2, 'b1', 'the failing one', '` + db.HashColumns("b1") + `')`,
	`INSERT INTO builder_masters (id, builderid, masterid) VALUES (1, 1, 1), (2, 2, 1), (3, 2, 2)`,
	`INSERT INTO tags (id, name, name_hash) VALUES (1, 'app', 'h-app'), (2, 'fast', 'h-fast')`,
	`INSERT INTO builders_tags (id, builderid, tagid) VALUES (1, 1, 1), (2, 1, 2), (3, 2, 1)`,
	`INSERT INTO workers (id, name, info, paused, graceful) VALUES (1, 'w0', '{"admin": "Your Name", "host": "vm", "version": "3.7.0-2", "access_uri": null}', 0, 0)`,
	`INSERT INTO workers (id, name, info, paused, graceful) VALUES (2, 'w1', '{}', 1, 0)`,
	`INSERT INTO configured_workers (id, buildermasterid, workerid) VALUES (1, 1, 1), (2, 2, 1), (3, 3, 2)`,
	`INSERT INTO connected_workers (id, masterid, workerid) VALUES (1, 1, 1)`,
	`INSERT INTO schedulers (id, name, name_hash, enabled) VALUES (1, 'force', 'h-force', 1), (2, 'nightly', 'h-nightly', 0)`,
	`INSERT INTO scheduler_masters (schedulerid, masterid) VALUES (1, 1)`,
	`INSERT INTO changesources (id, name, name_hash) VALUES (1, 'GitPoller:app', 'h-cs1')`,
	`INSERT INTO changesource_masters (changesourceid, masterid) VALUES (1, 1)`,
	`INSERT INTO changesources (id, name, name_hash) VALUES (2, 'idle', 'h-cs2')`,
	`INSERT INTO patches (id, patchlevel, patch_base64, patch_author, patch_comment, subdir) VALUES (1, 1, 'LS0tIGEKKysrIGIK', 'alice', 'fix', NULL)`,
	`INSERT INTO sourcestamps (id, ss_hash, branch, revision, patchid, repository, codebase, project, created_at) VALUES (1, 'ss1', '', '', NULL, '', '', '', 1795727781)`,
	`INSERT INTO sourcestamps (id, ss_hash, branch, revision, patchid, repository, codebase, project, created_at) VALUES (2, 'ss2', 'main', 'abc1', NULL, 'git://repo', '', 'app', 1795727000)`,
	`INSERT INTO sourcestamps (id, ss_hash, branch, revision, patchid, repository, codebase, project, created_at) VALUES (3, 'ss3', 'main', 'abc2', NULL, 'git://repo', '', 'app', 1795727100)`,
	`INSERT INTO sourcestamps (id, ss_hash, branch, revision, patchid, repository, codebase, project, created_at) VALUES (4, 'ss4', 'main', 'abc3', 1, 'git://repo', '', 'app', 1795727200)`,
	`INSERT INTO changes (changeid, author, committer, comments, branch, revision, revlink, when_timestamp, category, repository, codebase, project, sourcestampid, parent_changeids) VALUES (1, 'alice <a@x>', NULL, 'first', 'main', 'abc1', '', 1795727000, NULL, 'git://repo', '', 'app', 2, NULL)`,
	`INSERT INTO changes (changeid, author, committer, comments, branch, revision, revlink, when_timestamp, category, repository, codebase, project, sourcestampid, parent_changeids) VALUES (2, 'bob <b@x>', 'bob <b@x>', 'second', 'main', 'abc2', 'http://x/abc2', 1795727100, 'feature', 'git://repo', '', 'app', 3, 1)`,
	`INSERT INTO change_files (changeid, filename) VALUES (1, 'README'), (2, 'src/a.go'), (2, 'src/b.go')`,
	`INSERT INTO change_properties (changeid, property_name, property_value) VALUES (2, 'event', '["push", "Change"]')`,
}

func fixtureBuilds() []string {
	var out []string
	builders := []int{1, 2, 1, 1, 2, 1, 1}
	results := []int{0, 2, 0, 0, 2, 0, 0}
	numbers := map[int]int{}
	for i := range builders {
		id, bid := i+1, builders[i]
		numbers[bid]++
		ss := 1
		if id == 7 {
			ss = 3
		}
		state := "build successful"
		if results[i] == 2 {
			state = "failed 'false' (failure)"
		}
		out = append(out,
			`INSERT INTO buildsets (id, external_idstring, reason, submitted_at, complete, complete_at, results, parent_buildid, parent_relationship) VALUES (`+
				itoa(id)+`, NULL, 'A build was forced by '''': bench', `+itoa(fixtureT0+1)+`, 1, `+itoa(fixtureT0+2)+`, `+itoa(results[i])+`, NULL, NULL)`,
			`INSERT INTO buildset_sourcestamps (id, buildsetid, sourcestampid) VALUES (`+itoa(id)+`, `+itoa(id)+`, `+itoa(ss)+`)`,
			`INSERT INTO buildset_properties (buildsetid, property_name, property_value) VALUES (`+itoa(id)+`, 'reason', '["bench", "Force Build Form"]'), (`+itoa(id)+`, 'owner', '["", "Force Build Form"]'), (`+itoa(id)+`, 'scheduler', '["force", "Scheduler"]')`,
			`INSERT INTO buildrequests (id, buildsetid, builderid, priority, complete, results, submitted_at, complete_at, waited_for) VALUES (`+
				itoa(id)+`, `+itoa(id)+`, `+itoa(bid)+`, 0, 1, `+itoa(results[i])+`, `+itoa(fixtureT0+1)+`, `+itoa(fixtureT0+2)+`, 0)`,
			`INSERT INTO buildrequest_claims (brid, masterid, claimed_at) VALUES (`+itoa(id)+`, 1, `+itoa(fixtureT0+1)+`)`,
			`INSERT INTO builds (id, number, builderid, buildrequestid, workerid, masterid, started_at, complete_at, state_string, results) VALUES (`+
				itoa(id)+`, `+itoa(numbers[bid])+`, `+itoa(bid)+`, `+itoa(id)+`, 1, 1, `+itoa(fixtureT0+1+i/3)+`, `+itoa(fixtureT0+2+i/3)+`, '`+strings.ReplaceAll(state, "'", "''")+`', `+itoa(results[i])+`)`,
		)
	}
	// A pending request and a running build (results NULL), and a buildset
	// with the patched stamp.
	out = append(out,
		`INSERT INTO buildsets (id, external_idstring, reason, submitted_at, complete, complete_at, results, parent_buildid, parent_relationship) VALUES (8, 'ext-8', 'rebuild', 1795727790, 0, NULL, -1, 1, 'rebuilt from')`,
		`INSERT INTO buildset_sourcestamps (id, buildsetid, sourcestampid) VALUES (8, 8, 4), (9, 8, 1)`,
		`INSERT INTO buildrequests (id, buildsetid, builderid, priority, complete, results, submitted_at, complete_at, waited_for) VALUES (8, 8, 1, 0, 0, -1, 1795727790, NULL, 0), (9, 8, 2, 0, 0, -1, 1795727790, NULL, 1)`,
		`INSERT INTO buildrequest_claims (brid, masterid, claimed_at) VALUES (9, 1, 1795727791)`,
		`INSERT INTO builds (id, number, builderid, buildrequestid, workerid, masterid, started_at, complete_at, state_string, results) VALUES (8, 3, 2, 9, NULL, 1, 1795727791, NULL, 'building', NULL)`,
		`INSERT INTO build_properties (buildid, name, value, source) VALUES (1, 'buildername', '"b0"', 'Builder'), (1, 'buildnumber', '1', 'Build'), (1, 'owners', '[""]', 'Build'), (1, 'ratio', '1.0', 'Test'), (1, 'nested', '{"z": 1, "a": [true, null]}', 'Test')`,
		`INSERT INTO steps (id, number, name, buildid, started_at, complete_at, state_string, results, urls_json, hidden) VALUES
 (1, 0, 'worker_preparation', 1, 1795727781, 1795727781, 'worker w0 ready', 0, '[]', 0),
 (2, 1, 'hello', 1, 1795727781, 1795727782, '''sh -c ...''', 0, '[{"name": "doc", "url": "http://x/doc"}]', 0),
 (3, 2, 'second', 1, 1795727782, 1795727782, '''true''', 0, '[]', 1),
 (4, 0, 'worker_preparation', 8, 1795727791, NULL, 'preparing worker', NULL, '[]', 0)`,
		`INSERT INTO logs (id, name, slug, stepid, complete, num_lines, type) VALUES (1, 'stdio', 'stdio', 2, 1, 5, 's'), (2, 'summary', 'summary', 2, 1, 2, 't'), (3, 'html', 'html', 3, 0, 1, 'h'), (4, 'empty', 'empty', 3, 1, 0, 't')`,
		`INSERT INTO build_data (id, buildid, name, value, length, source) VALUES (1, 1, 'coverage', X'00ff41', 3, 'Test')`,
		`INSERT INTO test_result_sets (id, builderid, buildid, stepid, description, category, value_unit, tests_passed, tests_failed, complete) VALUES (1, 1, 1, 2, 'unit', 'pass_fail', 'boolean', 2, 1, 1)`,
		`INSERT INTO test_names (id, builderid, name) VALUES (1, 1, 'test_a')`,
		`INSERT INTO test_code_paths (id, builderid, path) VALUES (1, 1, 'a_test.go')`,
		`INSERT INTO test_results (id, builderid, test_result_setid, test_nameid, test_code_pathid, line, duration_ns, value) VALUES (1, 1, 1, 1, 1, 10, 1500, 'ok'), (2, 1, 1, NULL, NULL, NULL, NULL, 'fail')`,
	)
	return out
}

// insertFixture fills d. Log chunks are stored raw (compressed = 0) with
// Buildbot's layout: lines joined by "\n", no final newline.
func insertFixture(t testing.TB, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	stmts := append(append([]string(nil), fixtureSQL...), fixtureBuilds()...)
	for _, s := range stmts {
		if d.Dialect() == db.Postgres {
			s = strings.ReplaceAll(s, "X'00ff41'", `'\x00ff41'::bytea`)
		}
		if _, err := d.Exec(ctx, s); err != nil {
			t.Fatalf("fixture: %v\n%s", err, s)
		}
	}
	chunks := []struct {
		logid       int64
		first, last int
		text        string
	}{
		{1, 0, 2, "hsh -c 'echo hello; echo err >&2'\nohello\neerr"},
		{1, 3, 4, "oworld\nhprogram finished with exit code 0"},
		{2, 0, 1, "all good\nreally"},
		{3, 0, 0, "<b>bold</b>"},
	}
	for _, c := range chunks {
		if _, err := d.Exec(ctx, `INSERT INTO logchunks (logid, first_line, last_line, content, compressed) VALUES ($1, $2, $3, $4, 0)`,
			c.logid, c.first, c.last, []byte(c.text)); err != nil {
			t.Fatalf("fixture chunk: %v", err)
		}
	}
	if d.Dialect() == db.Postgres {
		// Explicit ids leave the identity sequences behind.
		for _, tbl := range []string{"masters", "builders", "builder_masters", "tags", "builders_tags",
			"workers", "configured_workers", "connected_workers", "schedulers", "changesources", "patches",
			"sourcestamps", "buildsets", "buildset_sourcestamps", "buildrequests", "builds", "steps", "logs",
			"build_data", "test_result_sets", "test_names", "test_code_paths", "test_results"} {
			if _, err := d.Exec(ctx, "SELECT setval(pg_get_serial_sequence('"+tbl+"', 'id'), (SELECT max(id) FROM "+tbl+"))"); err != nil {
				t.Fatalf("fixture sequence %s: %v", tbl, err)
			}
		}
	}
}
