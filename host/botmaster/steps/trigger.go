package steps

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
)

// Trigger is `step "trigger"` (Buildbot's steps/trigger.py): asks the named
// triggerable schedulers for buildsets of the build's source stamps (with
// got_revision as their revision when update_source_stamp), and with
// wait_for_finish ends with the worst result of those buildsets.
type Trigger struct {
	Cfg config.TriggerStep

	mu        sync.Mutex
	triggered []string
	brids     []int64
	ended     bool
}

var (
	_ Summarizer  = (*Trigger)(nil)
	_ Interrupter = (*Trigger)(nil)
)

// Run implements Step.
func (t *Trigger) Run(ctx context.Context, sc Context) (int, error) {
	tr := sc.Triggerer()
	if tr == nil {
		return results.Exception, errors.New("trigger: no scheduler manager to trigger schedulers")
	}
	props := map[string]any{}
	for k, v := range t.Cfg.SetProperties {
		rv, err := sc.RenderValue(v)
		if err != nil {
			return results.Exception, fmt.Errorf("set_properties %s: %w", k, err)
		}
		props[k] = rv
	}
	for _, name := range t.Cfg.CopyProperties {
		if v, ok := sc.Property(name); ok {
			props[name] = v
		}
	}
	stamps := t.sourceStamps(sc)
	var waiter func(context.Context, int64) (int, error)
	if t.Cfg.WaitForFinish {
		waiter = sc.WaitBuildsetComplete()
	}
	overall := results.Success
	var bsids []int64
	for _, name := range t.Cfg.SchedulerNames {
		sched, err := sc.Render(name)
		if err != nil {
			return results.Exception, err
		}
		bsid, brids, err := tr.Trigger(ctx, sched, TriggerRequest{
			SourceStamps:       stamps,
			Properties:         props,
			WaitedFor:          t.Cfg.WaitForFinish,
			ParentBuildID:      sc.BuildID(),
			ParentRelationship: "Triggered from",
		})
		if err != nil {
			_ = sc.AddCompleteLog("err.text", err.Error())
			overall = results.Exception
			continue
		}
		ids := make([]int64, 0, len(brids))
		for _, id := range brids {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
		t.mu.Lock()
		t.brids = append(t.brids, ids...)
		t.triggered = append(t.triggered, sched)
		ended := t.ended
		t.mu.Unlock()
		for _, id := range ids {
			_ = sc.AddURL(fmt.Sprintf("%s #%d", sched, id), fmt.Sprintf("#/buildrequests/%d", id))
		}
		bsids = append(bsids, bsid)
		if ended {
			return results.Cancelled, nil
		}
	}
	sc.UpdateSummary()
	if !t.Cfg.WaitForFinish {
		return overall, nil
	}
	for _, bsid := range bsids {
		r, err := waiter(ctx, bsid)
		if err != nil {
			t.mu.Lock()
			ended := t.ended
			t.mu.Unlock()
			if ended {
				return results.Cancelled, nil
			}
			return results.Exception, err
		}
		overall = results.Worst(overall, r)
	}
	return overall, nil
}

// sourceStamps is Buildbot's prepareSourcestampListForTrigger.
func (t *Trigger) sourceStamps(sc Context) []TriggerSourceStamp {
	if t.Cfg.AlwaysUseLatest {
		return nil
	}
	got := map[string]string{}
	if t.Cfg.UpdateSourceStamp {
		if v, ok := sc.Property("got_revision"); ok {
			switch x := v.(type) {
			case string:
				got[""] = x
			case map[string]any:
				for k, r := range x {
					if s, ok := r.(string); ok {
						got[k] = s
					}
				}
			}
		}
	}
	var out []TriggerSourceStamp
	for _, ss := range sc.SourceStamps() {
		ts := TriggerSourceStamp{Codebase: ss.Codebase, Branch: ss.Branch, Revision: ss.Revision,
			Repository: ss.Repository, Project: ss.Project}
		if r, ok := got[ss.Codebase]; ok {
			r := r
			ts.Revision = &r
		}
		out = append(out, ts)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Codebase < out[b].Codebase })
	return out
}

// Interrupt implements Interrupter: the requests triggered so far are
// cancelled ("parent build was interrupted").
func (t *Trigger) Interrupt(ctx context.Context, sc Context, _ string) {
	t.mu.Lock()
	t.ended = true
	brids := append([]int64(nil), t.brids...)
	t.mu.Unlock()
	for _, id := range brids {
		_ = sc.CancelBuildRequest(ctx, id, "parent build was interrupted")
	}
}

// Requests returns the build requests triggered so far.
func (t *Trigger) Requests() []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]int64(nil), t.brids...)
}

// CurrentSummary implements Summarizer.
func (t *Trigger) CurrentSummary() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.triggered) == 0 {
		return "running", true
	}
	return "triggered " + joinNames(t.triggered), true
}

// ResultSummary implements Summarizer.
func (t *Trigger) ResultSummary(r int) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return "interrupted", true
	}
	if len(t.triggered) == 0 {
		return "", false
	}
	s := "triggered " + joinNames(t.triggered)
	if r != results.Success {
		s += " (" + results.Name(r) + ")"
	}
	return s, true
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
