package main

import (
	"path/filepath"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
)

// Config is the block `change_source "patchdir" "NAME" { ... }`.
type Config struct {
	Dir          string        `hcl:"dir" doc:"directory to watch (absolute path)"`
	PollInterval time.Duration `hcl:"poll_interval,optional" doc:"how often to look for new files, e.g. \"10s\" (default 10s, at least 10ms)"`
	Repository   string        `hcl:"repository,optional" doc:"repository of changes whose file names none"`
	Branch       string        `hcl:"branch,optional" doc:"branch of changes whose file names none"`
	Project      string        `hcl:"project,optional" doc:"project of changes whose file names none"`
	Codebase     string        `hcl:"codebase,optional" doc:"codebase of changes whose file names none"`
	Category     string        `hcl:"category,optional" doc:"category of every change"`
	Archive      bool          `hcl:"archive,optional" doc:"move processed files into <dir>/processed"`
}

func defaultConfig() Config {
	return Config{PollInterval: 10 * time.Second}
}

// minPollInterval keeps a typo from spinning the plugin.
const minPollInterval = 10 * time.Millisecond

// Validate runs after decoding, in ValidateConfig and Configure: its
// diagnostics name the attribute, so the master points at the user's file
// and line.
func (c *Config) Validate() base.Diagnostics {
	var d base.Diagnostics
	if !filepath.IsAbs(c.Dir) {
		d = append(d, base.AttrError("dir", "Directory must be absolute",
			"dir = \""+c.Dir+"\" is relative; the plugin runs in the master's base directory, write the full path."))
	}
	if c.PollInterval < minPollInterval {
		d = append(d, base.AttrError("poll_interval", "Poll interval too short",
			"poll_interval must be at least 10ms; got "+c.PollInterval.String()+"."))
	}
	return d
}
