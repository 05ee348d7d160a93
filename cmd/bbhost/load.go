package main

import (
	"context"
	"io"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/sdk/transport"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
)

// pluginProtocolVersion is the plugin protocol this host speaks.
const pluginProtocolVersion = transport.ProtocolVersion

// loadHostConfig loads the configuration without plugins (host blocks only)
// and prints its diagnostics.
func loadHostConfig(path string, stderr io.Writer) (*config.Config, bool) {
	cfg, diags := config.Load(path, config.LoadOptions{})
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(stderr, cfg.Sources, diags, false)
	}
	return cfg, !diags.HasErrors()
}

// loadWithPlugins loads the configuration the way the master does: the
// plugin blocks are decoded against their plugins' schemas and checked by the
// plugins themselves. The returned cleanup stops the plugin processes it
// started. Diagnostics are returned, not printed.
func loadWithPlugins(path string, stderr io.Writer) (*config.Config, hcl.Diagnostics, func()) {
	cfg, diags := config.Load(path, config.LoadOptions{})
	if diags.HasErrors() {
		return cfg, diags, func() {}
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "bbhost", Level: hclog.Warn, Output: stderr})
	host, err := plugins.New(plugins.Options{Basedir: cfg.Master.Basedir, Logger: log})
	if err != nil {
		return cfg, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot start the plugin host", Detail: err.Error()}), func() {}
	}
	cfg, diags = config.Load(path, config.LoadOptions{Schemas: host.SchemaSource()})
	if !diags.HasErrors() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		diags = append(diags, host.Validate(ctx, cfg)...)
		cancel()
	}
	return cfg, diags, host.Close
}
