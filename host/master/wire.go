package master

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/bbhost/bbhost/host/botmaster"
	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/caches"
	"github.com/bbhost/bbhost/host/changes"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/debug"
	"github.com/bbhost/bbhost/host/metrics"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/pbmanager"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/schedulers"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/host/users"
	"github.com/bbhost/bbhost/host/workers"
	"github.com/bbhost/bbhost/host/www"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/hashicorp/hcl/v2"
)

// parts are the BuildMaster's services and the infrastructure they share.
type parts struct {
	db         *db.DB
	mq         *mq.Simple
	data       *data.Connector
	api        *data.API
	metrics    *metrics.Observer
	caches     *caches.Manager
	plugins    *plugins.Host
	pbmanager  *pbmanager.Manager
	workers    *workers.Manager
	changes    *changes.ChangeManager
	botmaster  *botmaster.BotMaster
	schedulers *schedulers.SchedulerManager
	users      *users.UserManagerManager
	www        *www.Server
	debug      *debug.Services

	masterID atomic.Int64
	closed   atomic.Bool
}

// buildParts builds every service of the tree (nothing is started).
func (m *BuildMaster) buildParts(ctx context.Context, cfg *config.Config) (*parts, error) {
	log := m.log
	p := &parts{db: m.db, mq: mq.NewSimple()}
	masterID := p.masterID.Load
	p.data = data.New(m.db, p.mq, data.Options{LogCompression: cfg.Master.LogCompression, Logger: log.Named("data")})
	p.api = data.NewAPI(data.APIOptions{DB: m.db, MQ: p.mq, Logger: log.Named("data"), Schedulers: p.data})
	p.metrics = metrics.New(log)
	p.caches = caches.NewManager(cfg.Caches.Sizes)

	host, err := plugins.New(plugins.Options{
		Basedir:  m.basedir,
		Logger:   log.Named("plugins"),
		Registry: p.metrics.Registry(),
		Services: plugins.NewDataServices(p.data, masterID),
		MQ:       p.mq,
	})
	if err != nil {
		return nil, err
	}
	p.plugins = host
	p.pbmanager = pbmanager.New(log)
	p.workers = workers.New(workers.Options{
		Logger:   log.Named("workers"),
		MQ:       p.mq,
		Updates:  p.data,
		Provider: &workers.Mux{Kinds: map[string]workers.ConnProvider{"remote": p.pbmanager}, Default: host},
		MasterID: masterID,
	})
	p.changes = changes.New(host)
	p.schedulers = schedulers.New(host)
	p.users = users.New(host)
	p.botmaster = botmaster.New(botmaster.Options{
		Logger:    log.Named("botmaster"),
		MQ:        p.mq,
		Updates:   p.data,
		Reads:     botmaster.SQLReads{DB: m.db},
		Workers:   p.workers,
		Triggerer: triggerer{p.schedulers},
		MasterID:  masterID,
	})
	p.data.SetCollapser(p.botmaster)
	if err := p.botmaster.RegisterControls(p.api); err != nil {
		return nil, fmt.Errorf("register build controls: %w", err)
	}
	p.api.SetForceSchedulers(p.schedulers)
	if err := p.registerForce(); err != nil {
		return nil, err
	}
	p.www = www.New(www.Options{Data: p.api, MQ: p.mq, Registry: p.metrics.Registry(), Logger: log.Named("www"), Config: cfg})
	p.debug = debug.New(log)
	return p, nil
}

// tree returns the service tree in Buildbot's creation order: the start
// order, and reversed the stop order. The plugin host comes before the
// services whose instances live in plugin processes.
func (p *parts) tree() *service.MultiService {
	t := service.NewMultiService("buildmaster")
	for _, s := range []service.Service{
		p.metrics, p.caches, p.plugins, p.pbmanager, p.workers, p.changes, p.botmaster,
		p.schedulers, p.users,
		named("db"), named("mq"), named("data"),
		p.www, p.debug,
	} {
		// Children of a MultiService that is not running are only recorded.
		_ = t.AddService(context.Background(), s)
	}
	return t
}

// named is a tree node for infrastructure the BuildMaster opens and closes
// itself (the database, the message queue, the data connector): it keeps
// Buildbot's service names in the tree.
func named(name string) service.Service { return &service.Base{ServiceName: name} }

func (p *parts) setMasterID(id int64) { p.masterID.Store(id) }

