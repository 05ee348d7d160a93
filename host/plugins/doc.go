// Package plugins owns the master's plugin processes: the catalog (plugin
// binaries found in <basedir>/plugins, beside the bbhost binary and at
// `plugin` blocks' sources, checked against the lock file
// <basedir>/.bbhost.lock.hcl and the blocks' sha256), installation of
// binaries and release archives, one go-plugin process per binary serving
// every instance configured with it, crash detection and restart with
// exponential backoff, hot swap of a changed binary (new process first,
// then the instances move, then the old process drains and stops), the
// Host service plugins call back through the go-plugin broker, and the
// schemas of plugin kinds for the configuration loader.
//
// The master builds one Host. Its SchemaSource and Validate serve
// configuration loading; its Instance type is what the change source,
// scheduler and user manager managers (host/changes, host/schedulers,
// host/users) run as services; plugin workers are run by the Host itself
// and handed to the worker manager as connections (ConnProvider). What
// plugins may do to the master goes through HostServices, which the master
// implements on top of host/data (NewDataServices).
//
// Nothing outside this package talks to go-plugin.
package plugins
