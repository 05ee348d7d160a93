package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/master"
	"github.com/hashicorp/hcl/v2"
)

// basedirOf loads the configuration just far enough to find the base
// directory (no plugin is started).
func basedirOf(path string, stderr io.Writer) (string, bool) {
	cfg, diags := config.Load(path, config.LoadOptions{})
	if diags.HasErrors() {
		var sources map[string]*hcl.File
		if cfg != nil {
			sources = cfg.Sources
		}
		_ = config.WriteDiagnostics(stderr, sources, diags, false)
	}
	if cfg == nil || cfg.Master.Basedir == "" {
		return "", false
	}
	return cfg.Master.Basedir, true
}

func runReconfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reconfig", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "master.hcl", "configuration file or directory of the running master")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the outcome")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	basedir, ok := basedirOf(*configPath, stderr)
	if !ok {
		fmt.Fprintln(stdout, master.ReconfigAborted)
		return 1
	}
	pid, err := master.RunningPID(basedir)
	if err != nil {
		fmt.Fprintln(stderr, "bbhost reconfig:", err)
		return 1
	}
	offset := master.ReconfigLogSize(basedir)
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		fmt.Fprintf(stderr, "bbhost reconfig: signal pid %d: %v\n", pid, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ok, err = master.WaitReconfigOutcome(ctx, basedir, offset, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "bbhost reconfig:", err)
		return 1
	}
	if !ok {
		fmt.Fprintln(stdout, master.ReconfigAborted)
		return 1
	}
	fmt.Fprintln(stdout, master.ReconfigComplete)
	return 0
}

func runStop(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "master.hcl", "configuration file or directory of the running master")
	clean := fs.Bool("clean", false, "wait for running builds to finish (no new build starts)")
	timeout := fs.Duration("timeout", 0, "how long to wait for the master to exit (default 2m, or unlimited with -clean)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	basedir, ok := basedirOf(*configPath, stderr)
	if !ok {
		return 1
	}
	pid, err := master.RunningPID(basedir)
	if err != nil {
		fmt.Fprintln(stderr, "bbhost stop:", err)
		return 1
	}
	sig := syscall.SIGTERM
	if *clean {
		sig = syscall.SIGUSR1
	}
	if err := syscall.Kill(pid, sig); err != nil {
		fmt.Fprintf(stderr, "bbhost stop: signal pid %d: %v\n", pid, err)
		return 1
	}
	wait := *timeout
	if wait == 0 && !*clean {
		wait = 2 * time.Minute
	}
	deadline := time.Now().Add(wait)
	for {
		if syscall.Kill(pid, 0) != nil {
			fmt.Fprintf(stdout, "master (pid %d) stopped\n", pid)
			return 0
		}
		if wait > 0 && time.Now().After(deadline) {
			fmt.Fprintf(stderr, "bbhost stop: master (pid %d) still running after %s\n", pid, wait)
			return 1
		}
		time.Sleep(100 * time.Millisecond)
	}
}
