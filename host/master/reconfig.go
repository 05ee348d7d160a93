package master

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/hashicorp/hcl/v2"
)

// loadConfig loads and checks the configuration. Errors are logged as
// diagnostics and returned as a *ConfigError.
func (m *BuildMaster) loadConfig(schemas config.SchemaSource, cache *config.Cache) (*config.Config, error) {
	cfg, diags := config.Load(m.opts.ConfigPath, config.LoadOptions{Schemas: schemas, Hostname: m.opts.Hostname, Cache: cache})
	return cfg, m.diagnosticsError(cfg, diags)
}

// diagnosticsError logs diags and turns errors among them into a *ConfigError.
func (m *BuildMaster) diagnosticsError(cfg *config.Config, diags hcl.Diagnostics) error {
	if len(diags) == 0 {
		return nil
	}
	var sources map[string]*hcl.File
	if cfg != nil {
		sources = cfg.Sources
	}
	var buf bytes.Buffer
	_ = config.WriteDiagnostics(&buf, sources, diags, false)
	text := buf.String()
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if diags.HasErrors() {
			m.log.Error(line)
		} else {
			m.log.Warn(line)
		}
	}
	if diags.HasErrors() {
		return &ConfigError{Text: text}
	}
	return nil
}

// Reconfig reloads the configuration and applies it as a diff. A
// configuration with any error, or one that fails while being applied, leaves
// the running one exactly as it was. The outcome is logged and appended to the
// reconfig log for `bbhost reconfig`.
func (m *BuildMaster) Reconfig(ctx context.Context) error {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	if !m.running {
		return errors.New("master is not running")
	}
	m.reconfigs++
	started := time.Now()
	m.log.Info("beginning configuration update", "reconfig", m.reconfigs)
	err := m.reconfig(ctx)
	var report strings.Builder
	fmt.Fprintf(&report, "--- reconfig %d at %s\n", m.reconfigs, started.UTC().Format(time.RFC3339))
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			report.WriteString(ce.Text)
		} else {
			m.log.Error("reconfig failed", "error", err)
			fmt.Fprintf(&report, "Error: %v\n", err)
		}
		m.log.Error(ReconfigAborted + " without making any changes")
		report.WriteString(ReconfigAborted + "\n")
	} else {
		m.log.Info(ReconfigComplete, "took", time.Since(started).Round(time.Millisecond))
		report.WriteString(ReconfigComplete + "\n")
	}
	if werr := appendReconfigLog(m.basedir, report.String()); werr != nil {
		m.log.Warn("cannot write the reconfig log", "error", werr)
	}
	m.scheduleRelease() // a failed load used as much memory as a good one
	return err
}

func (m *BuildMaster) reconfig(ctx context.Context) error {
	// Start loads without the cache, so the configuration it keeps can be
	// compacted; reconfigs share the decoded builders of unchanged files.
	t0 := time.Now()
	cfg, err := m.loadConfig(m.parts.schemas(), m.cache)
	if err != nil {
		return err
	}
	if err := m.diagnosticsError(cfg, append(immutableChanges(m.cfg, cfg), unsupported(cfg)...)); err != nil {
		return err
	}
	t1 := time.Now()
	if err := m.diagnosticsError(cfg, m.parts.validate(ctx, cfg)); err != nil {
		return err
	}
	t2 := time.Now()
	commit, err := service.ReconfigureChildren(ctx, m.tree.Children(), m.cfg, cfg)
	if err != nil {
		return err
	}
	commit(ctx)
	m.log.Debug("reconfig phases", "load", t1.Sub(t0).Round(time.Microsecond),
		"validate", t2.Sub(t1).Round(time.Microsecond), "apply", time.Since(t2).Round(time.Microsecond))
	cfg.ReleaseSyntax()
	m.cfg = cfg
	return nil
}

// unsupported reports configured features this version does not serve: an
// error for those a site would silently depend on (several masters sharing
// events through NATS), a warning for the rest (they are accepted so a
// configuration written for a later version still loads).
func unsupported(cfg *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if cfg.MQ.Type == "nats" {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "mq type \"nats\" is not supported by this version",
			Detail:   "This bbhost runs one master with the in-process message queue (mq { type = \"simple\" }); several masters sharing NATS are not supported yet.",
			Subject:  cfg.MQ.Range.Ptr(),
		})
	}
	for _, h := range cfg.ChangeHooks {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  fmt.Sprintf("change_hook %q is not served by this version", h.Dialect),
			Detail:   "Change hooks (/change_hook/...) are not implemented yet; use a change source plugin to feed changes.",
			Subject:  h.Range.Ptr(),
		})
	}
	return diags
}

// immutableChanges reports settings a running master cannot change (Buildbot
// refuses a changed db_url and mq type the same way).
func immutableChanges(old, cfg *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	check := func(what, a, b string, rng hcl.Range) {
		if a != b {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot change " + what + " while the master runs",
				Detail:   fmt.Sprintf("The running master uses %q; the new configuration says %q. Restart the master to change it.", a, b),
				Subject:  rng.Ptr(),
			})
		}
	}
	check("database.url", old.Database.URL, cfg.Database.URL, cfg.Database.Range)
	check("database.commit_delay", old.Database.CommitDelay.String(), cfg.Database.CommitDelay.String(), cfg.Database.Range)
	check("mq.type", old.MQ.Type, cfg.MQ.Type, cfg.MQ.Range)
	check("master.name", old.Master.Name, cfg.Master.Name, cfg.Master.Range)
	check("master.basedir", old.Master.Basedir, cfg.Master.Basedir, cfg.Master.Range)
	return diags
}
