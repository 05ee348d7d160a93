package db

// schemaV2 adds Buildbot 3.9's projects and the builders' link to one.
var schemaV2 = []string{
	`CREATE TABLE projects (
		id {{pk}},
		name TEXT NOT NULL,
		name_hash VARCHAR(40) NOT NULL,
		slug VARCHAR(50) NOT NULL,
		description TEXT,
		description_format TEXT,
		description_html TEXT
	)`,
	`CREATE UNIQUE INDEX projects_name_hash ON projects (name_hash)`,
	`ALTER TABLE builders ADD COLUMN projectid BIGINT REFERENCES projects (id) ON DELETE SET NULL`,
	`CREATE INDEX builders_projectid ON builders (projectid)`,
}
