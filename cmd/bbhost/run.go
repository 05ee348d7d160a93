package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bbhost/bbhost/host/master"
	"github.com/hashicorp/go-hclog"
	"github.com/mattn/go-isatty"
)

// logFlags are the logging flags every long-running command takes.
type logFlags struct {
	level string
	json  bool
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "info", "log level: trace, debug, info, warn, error")
	fs.BoolVar(&l.json, "log-json", false, "log JSON lines instead of text")
}

func (l *logFlags) logger(w io.Writer) (hclog.Logger, error) {
	lvl := hclog.LevelFromString(l.level)
	if lvl == hclog.NoLevel {
		return nil, fmt.Errorf("unknown -log-level %q", l.level)
	}
	color := hclog.ColorOff
	if f, ok := w.(*os.File); ok && !l.json && isatty.IsTerminal(f.Fd()) {
		color = hclog.AutoColor
	}
	return hclog.New(&hclog.LoggerOptions{
		Name: "bbhost", Level: lvl, Output: w, JSONFormat: l.json, Color: color,
		IndependentLevels: true,
	}), nil
}

func runMaster(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bbhost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "master.hcl", "configuration file or directory of *.hcl files")
	var lf logFlags
	lf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bbhost:", err)
		return 2
	}
	m := master.New(master.Options{ConfigPath: *configPath, Logger: log})

	// Signals are caught before the start so none is lost during it.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	defer signal.Stop(sigs)

	ctx := context.Background()
	if err := m.Start(ctx); err != nil {
		var ce *master.ConfigError
		if !errors.As(err, &ce) {
			log.Error("cannot start", "error", err)
		}
		log.Error("Halting master.")
		return 1
	}
	reconfigs := make(chan struct{}, 1)
	reconfDone := make(chan struct{})
	go func() {
		defer close(reconfDone)
		for range reconfigs {
			_ = m.Reconfig(ctx) // outcome is logged by the master
		}
	}()
	defer func() { close(reconfigs); <-reconfDone }()

	for sig := range sigs {
		switch sig {
		case syscall.SIGHUP:
			select {
			case reconfigs <- struct{}{}:
			default: // one already queued: it will read the newest files
			}
		case syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT:
			clean := sig == syscall.SIGUSR1
			signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
			stopCtx, cancel := context.WithTimeout(ctx, stopTimeout(clean))
			err := m.Stop(stopCtx, clean)
			cancel()
			if err != nil {
				log.Error("stop", "error", err)
				return 1
			}
			return 0
		}
	}
	return 0
}

// stopTimeout bounds a stop: a clean one waits for running builds.
func stopTimeout(clean bool) time.Duration {
	if clean {
		return 24 * time.Hour
	}
	return 2 * time.Minute
}
