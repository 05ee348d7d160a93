package db

// schemaV3 adds an index for finding a change's parent (the latest change
// with the same branch, repository, project and codebase): with Buildbot's
// changes_branch alone, every AddChange on a busy branch scanned all of
// that branch's changes.
var schemaV3 = []string{
	`CREATE INDEX changes_parent ON changes (branch, repository, project, codebase, changeid)`,
}
