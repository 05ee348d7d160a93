package data

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bbhost/bbhost/host/mq"
)

// ControlHandler performs one control action on what a path names (Buildbot's
// Endpoint.control). args are the path's captured values, params the
// JSON-RPC params (with "owner" set by the web server). The result is the
// JSON-RPC result.
type ControlHandler func(ctx context.Context, args PathArgs, params map[string]any) (any, error)

// controlSet holds the actions registered for one path pattern.
type controlSet struct {
	actions map[string]ControlHandler
}

// RegisterControl makes action available on every path matching pattern
// ("/builds/n:buildid", with the same syntax as the endpoints). Registering
// an action twice for a pattern replaces it. The build engine registers
// force, stop, rebuild and cancel this way.
func (a *API) RegisterControl(pattern, action string, h ControlHandler) error {
	if h == nil || action == "" {
		return fmt.Errorf("register control %q on %s: no handler or action", action, pattern)
	}
	pat, err := parsePattern(pattern)
	if err != nil {
		return fmt.Errorf("register control %q: %w", action, err)
	}
	a.ctlMu.Lock()
	defer a.ctlMu.Unlock()
	for _, e := range a.controls.all {
		if e.pat.text == pat.text {
			e.target.actions[action] = h
			return nil
		}
	}
	return a.controls.add(pattern, &controlSet{actions: map[string]ControlHandler{action: h}})
}

// Control runs action on path ("workers/3"). A path that names nothing is a
// *NotFoundError ("Invalid path: …"); an action the path does not offer is an
// *UnsupportedActionError.
func (a *API) Control(ctx context.Context, path, action string, params map[string]any) (any, error) {
	segs := splitPath(path)
	a.ctlMu.RLock()
	set, _, args, ok := a.controls.lookup(segs)
	var h ControlHandler
	if ok {
		h = set.actions[action]
	}
	a.ctlMu.RUnlock()
	if h != nil {
		if params == nil {
			params = map[string]any{}
		}
		return h(ctx, args, params)
	}
	if !ok {
		if _, _, _, ok = a.endpoints.lookup(segs); !ok {
			return nil, notFoundf("Invalid path: %s", strings.Join(segs, "/"))
		}
	}
	return nil, &UnsupportedActionError{Msg: fmt.Sprintf("action: %s is not supported", action)}
}

// SchedulerEnabler is the update method behind the `enable` control
// (Buildbot's schedulerEnable: write schedulers.enabled, then publish
// schedulers.<id>.updated).
type SchedulerEnabler interface {
	SchedulerEnable(ctx context.Context, schedulerid int64, enabled bool) error
}

// SetSchedulerEnabler sets the update method `enable` calls.
func (a *API) SetSchedulerEnabler(e SchedulerEnabler) {
	if e == nil {
		a.enabler.Store(nil)
		return
	}
	a.enabler.Store(&enablerBox{e})
}

type enablerBox struct{ SchedulerEnabler }

// reason is the control's reason parameter, "no reason" when absent.
func reason(params map[string]any) any {
	if r, ok := params["reason"]; ok {
		return r
	}
	return "no reason"
}

func (a *API) registerBuiltinControls() {
	for _, p := range workerPatterns {
		for _, action := range []string{"stop", "pause", "unpause", "kill"} {
			action := action
			_ = a.RegisterControl(p, action, func(ctx context.Context, args PathArgs, params map[string]any) (any, error) {
				w, err := a.workerByPath(ctx, args)
				if err != nil {
					return nil, fmt.Errorf("%s worker: %w", action, err)
				}
				if w == nil {
					return nil, notFoundf("worker not found")
				}
				a.mq.Produce(mq.Key{"control", "worker", strconv.FormatInt(w.WorkerID, 10), action},
					map[string]any{"reason": reason(params)})
				return nil, nil
			})
		}
	}
	for _, p := range []string{"/schedulers/n:schedulerid", "/masters/n:masterid/schedulers/n:schedulerid"} {
		_ = a.RegisterControl(p, "enable", a.enableScheduler)
	}
}

func (a *API) enableScheduler(ctx context.Context, args PathArgs, params map[string]any) (any, error) {
	enabled, ok := params["enabled"].(bool)
	if !ok {
		return nil, &InvalidParamsError{Msg: "'enabled' must be a boolean"}
	}
	id, _ := args.Int("schedulerid")
	s, err := a.schedulers(ctx, args, nil, &id)
	if err != nil {
		return nil, fmt.Errorf("enable scheduler %d: %w", id, err)
	}
	if len(s) == 0 {
		return nil, notFoundf("scheduler not found")
	}
	e := a.enabler.Load()
	if e == nil {
		return nil, &UnsupportedActionError{Msg: "action: enable is not supported"}
	}
	if err := e.SchedulerEnable(ctx, id, enabled); err != nil {
		return nil, fmt.Errorf("enable scheduler %d: %w", id, err)
	}
	return nil, nil
}
