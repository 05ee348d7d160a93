package data

// The resource types of Buildbot 3.7's data API (reference §9.2), with their
// fields in Buildbot's declaration order. These tables are built once at
// package initialisation and never modified.

var (
	masterEntity = newEntity("master",
		fld("masterid", tInt()),
		fld("name", tStr()),
		fld("active", tBool()),
		fld("last_active", tDate()),
	)
	builderEntity = newEntity("builder",
		fld("builderid", tInt()),
		fld("name", tIdent(70)),
		fld("masterids", tList(tInt())),
		fld("description", null(tStr())),
		fld("tags", tList(tStr())),
	)
	workerEntity = newEntity("worker",
		fld("workerid", tInt()),
		fld("name", tStr()),
		fld("connected_to", tList(tEntity(newEntity("master_id", fld("masterid", tInt()))))),
		fld("configured_on", tList(tEntity(newEntity("master_builder",
			fld("masterid", tInt()), fld("builderid", tInt()))))),
		fld("workerinfo", tJSON()),
		fld("paused", tBool()),
		fld("graceful", tBool()),
	)
	changesourceEntity = newEntity("changesource",
		fld("changesourceid", tInt()),
		fld("name", tStr()),
		fld("master", null(tEntity(masterEntity))),
	)
	schedulerEntity = newEntity("scheduler",
		fld("schedulerid", tInt()),
		fld("name", tStr()),
		fld("enabled", tBool()),
		fld("master", null(tEntity(masterEntity))),
	)
	forceschedulerEntity = newEntity("forcescheduler",
		fld("name", tIdent(50)),
		fld("button_name", tStr()),
		fld("label", tStr()),
		fld("builder_names", tList(tIdent(50))),
		fld("enabled", tBool()),
		fld("all_fields", tList(tJSON())),
	)
	patchEntity = newEntity("patch",
		fld("patchid", tInt()),
		fld("body", tBinary()),
		fld("level", tInt()),
		fld("subdir", tStr()),
		fld("author", tStr()),
		fld("comment", tStr()),
	)
	sourcestampEntity = newEntity("sourcestamp",
		fld("ssid", tInt()),
		fld("revision", null(tStr())),
		fld("branch", null(tStr())),
		fld("repository", tStr()),
		fld("project", tStr()),
		fld("codebase", tStr()),
		fld("patch", null(tEntity(patchEntity))),
		fld("created_at", tDate()),
	)
	changeEntity = newEntity("change",
		fld("changeid", tInt()),
		fld("parent_changeids", tList(tInt())),
		fld("author", tStr()),
		fld("committer", tStr()),
		fld("files", tList(tStr())),
		fld("comments", tStr()),
		fld("revision", null(tStr())),
		fld("when_timestamp", tInt()),
		fld("branch", null(tStr())),
		fld("category", null(tStr())),
		fld("revlink", null(tStr())),
		fld("properties", tProps()),
		fld("repository", tStr()),
		fld("project", tStr()),
		fld("codebase", tStr()),
		fld("sourcestamp", tEntity(sourcestampEntity)),
	)
	buildsetEntity = newEntity("buildset",
		fld("bsid", tInt()),
		fld("external_idstring", null(tStr())),
		fld("reason", tStr()),
		fld("submitted_at", tInt()),
		fld("complete", tBool()),
		fld("complete_at", null(tInt())),
		fld("results", null(tInt())),
		fld("sourcestamps", tList(tEntity(sourcestampEntity))),
		fld("parent_buildid", null(tInt())),
		fld("parent_relationship", null(tStr())),
	)
	buildrequestEntity = newEntity("buildrequest",
		fld("buildrequestid", tInt()),
		fld("buildsetid", tInt()),
		fld("builderid", tInt()),
		fld("priority", tInt()),
		fld("claimed", tBool()),
		fld("claimed_at", null(tDate())),
		fld("claimed_by_masterid", null(tInt())),
		fld("complete", tBool()),
		fld("results", null(tInt())),
		fld("submitted_at", tDate()),
		fld("complete_at", null(tDate())),
		fld("waited_for", tBool()),
		fld("properties", null(tProps())),
	)
	buildEntity = newEntity("build",
		fld("buildid", tInt()),
		fld("number", tInt()),
		fld("builderid", tInt()),
		fld("buildrequestid", tInt()),
		fld("workerid", tInt()),
		fld("masterid", tInt()),
		fld("started_at", tDate()),
		fld("complete", tBool()),
		fld("complete_at", null(tDate())),
		fld("results", null(tInt())),
		fld("state_string", tStr()),
		fld("properties", null(tProps())),
	)
	stepEntity = newEntity("step",
		fld("stepid", tInt()),
		fld("number", tInt()),
		fld("name", tIdent(50)),
		fld("buildid", tInt()),
		fld("started_at", null(tDate())),
		fld("complete", tBool()),
		fld("complete_at", null(tDate())),
		fld("results", null(tInt())),
		fld("state_string", tStr()),
		fld("urls", tList(tEntity(newEntity("Url", fld("name", tStr()), fld("url", tStr()))))),
		fld("hidden", tBool()),
	)
	logEntity = newEntity("log",
		fld("logid", tInt()),
		fld("name", tStr()),
		fld("slug", tIdent(50)),
		fld("stepid", tInt()),
		fld("complete", tBool()),
		fld("num_lines", tInt()),
		fld("type", tIdent(1)),
	)
	logchunkEntity = newEntity("logchunk",
		fld("logid", tInt()),
		fld("firstline", tInt()),
		fld("content", tStr()),
	)
	propertyListEntity = newEntity("_property",
		fld("name", tStr()),
		fld("source", tStr()),
		fld("value", tJSON()),
	)
	buildDataEntity = newEntity("build_data",
		fld("buildid", tInt()),
		fld("name", tStr()),
		fld("length", tInt()),
		fld("value", null(tBinary())),
		fld("source", tStr()),
	)
	testResultSetEntity = newEntity("test_result_set",
		fld("test_result_setid", tInt()),
		fld("builderid", tInt()),
		fld("buildid", tInt()),
		fld("stepid", tInt()),
		fld("description", null(tStr())),
		fld("category", tStr()),
		fld("value_unit", tStr()),
		fld("tests_passed", null(tInt())),
		fld("tests_failed", null(tInt())),
		fld("complete", tBool()),
	)
	testResultEntity = newEntity("test_result",
		fld("test_resultid", tInt()),
		fld("builderid", tInt()),
		fld("test_result_setid", tInt()),
		fld("test_name", null(tStr())),
		fld("test_code_path", null(tStr())),
		fld("line", null(tInt())),
		fld("duration_ns", null(tInt())),
		fld("value", tStr()),
	)
	rootlinkEntity = newEntity("rootlink", fld("name", tStr()))
	specEntity     = newEntity("spec",
		fld("path", tStr()),
		fld("type", tStr()),
		fld("plural", tStr()),
		fld("type_spec", tJSON()),
	)
)

