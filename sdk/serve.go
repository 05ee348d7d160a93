package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/hostservice"
	"github.com/bbhost/bbhost/sdk/transport"
	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Component is one component kind a plugin provides: a
// changesource.Component, scheduler.Component, worker.Component or
// usermanager.Component.
type Component interface {
	Registration() (base.Registration, error)
}

// Plugin describes a plugin binary.
type Plugin struct {
	// Name is the NAME of bbhost-plugin-NAME.
	Name string
	// Version is the plugin's version, "X.Y.Z".
	Version    string
	Components []Component
}

var (
	loggerOnce sync.Once
	logger     hclog.Logger
)

// Logger returns the plugin process's logger: hclog JSON at Trace on the
// process's real stderr, which the master reads and re-logs at each line's
// level under the plugin's name. It is created on first use; Serve creates
// it before go-plugin takes over os.Stderr.
func Logger() hclog.Logger {
	loggerOnce.Do(func() {
		logger = hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: os.Stderr, JSONFormat: true})
	})
	return logger
}

// watchdogInterval is how often the parent watchdog looks at the parent pid.
const watchdogInterval = time.Second

// shutdownGrace bounds the instances' stop after go-plugin stops serving
// (the master kills a plugin 2 s after asking it to exit).
const shutdownGrace = 1500 * time.Millisecond

// Serve runs the plugin and returns when the master stops it. Called with
// the argument `describe`, it prints the plugin's description as JSON and
// returns. It exits the process with status 1 when the plugin is invalid.
func Serve(p Plugin) {
	if code := run(p, os.Args[1:], os.Stdout); code >= 0 {
		os.Exit(code)
	}
}

// run is Serve's body; it returns an exit code, or -1 when Serve should
// simply return.
func run(p Plugin, args []string, stdout io.Writer) int {
	log := Logger()
	srv, err := NewServer(p, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bbhost-plugin-%s: %v\n", p.Name, err)
		return 1
	}
	if len(args) == 1 && args[0] == "describe" {
		if err := WriteDescribe(stdout, srv.Info()); err != nil {
			fmt.Fprintf(os.Stderr, "bbhost-plugin-%s: describe: %v\n", p.Name, err)
			return 1
		}
		return 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go watchParent(ctx, os.Getppid(), func() {
		log.Error("the master went away; stopping")
		sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
		_ = srv.Shutdown(sctx)
		scancel()
		os.Exit(1)
	})
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  transport.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{transport.ProtocolVersion: srv.PluginSet()},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, hostservice.ServerOptions()...)...)
		},
		Logger: log,
	})
	sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("stopping instances", "error", err)
	}
	return -1
}

// NewServer builds the transport server for p: what Serve runs, and what
// sdk/sdktest runs in-process.
func NewServer(p Plugin, log hclog.Logger) (*transport.Server, error) {
	return newServer(p, log, nil)
}

func newServer(p Plugin, log hclog.Logger, host transport.HostFunc) (*transport.Server, error) {
	regs := make([]base.Registration, 0, len(p.Components))
	for i, c := range p.Components {
		if c == nil {
			return nil, fmt.Errorf("component %d is nil", i)
		}
		r, err := c.Registration()
		if err != nil {
			return nil, err
		}
		regs = append(regs, r)
	}
	return transport.NewServer(transport.ServerOptions{Name: p.Name, Version: p.Version, Registrations: regs, Logger: log, Host: host})
}

// WriteDescribe writes the `describe` JSON of info: name, version,
// protocol versions and the components' types and kinds.
func WriteDescribe(w io.Writer, info base.PluginInfo) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(info)
}

// watchParent calls gone once the parent process changes (the master died
// and the plugin was re-parented), checking every watchdogInterval until
// ctx ends.
func watchParent(ctx context.Context, ppid int, gone func()) {
	if ppid <= 1 {
		return
	}
	t := time.NewTicker(watchdogInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != ppid {
				gone()
				return
			}
		}
	}
}
