package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/changesource"
	"github.com/hashicorp/go-hclog"
)

// stateClass and stateName locate the plugin's progress in the master's
// object state: the name of the last file processed.
const (
	stateClass = "PatchDir"
	stateName  = "last_file"
)

// PatchDir is one change_source "patchdir" instance.
type PatchDir struct {
	mu   sync.Mutex // guards cfg, host and log between Configure and the poll loop
	cfg  Config
	ref  base.Ref
	host base.Host
	log  hclog.Logger

	loop *pollLoop
}

var _ changesource.ChangeSource = (*PatchDir)(nil)

// pollLoop is the goroutine of a started instance.
type pollLoop struct {
	cancel context.CancelFunc // abandons work in hand (drain deadline passed)
	stop   chan struct{}      // asks the loop to finish the file in hand and stop
	polls  chan chan error    // forced polls
	done   chan struct{}
}

// Configure takes a new configuration; a running instance applies it from
// its next poll.
func (p *PatchDir) Configure(ctx context.Context, req base.ConfigureRequest) error {
	cfg := defaultConfig()
	if err := req.Decode(&cfg); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg, p.ref, p.host = cfg, req.Ref, req.Host
	p.log = req.Logger
	if p.log == nil {
		p.log = hclog.NewNullLogger()
	}
	return nil
}

// Start begins polling.
func (p *PatchDir) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.loop != nil {
		return nil
	}
	lctx, cancel := context.WithCancel(context.Background())
	l := &pollLoop{cancel: cancel, stop: make(chan struct{}), polls: make(chan chan error), done: make(chan struct{})}
	p.loop = l
	go p.run(lctx, l)
	return nil
}

// Stop lets the file in hand finish (until the drain deadline) and stops.
func (p *PatchDir) Stop(ctx context.Context, drain time.Time) error {
	p.mu.Lock()
	l := p.loop
	p.loop = nil
	p.mu.Unlock()
	if l == nil {
		return nil
	}
	close(l.stop)
	var timeout <-chan time.Time
	if !drain.IsZero() {
		t := time.NewTimer(time.Until(drain))
		defer t.Stop()
		timeout = t.C
	} else {
		l.cancel()
	}
	select {
	case <-l.done:
	case <-timeout:
		l.cancel()
		<-l.done
	}
	l.cancel()
	return nil
}

// Poll looks for files now and returns when that poll is over.
func (p *PatchDir) Poll(ctx context.Context) error {
	p.mu.Lock()
	l := p.loop
	p.mu.Unlock()
	if l == nil {
		return errors.New("not started")
	}
	res := make(chan error, 1)
	select {
	case l.polls <- res:
	case <-l.done:
		return errors.New("stopped")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *PatchDir) snapshot() (Config, base.Host, hclog.Logger, base.Ref) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg, p.host, p.log, p.ref
}

func (p *PatchDir) run(ctx context.Context, l *pollLoop) {
	defer close(l.done)
	for {
		cfg, _, log, _ := p.snapshot()
		err := p.pollOnce(ctx, l.stop)
		if err != nil && ctx.Err() == nil {
			log.Error("poll failed", "dir", cfg.Dir, "error", err)
		}
		if errors.Is(err, base.ErrStale) {
			log.Info("this instance was replaced; stopping")
			return
		}
		t := time.NewTimer(cfg.PollInterval)
		select {
		case <-l.stop:
			t.Stop()
			return
		case <-ctx.Done():
			t.Stop()
			return
		case res := <-l.polls:
			t.Stop()
			res <- p.pollOnce(ctx, l.stop)
		case <-t.C:
		}
	}
}

// candidates lists the files to process, in name order.
func candidates(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		switch filepath.Ext(n) {
		case ".json", ".patch", ".diff":
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// pollOnce submits every file after the last one processed. Each change and
// the new cursor are one transaction in the master; a version conflict
// (another writer) re-reads the cursor.
func (p *PatchDir) pollOnce(ctx context.Context, stop <-chan struct{}) error {
	cfg, host, log, ref := p.snapshot()
	obj, err := base.LoadObject(ctx, host, ref.Name, stateClass)
	if err != nil {
		return err
	}
	var last string
	version, err := obj.Get(ctx, stateName, &last)
	if err != nil {
		return err
	}
	names, err := candidates(cfg.Dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", cfg.Dir, err)
	}
	for _, name := range names {
		if name <= last {
			continue
		}
		select {
		case <-stop:
			return nil
		default:
		}
		path := filepath.Join(cfg.Dir, name)
		ch, perr := readChange(path, cfg)
		w, err := obj.Write(stateName, name, version)
		if err != nil {
			return err
		}
		if perr != nil {
			log.Error("skipping a file that is not a change", "file", path, "error", perr)
			if version, err = host.SetState(ctx, w); err != nil {
				return p.conflict(err)
			}
		} else {
			res, err := host.AddChange(ctx, ch, w)
			if err != nil {
				return p.conflict(err)
			}
			version = res.StateVersions[0]
			log.Info("change submitted", "file", name, "changeid", res.ChangeID)
		}
		last = name
		if cfg.Archive {
			archive(cfg.Dir, name, log)
		}
	}
	return nil
}

// conflict explains a failed write; the next poll re-reads the cursor.
func (p *PatchDir) conflict(err error) error {
	if errors.Is(err, base.ErrStateConflict) {
		return fmt.Errorf("another writer advanced the cursor; re-reading it at the next poll: %w", err)
	}
	return err
}

func readChange(path string, cfg Config) (base.Change, error) {
	st, err := os.Stat(path)
	if err != nil {
		return base.Change{}, err
	}
	if st.Size() > maxFileSize {
		return base.Change{}, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return base.Change{}, err
	}
	var ch base.Change
	if filepath.Ext(path) == ".json" {
		ch, err = ParseChangeJSON(data)
	} else {
		ch, err = ParsePatch(data)
		if ch.Author == "" {
			ch.Author = "patchdir"
		}
	}
	if err != nil {
		return base.Change{}, err
	}
	if ch.Repository == "" {
		ch.Repository = cfg.Repository
	}
	if ch.Branch == nil && cfg.Branch != "" {
		b := cfg.Branch
		ch.Branch = &b
	}
	if ch.Project == "" {
		ch.Project = cfg.Project
	}
	if ch.Codebase == "" {
		ch.Codebase = cfg.Codebase
	}
	if ch.Category == nil && cfg.Category != "" {
		c := cfg.Category
		ch.Category = &c
	}
	if ch.Properties == nil {
		ch.Properties = map[string]any{}
	}
	ch.Properties["patchdir_file"] = filepath.Base(path)
	return ch, nil
}

func archive(dir, name string, log hclog.Logger) {
	dst := filepath.Join(dir, "processed")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		log.Warn("cannot archive", "file", name, "error", err)
		return
	}
	if err := os.Rename(filepath.Join(dir, name), filepath.Join(dst, name)); err != nil {
		log.Warn("cannot archive", "file", name, "error", err)
	}
}
