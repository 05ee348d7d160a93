package db

// schemaV1 is Buildbot 3.7's schema (db/model.py): every table, column,
// nullability, default, index and unique constraint, under Buildbot's names.
// Differences, all invisible to SQL written against Buildbot's model:
//   - ids, foreign keys to ids and timestamps are BIGINT (on SQLite the same
//     64-bit INTEGER; on PostgreSQL wider than Buildbot's int4, so times go
//     past 2038 and test_results.duration_ns past 2 s);
//   - the PostgreSQL primary keys are identity columns instead of SERIAL;
//   - buildrequest_claims.masterid's index is named
//     ix_buildrequest_claims_masterid, as SQLAlchemy names `index=True`.
//
// {{pk}} and {{blob}} are replaced per dialect (see ddl). The circular
// foreign key buildsets.parent_buildid → builds is added after builds exists
// on PostgreSQL (Buildbot's use_alter); SQLite accepts it inline.
var schemaV1 = []string{
	`CREATE TABLE masters (
		id {{pk}},
		name TEXT NOT NULL,
		name_hash VARCHAR(40) NOT NULL,
		active INTEGER NOT NULL,
		last_active BIGINT NOT NULL
	)`,
	`CREATE UNIQUE INDEX master_name_hashes ON masters (name_hash)`,

	`CREATE TABLE users (
		uid {{pk}},
		identifier VARCHAR(255) NOT NULL,
		bb_username VARCHAR(128),
		bb_password VARCHAR(128)
	)`,
	`CREATE UNIQUE INDEX users_identifier ON users (identifier)`,
	`CREATE UNIQUE INDEX users_bb_user ON users (bb_username)`,
	`CREATE TABLE users_info (
		uid BIGINT NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
		attr_type VARCHAR(128) NOT NULL,
		attr_data VARCHAR(128) NOT NULL
	)`,
	`CREATE INDEX users_info_uid ON users_info (uid)`,
	`CREATE UNIQUE INDEX users_info_uid_attr_type ON users_info (uid, attr_type)`,
	`CREATE UNIQUE INDEX users_info_attrs ON users_info (attr_type, attr_data)`,

	`CREATE TABLE objects (
		id {{pk}},
		name VARCHAR(128) NOT NULL,
		class_name VARCHAR(128) NOT NULL
	)`,
	`CREATE UNIQUE INDEX object_identity ON objects (name, class_name)`,
	`CREATE TABLE object_state (
		objectid BIGINT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
		name VARCHAR(255) NOT NULL,
		value_json TEXT NOT NULL
	)`,
	`CREATE UNIQUE INDEX name_per_object ON object_state (objectid, name)`,

	`CREATE TABLE patches (
		id {{pk}},
		patchlevel INTEGER NOT NULL,
		patch_base64 TEXT NOT NULL,
		patch_author TEXT NOT NULL,
		patch_comment TEXT NOT NULL,
		subdir TEXT
	)`,
	`CREATE TABLE sourcestamps (
		id {{pk}},
		ss_hash VARCHAR(40) NOT NULL,
		branch VARCHAR(256),
		revision VARCHAR(256),
		patchid BIGINT REFERENCES patches (id) ON DELETE CASCADE,
		repository VARCHAR(512) NOT NULL DEFAULT '',
		codebase VARCHAR(256) NOT NULL DEFAULT '',
		project VARCHAR(512) NOT NULL DEFAULT '',
		created_at BIGINT NOT NULL
	)`,
	`CREATE UNIQUE INDEX sourcestamps_ss_hash_key ON sourcestamps (ss_hash)`,

	`CREATE TABLE changes (
		changeid {{pk}},
		author VARCHAR(255) NOT NULL,
		committer VARCHAR(255),
		comments TEXT NOT NULL,
		branch VARCHAR(255),
		revision VARCHAR(255),
		revlink VARCHAR(256),
		when_timestamp BIGINT NOT NULL,
		category VARCHAR(255),
		repository VARCHAR(512) NOT NULL DEFAULT '',
		codebase VARCHAR(256) NOT NULL DEFAULT '',
		project VARCHAR(512) NOT NULL DEFAULT '',
		sourcestampid BIGINT NOT NULL REFERENCES sourcestamps (id) ON DELETE CASCADE,
		parent_changeids BIGINT REFERENCES changes (changeid) ON DELETE SET NULL
	)`,
	`CREATE INDEX changes_branch ON changes (branch)`,
	`CREATE INDEX changes_revision ON changes (revision)`,
	`CREATE INDEX changes_author ON changes (author)`,
	`CREATE INDEX changes_category ON changes (category)`,
	`CREATE INDEX changes_when_timestamp ON changes (when_timestamp)`,
	`CREATE INDEX changes_sourcestampid ON changes (sourcestampid)`,
	`CREATE TABLE change_files (
		changeid BIGINT NOT NULL REFERENCES changes (changeid) ON DELETE CASCADE,
		filename VARCHAR(1024) NOT NULL
	)`,
	`CREATE INDEX change_files_changeid ON change_files (changeid)`,
	`CREATE TABLE change_properties (
		changeid BIGINT NOT NULL REFERENCES changes (changeid) ON DELETE CASCADE,
		property_name VARCHAR(256) NOT NULL,
		property_value TEXT NOT NULL
	)`,
	`CREATE INDEX change_properties_changeid ON change_properties (changeid)`,
	`CREATE TABLE change_users (
		changeid BIGINT NOT NULL REFERENCES changes (changeid) ON DELETE CASCADE,
		uid BIGINT NOT NULL REFERENCES users (uid) ON DELETE CASCADE
	)`,
	`CREATE INDEX change_users_changeid ON change_users (changeid)`,

	`CREATE TABLE schedulers (
		id {{pk}},
		name TEXT NOT NULL,
		name_hash VARCHAR(40) NOT NULL,
		enabled SMALLINT DEFAULT 1
	)`,
	`CREATE UNIQUE INDEX scheduler_name_hash ON schedulers (name_hash)`,
	`CREATE TABLE scheduler_masters (
		schedulerid BIGINT NOT NULL PRIMARY KEY REFERENCES schedulers (id) ON DELETE CASCADE,
		masterid BIGINT NOT NULL REFERENCES masters (id) ON DELETE CASCADE
	)`,
	`CREATE TABLE scheduler_changes (
		schedulerid BIGINT NOT NULL REFERENCES schedulers (id) ON DELETE CASCADE,
		changeid BIGINT NOT NULL REFERENCES changes (changeid) ON DELETE CASCADE,
		important INTEGER
	)`,
	`CREATE INDEX scheduler_changes_schedulerid ON scheduler_changes (schedulerid)`,
	`CREATE INDEX scheduler_changes_changeid ON scheduler_changes (changeid)`,
	`CREATE UNIQUE INDEX scheduler_changes_unique ON scheduler_changes (schedulerid, changeid)`,

	`CREATE TABLE changesources (
		id {{pk}},
		name TEXT NOT NULL,
		name_hash VARCHAR(40) NOT NULL
	)`,
	`CREATE UNIQUE INDEX changesource_name_hash ON changesources (name_hash)`,
	`CREATE TABLE changesource_masters (
		changesourceid BIGINT NOT NULL PRIMARY KEY REFERENCES changesources (id) ON DELETE CASCADE,
		masterid BIGINT NOT NULL REFERENCES masters (id) ON DELETE CASCADE
	)`,

	`CREATE TABLE builders (
		id {{pk}},
		name TEXT NOT NULL,
		description TEXT,
		name_hash VARCHAR(40) NOT NULL
	)`,
	`CREATE UNIQUE INDEX builder_name_hash ON builders (name_hash)`,
	`CREATE TABLE builder_masters (
		id {{pk}},
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		masterid BIGINT NOT NULL REFERENCES masters (id) ON DELETE CASCADE
	)`,
	`CREATE INDEX builder_masters_builderid ON builder_masters (builderid)`,
	`CREATE INDEX builder_masters_masterid ON builder_masters (masterid)`,
	`CREATE UNIQUE INDEX builder_masters_identity ON builder_masters (builderid, masterid)`,
	`CREATE TABLE tags (
		id {{pk}},
		name TEXT NOT NULL,
		name_hash VARCHAR(40) NOT NULL
	)`,
	`CREATE UNIQUE INDEX tag_name_hash ON tags (name_hash)`,
	`CREATE TABLE builders_tags (
		id {{pk}},
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		tagid BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE
	)`,
	`CREATE INDEX builders_tags_builderid ON builders_tags (builderid)`,
	`CREATE UNIQUE INDEX builders_tags_unique ON builders_tags (builderid, tagid)`,

	`CREATE TABLE workers (
		id {{pk}},
		name VARCHAR(50) NOT NULL,
		info TEXT NOT NULL,
		paused SMALLINT NOT NULL DEFAULT 0,
		graceful SMALLINT NOT NULL DEFAULT 0
	)`,
	`CREATE UNIQUE INDEX workers_name ON workers (name)`,
	`CREATE TABLE configured_workers (
		id {{pk}},
		buildermasterid BIGINT NOT NULL REFERENCES builder_masters (id) ON DELETE CASCADE,
		workerid BIGINT NOT NULL REFERENCES workers (id) ON DELETE CASCADE
	)`,
	`CREATE INDEX configured_workers_buildmasterid ON configured_workers (buildermasterid)`,
	`CREATE INDEX configured_workers_workers ON configured_workers (workerid)`,
	`CREATE UNIQUE INDEX configured_workers_identity ON configured_workers (buildermasterid, workerid)`,
	`CREATE TABLE connected_workers (
		id {{pk}},
		masterid BIGINT NOT NULL REFERENCES masters (id) ON DELETE CASCADE,
		workerid BIGINT NOT NULL REFERENCES workers (id) ON DELETE CASCADE
	)`,
	`CREATE INDEX connected_workers_masterid ON connected_workers (masterid)`,
	`CREATE INDEX connected_workers_workers ON connected_workers (workerid)`,
	`CREATE UNIQUE INDEX connected_workers_identity ON connected_workers (masterid, workerid)`,

	`CREATE TABLE buildsets (
		id {{pk}},
		external_idstring VARCHAR(256),
		reason VARCHAR(256),
		submitted_at BIGINT NOT NULL,
		complete SMALLINT NOT NULL DEFAULT 0,
		complete_at BIGINT,
		results SMALLINT,
		parent_buildid BIGINT{{parent_buildid_fk}},
		parent_relationship TEXT
	)`,
	`CREATE INDEX buildsets_complete ON buildsets (complete)`,
	`CREATE INDEX buildsets_submitted_at ON buildsets (submitted_at)`,
	`CREATE TABLE buildset_properties (
		buildsetid BIGINT NOT NULL REFERENCES buildsets (id) ON DELETE CASCADE,
		property_name VARCHAR(256) NOT NULL,
		property_value TEXT NOT NULL
	)`,
	`CREATE INDEX buildset_properties_buildsetid ON buildset_properties (buildsetid)`,
	`CREATE TABLE buildset_sourcestamps (
		id {{pk}},
		buildsetid BIGINT NOT NULL REFERENCES buildsets (id) ON DELETE CASCADE,
		sourcestampid BIGINT NOT NULL REFERENCES sourcestamps (id) ON DELETE CASCADE
	)`,
	`CREATE INDEX buildset_sourcestamps_buildsetid ON buildset_sourcestamps (buildsetid)`,
	`CREATE UNIQUE INDEX buildset_sourcestamps_unique ON buildset_sourcestamps (buildsetid, sourcestampid)`,

	`CREATE TABLE buildrequests (
		id {{pk}},
		buildsetid BIGINT NOT NULL REFERENCES buildsets (id) ON DELETE CASCADE,
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		priority INTEGER NOT NULL DEFAULT 0,
		complete INTEGER DEFAULT 0,
		results SMALLINT,
		submitted_at BIGINT NOT NULL,
		complete_at BIGINT,
		waited_for SMALLINT DEFAULT 0
	)`,
	`CREATE INDEX buildrequests_buildsetid ON buildrequests (buildsetid)`,
	`CREATE INDEX buildrequests_builderid ON buildrequests (builderid)`,
	`CREATE INDEX buildrequests_complete ON buildrequests (complete)`,
	`CREATE TABLE buildrequest_claims (
		brid BIGINT NOT NULL REFERENCES buildrequests (id) ON DELETE CASCADE,
		masterid BIGINT NOT NULL REFERENCES masters (id) ON DELETE CASCADE,
		claimed_at BIGINT NOT NULL
	)`,
	`CREATE UNIQUE INDEX buildrequest_claims_brids ON buildrequest_claims (brid)`,
	`CREATE INDEX ix_buildrequest_claims_masterid ON buildrequest_claims (masterid)`,

	`CREATE TABLE builds (
		id {{pk}},
		number INTEGER NOT NULL,
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		buildrequestid BIGINT NOT NULL,
		workerid BIGINT REFERENCES workers (id) ON DELETE SET NULL,
		masterid BIGINT NOT NULL REFERENCES masters (id) ON DELETE CASCADE,
		started_at BIGINT NOT NULL,
		complete_at BIGINT,
		state_string TEXT NOT NULL,
		results INTEGER,
		CONSTRAINT buildrequestid FOREIGN KEY (buildrequestid) REFERENCES buildrequests (id) ON DELETE CASCADE
	)`,
	`CREATE UNIQUE INDEX builds_number ON builds (builderid, number)`,
	`CREATE INDEX builds_buildrequestid ON builds (buildrequestid)`,
	`CREATE INDEX builds_workerid ON builds (workerid)`,
	`CREATE INDEX builds_masterid ON builds (masterid)`,
	`{{alter_parent_buildid}}`,
	`CREATE TABLE build_properties (
		buildid BIGINT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
		name VARCHAR(256) NOT NULL,
		value TEXT NOT NULL,
		source VARCHAR(256) NOT NULL
	)`,
	`CREATE INDEX build_properties_buildid ON build_properties (buildid)`,
	`CREATE TABLE build_data (
		id {{pk}},
		buildid BIGINT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
		name VARCHAR(256) NOT NULL,
		value {{blob}} NOT NULL,
		length BIGINT NOT NULL,
		source VARCHAR(256) NOT NULL
	)`,
	`CREATE UNIQUE INDEX build_data_buildid_name ON build_data (buildid, name)`,

	`CREATE TABLE steps (
		id {{pk}},
		number INTEGER NOT NULL,
		name VARCHAR(50) NOT NULL,
		buildid BIGINT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
		started_at BIGINT,
		complete_at BIGINT,
		state_string TEXT NOT NULL,
		results INTEGER,
		urls_json TEXT NOT NULL,
		hidden SMALLINT NOT NULL DEFAULT 0
	)`,
	`CREATE UNIQUE INDEX steps_number ON steps (buildid, number)`,
	`CREATE UNIQUE INDEX steps_name ON steps (buildid, name)`,
	`CREATE INDEX steps_started_at ON steps (started_at)`,

	`CREATE TABLE logs (
		id {{pk}},
		name TEXT NOT NULL,
		slug VARCHAR(50) NOT NULL,
		stepid BIGINT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
		complete SMALLINT NOT NULL,
		num_lines INTEGER NOT NULL,
		type VARCHAR(1) NOT NULL
	)`,
	`CREATE UNIQUE INDEX logs_slug ON logs (stepid, slug)`,
	`CREATE TABLE logchunks (
		logid BIGINT NOT NULL REFERENCES logs (id) ON DELETE CASCADE,
		first_line INTEGER NOT NULL,
		last_line INTEGER NOT NULL,
		content {{blob}},
		compressed SMALLINT NOT NULL
	)`,
	`CREATE INDEX logchunks_firstline ON logchunks (logid, first_line)`,
	`CREATE INDEX logchunks_lastline ON logchunks (logid, last_line)`,

	`CREATE TABLE test_result_sets (
		id {{pk}},
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		buildid BIGINT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
		stepid BIGINT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
		description TEXT,
		category TEXT NOT NULL,
		value_unit TEXT NOT NULL,
		tests_passed INTEGER,
		tests_failed INTEGER,
		complete SMALLINT NOT NULL
	)`,
	`CREATE TABLE test_names (
		id {{pk}},
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		name TEXT NOT NULL
	)`,
	`CREATE INDEX test_names_name ON test_names (builderid, name)`,
	`CREATE TABLE test_code_paths (
		id {{pk}},
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		path TEXT NOT NULL
	)`,
	`CREATE INDEX test_code_paths_path ON test_code_paths (builderid, path)`,
	`CREATE TABLE test_results (
		id {{pk}},
		builderid BIGINT NOT NULL REFERENCES builders (id) ON DELETE CASCADE,
		test_result_setid BIGINT NOT NULL REFERENCES test_result_sets (id) ON DELETE CASCADE,
		test_nameid BIGINT REFERENCES test_names (id) ON DELETE CASCADE,
		test_code_pathid BIGINT REFERENCES test_code_paths (id) ON DELETE CASCADE,
		line INTEGER,
		duration_ns BIGINT,
		value TEXT NOT NULL
	)`,
}