// The resource types.
var (
	rtMaster         = resource("master", "masters", masterEntity)
	rtBuilder        = resource("builder", "builders", builderEntity)
	rtWorker         = resource("worker", "workers", workerEntity)
	rtChangeSource   = resource("changesource", "changesources", changesourceEntity)
	rtScheduler      = resource("scheduler", "schedulers", schedulerEntity)
	rtForceScheduler = resource("forcescheduler", "forceschedulers", forceschedulerEntity)
	rtSourceStamp    = resource("sourcestamp", "sourcestamps", sourcestampEntity)
	rtChange         = resource("change", "changes", changeEntity)
	rtBuildset       = resource("buildset", "buildsets", buildsetEntity)
	rtBuildRequest   = resource("buildrequest", "buildrequests", buildrequestEntity)
	rtBuild          = resource("build", "builds", buildEntity)
	rtStep           = resource("step", "steps", stepEntity)
	rtLog            = resource("log", "logs", logEntity)
	rtLogChunk       = resource("logchunk", "logchunks", logchunkEntity)
	rtPropertyList   = resource("_property", "_properties", propertyListEntity)
	rtProperties     = &ResourceType{Name: "property", Plural: "properties", Type: tProps()}
	rtBuildData      = resource("build_data", "build_data", buildDataEntity)
	rtTestResultSet  = resource("test_result_set", "test_result_sets", testResultSetEntity)
	rtTestResult     = resource("test_result", "test_results", testResultEntity)
	rtRootLink       = resource("rootlink", "rootlinks", rootlinkEntity)
	rtSpec           = resource("spec", "specs", specEntity)
)

// rootLinks are the collections GET /api/v2 lists, in Buildbot's order.
var rootLinks = []string{
	"builders", "builds", "buildrequests", "workers", "logchunks", "buildsets",
	"changes", "changesources", "masters", "sourcestamps", "schedulers", "forceschedulers",
}
