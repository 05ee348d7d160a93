package data

// Reference answers of a real Buildbot 3.7.0 master (Debian's package, run
// through /work/shared/bench/buildbot/wwwshim on 2026-11-26):
// GET /api/v2/application.spec reduced to its (path, plural, type) lines and
// to one type_spec per type.

// refSpecPaths lists every path pattern 3.7 serves with its plural and type.
const refSpecPaths = ` rootlinks rootlink
application.spec specs spec
builders builders builder
builders/:builderid/forceschedulers forceschedulers forcescheduler
builders/i:buildername builders builder
builders/i:buildername/builds builds build
builders/i:buildername/builds/n:build_number/data build_data build_data
builders/i:buildername/builds/n:build_number/data/i:name build_data build_data
builders/i:buildername/builds/n:build_number/data/i:name/value build_data build_data
builders/i:buildername/builds/n:build_number/steps steps step
builders/i:buildername/builds/n:build_number/steps/i:step_name steps step
builders/i:buildername/builds/n:build_number/steps/i:step_name/logs logs log
builders/i:buildername/builds/n:build_number/steps/i:step_name/logs/i:log_slug logs log
builders/i:buildername/builds/n:build_number/steps/n:step_number steps step
builders/i:buildername/builds/n:build_number/steps/n:step_number/logs logs log
builders/i:buildername/builds/n:build_number/steps/n:step_number/logs/i:log_slug logs log
builders/i:buildername/builds/n:number builds build
builders/i:buildername/test_result_sets test_result_sets test_result_set
builders/n:builderid builders builder
builders/n:builderid/buildrequests buildrequests buildrequest
builders/n:builderid/builds builds build
builders/n:builderid/builds/n:build_number/changes changes change
builders/n:builderid/builds/n:build_number/data build_data build_data
builders/n:builderid/builds/n:build_number/data/i:name build_data build_data
builders/n:builderid/builds/n:build_number/data/i:name/value build_data build_data
builders/n:builderid/builds/n:build_number/properties properties sourcedproperties
builders/n:builderid/builds/n:build_number/steps steps step
builders/n:builderid/builds/n:build_number/steps/i:step_name steps step
builders/n:builderid/builds/n:build_number/steps/i:step_name/logs logs log
builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug logs log
builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug/contents logchunks logchunk
builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug/raw logchunks logchunk
builders/n:builderid/builds/n:build_number/steps/n:step_number steps step
builders/n:builderid/builds/n:build_number/steps/n:step_number/logs logs log
builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug logs log
builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug/contents logchunks logchunk
builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug/raw logchunks logchunk
builders/n:builderid/builds/n:number builds build
builders/n:builderid/masters masters master
builders/n:builderid/masters/n:masterid masters master
builders/n:builderid/test_result_sets test_result_sets test_result_set
builders/n:builderid/workers workers worker
builders/n:builderid/workers/i:name workers worker
builders/n:builderid/workers/n:workerid workers worker
buildrequests buildrequests buildrequest
buildrequests/n:buildrequestid buildrequests buildrequest
buildrequests/n:buildrequestid/builds builds build
builds builds build
builds/n:buildid builds build
builds/n:buildid/changes changes change
builds/n:buildid/data build_data build_data
builds/n:buildid/data/i:name build_data build_data
builds/n:buildid/data/i:name/value build_data build_data
builds/n:buildid/properties properties sourcedproperties
builds/n:buildid/property_list _properties _property
builds/n:buildid/steps steps step
builds/n:buildid/steps/i:step_name steps step
builds/n:buildid/steps/i:step_name/logs logs log
builds/n:buildid/steps/i:step_name/logs/i:log_slug logs log
builds/n:buildid/steps/i:step_name/logs/i:log_slug/contents logchunks logchunk
builds/n:buildid/steps/i:step_name/logs/i:log_slug/raw logchunks logchunk
builds/n:buildid/steps/n:step_number steps step
builds/n:buildid/steps/n:step_number/logs logs log
builds/n:buildid/steps/n:step_number/logs/i:log_slug logs log
builds/n:buildid/steps/n:step_number/logs/i:log_slug/contents logchunks logchunk
builds/n:buildid/steps/n:step_number/logs/i:log_slug/raw logchunks logchunk
builds/n:buildid/test_result_sets test_result_sets test_result_set
buildsets buildsets buildset
buildsets/n:bsid buildsets buildset
buildsets/n:bsid/properties properties sourcedproperties
buildsets/n:bsid/properties_list _properties _property
changes changes change
changes/n:changeid changes change
changes/n:changeid/builds builds build
changes/n:changeid/properties_list _properties _property
changesources changesources changesource
changesources/n:changesourceid changesources changesource
forceschedulers forceschedulers forcescheduler
forceschedulers/i:schedulername forceschedulers forcescheduler
logchunks logchunks logchunk
logs/n:logid logs log
logs/n:logid/contents logchunks logchunk
logs/n:logid/raw logchunks logchunk
masters masters master
masters/n:masterid masters master
masters/n:masterid/builders builders builder
masters/n:masterid/builders/n:builderid builders builder
masters/n:masterid/builders/n:builderid/workers workers worker
masters/n:masterid/builders/n:builderid/workers/i:name workers worker
masters/n:masterid/builders/n:builderid/workers/n:workerid workers worker
masters/n:masterid/changesources changesources changesource
masters/n:masterid/changesources/n:changesourceid changesources changesource
masters/n:masterid/schedulers schedulers scheduler
masters/n:masterid/schedulers/n:schedulerid schedulers scheduler
masters/n:masterid/workers workers worker
masters/n:masterid/workers/i:name workers worker
masters/n:masterid/workers/n:workerid workers worker
schedulers schedulers scheduler
schedulers/n:schedulerid schedulers scheduler
sourcestamps sourcestamps sourcestamp
sourcestamps/n:ssid sourcestamps sourcestamp
sourcestamps/n:ssid/changes changes change
steps/n:stepid steps step
steps/n:stepid/logs logs log
steps/n:stepid/logs/i:log_slug logs log
steps/n:stepid/logs/i:log_slug/contents logchunks logchunk
steps/n:stepid/logs/i:log_slug/raw logchunks logchunk
steps/n:stepid/test_result_sets test_result_sets test_result_set
test_result_sets/n:test_result_setid test_result_sets test_result_set
test_result_sets/n:test_result_setid/results test_results test_result
workers workers worker
workers/i:name workers worker
workers/n:workerid workers worker
workers/n:workerid/builds builds build`

