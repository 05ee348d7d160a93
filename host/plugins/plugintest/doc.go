// Package plugintest helps integration tests that run real plugin
// processes: Build compiles a plugin's main package once per test binary
// (into a temporary directory removed by Main), and Services is an
// in-memory plugins.HostServices that publishes its events on an mq.MQ,
// for tests without a database.
package plugintest
