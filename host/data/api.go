package data

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/mq"
)

// API is the read side of the data API and its control registry: Buildbot's
// master.data.get and master.data.control. It reads the database directly
// (pushing filters, order and paging into SQL where the field is a column)
// and publishes control events on the mq. The master builds one beside the
// Connector and hands it to host/www.
type API struct {
	db  *db.DB
	mq  mq.MQ
	log hclog.Logger

	endpoints matcher[*endpoint]
	specs     []any // application.spec, built once

	force   atomic.Pointer[forceSource]
	enabler atomic.Pointer[enablerBox]

	ctlMu    sync.RWMutex
	controls matcher[*controlSet]
}

// APIOptions configures NewAPI.
type APIOptions struct {
	DB     *db.DB
	MQ     mq.MQ
	Logger hclog.Logger
	// ForceSchedulers lists the force schedulers; nil until the scheduler
	// manager provides one (see SetForceSchedulers).
	ForceSchedulers ForceSchedulerSource
	// Schedulers performs the `enable` control; nil until set (see
	// SetSchedulerEnabler).
	Schedulers SchedulerEnabler
}

// ForceSchedulerSource is what the data API needs of the scheduler manager
// to answer /forceschedulers: the force schedulers currently configured.
type ForceSchedulerSource interface {
	ForceSchedulers(ctx context.Context) ([]ForceScheduler, error)
}

type forceSource struct{ ForceSchedulerSource }

// NewAPI builds the endpoint catalogue and the built-in controls.
func NewAPI(o APIOptions) *API {
	a := &API{db: o.DB, mq: o.MQ, log: o.Logger}
	if a.log == nil {
		a.log = hclog.NewNullLogger()
	}
	a.SetForceSchedulers(o.ForceSchedulers)
	a.SetSchedulerEnabler(o.Schedulers)
	for _, ep := range a.catalogue() {
		for _, p := range ep.patterns {
			if err := a.endpoints.add(p, ep); err != nil {
				panic(err) // the catalogue is a constant of this package
			}
		}
	}
	a.specs = a.buildSpecs()
	a.registerBuiltinControls()
	return a
}

// SetForceSchedulers sets (or, with nil, clears) the force scheduler source.
func (a *API) SetForceSchedulers(src ForceSchedulerSource) {
	if src == nil {
		a.force.Store(nil)
		return
	}
	a.force.Store(&forceSource{src})
}

// endpoint is one of Buildbot's Endpoint classes: the resource it answers
// with, its path patterns and how it reads.
type endpoint struct {
	rtype *ResourceType
	// collection endpoints answer a list with meta.total; the others a
	// one-item list and empty meta.
	collection bool
	patterns   []string
	// get answers a collection ([]any, nil for "not found") or one item
	// (nil for "not found").
	get func(ctx context.Context, a *API, rs *ResultSpec, args PathArgs) (any, error)
	// raw, when set, makes the endpoint answer a byte stream instead.
	raw func(ctx context.Context, a *API, args PathArgs) (*Raw, error)
}

// Result is the answer of Get: the items of one resource type.
type Result struct {
	// Plural is the resource's plural name, the envelope key.
	Plural string
	// Singular is true for a single-item endpoint (meta is then empty).
	Singular bool
	// Items are entity structs, or maps after a `field=` projection.
	Items []any
	// Raw is set for `…/raw` and build data `…/value` endpoints, whose
	// answer is a byte stream rather than an envelope.
	Raw *Raw
}

// Raw is a streamed answer.
type Raw struct {
	// ContentType is the answer's media type with its charset.
	ContentType string
	// Filename is the attachment name for Content-Disposition.
	Filename string
	// Stream writes the body; it is called once, after the headers went.
	Stream func(ctx context.Context, w io.Writer) error
}

// Meta is the envelope's meta object: the item count for a collection (as
// Buildbot 3.7 answers: the number of items returned), empty otherwise.
func (r *Result) Meta() map[string]any {
	if r.Singular {
		return map[string]any{}
	}
	return map[string]any{"total": len(r.Items)}
}

// AppendJSON appends Buildbot's envelope {"<plural>": [...], "meta": {...}}
// with sorted keys.
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	return AppendJSON(b, r.envelope())
}

// AppendJSONIndent appends the envelope pretty-printed, as Buildbot's
// text/plain answers.
func (r *Result) AppendJSONIndent(b []byte) ([]byte, error) {
	return AppendJSONIndent(b, r.envelope())
}

func (r *Result) envelope() map[string]any {
	items := r.Items
	if items == nil {
		items = []any{}
	}
	return map[string]any{r.Plural: items, "meta": r.Meta()}
}

// Get answers a data API path ("builds/12/steps"; "" is the root) with the
// query parameters of a REST request. Errors are *NotFoundError,
// *BadRequestError, or wrapped database errors.
func (a *API) Get(ctx context.Context, path string, q url.Values) (*Result, error) {
	segs := splitPath(path)
	ep, pat, args, ok := a.endpoints.lookup(segs)
	if !ok {
		return nil, notFoundf("Invalid path: %s", strings.Join(segs, "/"))
	}
	rs, err := ParseResultSpec(q, ep.rtype, ep.collection)
	if err != nil {
		return nil, err
	}
	notFound := func() error {
		pats := make([]string, len(ep.patterns))
		for i, p := range ep.patterns {
			pats[i] = "/" + strings.TrimPrefix(p, "/")
		}
		return notFoundf("not found while getting from endpoint for %s with arguments %s",
			strings.Join(pats, ","), args.repr(pat.args))
	}
	if ep.raw != nil {
		raw, err := ep.raw(ctx, a, args)
		if err != nil {
			return nil, err
		}
		if raw == nil {
			return nil, notFound()
		}
		return &Result{Plural: ep.rtype.Plural, Singular: true, Raw: raw}, nil
	}
	v, err := ep.get(ctx, a, rs, args)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, notFound()
	}
	res := &Result{Plural: ep.rtype.Plural, Singular: !ep.collection}
	if ep.collection {
		items, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("endpoint %s answered %T, not a list", pat.text, v)
		}
		res.Items = project(rs.apply(items), rs.Fields)
	} else {
		res.Items = project([]any{v}, rs.Fields)
	}
	return res, nil
}

// buildSpecs lists every path pattern with its resource type, sorted by
// path, as GET /api/v2/application.spec answers.
func (a *API) buildSpecs() []any {
	entries := append([]matchEntry[*endpoint](nil), a.endpoints.all...)
	sort.SliceStable(entries, func(i, j int) bool {
		return lessPath(splitPath(entries[i].pat.text), splitPath(entries[j].pat.text))
	})
	out := make([]any, len(entries))
	for i, e := range entries {
		rt := e.target.rtype
		typeName, typeSpec := rt.Type.Name(), rt.Type.Spec()
		out[i] = map[string]any{"path": e.pat.text, "plural": rt.Plural, "type": typeName, "type_spec": typeSpec}
	}
	return out
}

func lessPath(a, b []string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