// refSpecTypes maps each type to its type_spec (sorted-key JSON).
const refSpecTypes = `{"_property":{"fields":[{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"source","type":"string","type_spec":{"name":"string"}},{"name":"value","type":"jsonobject","type_spec":{"name":"jsonobject"}}],"type":"_property"},"build":{"fields":[{"name":"buildid","type":"integer","type_spec":{"name":"integer"}},{"name":"number","type":"integer","type_spec":{"name":"integer"}},{"name":"builderid","type":"integer","type_spec":{"name":"integer"}},{"name":"buildrequestid","type":"integer","type_spec":{"name":"integer"}},{"name":"workerid","type":"integer","type_spec":{"name":"integer"}},{"name":"masterid","type":"integer","type_spec":{"name":"integer"}},{"name":"started_at","type":"datetime","type_spec":{"name":"datetime"}},{"name":"complete","type":"boolean","type_spec":{"name":"boolean"}},{"name":"complete_at","type":"datetime or None","type_spec":{"can_be_null":true,"name":"datetime"}},{"name":"results","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"state_string","type":"string","type_spec":{"name":"string"}},{"name":"properties","type":"sourcedproperties or None","type_spec":{"can_be_null":true,"name":"sourcedproperties"}}],"type":"build"},"build_data":{"fields":[{"name":"buildid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"length","type":"integer","type_spec":{"name":"integer"}},{"name":"value","type":"binary or None","type_spec":{"can_be_null":true,"name":"binary"}},{"name":"source","type":"string","type_spec":{"name":"string"}}],"type":"build_data"},"builder":{"fields":[{"name":"builderid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"identifier","type_spec":{"name":"identifier"}},{"name":"masterids","type":"list","type_spec":{"of":{"name":"integer"},"type":"list"}},{"name":"description","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"tags","type":"list","type_spec":{"of":{"name":"string"},"type":"list"}}],"type":"builder"},"buildrequest":{"fields":[{"name":"buildrequestid","type":"integer","type_spec":{"name":"integer"}},{"name":"buildsetid","type":"integer","type_spec":{"name":"integer"}},{"name":"builderid","type":"integer","type_spec":{"name":"integer"}},{"name":"priority","type":"integer","type_spec":{"name":"integer"}},{"name":"claimed","type":"boolean","type_spec":{"name":"boolean"}},{"name":"claimed_at","type":"datetime or None","type_spec":{"can_be_null":true,"name":"datetime"}},{"name":"claimed_by_masterid","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"complete","type":"boolean","type_spec":{"name":"boolean"}},{"name":"results","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"submitted_at","type":"datetime","type_spec":{"name":"datetime"}},{"name":"complete_at","type":"datetime or None","type_spec":{"can_be_null":true,"name":"datetime"}},{"name":"waited_for","type":"boolean","type_spec":{"name":"boolean"}},{"name":"properties","type":"sourcedproperties or None","type_spec":{"can_be_null":true,"name":"sourcedproperties"}}],"type":"buildrequest"},"buildset":{"fields":[{"name":"bsid","type":"integer","type_spec":{"name":"integer"}},{"name":"external_idstring","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"reason","type":"string","type_spec":{"name":"string"}},{"name":"submitted_at","type":"integer","type_spec":{"name":"integer"}},{"name":"complete","type":"boolean","type_spec":{"name":"boolean"}},{"name":"complete_at","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"results","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"sourcestamps","type":"list","type_spec":{"of":{"fields":[{"name":"ssid","type":"integer","type_spec":{"name":"integer"}},{"name":"revision","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"branch","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"repository","type":"string","type_spec":{"name":"string"}},{"name":"project","type":"string","type_spec":{"name":"string"}},{"name":"codebase","type":"string","type_spec":{"name":"string"}},{"name":"patch","type":"patch or None","type_spec":{"can_be_null":true,"fields":[{"name":"patchid","type":"integer","type_spec":{"name":"integer"}},{"name":"body","type":"binary","type_spec":{"name":"binary"}},{"name":"level","type":"integer","type_spec":{"name":"integer"}},{"name":"subdir","type":"string","type_spec":{"name":"string"}},{"name":"author","type":"string","type_spec":{"name":"string"}},{"name":"comment","type":"string","type_spec":{"name":"string"}}],"type":"patch"}},{"name":"created_at","type":"datetime","type_spec":{"name":"datetime"}}],"type":"sourcestamp"},"type":"list"}},{"name":"parent_buildid","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"parent_relationship","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}}],"type":"buildset"},"change":{"fields":[{"name":"changeid","type":"integer","type_spec":{"name":"integer"}},{"name":"parent_changeids","type":"list","type_spec":{"of":{"name":"integer"},"type":"list"}},{"name":"author","type":"string","type_spec":{"name":"string"}},{"name":"committer","type":"string","type_spec":{"name":"string"}},{"name":"files","type":"list","type_spec":{"of":{"name":"string"},"type":"list"}},{"name":"comments","type":"string","type_spec":{"name":"string"}},{"name":"revision","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"when_timestamp","type":"integer","type_spec":{"name":"integer"}},{"name":"branch","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"category","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"revlink","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"properties","type":"sourcedproperties","type_spec":{"name":"sourcedproperties"}},{"name":"repository","type":"string","type_spec":{"name":"string"}},{"name":"project","type":"string","type_spec":{"name":"string"}},{"name":"codebase","type":"string","type_spec":{"name":"string"}},{"name":"sourcestamp","type":"sourcestamp","type_spec":{"fields":[{"name":"ssid","type":"integer","type_spec":{"name":"integer"}},{"name":"revision","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"branch","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"repository","type":"string","type_spec":{"name":"string"}},{"name":"project","type":"string","type_spec":{"name":"string"}},{"name":"codebase","type":"string","type_spec":{"name":"string"}},{"name":"patch","type":"patch or None","type_spec":{"can_be_null":true,"fields":[{"name":"patchid","type":"integer","type_spec":{"name":"integer"}},{"name":"body","type":"binary","type_spec":{"name":"binary"}},{"name":"level","type":"integer","type_spec":{"name":"integer"}},{"name":"subdir","type":"string","type_spec":{"name":"string"}},{"name":"author","type":"string","type_spec":{"name":"string"}},{"name":"comment","type":"string","type_spec":{"name":"string"}}],"type":"patch"}},{"name":"created_at","type":"datetime","type_spec":{"name":"datetime"}}],"type":"sourcestamp"}}],"type":"change"},"changesource":{"fields":[{"name":"changesourceid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"master","type":"master or None","type_spec":{"can_be_null":true,"fields":[{"name":"masterid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"active","type":"boolean","type_spec":{"name":"boolean"}},{"name":"last_active","type":"datetime","type_spec":{"name":"datetime"}}],"type":"master"}}],"type":"changesource"},"forcescheduler":{"fields":[{"name":"name","type":"identifier","type_spec":{"name":"identifier"}},{"name":"button_name","type":"string","type_spec":{"name":"string"}},{"name":"label","type":"string","type_spec":{"name":"string"}},{"name":"builder_names","type":"list","type_spec":{"of":{"name":"identifier"},"type":"list"}},{"name":"enabled","type":"boolean","type_spec":{"name":"boolean"}},{"name":"all_fields","type":"list","type_spec":{"of":{"name":"jsonobject"},"type":"list"}}],"type":"forcescheduler"},"log":{"fields":[{"name":"logid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"slug","type":"identifier","type_spec":{"name":"identifier"}},{"name":"stepid","type":"integer","type_spec":{"name":"integer"}},{"name":"complete","type":"boolean","type_spec":{"name":"boolean"}},{"name":"num_lines","type":"integer","type_spec":{"name":"integer"}},{"name":"type","type":"identifier","type_spec":{"name":"identifier"}}],"type":"log"},"logchunk":{"fields":[{"name":"logid","type":"integer","type_spec":{"name":"integer"}},{"name":"firstline","type":"integer","type_spec":{"name":"integer"}},{"name":"content","type":"string","type_spec":{"name":"string"}}],"type":"logchunk"},"master":{"fields":[{"name":"masterid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"active","type":"boolean","type_spec":{"name":"boolean"}},{"name":"last_active","type":"datetime","type_spec":{"name":"datetime"}}],"type":"master"},"rootlink":{"fields":[{"name":"name","type":"string","type_spec":{"name":"string"}}],"type":"rootlink"},"scheduler":{"fields":[{"name":"schedulerid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"enabled","type":"boolean","type_spec":{"name":"boolean"}},{"name":"master","type":"master or None","type_spec":{"can_be_null":true,"fields":[{"name":"masterid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"active","type":"boolean","type_spec":{"name":"boolean"}},{"name":"last_active","type":"datetime","type_spec":{"name":"datetime"}}],"type":"master"}}],"type":"scheduler"},"sourcedproperties":{"name":"sourcedproperties"},"sourcestamp":{"fields":[{"name":"ssid","type":"integer","type_spec":{"name":"integer"}},{"name":"revision","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"branch","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"repository","type":"string","type_spec":{"name":"string"}},{"name":"project","type":"string","type_spec":{"name":"string"}},{"name":"codebase","type":"string","type_spec":{"name":"string"}},{"name":"patch","type":"patch or None","type_spec":{"can_be_null":true,"fields":[{"name":"patchid","type":"integer","type_spec":{"name":"integer"}},{"name":"body","type":"binary","type_spec":{"name":"binary"}},{"name":"level","type":"integer","type_spec":{"name":"integer"}},{"name":"subdir","type":"string","type_spec":{"name":"string"}},{"name":"author","type":"string","type_spec":{"name":"string"}},{"name":"comment","type":"string","type_spec":{"name":"string"}}],"type":"patch"}},{"name":"created_at","type":"datetime","type_spec":{"name":"datetime"}}],"type":"sourcestamp"},"spec":{"fields":[{"name":"path","type":"string","type_spec":{"name":"string"}},{"name":"type","type":"string","type_spec":{"name":"string"}},{"name":"plural","type":"string","type_spec":{"name":"string"}},{"name":"type_spec","type":"jsonobject","type_spec":{"name":"jsonobject"}}],"type":"spec"},"step":{"fields":[{"name":"stepid","type":"integer","type_spec":{"name":"integer"}},{"name":"number","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"identifier","type_spec":{"name":"identifier"}},{"name":"buildid","type":"integer","type_spec":{"name":"integer"}},{"name":"started_at","type":"datetime or None","type_spec":{"can_be_null":true,"name":"datetime"}},{"name":"complete","type":"boolean","type_spec":{"name":"boolean"}},{"name":"complete_at","type":"datetime or None","type_spec":{"can_be_null":true,"name":"datetime"}},{"name":"results","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"state_string","type":"string","type_spec":{"name":"string"}},{"name":"urls","type":"list","type_spec":{"of":{"fields":[{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"url","type":"string","type_spec":{"name":"string"}}],"type":"Url"},"type":"list"}},{"name":"hidden","type":"boolean","type_spec":{"name":"boolean"}}],"type":"step"},"test_result":{"fields":[{"name":"test_resultid","type":"integer","type_spec":{"name":"integer"}},{"name":"builderid","type":"integer","type_spec":{"name":"integer"}},{"name":"test_result_setid","type":"integer","type_spec":{"name":"integer"}},{"name":"test_name","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"test_code_path","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"line","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"duration_ns","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"value","type":"string","type_spec":{"name":"string"}}],"type":"test_result"},"test_result_set":{"fields":[{"name":"test_result_setid","type":"integer","type_spec":{"name":"integer"}},{"name":"builderid","type":"integer","type_spec":{"name":"integer"}},{"name":"buildid","type":"integer","type_spec":{"name":"integer"}},{"name":"stepid","type":"integer","type_spec":{"name":"integer"}},{"name":"description","type":"string or None","type_spec":{"can_be_null":true,"name":"string"}},{"name":"category","type":"string","type_spec":{"name":"string"}},{"name":"value_unit","type":"string","type_spec":{"name":"string"}},{"name":"tests_passed","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"tests_failed","type":"integer or None","type_spec":{"can_be_null":true,"name":"integer"}},{"name":"complete","type":"boolean","type_spec":{"name":"boolean"}}],"type":"test_result_set"},"worker":{"fields":[{"name":"workerid","type":"integer","type_spec":{"name":"integer"}},{"name":"name","type":"string","type_spec":{"name":"string"}},{"name":"connected_to","type":"list","type_spec":{"of":{"fields":[{"name":"masterid","type":"integer","type_spec":{"name":"integer"}}],"type":"master_id"},"type":"list"}},{"name":"configured_on","type":"list","type_spec":{"of":{"fields":[{"name":"masterid","type":"integer","type_spec":{"name":"integer"}},{"name":"builderid","type":"integer","type_spec":{"name":"integer"}}],"type":"master_builder"},"type":"list"}},{"name":"workerinfo","type":"jsonobject","type_spec":{"name":"jsonobject"}},{"name":"paused","type":"boolean","type_spec":{"name":"boolean"}},{"name":"graceful","type":"boolean","type_spec":{"name":"boolean"}}],"type":"worker"}}`
