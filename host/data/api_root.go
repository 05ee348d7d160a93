package data

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// catalogue is every endpoint of the data API, in Buildbot's module order
// (the order matters only for patterns that could match the same path).
func (a *API) catalogue() []*endpoint {
	var eps []*endpoint
	for _, group := range [][]*endpoint{
		a.buildDataEndpoints(),
		a.builderEndpoints(),
		a.buildEndpoints(),
		a.buildrequestEndpoints(),
		a.workerEndpoints(),
		a.stepEndpoints(),
		a.logEndpoints(),
		a.buildsetEndpoints(),
		a.changeEndpoints(),
		a.schedulerEndpoints(),
		a.masterEndpoints(),
		a.sourcestampEndpoints(),
		a.forceSchedulerEndpoints(),
		a.rootEndpoints(),
		a.propertyEndpoints(),
		a.testResultEndpoints(),
	} {
		eps = append(eps, group...)
	}
	return eps
}

func (a *API) rootEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtRootLink, collection: true, patterns: []string{"/"},
			get: func(context.Context, *API, *ResultSpec, PathArgs) (any, error) {
				out := make([]any, len(rootLinks))
				for i, n := range rootLinks {
					out[i] = map[string]any{"name": n}
				}
				return out, nil
			}},
		{rtype: rtSpec, collection: true, patterns: []string{"/application.spec"},
			get: func(_ context.Context, a *API, _ *ResultSpec, _ PathArgs) (any, error) {
				return slices.Clone(a.specs), nil
			}},
	}
}

// ForceScheduler items come from the scheduler manager (ForceSchedulerSource).
func (a *API) forceSchedulerEndpoints() []*endpoint {
	return []*endpoint{
		{rtype: rtForceScheduler, patterns: []string{"/forceschedulers/i:schedulername"},
			get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
				name, _ := args.String("schedulername")
				fs, err := a.forceSchedulers(ctx)
				if err != nil {
					return nil, err
				}
				for i := range fs {
					if fs[i].Name == name {
						return &fs[i], nil
					}
				}
				return nil, nil
			}},
		{rtype: rtForceScheduler, collection: true, patterns: []string{
			"/forceschedulers",
			"/builders/:builderid/forceschedulers",
		}, get: func(ctx context.Context, a *API, _ *ResultSpec, args PathArgs) (any, error) {
			fs, err := a.forceSchedulers(ctx)
			if err != nil {
				return nil, err
			}
			builderName := ""
			if s, ok := args.String("builderid"); ok {
				// The path segment is untyped in Buildbot; a builder that
				// does not exist has no force schedulers.
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return []any{}, nil
				}
				q := newQuery(a.db.Dialect(), "SELECT name FROM builders")
				q.and("id = " + q.arg(id))
				name, ok, err := selectOne(ctx, a, q, func(s rowScanner) (string, error) {
					var n string
					return n, s.Scan(&n)
				})
				if err != nil {
					return nil, err
				}
				if !ok {
					return []any{}, nil
				}
				builderName = name
			}
			out := []any{}
			for i := range fs {
				if builderName == "" || slices.Contains(fs[i].BuilderNames, builderName) {
					out = append(out, &fs[i])
				}
			}
			return out, nil
		}},
	}
}

func (a *API) forceSchedulers(ctx context.Context) ([]ForceScheduler, error) {
	src := a.force.Load()
	if src == nil {
		return nil, nil
	}
	fs, err := src.ForceSchedulers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list force schedulers: %w", err)
	}
	for i := range fs { // Buildbot answers lists, never null
		if fs[i].BuilderNames == nil {
			fs[i].BuilderNames = []string{}
		}
		if fs[i].AllFields == nil {
			fs[i].AllFields = []json.RawMessage{}
		}
	}
	return fs, nil
}
