// Package data owns Buildbot's data API inside the master: the update methods
// (the only code that writes the database; each publishes its mq event after
// its transaction commits) and the read side (resource types, path endpoints,
// result specs with filters, order, limit, offset and field selection) that
// the REST API, the websocket and the web UI serve.
package data