// schemas is the plugin kinds' schemas for the configuration loader.
func (p *parts) schemas() config.SchemaSource { return p.plugins.SchemaSource() }

// validate asks the plugins to check their blocks (the plugin-side
// validation the loader cannot do).
func (p *parts) validate(ctx context.Context, cfg *config.Config) hcl.Diagnostics {
	return p.plugins.Validate(ctx, cfg)
}

// wwwAddr is the web server's bound address, for the start-up log line.
func (p *parts) wwwAddr() string { return p.www.Addr() }

// shutdownBuilds ends the running builds before the master stops: a clean
// shutdown waits for them, otherwise they are stopped with RETRY.
func (p *parts) shutdownBuilds(ctx context.Context, clean bool) error {
	if clean {
		if err := p.botmaster.CleanShutdown(ctx); err != nil {
			return err
		}
	}
	return p.botmaster.Stop(ctx)
}

// close releases what the tree does not own (plugin processes).
func (p *parts) close() {
	if p.closed.Swap(true) {
		return
	}
	p.plugins.Close()
}

// registerForce serves JSON-RPC `force` on /forceschedulers/<name>.
func (p *parts) registerForce() error {
	return p.api.RegisterControl("/forceschedulers/i:schedulername", "force",
		func(ctx context.Context, args data.PathArgs, params map[string]any) (any, error) {
			name, _ := args.String("schedulername")
			owner, _ := params["owner"].(string)
			if owner == "anonymous" {
				owner = ""
			}
			if err := p.builderIDToName(ctx, params); err != nil {
				return nil, err
			}
			res, err := p.schedulers.ForceParams(ctx, name, owner, params)
			if err != nil {
				return nil, forceError(name, err)
			}
			return []any{res.BSID, brids(res.BRIDs)}, nil
		})
}

// builderIDToName turns a force call's `builderid` (Buildbot's form when the
// UI forces from a builder's page) into the builder's name for the plugin.
func (p *parts) builderIDToName(ctx context.Context, params map[string]any) error {
	raw, ok := params["builderid"]
	if !ok || params["builderNames"] != nil {
		return nil
	}
	var id int64
	switch v := raw.(type) {
	case float64:
		id = int64(v)
	case int64:
		id = v
	case json.Number:
		id, _ = v.Int64()
	default:
		return &data.InvalidParamsError{Msg: fmt.Sprintf("builderid must be a number, not %v", raw)}
	}
	var name string
	err := p.db.QueryRow(ctx, "SELECT name FROM builders WHERE id = $1", id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return &data.InvalidParamsError{Msg: fmt.Sprintf("no builder with id %d", id)}
	}
	if err != nil {
		return err
	}
	params["builderNames"] = []any{name}
	return nil
}

// brids renders {builderid: brid} with string keys, as Buildbot's JSON does.
func brids(m map[int64]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[fmt.Sprint(k)] = v
	}
	return out
}

func forceError(name string, err error) error {
	var ve *scheduler.ValidationError
	switch {
	case errors.As(err, &ve):
		return &data.InvalidParamsError{Msg: err.Error(), Details: ve.Fields}
	case errors.Is(err, schedulers.ErrUnknownScheduler), errors.Is(err, schedulers.ErrNotForce):
		return &data.NotFoundError{Msg: fmt.Sprintf("no force scheduler named %q", name)}
	}
	return err
}

// triggerer serves the trigger step through the scheduler manager.
type triggerer struct{ m *schedulers.SchedulerManager }

func (t triggerer) Trigger(ctx context.Context, name string, req steps.TriggerRequest) (int64, map[int64]int64, error) {
	r := scheduler.TriggerRequest{WaitedFor: req.WaitedFor, Properties: map[string]base.Property{}}
	for k, v := range req.Properties {
		r.Properties[k] = base.Property{Value: v, Source: "Trigger"}
	}
	for _, ss := range req.SourceStamps {
		r.SourceStamps = append(r.SourceStamps, base.SourceStamp{Codebase: ss.Codebase, Branch: ss.Branch,
			Revision: ss.Revision, Repository: ss.Repository, Project: ss.Project})
	}
	if req.ParentBuildID != 0 {
		id := req.ParentBuildID
		r.ParentBuildID = &id
	}
	if req.ParentRelationship != "" {
		rel := req.ParentRelationship
		r.ParentRelationship = &rel
	}
	res, err := t.m.Trigger(ctx, name, r)
	if err != nil {
		return 0, nil, err
	}
	return res.BSID, res.BRIDs, nil
}
